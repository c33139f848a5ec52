"""Questions in a burst: how long one more would wait, deferring it first, ranking in turns."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.db import Database
from bot.errors import UserFacingError
from bot.standards import engine as engine_module
from bot.standards import service as service_module
from bot.standards.engine import Turns
from bot.standards.model import Answer
from bot.standards.service import (
    FIRST_PACE_SECONDS,
    LONGEST_INTERVAL_SECONDS,
    PACE_WEIGHT,
    AnswerQueue,
    StandardsService,
)
from bot.tasks import Tasks
from bot.ui.replies import LATE_AFTER_SECONDS
from cogs.standards import Standards

FIXTURE = Path(__file__).parent / "fixtures" / "standards"
QUESTIONS = (
    "Can a company train AI on my videos without asking?",
    "someone made a deepfake of me",
    "do I have to lable AI stuff?",
    "what's the best microphone for podcasting",
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_the_pace_is_learned_from_answers_given_while_others_waited() -> None:
    clock = Clock()
    queue = AnswerQueue(clock)
    assert queue.wait_seconds == 0
    for _ in range(3):
        await queue.enter()
    assert queue.wait_seconds == pytest.approx(3 * FIRST_PACE_SECONDS)
    clock.now += 5.0  # the first answer of a burst: nothing to time it against
    queue.leave()
    assert queue.pace == FIRST_PACE_SECONDS
    clock.now += 0.025  # the next, 25 ms later: the pace moves toward it
    queue.leave()
    expected = FIRST_PACE_SECONDS + PACE_WEIGHT * (0.025 - FIRST_PACE_SECONDS)
    assert queue.pace == pytest.approx(expected)
    clock.now += 60.0  # a minute for one answer counts as LONGEST_INTERVAL_SECONDS at most
    queue.leave()
    expected += PACE_WEIGHT * (LONGEST_INTERVAL_SECONDS - expected)
    assert queue.pace == pytest.approx(expected) and queue.waiting == 0
    await queue.enter()  # alone, after a quiet spell: the gap since the burst is not a pace
    clock.now += 30.0
    queue.leave()
    assert queue.pace == pytest.approx(expected)


class Passes:
    """Counts the passes of the event loop while it runs (a task that yields once a pass)."""

    def __init__(self) -> None:
        self.count = 0
        self._task = asyncio.ensure_future(self._tick())

    async def _tick(self) -> None:
        while True:
            self.count += 1
            await asyncio.sleep(0)

    def stop(self) -> None:
        self._task.cancel()


async def test_rankings_take_turns_one_per_pass_of_the_loop_first_come_first_served() -> None:
    turns = Turns()
    passes = Passes()
    ranked: list[tuple[int, int]] = []  # (question, pass)

    async def rank(n: int) -> None:
        await turns.take()
        try:
            ranked.append((n, passes.count))
        finally:
            turns.end()

    await asyncio.gather(*(rank(n) for n in range(50)))
    passes.stop()
    assert [n for n, _ in ranked] == list(range(50)), "in the order they came"
    assert len({p for _, p in ranked}) == 50, "never two in one pass"
    await turns.take()  # all done: the next takes its turn at once
    turns.end()


async def test_a_question_cancelled_in_the_queue_or_on_its_turn_does_not_hold_the_others() -> None:
    turns = Turns()
    ranked: list[int] = []
    await turns.take()  # a ranking under way: the rest wait

    async def rank(n: int) -> None:
        await turns.take()
        try:
            ranked.append(n)
        finally:
            turns.end()

    tasks = [asyncio.ensure_future(rank(n)) for n in range(4)]
    await asyncio.sleep(0)  # all four wait
    tasks[1].cancel()  # gave up while waiting
    turns.end()  # the ranking under way is done: the first waiting one is given its turn...
    await asyncio.sleep(0)
    tasks[0].cancel()  # ...and cancelled before it ran
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert ranked == [2, 3]
    assert [isinstance(r, asyncio.CancelledError) for r in results] == [True, True, False, False]


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[StandardsService]:
    folder = tmp_path / "standards"
    shutil.copytree(FIXTURE, folder)
    db = await Database.open(tmp_path / "bot.db")
    svc = StandardsService(db, folder, min_confidence=0.3)
    await svc.load()
    tasks = Tasks("test")
    svc.start(tasks)
    yield svc
    await svc.close()
    await tasks.close()
    await db.close()


async def test_in_a_burst_the_questions_far_back_are_late_and_all_are_answered_alike(
    service: StandardsService, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = [await service.answer(q) for q in QUESTIONS]
    service.forget_recent()
    monkeypatch.setattr(service_module, "PACE_WEIGHT", 0.0)  # the pace stays FIRST_PACE_SECONDS
    passes = Passes()
    ranked_in: list[int] = []  # the pass of the loop each question was ranked in
    rank_now = service.engine.rank_now

    def counted(*args: Any) -> Any:
        ranked_in.append(passes.count)
        return rank_now(*args)

    monkeypatch.setattr(service.engine, "rank_now", counted)
    ahead: list[float] = []

    async def ask(n: int) -> Answer:
        ahead.append(service.queue.wait_seconds)  # as /ask looks before it answers
        return await service.answer(f"{QUESTIONS[n % len(QUESTIONS)]} ({n})")

    size = 300
    answers = await asyncio.gather(*(ask(n) for n in range(size)))
    # Each question expects to wait for those that arrived before it (a few may be answered
    # before the last arrive).
    late = [wait >= LATE_AFTER_SECONDS for wait in ahead]
    behind = int(LATE_AFTER_SECONDS / FIRST_PACE_SECONDS)  # questions ahead that make one late
    assert not any(late[: behind - 5]) and all(late[behind + 5 :])
    assert len(ranked_in) == size and len(set(ranked_in)) == size, "one ranking per pass"
    passes.stop()
    assert service.queue.waiting == 0 and service.queue.wait_seconds == 0
    # Ranked in turns or alone, a question gets the same answer.
    service.forget_recent()
    for n in range(0, size, 15):
        one = await service.answer(f"{QUESTIONS[n % len(QUESTIONS)]} ({n})")
        assert (one.covered, one.top_section_id) == (answers[n].covered, answers[n].top_section_id)
    assert [a.top_section_id for a in alone] == [answers[n].top_section_id for n in range(4)]


class Response:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def is_done(self) -> bool:
        return bool(self.calls)

    async def defer(self, **kwargs: Any) -> None:
        self.calls.append("defer")

    async def send_message(self, **kwargs: Any) -> None:
        self.calls.append("message")


def _interaction(age: float = 0.05) -> Any:
    response = Response()

    async def followup_send(**kwargs: Any) -> None:
        response.calls.append("followup")

    created = discord.utils.utcnow() - timedelta(seconds=age)
    followup = SimpleNamespace(send=followup_send)
    return SimpleNamespace(created_at=created, response=response, followup=followup)


async def _ask(service: StandardsService, interaction: Any, question: str) -> None:
    """/ask as the cog runs it, with the service under test."""
    settings = SimpleNamespace(standards_help_channel_id=None)
    cog = Standards(SimpleNamespace(standards=service, settings=settings))  # type: ignore[arg-type]
    await Standards.ask_command.callback(cog, interaction, question)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("age", "ahead", "calls"),
    [
        (0.05, 0.0, ["message"]),  # alone and fresh: the answer is the acknowledgement
        (2.0, 0.0, ["message"]),  # late but alone: a deferral would not come any sooner
        (0.05, 0.5, ["message"]),  # a short queue: answered by the time it is half a second old
        (0.05, LATE_AFTER_SECONDS, ["defer", "followup"]),  # a long queue
        (0.6, 0.5, ["defer", "followup"]),  # neither alone, but together over a second
        (2.0, 0.01, ["defer", "followup"]),  # late, and others still ahead
    ],
)
async def test_ask_defers_a_question_whose_age_and_wait_reach_a_second(
    service: StandardsService,
    monkeypatch: pytest.MonkeyPatch,
    age: float,
    ahead: float,
    calls: list[str],
) -> None:
    await service.answer(QUESTIONS[0])  # the question log knows its next id
    assert service.answers_at_once
    monkeypatch.setattr(AnswerQueue, "wait_seconds", property(lambda self: ahead))
    asked = _interaction(age)
    await _ask(service, asked, QUESTIONS[0])
    assert asked.response.calls == calls


async def test_ask_defers_a_late_question_whose_answer_may_wait(
    service: StandardsService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "INLINE_SECTIONS", 1)  # ranked in a worker thread
    assert not service.answers_at_once
    fresh, late = _interaction(0.05), _interaction(LATE_AFTER_SECONDS + 0.5)
    await _ask(service, fresh, QUESTIONS[0])
    await _ask(service, late, QUESTIONS[0])
    assert (fresh.response.calls, late.response.calls) == (["message"], ["defer", "followup"])


async def test_a_bad_question_is_told_at_once_however_long_the_queue(
    service: StandardsService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AnswerQueue, "wait_seconds", property(lambda self: 60.0))
    # A bad question, however long the queue: the error funnel answers it privately at once
    # (no public "thinking…" first), and nothing is asked or logged.
    before = await service.answer(QUESTIONS[1])
    bad = _interaction()
    with pytest.raises(UserFacingError):
        await _ask(service, bad, "x" * 301)
    assert bad.response.calls == [] and service.queue.waiting == 0
    after = await service.answer(QUESTIONS[1])
    assert before.question_id is not None and after.question_id == before.question_id + 1


def _rankings(service: StandardsService, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The questions the service ranks from now on, in order."""
    rankings: list[str] = []
    rank_now = service.engine.rank_now

    def counted(question: str, *args: Any) -> Any:
        rankings.append(question)
        return rank_now(question, *args)

    monkeypatch.setattr(service.engine, "rank_now", counted)
    return rankings


