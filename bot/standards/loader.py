"""Read the standards markdown: front matter, one section per `## Title {#id}` heading."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from bot.standards.model import Example, Section, StandardsDocument

_HEADING = re.compile(r"^##\s+(?P<title>.+?)\s*\{#(?P<id>[^}]*)\}\s*$")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_META = re.compile(r"^(Keywords|Sources):\s*(.*)$")
_REQUIRED = ("version", "date")
_MAX_ID = 40
# Labelled example questions that come with the text, one JSON object a line:
# {"q": "can they train on my videos", "expected": ["consent-training"]}; an empty list for a
# question the text does not cover. The answerer learns from them which section members mean.
EXAMPLES_FILE = "questions.jsonl"


class StandardsError(Exception):
    """The standards text is broken; the message names the file and line."""

    def __init__(self, file: str, line: int, problem: str) -> None:
        super().__init__(f"{file}:{line}: {problem}")
        self.file, self.line, self.problem = file, line, problem


def load_standards(folder: Path) -> StandardsDocument:
    """Load every .md file in folder (sorted by name) as one document; raise on any defect."""
    files = sorted(folder.glob("*.md"))
    if not files:
        raise StandardsError(str(folder), 0, "no standards files (*.md) here")
    parsed = [parse_file(f.name, f.read_text(encoding="utf-8")) for f in files]
    first_meta = parsed[0][0]
    for (meta, _), path in zip(parsed[1:], files[1:], strict=True):
        if meta["version"] != first_meta["version"]:
            raise StandardsError(
                path.name, 1, f"version {meta['version']} differs from {first_meta['version']}"
            )
    sections = [s for _, secs in parsed for s in secs]
    _check_unique(sections)
    examples = folder / EXAMPLES_FILE
    return StandardsDocument(
        title=first_meta.get("title", "Standards"),
        version=first_meta["version"],
        date=first_meta["date"],
        example=first_meta.get("example", "false").lower() == "true",
        sections=tuple(sections),
        examples=(
            parse_examples(examples.read_text(encoding="utf-8"), {s.id for s in sections})
            if examples.is_file()
            else ()
        ),
    )


def parse_examples(text: str, section_ids: set[str]) -> tuple[Example, ...]:
    """Parse the labelled example questions; every section they name must be in the text."""
    examples = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise StandardsError(EXAMPLES_FILE, number, "not a JSON object") from None
        question = row.get("q") if isinstance(row, dict) else None
        expected = row.get("expected") if isinstance(row, dict) else None
        if not isinstance(question, str) or not question.strip():
            raise StandardsError(EXAMPLES_FILE, number, 'needs "q": the question as text')
        if not isinstance(expected, list) or not all(isinstance(i, str) for i in expected):
            raise StandardsError(
                EXAMPLES_FILE, number, 'needs "expected": a list of section ids ([] if none)'
            )
        unknown = [i for i in expected if i not in section_ids]
        if unknown:
            raise StandardsError(
                EXAMPLES_FILE, number, f"no section {unknown[0]!r} in the text for {question!r}"
            )
        examples.append(Example(question.strip(), tuple(expected)))
    return tuple(examples)


def parse_file(name: str, text: str) -> tuple[dict[str, str], list[Section]]:
    """Parse one file into its front matter and sections."""
    lines = text.splitlines()
    meta, start = _front_matter(name, lines)
    sections: list[Section] = []
    current: tuple[int, str, str] | None = None
    body: list[str] = []
    for number, line in enumerate(lines[start:], start=start + 1):
        heading = _HEADING.match(line)
        if heading is None and line.startswith("## "):
            raise StandardsError(name, number, "a section heading needs an id: ## Title {#id}")
        if heading:
            if current:
                sections.append(_section(name, current, body))
            current, body = (number, heading["title"], heading["id"]), []
        elif line.startswith("# ") and current is not None:
            raise StandardsError(name, number, "only one # title, before the first section")
        elif current is not None:
            body.append(line)
    if current:
        sections.append(_section(name, current, body))
    if not sections:
        raise StandardsError(name, len(lines), "no sections (## Title {#id} headings) found")
    return meta, sections


def _front_matter(name: str, lines: list[str]) -> tuple[dict[str, str], int]:
    if not lines or lines[0].strip() != "---":
        raise StandardsError(name, 1, "the file must start with front matter (a --- line)")
    meta: dict[str, str] = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            missing = [k for k in _REQUIRED if not meta.get(k)]
            if missing:
                raise StandardsError(name, number, f"front matter lacks {', '.join(missing)}")
            if not _DATE.match(meta["date"]):
                raise StandardsError(name, number, "front matter date must be YYYY-MM-DD")
            return meta, number
        key, sep, value = line.partition(":")
        if not sep or not key.strip().isidentifier():
            raise StandardsError(name, number, f"front matter line is not 'key: value': {line!r}")
        meta[key.strip()] = value.strip().strip("\"'")
    raise StandardsError(name, len(lines), "front matter is not closed with a --- line")


def _section(name: str, head: tuple[int, str, str], lines: list[str]) -> Section:
    number, title, section_id = head
    if not _ID.match(section_id) or len(section_id) > _MAX_ID:
        raise StandardsError(
            name, number, f"section id {section_id!r} must be lowercase-kebab-case, ≤ {_MAX_ID}"
        )
    meta: dict[str, tuple[str, ...]] = {}
    start = 0
    while start < len(lines) and (not lines[start].strip() or _META.match(lines[start])):
        match = _META.match(lines[start])
        start += 1
        if match:
            line = number + start
            if match[1] in meta:
                raise StandardsError(name, line, f"a second {match[1]}: line in {section_id!r}")
            meta[match[1]] = _meta_values(name, line, match[1], match[2])
    for offset, text in enumerate(lines[start:], start=start + 1):
        if _META.match(text):
            raise StandardsError(
                name, number + offset, "Keywords: and Sources: lines go right under the heading"
            )
    body = "\n".join(lines[start:]).strip()
    if not body:
        raise StandardsError(name, number, f"section {section_id!r} is empty")
    return Section(
        id=section_id,
        title=title,
        body=body,
        keywords=meta.get("Keywords", ()),
        sources=meta.get("Sources", ()),
        file=name,
        line=number,
    )


def _meta_values(name: str, line: int, key: str, text: str) -> tuple[str, ...]:
    values = tuple(p.strip() for p in text.split(",") if p.strip())
    if not values:
        raise StandardsError(name, line, f"the {key}: line is empty")
    if key == "Sources":
        for url in values:
            parts = urlsplit(url)
            if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in url):
                raise StandardsError(name, line, f"source {url!r} must be an https URL")
    return values


def _check_unique(sections: list[Section]) -> None:
    seen: dict[str, Section] = {}
    for section in sections:
        if section.id in seen:
            first = seen[section.id]
            raise StandardsError(
                section.file,
                section.line,
                f"duplicate section id {section.id!r} (first at {first.file}:{first.line})",
            )
        seen[section.id] = section
