"""Long-lived tasks: a failure is logged when it happens, loops come back, shutdown is clean."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Iterator

import pytest

from bot.tasks import Tasks, wait_event


class _Records(logging.Handler):
    """Collects bot.tasks log records and wakes a waiter on each one."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.arrived = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.arrived.set()


@pytest.fixture
def records() -> Iterator[_Records]:
    handler = _Records()
    logger = logging.getLogger("bot.tasks")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


async def test_a_loop_that_raises_is_logged_at_once_and_restarted(records: _Records) -> None:
    pauses: list[float] = []

    async def no_pause(seconds: float) -> None:
        pauses.append(seconds)

    tasks = Tasks("test", sleep=no_pause)
    runs = 0
    second_run = asyncio.Event()
    logged_before_restart: list[int] = []

    async def loop() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise ZeroDivisionError("first run breaks")
        logged_before_restart.append(len(records.records))
        second_run.set()
        await asyncio.Event().wait()  # then runs until cancelled

    task = tasks.keep_running(loop, name="poll:example")
    await second_run.wait()
    assert logged_before_restart == [1]
    (record,) = records.records
    assert record.levelno == logging.ERROR
    assert "test: poll:example failed" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError
    assert pauses == [1.0]
    await tasks.close()
    assert task.cancelled() and len(tasks) == 0


async def test_restarts_back_off_doubling_up_to_the_cap(records: _Records) -> None:
    pauses: list[float] = []

    async def record_pause(seconds: float) -> None:
        pauses.append(seconds)

    tasks = Tasks("test", backoff_base=1, backoff_max=8, sleep=record_pause)
    runs = 0

    async def loop() -> None:
        nonlocal runs
        runs += 1
        if runs <= 6:
            raise RuntimeError(f"failure {runs}")

    await tasks.keep_running(loop, name="flaky")  # the seventh run returns: the loop is done
    assert pauses == [1, 2, 4, 8, 8, 8]
    assert len(records.records) == 6
    assert len(tasks) == 0


async def test_failure_is_logged_while_the_loop_waits_and_shutdown_cancels_the_wait(
    records: _Records,
) -> None:
    tasks = Tasks("test", backoff_base=3600, backoff_max=3600)

    async def loop() -> None:
        raise OSError("disk on fire")

    task = tasks.keep_running(loop, name="prune")
    await records.arrived.wait()
    assert not task.done()  # logged now, not when someone finally awaits the task
    assert "restarting in 3600 s" in records.records[0].getMessage()
    await tasks.close()  # cancels the hour-long pause
    assert task.cancelled()


async def test_a_one_shot_task_failure_is_logged_by_its_done_callback(records: _Records) -> None:
    tasks = Tasks("bot")

    async def notice() -> None:
        raise ValueError("channel gone")

    task = tasks.spawn(notice(), name="notice")
    await asyncio.wait({task})
    (record,) = records.records
    assert record.getMessage() == "Task bot:notice failed"
    assert record.exc_info is not None and record.exc_info[0] is ValueError
    assert len(tasks) == 0


async def test_tasks_are_kept_even_when_the_caller_drops_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tasks = Tasks("test")
    started, finish, finished = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def work() -> None:
        started.set()
        await finish.wait()
        finished.set()

    tasks.spawn(work(), name="work")  # no reference kept here
    await started.wait()
    gc.collect()
    finish.set()
    await finished.wait()
    await tasks.close()
    assert "destroyed" not in caplog.text


async def test_close_stops_every_task_and_allows_a_fresh_start() -> None:
    tasks = Tasks("alerts")
    forever = [tasks.keep_running(asyncio.Event().wait, name=f"poll:{i}") for i in range(3)]
    await tasks.close()
    assert all(task.cancelled() for task in forever) and len(tasks) == 0
    again = tasks.spawn(asyncio.sleep(0), name="again")  # a reloaded cog starts its tasks again
    await again


async def test_a_wait_cancelled_in_the_turn_its_event_is_set_stays_cancelled() -> None:
    # On Python 3.11 asyncio.wait_for(event.wait(), t) returns the event's result here and the
    # cancellation is lost, so a loop built on it never stops.
    event = asyncio.Event()
    waiting = asyncio.create_task(wait_event(event, 3600))
    await asyncio.sleep(0)  # the task now waits on the event
    event.set()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_wait_event_says_whether_the_event_was_set() -> None:
    event = asyncio.Event()
    assert await wait_event(event, 0) is False
    event.set()
    assert await wait_event(event, 3600) is True