async def test_askers_of_the_same_question_at_once_share_one_ranking(
    service: StandardsService, monkeypatch: pytest.MonkeyPatch
) -> None:
    rankings = _rankings(service, monkeypatch)
    answers = await asyncio.gather(*(service.answer(QUESTIONS[n % 4]) for n in range(200)))
    assert sorted(rankings) == sorted(QUESTIONS), "each question ranked once"
    for n, answer in enumerate(answers):
        assert answer.question == QUESTIONS[n % 4]
        assert answer.top_section_id == answers[n % 4].top_section_id
    assert len({a.question_id for a in answers}) == 200, "each asker's question logged"


async def test_when_the_asker_deciding_a_question_goes_away_the_others_are_still_answered(
    service: StandardsService, monkeypatch: pytest.MonkeyPatch
) -> None:
    rankings = _rankings(service, monkeypatch)
    # Questions that others are answering ahead: these take their turns to be ranked.
    ahead = [asyncio.ensure_future(service.answer(f"{QUESTIONS[1]} ({n})")) for n in range(3)]
    first = asyncio.ensure_future(service.answer(QUESTIONS[0]))
    others = [asyncio.ensure_future(service.answer(QUESTIONS[0])) for _ in range(3)]
    for _ in range(100):  # until the first asker waits for its turn to rank
        if QUESTIONS[0] in service._deciding:  # noqa: SLF001
            break
        await asyncio.sleep(0)
    first.cancel()
    answers = await asyncio.gather(*others)
    assert all(a.top_section_id == answers[0].top_section_id for a in answers)
    assert rankings.count(QUESTIONS[0]) == 1, "one of the others ranked it, once"
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.gather(*ahead)


async def test_when_deciding_a_question_fails_the_others_asking_it_try_it_themselves(
    service: StandardsService, monkeypatch: pytest.MonkeyPatch
) -> None:
    rank_now = service.engine.rank_now
    failures = [RuntimeError("a broken ranking")]

    def failing_once(*args: Any) -> Any:
        if failures:
            raise failures.pop()
        return rank_now(*args)

    monkeypatch.setattr(service.engine, "rank_now", failing_once)
    results = await asyncio.gather(
        *(service.answer(QUESTIONS[0]) for _ in range(3)), return_exceptions=True
    )
    assert isinstance(results[0], RuntimeError)
    assert all(isinstance(r, Answer) and r.covered == results[1].covered for r in results[1:])  # type: ignore[union-attr]
