"""The standards service: load and reload the text, answer questions, sections, feedback."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from rapidfuzz import fuzz, process

from bot import heap
from bot.db import Database
from bot.errors import UserFacingError
from bot.recent import Recent
from bot.standards.compose import Composer
from bot.standards.decide import GATE, Fit, decide
from bot.standards.engine import Engine, Ranked, Turns
from bot.standards.loader import load_standards
from bot.standards.model import OUT_OF_SCOPE_SECTION, Answer, Citation, Section, StandardsDocument
from bot.standards.query import Concept
from bot.standards.store import Gap, QuestionStore
from bot.tasks import Tasks

log = logging.getLogger(__name__)

MAX_QUESTION_LENGTH = 300
MAX_RELATED = 2
MAX_SUGGESTIONS = 3
AUTOCOMPLETE_LIMIT = 25
PASSAGE_LIMIT = 1500
# Related sections must score at least this share of the best one's blended score.
RELATED_SHARE = 0.8
# How this many recent questions were answered is kept, by their exact text: members asked to try
# /ask after an announcement ask the same few questions, and an answer depends only on the
# question and the loaded text (a reload forgets them). Each asker's question is still logged
# under its own id, and a generated answer is still composed for each.
RECENT_ANSWERS = 128
# Who voted on which answer, for the most recent votes (one vote per person per answer).
VOTES_KEPT = 10_000


# Under a burst the event loop answers questions one after another, and /ask defers ("thinking…")
# a question whose age plus its expected wait behind the others (`AnswerQueue.wait_seconds`)
# reaches a second (bot/ui/replies.py, LATE_AFTER_SECONDS), so it is acknowledged inside Discord's
# 3 seconds however long the queue. An interval between two answers counts for the pace at most
# LONGEST_INTERVAL_SECONDS (a pause in a burst is not its pace).
LONGEST_INTERVAL_SECONDS = 0.25
# How long a question holds the loop (answering it, replying, and the rest of the interaction)
# until a burst has been timed: 1.5–5 ms in the interactions bench. Each interval between two
# answers of a burst then moves the estimate by PACE_WEIGHT of the difference.
FIRST_PACE_SECONDS = 0.005
PACE_WEIGHT = 0.1


class AnswerQueue:
    """The questions being answered, and how long one more would wait behind them."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.waiting = 0
        self.pace = FIRST_PACE_SECONDS
        self._clock = clock
        self._last: float | None = None  # the last answer, when others were waiting behind it
        self.turns = Turns()  # the questions' rankings, one per pass of the event loop

    @property
    def wait_seconds(self) -> float:
        """How long a question arriving now would wait behind those before it (an estimate)."""
        return self.waiting * self.pace

    async def enter(self) -> None:
        """Take a place, then let the questions that have arrived meanwhile take theirs (and be
        deferred if need be) before this one is worked out."""
        self.waiting += 1
        await asyncio.sleep(0)

    def leave(self) -> None:
        """One question answered (or failed); the time since the one before it, in a burst,
        teaches the pace."""
        self.waiting -= 1
        now = self._clock()
        if self._last is not None:
            self.pace += PACE_WEIGHT * (min(now - self._last, LONGEST_INTERVAL_SECONDS) - self.pace)
        self._last = now if self.waiting else None


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What a reload changed."""

    version: str
    previous_version: str
    sections: int


class StandardsService:
    """Answers from the loaded standards; a failed reload keeps the last good copy."""

    def __init__(
        self,
        db: Database,
        folder: Path,
        *,
        min_confidence: float,
        base_url: str | None = None,
        composer: Composer | None = None,
        cache: Path | None = None,
    ) -> None:
        self._folder = folder
        self._cache = cache
        self._min_confidence = min_confidence
        self._base_url = base_url.rstrip("/") if base_url else None
        self._composer = composer
        self._store = QuestionStore(db)
        self._engine: Engine | None = None
        self._reload_lock = asyncio.Lock()
        self._votes: Recent[tuple[int, int], bool] = Recent()  # (question id, voter)
        self._recent: Recent[str, _Decided] = Recent()
        self._deciding: dict[str, asyncio.Future[_Decided]] = {}  # questions being decided now
        self.queue = AnswerQueue()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("standards are loaded in setup_hook")
        return self._engine

    @property
    def document(self) -> StandardsDocument:
        """The standards currently answering questions."""
        return self.engine.document

    @property
    def generates_answers(self) -> bool:
        """Whether answers are composed by a language model (slower: defer first)."""
        return self._composer is not None

    @property
    def answers_at_once(self) -> bool:
        """Whether answering waits on nothing (no model, the text ranked on the event loop, the
        question logged to memory): the answer is ready as soon as a deferral could be sent."""
        return (
            not self.generates_answers and self.engine.ranks_inline and self._store.records_at_once
        )

    async def load(self) -> StandardsDocument:
        """Load (or reload) the text; on any error the previous copy stays in use."""
        async with self._reload_lock:
            document = await asyncio.to_thread(load_standards, self._folder)
            engine = await Engine.build(document, cache=self._cache)
            self._engine = engine
            self.forget_recent()
        log.info("Loaded standards %s (%d sections)", document.version, len(document.sections))
        return document

    async def reload(self) -> ReloadResult:
        """Reload from disk for /admin standards reload."""
        previous = self.document.version
        document = await self.load()
        heap.settle()  # the text before is let go, the new one set aside like start-up's
        return ReloadResult(document.version, previous, len(document.sections))

    def start(self, tasks: Tasks) -> None:
        """Log asked questions in batches, off the response path, from now on."""
        self._store.start(tasks)

    async def close(self) -> None:
        await self._store.close()

    # ------------------------------------------------------------------ answering
    async def answer(self, question: str) -> Answer:
        """Answer a question from the standards, or decline with the closest sections (in turn
        with the other questions being answered: see AnswerQueue)."""
        question = validate_question(question)
        await self.queue.enter()
        try:
            return await self._answer(question)
        finally:
            self.queue.leave()

    def forget_recent(self) -> None:
        """Work every question out anew from now on, even one asked a moment ago."""
        self._recent.clear()

    async def _answer(self, question: str) -> Answer:
        engine = self.engine
        decided = await self._decided(engine, question)
        answer = decided.answer
        if decided.cited:
            answer = await self._maybe_compose(answer, decided.cited, decided.concepts)
        question_id = await self._store.record(answer, engine.document.version)
        return replace(answer, question_id=question_id)

    async def _decided(self, engine: Engine, question: str) -> _Decided:
        """How the question is answered: as decided for it a moment ago, or as it is being
        decided for another asker now (a burst of members asking the same few questions at once
        had each asker rank it: 151 rankings for 200 questions of four), else decided here."""
        decided = self._recent.get(question)
        if decided is not None and decided.engine is engine:
            return decided
        while (deciding := self._deciding.get(question)) is not None:
            try:
                decided = await asyncio.shield(deciding)
            except asyncio.CancelledError:
                if deciding.cancelled():
                    continue  # the asker deciding it went away (or failed): decide it here
                raise
            if decided.engine is engine:
                return decided
            break  # decided from the text before a reload
        deciding = asyncio.get_running_loop().create_future()
        self._deciding[question] = deciding
        try:
            decided = await self._decide(engine, question)
        except BaseException:
            deciding.cancel()  # whoever waits decides it itself (and meets its own error)
            raise
        finally:
            if self._deciding.get(question) is deciding:
                del self._deciding[question]
        deciding.set_result(decided)
        self._recent.put(question, decided, keep=RECENT_ANSWERS)
        return decided

    async def _decide(self, engine: Engine, question: str) -> _Decided:
        """Rank the sections for a question and decide how to answer it (without its id)."""
        concepts = engine.parser.concepts(question)
        ranked = await engine.rank(question, concepts, turns=self.queue.turns)
        gate = GATE if engine.classifier is not None else None
        decision = decide(ranked, self._min_confidence, gate=gate)
        filler_match = engine.filler_match(question) if not ranked else None
        if filler_match is not None:
            # Nothing but filler words, and they are one of a section's keyword phrases.
            answer = Answer(
                question=question,
                covered=True,
                confidence=self._min_confidence,
                passage=_cap(engine.best_passage(filler_match, [])),
                citations=(self.citation(filler_match),),
            )
        elif decision.fit is Fit.NOT_COVERED:
            answer = Answer(
                question=question,
                covered=False,
                confidence=decision.confidence,
                suggestions=tuple(
                    self.citation(s) for s in _closest_first(ranked, decision.out_of_scope)
                ),
            )
        elif decision.fit is Fit.CLOSEST:
            # Weak evidence: quote only the best section, and say it is the closest match.
            top = ranked[0]
            answer = Answer(
                question=question,
                covered=True,
                confidence=decision.confidence,
                passage=_cap(engine.best_passage(top.section, concepts)),
                citations=(self.citation(top.section),),
                closest=True,
            )
        else:
            top = ranked[0]
            related = [
                r
                for r in ranked[1:]
                if r.score >= top.score * RELATED_SHARE and r.section.id != OUT_OF_SCOPE_SECTION
            ]
            cited = (top, *related[:MAX_RELATED])
            answer = Answer(
                question=question,
                covered=True,
                confidence=decision.confidence,
                passage=_cap(engine.best_passage(top.section, concepts)),
                citations=tuple(self.citation(r.section) for r in cited),
            )
            return _Decided(engine, answer, cited, concepts)  # a model may compose from these
        return _Decided(engine, answer)

    async def _maybe_compose(
        self, answer: Answer, cited: tuple[Ranked, ...], concepts: list[Concept]
    ) -> Answer:
        if self._composer is None:
            return answer
        passages = [
            (r.section.id, r.section.title, self.engine.best_passage(r.section, concepts))
            for r in cited
        ]
        composed = await self._composer.compose(answer.question, passages)
        if composed is None:
            return answer
        text, cited_ids = composed
        keep = tuple(c for c in answer.citations if c.section_id in cited_ids)
        return Answer(
            question=answer.question,
            covered=True,
            confidence=answer.confidence,
            passage=_cap(text),
            citations=keep,
            generated=True,
        )

    def citation(self, section: Section) -> Citation:
        """How an answer points at a section."""
        url = f"{self._base_url}#{section.id}" if self._base_url else None
        return Citation(section.id, section.title, self.document.version, url)

    # ------------------------------------------------------------------ browsing
    def sections(self) -> tuple[Section, ...]:
        return self.document.sections

    def section(self, section_id: str) -> Section:
        """The section with this id, or a friendly error."""
        section = self.document.section(section_id.strip().lower())
        if section is None:
            raise UserFacingError(
                "There is no section with that id. Start typing in the `section` option "
                "to pick one, or use `/standards list`."
            )
        return section

    def autocomplete(self, current: str) -> list[tuple[str, str]]:
        """Up to 25 (label, id) pairs matching what the user typed, fuzzily."""
        sections = self.document.sections
        labels = {s.id: f"{s.title} ({s.id})"[:100] for s in sections}
        current = current.strip().lower()
        if not current:
            return [(labels[s.id], s.id) for s in sections[:AUTOCOMPLETE_LIMIT]]
        found = process.extract(
            current,
            {s.id: f"{s.id} {s.title}".lower() for s in sections},
            scorer=fuzz.WRatio,
            limit=AUTOCOMPLETE_LIMIT,
            score_cutoff=50,
        )
        return [(labels[key], key) for _, _, key in found]

    # ------------------------------------------------------------------ feedback
    async def feedback(self, question_id: int, user_id: int, helpful: bool) -> bool:
        """Count one vote per person per answer (who voted is kept in memory only)."""
        key = (question_id, user_id)
        if self._votes.get(key):
            return False
        if not await self._store.feedback(question_id, helpful):
            raise UserFacingError("That answer is too old to rate.")
        self._votes.put(key, True, keep=VOTES_KEPT)
        return True

    async def gaps(self, limit: int = 100) -> list[Gap]:
        return await self._store.gaps(limit)


def validate_question(question: str) -> str:
    """A question's text, or a friendly error when it is empty or too long."""
    question = " ".join(question.split())
    if not question:
        raise UserFacingError(
            "Please type a question, for example: *Can a company train AI on "
            "my videos without asking?*"
        )
    if len(question) > MAX_QUESTION_LENGTH:
        raise UserFacingError(
            f"Questions can be at most {MAX_QUESTION_LENGTH} characters; yours has "
            f"{len(question)}. Try asking about one thing at a time."
        )
    return question


def _cap(text: str) -> str:
    if len(text) <= PASSAGE_LIMIT:
        return text
    cut = text[:PASSAGE_LIMIT].rsplit(" ", 1)[0]
    return cut + " …"


def _closest_first(ranked: list[Ranked], out_of_scope: bool) -> list[Section]:
    """The sections a decline names: the section on what the standards leave out first when it
    declined the question (it is why), then the best ones."""
    sections = [r.section for r in ranked[:MAX_SUGGESTIONS]]
    if out_of_scope:
        scope = next(r.section for r in ranked if r.section.id == OUT_OF_SCOPE_SECTION)
        sections = [scope, *(s for s in sections if s is not scope)][:MAX_SUGGESTIONS]
    return sections


@dataclass(frozen=True, slots=True)
class _Decided:
    """How a question is answered from one loaded text, before it is logged under an id."""

    engine: Engine
    answer: Answer
    cited: tuple[Ranked, ...] = ()  # the sections a model may compose a fuller answer from
    concepts: list[Concept] = field(default_factory=list)
