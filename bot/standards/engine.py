"""Retrieval: rank sections for a question and say how well the best one covers it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.standards.index import SearchIndex
from bot.standards.model import Section, StandardsDocument
from bot.standards.query import Concept, QueryParser, fts_query, idf, stems_of, words

CANDIDATES = 10
# A question word found nowhere in the text counts this much of a rare word's weight: enough that
# off-topic questions are declined, not so much that one unusual word sinks a real question.
UNKNOWN_WORD_FACTOR = 0.8


@dataclass(frozen=True, slots=True)
class _Stems:
    """A piece of text reduced to stems, for scoring coverage."""

    stem_set: frozenset[str]
    stem_text: str

    @classmethod
    def of(cls, text: str) -> _Stems:
        stems = stems_of(text)
        return cls(frozenset(stems), f" {' '.join(stems)} ")


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate section with its coverage of the question (0 to 1) and BM25 score."""

    section: Section
    coverage: float
    bm25: float


class Engine:
    """One loaded document with its index, vocabulary and per-section stems."""

    def __init__(
        self,
        document: StandardsDocument,
        index: SearchIndex,
        unknown_word_factor: float = UNKNOWN_WORD_FACTOR,
    ) -> None:
        self.document = document
        self.unknown_word_factor = unknown_word_factor
        self.index = index
        self._sections = {s.id: s for s in document.sections}
        self._stems = {s.id: _Stems.of(_searchable(s)) for s in document.sections}
        self._passages = {
            s.id: [(p, _Stems.of(p)) for p in s.passages()] for s in document.sections
        }
        df: Counter[str] = Counter()
        for stems in self._stems.values():
            df.update(stems.stem_set)
        self._df = df
        vocabulary = {w for s in document.sections for w in words(_searchable(s))}
        self.parser = QueryParser(vocabulary)

    @classmethod
    async def build(cls, document: StandardsDocument) -> Engine:
        """Index a document and prepare everything a question needs."""
        return cls(document, await SearchIndex.build(document.sections))

    async def close(self) -> None:
        await self.index.close()

    def weight(self, concept: Concept) -> float:
        """How much a concept counts: rare words more, words found nowhere most."""
        frequency = min(self._df.get(s, 0) for s in stems_of(concept.word) or [""])
        weight = idf(frequency, len(self._sections))
        return weight * self.unknown_word_factor if frequency == 0 else weight

    async def rank(self, concepts: list[Concept]) -> list[Ranked]:
        """Candidates in BM25 order, each with how much of the question it covers.

        Ordering by coverage instead was measured on the tuning questions and lost top-3
        accuracy (88% against 100%); coverage decides only whether to answer at all.
        """
        hits = await self.index.search(fts_query(concepts), CANDIDATES)
        total = sum(self.weight(c) for c in concepts) or 1.0
        ranked = []
        for section_id, score in hits:
            stems = self._stems[section_id]
            covered = sum(
                self.weight(c) for c in concepts if c.matches(stems.stem_set, stems.stem_text)
            )
            ranked.append(Ranked(self._sections[section_id], covered / total, score))
        return ranked

    def best_passage(self, section: Section, concepts: list[Concept]) -> str:
        """The paragraph of a section that covers most of the question."""
        best, best_score = "", -1.0
        for text, stems in self._passages[section.id]:
            score = sum(
                self.weight(c) for c in concepts if c.matches(stems.stem_set, stems.stem_text)
            )
            if score > best_score:
                best, best_score = text, score
        return best


def _searchable(section: Section) -> str:
    return f"{section.title}\n{' '.join(section.keywords)}\n{section.body}"
