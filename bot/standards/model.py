"""The standards as data: document, sections, and the answers built from them."""

from __future__ import annotations

from dataclasses import dataclass, field

# The id of a section that says what the standards leave out (growing a channel, taxes, gear,
# event times): the decision declines a question it (nearly) wins, and example questions the
# text does not cover are learned as this section's (decide.py, learned.py).
OUT_OF_SCOPE_SECTION = "not-covered"


@dataclass(frozen=True, slots=True)
class Section:
    """One section of the standards, with a stable id others can link to."""

    id: str
    title: str
    body: str
    keywords: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    file: str = ""
    line: int = 0

    def passages(self) -> list[str]:
        """The body split into paragraphs; a list stays with the line that introduces it."""
        blocks = [b.strip() for b in self.body.split("\n\n") if b.strip()]
        merged: list[str] = []
        for block in blocks:
            is_list = block.lstrip().startswith(("- ", "* ", "1. "))
            if is_list and merged and merged[-1].rstrip().endswith(":"):
                merged[-1] = f"{merged[-1]}\n{block}"
            else:
                merged.append(block)
        return merged


@dataclass(frozen=True, slots=True)
class Example:
    """A labelled question that comes with the text: the sections that answer it, none when the
    text does not cover it."""

    question: str
    sections: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StandardsDocument:
    """A loaded, validated version of the standards, with its labelled example questions."""

    title: str
    version: str
    date: str
    example: bool
    sections: tuple[Section, ...]
    examples: tuple[Example, ...] = ()

    def section(self, section_id: str) -> Section | None:
        """The section with this id, or None."""
        return next((s for s in self.sections if s.id == section_id), None)


@dataclass(frozen=True, slots=True)
class Citation:
    """A section an answer rests on."""

    section_id: str
    title: str
    version: str
    url: str | None


@dataclass(frozen=True, slots=True)
class Answer:
    """What /ask returns: a passage with citations, or a decline with suggestions.

    closest is set when the answer comes from the best section but the evidence that it
    answers the question is weak: the reply says it is the closest match.
    """

    question: str
    covered: bool
    confidence: float
    passage: str = ""
    citations: tuple[Citation, ...] = ()
    suggestions: tuple[Citation, ...] = ()
    generated: bool = False
    closest: bool = False
    question_id: int | None = field(default=None, compare=False)

    @property
    def top_section_id(self) -> str | None:
        """The id of the section the answer came from (or the closest one when declined)."""
        cited = self.citations or self.suggestions
        return cited[0].section_id if cited else None
