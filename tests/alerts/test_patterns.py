"""Admins' patterns: searched off the event loop under limits; slow ones refused or switched off."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.alerts import patterns
from bot.alerts.health import SourceStates
from bot.alerts.patterns import STRIKES_TO_SWITCH_OFF, check_speed, search, search_all
from bot.alerts.scheduler import Poller, Scheduler, switched_off_notice
from bot.alerts.store import SLOW_PATTERN_REASON, AlertStore
from bot.db import Database
from bot.errors import UserFacingError
from tests.alerts.conftest import T0, bill
from tests.alerts.test_scheduler import FakeSource, ok_client

# Backtracks for seconds on any title of a few words without twenty digits in a row.
SLOW = r"(?:\S+\s*){1,30}\d{20}"


def test_a_slow_pattern_stops_at_its_budget_and_the_others_still_run() -> None:
    texts = [(n, f"Artificial Intelligence Creator Protection Act No. {n}") for n in range(50)]
    run = search_all({SLOW: texts, r"No\. 4\d$": texts})
    assert run.over_limit == {SLOW}
    assert run.matched[SLOW] == frozenset()
    assert run.matched[r"No\. 4\d$"] == frozenset(range(40, 50))


def test_the_poll_budget_is_shared_between_patterns() -> None:
    ticks = iter(range(1000))
    texts = [(n, "deepfake") for n in range(10)]
    # A clock that moves 0.1 s per reading: each pattern's share of 0.7 s lasts three items.
    run = search_all(
        {"deep": texts, "fake": texts},
        poll_budget=0.7,
        pattern_budget=10,
        clock=lambda: next(ticks) / 10,
    )
    assert run.over_limit == {"deep", "fake"}
    assert run.matched == {"deep": frozenset({0, 1, 2}), "fake": frozenset({0, 1, 2})}


async def test_searching_leaves_the_event_loop_free() -> None:
    texts = [(n, f"Artificial Intelligence Creator Protection Act No. {n}") for n in range(20)]
    ticks = 0
    running = True

    async def ticker() -> None:
        nonlocal ticks
        while running:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await search({SLOW: texts}, poll_budget=0.3, pattern_budget=0.3)
    running = False
    await task
    assert ticks > 1  # the loop ran other tasks while the pattern was searched


async def test_check_speed_refuses_a_slow_pattern_and_accepts_a_plain_one() -> None:
    with pytest.raises(UserFacingError, match="too slow"):
        await check_speed(SLOW)
    await check_speed(r"\bno fakes\b|deepfake", ["NO FAKES Act of 2025"])


@pytest.fixture
async def setup(db: Database):
    async with ok_client() as client:
        store = AlertStore(db, max_age=timedelta(days=14))
        states = SourceStates(db)
        poller = Poller(store, states, client, rng=random.Random(1))
        notices: list[str] = []

        async def notify(text: str) -> None:
            notices.append(text)

        scheduler = Scheduler(poller, states, dict, notify=notify, on_queued=lambda: None)
        yield store, poller, scheduler, notices


async def slow_subscription(store: AlertStore, db: Database, channel: int) -> int:
    """A subscription whose slow pattern got in before `subscribe` tried patterns out."""
    sub = await store.subscribe(1, channel, pattern="placeholder", now=T0)
    await db.execute("UPDATE alert_subscriptions SET pattern = ? WHERE id = ?", (SLOW, sub.id))
    return sub.id


async def test_subscribe_refuses_a_pattern_too_slow_on_stored_titles(setup) -> None:
    store, *_ = setup
    with pytest.raises(UserFacingError, match="too slow"):
        await store.subscribe(1, 10, pattern=SLOW, now=T0)
    assert await store.subscriptions(1) == []


async def test_a_pattern_over_its_limit_three_polls_running_is_switched_off_once(
    setup, db: Database
) -> None:
    store, poller, scheduler, notices = setup
    source = FakeSource()
    await poller.poll(source, now=T0)  # seeds
    slow = await slow_subscription(store, db, 10)
    plain = await store.subscribe(1, 11, pattern=r"act no\. 10\d", now=T0)
    queued_for_plain = 0
    for poll in range(STRIKES_TO_SWITCH_OFF + 1):
        start = 100 * (poll + 1)
        source.items = [bill(n) for n in range(start, start + 20)]
        outcome = await poller.poll(source, now=T0 + timedelta(hours=poll + 1))
        await scheduler.report(outcome)
        assert outcome.ok and outcome.result is not None
        queued_for_plain += outcome.result.queued
    # The plain pattern went on matching bills 100-109 beside the slow one.
    assert queued_for_plain == 10
    assert len(notices) == 1
    assert f"Alert subscription #{slow} (<#10>) is switched off" in notices[0]
    (stored,) = [s for s in await store.subscriptions(1) if s.id == slow]
    assert stored.paused_reason == SLOW_PATTERN_REASON
    rows = await db.fetchall("SELECT id, pattern_strikes FROM alert_subscriptions ORDER BY id")
    assert [tuple(r) for r in rows] == [(slow, STRIKES_TO_SWITCH_OFF), (plain.id, 0)]
    resumed = await store.resume(slow, 1)
    assert resumed.paused_reason is None
    strikes = await db.fetchone(
        "SELECT pattern_strikes FROM alert_subscriptions WHERE id = ?", (slow,)
    )
    assert strikes is not None and strikes[0] == 0


async def test_a_poll_in_time_clears_the_strikes(setup, db: Database) -> None:
    store, poller, _, _ = setup
    source = FakeSource()
    await poller.poll(source, now=T0)
    slow = await slow_subscription(store, db, 10)
    source.items = [bill(n) for n in range(5)]
    await poller.poll(source, now=T0 + timedelta(hours=1))
    await db.execute("UPDATE alert_subscriptions SET pattern = 'deepfake' WHERE id = ?", (slow,))
    source.items = [bill(n) for n in range(5, 10)]
    await poller.poll(source, now=T0 + timedelta(hours=2))
    row = await db.fetchone("SELECT pattern_strikes FROM alert_subscriptions WHERE id = ?", (slow,))
    assert row is not None and row[0] == 0


async def test_preview_searches_the_pattern_within_its_budget(setup, db: Database) -> None:
    store, poller, _, _ = setup
    source = FakeSource()
    source.items = [bill(n) for n in range(300)]
    await poller.poll(source, now=T0)
    plain = await store.subscribe(1, 11, pattern=r"act no\. 7\b", now=T0)
    shown = await store.preview(plain, now=T0)
    assert [s.item.identifier for s in shown] == ["S.7"]
    slow = await store.subscription(await slow_subscription(store, db, 12), 1)
    with pytest.raises(UserFacingError, match="ran over its time limit"):
        await store.preview(slow, now=T0)


def test_the_sample_titles_catch_the_slow_pattern_on_their_own() -> None:
    run = search_all({SLOW: list(enumerate(patterns.SAMPLE_TITLES))})
    assert SLOW in run.over_limit


async def test_a_long_switch_off_notice_stays_within_discords_limit(setup) -> None:
    store, *_ = setup
    sub = await store.subscribe(1, 123456789012345678, pattern="deepfake", now=T0)
    text = switched_off_notice(tuple(replace(sub, id=n) for n in range(500)))
    assert len(text) <= 2000 and text.startswith("Alert subscriptions #0 (<#")
    assert "and 475 more" in text
