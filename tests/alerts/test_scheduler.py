"""Polling: cursors, budgets, backoff with Retry-After, one unhealthy notice, recovery, loops."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import httpx
import pytest

from bot.alerts.health import SourceStates
from bot.alerts.items import AlertItem
from bot.alerts.scheduler import MAX_BACKOFF, UNHEALTHY_AFTER, Poller, Scheduler, backoff
from bot.alerts.service import SourceHealth
from bot.alerts.sources import Budget, HttpGetter, Page, SourceError, get
from bot.alerts.store import AlertStore
from bot.db import Database
from bot.ui.alerts import health_text, poll_text
from tests.alerts.conftest import T0, bill


class FakeSource:
    """A source whose answers the test scripts: items, an exception, or several requests."""

    name = "test-source"
    hash_fields = ("title", "status", "url")
    poll_interval = timedelta(hours=1)

    def __init__(self, budget: Budget | None = None) -> None:
        self.budget = budget or Budget(per_hour=10, per_day=100)
        self.items: list[AlertItem] = []
        self.error: Exception | None = None
        self.requests_per_poll = 1
        self.cursors: list[str | None] = []
        self.polls = 0
        self.polled = asyncio.Event()

    async def fetch(self, client: HttpGetter, cursor: str | None) -> Page:
        self.cursors.append(cursor)
        self.polls += 1
        self.polled.set()
        for _ in range(self.requests_per_poll):
            await get(client, "https://example.org/api", what="test source")
        if self.error is not None:
            raise self.error
        return Page(items=list(self.items), cursor=f"cursor-{self.polls}")


def ok_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))


@pytest.fixture
async def setup(db: Database):
    async with ok_client() as client:
        store = AlertStore(db, max_age=timedelta(days=14))
        states = SourceStates(db)
        yield store, states, Poller(store, states, client, rng=random.Random(1))


async def test_success_saves_cursor_budget_and_next_poll(setup) -> None:
    store, states, poller = setup
    source = FakeSource()
    source.items = [bill(1)]
    first = await poller.poll(source, now=T0)
    assert first.ok and first.result is not None and first.result.seeded
    await poller.poll(source, now=T0 + timedelta(minutes=5))
    assert source.cursors == [None, "cursor-1"]
    state = await states.load(source.name)
    assert state.cursor == "cursor-2"
    assert state.next_poll_at == (T0 + timedelta(minutes=65)).isoformat()
    assert (state.budget_hour_used, state.budget_day_used) == (2, 2)
    assert state.budget_left(source.budget, T0 + timedelta(minutes=5)) == (8, 98)
    assert state.budget_left(source.budget, T0 + timedelta(hours=1)) == (10, 98)


def test_backoff_grows_is_capped_and_honours_retry_after() -> None:
    rng = random.Random(0)
    delays = [backoff(n, rng) for n in range(1, 12)]
    assert delays[1] > delays[0] * 1.4
    assert max(delays) <= MAX_BACKOFF * 1.2
    assert backoff(1, rng, retry_after=3600) >= timedelta(hours=1)


async def test_retry_after_from_a_429_sets_the_next_poll(db: Database) -> None:
    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "5400"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(limited)) as client:
        poller = Poller(AlertStore(db), SourceStates(db), client, rng=random.Random(1))
        outcome = await poller.poll(FakeSource(), now=T0)
    assert not outcome.ok and "HTTP 429" in (outcome.error or "")
    assert outcome.next_poll_at is not None
    assert outcome.next_poll_at - T0 >= timedelta(seconds=5400)


async def test_the_request_budget_stops_a_poll_until_the_window_turns(setup) -> None:
    _, states, poller = setup
    source = FakeSource(Budget(per_hour=3, per_day=100))
    source.requests_per_poll = 2
    assert (await poller.poll(source, now=T0)).ok
    spent = await poller.poll(source, now=T0 + timedelta(minutes=1))
    assert not spent.ok and "hourly request budget" in (spent.error or "")
    assert spent.next_poll_at == T0.replace(minute=0) + timedelta(hours=1)
    state = await states.load(source.name)
    assert state.failures == 0  # running out of budget is not the source failing
    assert state.budget_hour_used == 3


async def test_down_for_a_day_then_back_notifies_once_each_way(setup) -> None:
    store, states, poller = setup
    source = FakeSource()
    source.items = [bill(1)]
    await poller.poll(source, now=T0)  # seeds
    await store.subscribe(1, 10, now=T0)
    source.error = SourceError("test source: HTTP 503")
    now, outcomes = T0 + timedelta(hours=1), []
    while now < T0 + timedelta(days=1, hours=1):
        outcome = await poller.poll(source, now=now)
        outcomes.append(outcome)
        assert outcome.next_poll_at is not None
        assert outcome.next_poll_at - now <= MAX_BACKOFF * 1.2
        now = outcome.next_poll_at
    assert all(not o.ok for o in outcomes)
    assert [o.became_unhealthy for o in outcomes].count(True) == 1
    assert outcomes[UNHEALTHY_AFTER - 1].became_unhealthy
    state = await states.load(source.name)
    assert state.unhealthy_since is not None and "503" in (state.last_error or "")
    # Back: the next poll succeeds, says so once, and what appeared meanwhile is posted.
    source.error = None
    source.items = [bill(1), bill(2, published_at=(now - timedelta(hours=20)).isoformat())]
    back = await poller.poll(source, now=now)
    assert back.ok and back.recovered and back.result is not None
    assert (back.result.new, back.result.queued) == (1, 1)
    again = await poller.poll(source, now=now + timedelta(hours=1))
    assert again.ok and not again.recovered
    assert (await states.load(source.name)).failures == 0


async def test_a_bug_in_an_adapter_is_a_failed_poll_not_a_crash(setup) -> None:
    _, states, poller = setup
    source = FakeSource()
    source.error = KeyError("surprise")
    outcome = await poller.poll(source, now=T0)
    assert not outcome.ok and outcome.error == "unexpected KeyError"
    assert (await states.load(source.name)).failures == 1


async def test_dry_run_changes_nothing(setup, db: Database) -> None:
    store, states, poller = setup
    source = FakeSource()
    source.items = [bill(1)]
    await poller.poll(source, now=T0)
    await store.subscribe(1, 10, now=T0)
    source.items = [bill(1), bill(2)]
    outcome = await poller.poll(source, now=T0 + timedelta(hours=1), dry_run=True)
    assert outcome.result is not None and outcome.result.queued == 1
    assert [i.identifier for i in outcome.result.relevant] == ["S.2"]
    assert await db.fetchall("SELECT * FROM alert_outbox") == []
    assert len(await db.fetchall("SELECT * FROM alert_items")) == 1
    assert (await states.load(source.name)).cursor == "cursor-1"


async def test_the_loop_survives_an_exception_and_keeps_polling(setup) -> None:
    store, states, poller = setup
    source = FakeSource()
    notices: list[str] = []
    queued: list[int] = []

    async def notify(text: str) -> None:
        notices.append(text)

    real_load = states.load
    calls = 0

    async def flaky_load(name: str):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database hiccup")
        return await real_load(name)

    states.load = flaky_load  # type: ignore[method-assign]
    scheduler = Scheduler(
        poller,
        states,
        lambda: {source.name: source},
        notify=notify,
        on_queued=lambda: queued.append(1),
    )
    scheduler.error_pause = 0.01
    scheduler.sync()
    try:
        await asyncio.wait_for(source.polled.wait(), timeout=30)
    finally:
        await scheduler.stop()
    assert source.polls >= 1
    assert notices == []


async def test_one_bad_record_is_skipped_counted_and_shown_in_health(setup) -> None:
    _, states, poller = setup
    source = FakeSource()
    await poller.poll(source, now=T0)  # seeds
    source.items = [bill(1), bill(2, published_at="0000-00-00"), bill(3)]
    outcome = await poller.poll(source, now=T0 + timedelta(hours=1))
    assert outcome.ok and outcome.result is not None
    assert (outcome.result.new, outcome.result.skipped) == (2, 1)
    assert "1 bad record(s) skipped" in poll_text(outcome)
    source.items = [bill(2, published_at="0000-00-00"), bill(4)]
    again = await poller.poll(source, now=T0 + timedelta(hours=2))
    assert again.ok and again.result is not None and again.result.new == 1
    state = await states.load(source.name)
    assert state.failures == 0 and state.unhealthy_since is None
    assert state.records_skipped == 2
    assert state.last_skipped == "published_at '0000-00-00' is not a date"
    health = SourceHealth(source.name, state, source.poll_interval, 10, 100)
    text = health_text([health], {})
    assert "2 bad record(s) skipped" in text and "0000-00-00" in text
