"""Leadership: exactly one process runs the singleton work; another takes over when it is lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.leader import Leadership, LockLeadership, SoloLeadership, choose_leadership
from bot.tasks import Tasks


class FakeHandle:
    """The lock as one process holds it."""

    def __init__(self, lock: FakeLock, owner: int) -> None:
        self.lock = lock
        self.owner = owner
        self.lost = asyncio.Event()
        self.released = False

    async def release(self) -> None:
        self.released = True
        if self.lock.holder is self:
            self.lock.holder = None


class FakeLock:
    """One lock shared by every Leadership in the test, as a PostgreSQL advisory lock would be."""

    def __init__(self) -> None:
        self.holder: FakeHandle | None = None
        self.attempts = 0
        self.failing = False

    def taker(self, owner: int):
        async def try_lock() -> FakeHandle | None:
            self.attempts += 1
            if self.failing:
                raise ConnectionError("database unreachable")
            if self.holder is not None:
                return None
            self.holder = FakeHandle(self, owner)
            return self.holder

        return try_lock

    def drop_holder(self) -> FakeHandle:
        """The holder's connection ends: the server frees the lock, the holder is told."""
        handle = self.holder
        assert handle is not None
        self.holder = None
        handle.lost.set()
        return handle


class Ticker:
    """The pause between attempts, ended by the test instead of the clock."""

    def __init__(self) -> None:
        self.waiting = asyncio.Event()
        self._go = asyncio.Event()
        self.pauses: list[float] = []

    async def wait(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.waiting.set()
        await self._go.wait()
        self._go.clear()

    async def paused(self) -> None:
        """Wait until the leadership loop is pausing between attempts."""
        await self.waiting.wait()
        self.waiting.clear()

    def tick(self) -> None:
        self._go.set()


class Work:
    """A singleton loop that a Leadership starts when gained and cancels when lost."""

    def __init__(self, leadership: Leadership) -> None:
        self.tasks = Tasks("singletons")
        self.started = asyncio.Event()
        self.cancelled = asyncio.Event()
        self.runs = 0
        leadership.on_gain(self.start)
        leadership.on_loss(self.tasks.close)

    async def start(self) -> None:
        self.tasks.keep_running(self._loop, name="poster")

    async def _loop(self) -> None:
        self.runs += 1
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise

    @property
    def running(self) -> bool:
        return len(self.tasks) > 0


@asynccontextmanager
async def running(leadership: Leadership) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.get_running_loop().create_task(leadership.run())
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_solo_leads_at_once_and_stops_its_work_when_stopped() -> None:
    solo = SoloLeadership()
    work = Work(solo)
    async with running(solo):
        await solo.until(held=True)
        await work.started.wait()
        assert work.running
    assert not solo.held
    assert work.cancelled.is_set()
    assert not work.running


async def test_only_one_of_two_processes_leads_and_the_other_takes_over_when_it_is_lost() -> None:
    lock = FakeLock()
    ticker_a, ticker_b = Ticker(), Ticker()
    a = LockLeadership(lock.taker(1), retry_seconds=5, wait=ticker_a.wait)
    b = LockLeadership(lock.taker(2), retry_seconds=5, wait=ticker_b.wait)
    work_a, work_b = Work(a), Work(b)
    async with running(a), running(b):
        await a.until(held=True)
        await work_a.started.wait()
        await ticker_b.paused()  # b tried, found the lock taken, and waits its 5 s
        assert not b.held and not work_b.running and work_b.runs == 0
        ticker_b.tick()
        await ticker_b.paused()  # and tried again, still in vain
        assert not b.held and work_b.runs == 0
        assert lock.attempts == 3

        lost = lock.drop_holder()  # a's connection ends
        await a.until(held=False)
        await work_a.cancelled.wait()
        assert not work_a.running, "the loser's singleton tasks are cancelled"
        assert lost.released
        await ticker_a.paused()  # a waits before trying again: b gets its turn
        ticker_b.tick()
        await b.until(held=True)
        await work_b.started.wait()
        assert lock.holder is not None and lock.holder.owner == 2
        assert ticker_b.pauses == [5, 5]

        ticker_a.tick()
        await ticker_a.paused()  # a tries again and finds b holding the lock
        assert not a.held and work_a.runs == 1
    # Stopping (shutdown) cancels the leader's work and releases the lock.
    assert work_b.cancelled.is_set() and not work_b.running
    assert lock.holder is None


async def test_a_stopped_leader_releases_the_lock_for_the_next_process() -> None:
    lock = FakeLock()
    first = LockLeadership(lock.taker(1), wait=Ticker().wait)
    work = Work(first)
    async with running(first):
        await first.until(held=True)
        await work.started.wait()
    assert lock.holder is None
    assert work.cancelled.is_set()
    second = LockLeadership(lock.taker(2), wait=Ticker().wait)
    async with running(second):
        await second.until(held=True)


async def test_an_unreachable_lock_is_tried_again_later() -> None:
    lock = FakeLock()
    lock.failing = True
    ticker = Ticker()
    leadership = LockLeadership(lock.taker(1), retry_seconds=2, wait=ticker.wait)
    async with running(leadership):
        await ticker.paused()
        assert not leadership.held
        lock.failing = False
        ticker.tick()
        await leadership.until(held=True)
    assert ticker.pauses == [2]


async def test_a_failing_listener_does_not_keep_the_others_from_running(
    caplog: pytest.LogCaptureFixture,
) -> None:
    solo = SoloLeadership()

    async def broken() -> None:
        raise RuntimeError("listener broke")

    solo.on_gain(broken)
    work = Work(solo)
    async with running(solo):
        await work.started.wait()
    assert "A listener failed on gaining leadership" in caplog.text


def test_without_a_shared_lock_the_process_leads_alone() -> None:
    assert isinstance(choose_leadership(None, retry_seconds=5), SoloLeadership)
    leadership = choose_leadership(FakeLock().taker(1), retry_seconds=3)
    assert isinstance(leadership, LockLeadership)
    assert leadership.retry_seconds == 3
