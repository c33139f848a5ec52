"""The word index of the standards: BM25 over each section's stems, held in memory as numpy arrays.

The index is derived data, rebuilt whenever the text is loaded. It scores a question the way the
SQLite FTS5 index it replaces did (BM25 with k1 = 1.2 and b = 0.75, each phrase counted in the
title, keywords and body with weights 10, 6 and 1, the row length over all three), but in the
process: an answer no longer waits for a database thread, and a question over 10,000 sections
touches only the postings of its own words instead of scoring every matching row in SQL
(see README, "Performance").
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

from bot.standards.model import Section
from bot.standards.query import Concept, stems_of

# Titles count most, then the words creators use (keywords), then the body.
COLUMN_WEIGHTS = (10.0, 6.0, 1.0)
K1 = 1.2
B = 0.75
# Keeps a phrase from matching across two keywords ("voice clone, my face" is not "clone my").
_KEYWORD_GAP = "|"

Postings = tuple[np.ndarray, np.ndarray]  # section rows, weighted phrase frequency in each


def _columns(section: Section) -> tuple[list[str], list[str], list[str]]:
    keywords: list[str] = []
    for keyword in section.keywords:
        keywords += [*stems_of(keyword), _KEYWORD_GAP]
    return stems_of(section.title), keywords, stems_of(section.body)


class SearchIndex:
    """BM25 search over sections; lower scores are better matches, as FTS5 reported them."""

    def __init__(self, sections: Sequence[Section]) -> None:
        self.section_ids = [s.id for s in sections]
        postings: defaultdict[str, dict[int, float]] = defaultdict(dict)
        lengths = np.zeros(len(sections), dtype=np.float32)
        self._texts: list[tuple[str, ...]] = []
        for row, section in enumerate(sections):
            columns = _columns(section)
            self._texts.append(tuple(f" {' '.join(c)} " for c in columns))
            for weight, stems in zip(COLUMN_WEIGHTS, columns, strict=True):
                for stem, count in Counter(stems).items():
                    if stem != _KEYWORD_GAP:
                        postings[stem][row] = postings[stem].get(row, 0.0) + weight * count
            lengths[row] = sum(len(c) for c in columns) - columns[1].count(_KEYWORD_GAP)
        average = float(lengths.mean()) if len(sections) else 1.0
        self._norm = K1 * (1 - B + B * lengths / max(average, 1e-9))
        self._single: dict[str, Postings] = {
            stem: (
                np.fromiter(rows.keys(), dtype=np.int64, count=len(rows)),
                np.fromiter(rows.values(), dtype=np.float32, count=len(rows)),
            )
            for stem, rows in postings.items()
        }
        self._phrases: dict[tuple[str, ...], Postings] = {}

    def postings(self, phrase: tuple[str, ...]) -> Postings:
        """The sections holding a phrase of stems, with its weighted frequency in each."""
        if len(phrase) == 1:
            return self._single.get(phrase[0], _EMPTY)
        found = self._phrases.get(phrase)
        if found is None:
            found = self._phrase_postings(phrase)
            # Only synonym phrases have several words, so this cache stays small.
            self._phrases[phrase] = found
        return found

    def _phrase_postings(self, phrase: tuple[str, ...]) -> Postings:
        rows = self.postings(phrase[:1])[0]
        for stem in phrase[1:]:
            rows = np.intersect1d(rows, self.postings((stem,))[0], assume_unique=True)
        needle = f" {' '.join(phrase)} "
        frequencies = [
            sum(w * t.count(needle) for w, t in zip(COLUMN_WEIGHTS, self._texts[r], strict=True))
            for r in rows.tolist()
        ]
        found = np.asarray(frequencies, dtype=np.float32)
        return rows[found > 0], found[found > 0]

    def scores(self, concepts: Sequence[Concept]) -> np.ndarray:
        """BM25 of every section (0 where none of the question's phrases occurs), higher better."""
        scores = np.zeros(len(self.section_ids), dtype=np.float32)
        total = len(self.section_ids)
        phrases = dict.fromkeys(p for c in concepts for _, p in c.alternatives if p)
        for phrase in phrases:
            rows, frequency = self.postings(phrase)
            if not rows.size:
                continue
            idf = max(1e-6, math.log((0.5 + total - rows.size) / (0.5 + rows.size)))
            scores[rows] += idf * frequency * (K1 + 1.0) / (frequency + self._norm[rows])
        return scores

    def search(self, concepts: Sequence[Concept], limit: int = 10) -> list[tuple[str, float]]:
        """Section ids and BM25 scores (negated, lower is better), best first."""
        scores = self.scores(concepts)
        matched = np.flatnonzero(scores > 0)
        if matched.size > limit:
            matched = matched[np.argpartition(-scores[matched], limit - 1)[:limit]]
        best = sorted(matched.tolist(), key=lambda row: (-scores[row], row))
        return [(self.section_ids[row], -float(scores[row])) for row in best]


_EMPTY: Postings = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
