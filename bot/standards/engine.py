"""Retrieval: rank sections for a question (words and meaning, fused) and say how well they fit."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.heap import trim_heap
from bot.standards.index import SearchIndex
from bot.standards.learned import WEIGHT as LEARNED_WEIGHT
from bot.standards.learned import SectionClassifier
from bot.standards.model import OUT_OF_SCOPE_SECTION, Example, Section, StandardsDocument
from bot.standards.query import (
    STOP_WORDS,
    Concept,
    QueryParser,
    idf,
    semantic_text,
    stems_of,
    words,
)
from bot.standards.semantic import Embedder, SemanticIndex, shared_embedder

__all__ = ["Engine", "Ranked", "Turns", "learn", "semantic_text"]

log = logging.getLogger(__name__)

CANDIDATES = 10
# Up to this many sections a question is ranked on the event loop (well under a millisecond on
# the bundled text, where handing it to a thread cost more than the work); past it, in a thread.
INLINE_SECTIONS = 2000
# Candidates from the word index (BM25) and from the embeddings are ordered by a blend of the
# share of the question's words a section covers, the cosine similarity of meaning, and BM25
# relative to the best hit. The weights were chosen on the tuning questions
# (bench/tune_standards.py), where this blend beat reciprocal-rank fusion of the two rankings;
# see README.
COVERAGE_WEIGHT = 1.5
SIMILARITY_WEIGHT = 2.0
VIEW_WEIGHT = 1.0
BM25_WEIGHT = 0.5
# Word-to-word similarity of meaning (semantic.SemanticIndex.term_similarities) sorts the
# candidates, at TERM_WEIGHT beside the blended score, but is left out of the score the decision
# reads: it separates neighbouring sections, while an off-topic question still finds near words
# in every section. Chosen on the 185 + 86 tuning questions (five-fold cross-validation, floor
# and scope margin re-chosen per fold, averaged over five shuffles): weight 0, 1, 1.5, 2, 3 gave
# top-1 148, 151, 153, 152, 152 of 185 with correct declines 75-76 of 86 throughout.
TERM_WEIGHT = 1.5
# A question word found nowhere in the text counts this much of a rare word's weight: enough that
# off-topic questions are declined, not so much that one unusual word sinks a real question.
UNKNOWN_WORD_FACTOR = 0.8
# Coverage is the weight of the question's concepts a section contains over the weight of the
# question's COVERAGE_CONCEPTS heaviest concepts (at most 1): a member who tells the whole story
# ("so the studio i freelance for just let go of half the storyboard team…") is not declined for
# the many words the text never uses, while a short near miss (gear, taxes) still is. Chosen by
# five-fold cross-validation on the tuning questions (5 shuffles, floor and scope margin re-chosen
# on the training folds): all concepts, 12, 10, 8, 6, 5, 4, 3 gave held-out top-1 81.4, 81.3,
# 82.3, 82.4, 83.3, 84.6, 84.1, 85.1% and correct declines 93.8, 94.4, 94.4, 93.8, 94.9, 94.9,
# 94.3, 92.2%.
COVERAGE_CONCEPTS = 5


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
    """A candidate section: its coverage of the question's words (0 to 1), BM25 score (0 when
    the word index did not find it), similarity of meaning (cosine, whole section), similarity to
    the nearest short view (title or a keyword), the probability the classifier learned from the
    example questions gives it (0 without examples; part of the score), the blended score the
    decision reads, and the word-to-word similarity that is added to that score only to sort the
    candidates."""

    section: Section
    coverage: float
    bm25: float
    similarity: float = 0.0
    score: float = 0.0
    view_similarity: float = 0.0
    term_similarity: float = 0.0
    learned: float = 0.0


class Turns:
    """Rankings on the event loop, one per pass of it: a question whose ranking would follow
    another's in the same pass waits for the next, first in first out.

    Tasks that become ready together run one after another in one pass of asyncio's loop before
    it reads its sockets again, so 1,000 questions arriving at once were ranked back to back and
    the gateway's next interactions were read only after all of them. With turns the loop reads
    the gateway (and defers the questions that will wait, see bot/ui/replies.py) and sends the
    answers between two rankings. A worker thread did that too, but ranking beside the loop
    under Python's one lock, a new question cost 1.15–1.55 ms of CPU against 0.85–1.05 ms in
    turns (bench.interactions_bench, "ask new" at 200).
    """

    def __init__(self) -> None:
        self._busy = False  # a ranking ran in this pass, or the next question was given its turn
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def take(self) -> None:
        """Wait for this ranking's turn (at once when none ran in this pass of the loop)."""
        if self._busy:
            turn = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._pass_on()  # given the turn, then cancelled: the next one takes it
                raise
        self._busy = True

    def end(self) -> None:
        """This ranking is done: the next waiting one is given its turn in the next pass."""
        asyncio.get_running_loop().call_soon(self._pass_on)

    def _pass_on(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():  # not cancelled while it waited
                turn.set_result(None)
                return
        self._busy = False


class Engine:
    """One loaded document with its index, vocabulary and per-section stems."""

    def __init__(
        self,
        document: StandardsDocument,
        semantic: SemanticIndex,
        unknown_word_factor: float = UNKNOWN_WORD_FACTOR,
        classifier: SectionClassifier | None = None,
    ) -> None:
        self.document = document
        self.classifier = classifier
        self.learned_weight = LEARNED_WEIGHT
        self.unknown_word_factor = unknown_word_factor
        self.index = SearchIndex(document.sections)
        self.semantic = semantic
        self.coverage_weight = COVERAGE_WEIGHT
        self.similarity_weight = SIMILARITY_WEIGHT
        self.view_weight = VIEW_WEIGHT
        self.bm25_weight = BM25_WEIGHT
        self.term_weight = TERM_WEIGHT
        self._order = list(document.sections)
        self._position = {s.id: n for n, s in enumerate(self._order)}
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
        self.parser = QueryParser(vocabulary, semantic.embedder.is_word)
        # Keyword phrases of two words or more made only of filler words ("who are you",
        # "what do you do"): a question of nothing but filler words has no other handle.
        self._filler_phrases = [
            (f" {' '.join(phrase)} ", len(phrase), section)
            for section in document.sections
            for keyword in section.keywords
            if len(phrase := words(keyword)) >= 2 and all(w in STOP_WORDS for w in phrase)
        ]

    @classmethod
    async def build(cls, document: StandardsDocument, *, cache: Path | None = None) -> Engine:
        """Index a document, embed its sections and learn from its example questions (in worker
        threads); `cache`: a folder where what was learned is kept between starts."""
        embedder = await asyncio.to_thread(shared_embedder)
        semantic, classifier = await asyncio.to_thread(_embed, embedder, document, cache)
        return await asyncio.to_thread(cls, document, semantic, classifier=classifier)

    def weight(self, concept: Concept) -> float:
        """How much a concept counts: rare words more, words found nowhere most."""
        frequency = min(self._df.get(s, 0) for s in stems_of(concept.word) or [""])
        weight = idf(frequency, len(self._sections))
        return weight * self.unknown_word_factor if frequency == 0 else weight

    def rank_lexical(self, concepts: list[Concept]) -> list[Ranked]:
        """Candidates in BM25 order, each with how much of the question it covers.

        Ordering by coverage instead was measured on the tuning questions and lost top-3
        accuracy (88% against 100%); coverage decides only whether to answer at all.
        """
        hits = self.index.search(concepts, CANDIDATES)
        # Coverage over all the question's concepts, as the lexical answerer had it.
        coverages = self.coverages(self.weighted(concepts), heaviest=None)
        return [
            Ranked(self._sections[sid], float(coverages[self._position[sid]]), score)
            for sid, score in hits
        ]

    async def rank(
        self, question: str, concepts: list[Concept], *, turns: Turns | None = None
    ) -> list[Ranked]:
        """Candidates from both retrievers, ordered by a blend of coverage, meaning and BM25; on
        the event loop, in `turns` with other questions when given, or in a worker thread when
        the text is large. `concepts`: the parser's, of this question.
        """
        if not self.ranks_inline:
            ranked = await asyncio.to_thread(self.rank_now, question, concepts)
        elif turns is None:
            ranked = self.rank_now(question, concepts)
        else:
            await turns.take()
            try:
                ranked = self.rank_now(question, concepts)
            finally:
                turns.end()
        return ranked

    @property
    def ranks_inline(self) -> bool:
        """Whether a question is ranked on the calling thread, without waiting on anything."""
        return len(self._order) <= INLINE_SECTIONS

    def rank_now(self, question: str, concepts: list[Concept]) -> list[Ranked]:
        """Rank at once, on the calling thread (blocking for a large text)."""
        text = semantic_text(question)
        if not text:
            return []  # only filler words ("hello?"): nothing to match on
        lexical = self.index.search(concepts, CANDIDATES) if concepts else []
        query = self.semantic.vector(text)
        similarities = self.semantic.similarities(query)
        count = min(CANDIDATES, len(similarities))
        nearest = np.argpartition(-similarities, count - 1)[:count] if count else []
        best_bm25 = -min((score for _, score in lexical), default=0.0) or 1.0
        bm25 = {self._position[sid]: score for sid, score in lexical}
        coverages = self.coverages(self.weighted(concepts))
        ranked = []
        candidates = list(dict.fromkeys([*bm25, *(int(i) for i in nearest)]))
        views = self.semantic.view_similarities(query, candidates)
        terms = (
            self.semantic.term_similarities(text, candidates)
            if self.term_weight
            else np.zeros(len(candidates), dtype=np.float32)
        )
        learned = (
            self.classifier.probabilities(query, question)
            if self.classifier is not None
            else np.zeros(len(self._order), dtype=np.float32)
        )
        for n, view_similarity, term in zip(candidates, views, terms, strict=True):
            section = self._order[n]
            coverage = float(coverages[n])
            similarity = float(similarities[n])
            view = float(view_similarity)
            probability = float(learned[n])
            score = (
                self.coverage_weight * coverage
                + self.similarity_weight * similarity
                + self.view_weight * view
                + self.bm25_weight * -bm25.get(n, 0.0) / best_bm25
                + self.learned_weight * probability
            )
            ranked.append(
                Ranked(
                    section,
                    coverage,
                    bm25.get(n, 0.0),
                    similarity,
                    score,
                    view,
                    float(term),
                    probability,
                )
            )
        ranked.sort(key=lambda r: -(r.score + self.term_weight * r.term_similarity))
        return ranked[:CANDIDATES]

    def filler_match(self, question: str) -> Section | None:
        """For a question of filler words only ("who are you guys?"), the one section with a
        keyword phrase of filler words that the question contains, word for word (the longest
        such phrase wins); None when there is none, or two sections tie."""
        asked = f" {' '.join(words(question))} "
        found = [(n, section) for phrase, n, section in self._filler_phrases if phrase in asked]
        if not found:
            return None
        longest = max(n for n, _ in found)
        best = {section.id: section for n, section in found if n == longest}
        return next(iter(best.values())) if len(best) == 1 else None

    def weighted(self, concepts: list[Concept]) -> list[tuple[Concept, float]]:
        """Each concept with its weight, computed once per question."""
        return [(c, self.weight(c)) for c in concepts]

    def coverages(
        self, weighted: list[tuple[Concept, float]], heaviest: int | None = COVERAGE_CONCEPTS
    ) -> np.ndarray:
        """The weight of the question's concepts that each section contains over that of its
        `heaviest` heaviest concepts (all of them for None), at most 1, read from the word
        index's postings (one array operation per phrase, not per section)."""
        covered = np.zeros(len(self._order), dtype=np.float32)
        total = sum(sorted((w for _, w in weighted), reverse=True)[:heaviest])
        if not total:
            return covered
        for concept, weight in weighted:
            found = np.zeros(len(self._order), dtype=bool)
            for _, phrase in concept.alternatives:
                found[self.index.postings(phrase)[0]] = True
            covered += weight * found
        return np.minimum(covered / total, 1.0)

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


def _embed(
    embedder: Embedder, document: StandardsDocument, cache: Path | None
) -> tuple[SemanticIndex, SectionClassifier | None]:
    """Embed the sections, learn from the example questions, then let go of the weight pages
    that read (a worker thread's job)."""
    semantic = SemanticIndex.build(embedder, document.sections)
    classifier = learn(semantic, document.sections, document.examples, cache=cache)
    embedder.release_pages()
    trim_heap()
    return semantic, classifier


def learn(
    semantic: SemanticIndex,
    sections: Sequence[Section],
    examples: Sequence[Example],
    *,
    cache: Path | None = None,
) -> SectionClassifier | None:
    """Train the section classifier on example questions (blocking); None without examples.

    A question the text does not cover counts for the section on what the text leaves out, or
    for none of the sections when the text has no such section.
    """
    if not examples:
        return None
    position = {s.id: n for n, s in enumerate(sections)}
    outside = position.get(OUT_OF_SCOPE_SECTION, -1)
    questions = [e.question for e in examples]
    vectors = semantic.embedder.embed([semantic_text(q) for q in questions])
    labels = [[position[i] for i in e.sections] or [outside] for e in examples]
    classifier = SectionClassifier.train(vectors, questions, labels, len(sections), cache=cache)
    if classifier is not None:
        log.info("Learned from %d example questions", len(examples))
    return classifier


def _searchable(section: Section) -> str:
    return f"{section.title}\n{' '.join(section.keywords)}\n{section.body}"
