"""The one way to start a long-lived task: kept, logged at once when it fails, restarted, stopped.

A bare `asyncio.create_task` can be garbage-collected while it runs, and its exception is only
seen when someone awaits it (often at shutdown, often never). `Tasks` keeps a strong reference
to every task it starts, logs a failure the moment it happens, restarts a loop that must keep
running with a capped exponential backoff, and cancels and awaits them all on `close()`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


async def wait_event(event: asyncio.Event, seconds: float) -> bool:
    """Wait until `event` is set or `seconds` have passed; True if it was set.

    The loops that sleep until woken use this, not `asyncio.wait_for(event.wait(), timeout)`: on
    Python 3.11, when the event is set and the waiting task is cancelled in the same turn of the
    event loop (a burst fills a queue just as the bot stops), wait_for returns the event's result
    and the cancellation is lost, so the loop goes round again and a shutdown waits for it for
    ever. `asyncio.timeout` keeps the cancellation.
    """
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return False
    return True


class Tasks:
    """The long-lived tasks of one owner (the bot, the alert service), supervised together."""

    def __init__(
        self,
        owner: str,
        *,
        backoff_base: float = 1.0,
        backoff_max: float = 300.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._owner = owner
        self._base = backoff_base
        self._max = backoff_max
        self._sleep = sleep
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run coro once as a kept task; an exception is logged as soon as it ends the task."""
        if self._closing:
            coro.close()
            raise RuntimeError(f"{self._owner}: tasks are shutting down; not starting {name}")
        task = asyncio.get_running_loop().create_task(coro, name=f"{self._owner}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def keep_running(
        self, loop: Callable[[], Coroutine[Any, Any, object]], *, name: str
    ) -> asyncio.Task[Any]:
        """Run loop() as a kept task and start it again (after a growing pause) when it fails.

        A loop that returns by itself is done; one that raises is logged at once and restarted
        after backoff_base, doubling with each failure in a row up to backoff_max.
        """
        return self.spawn(self._supervise(loop, name), name=name)

    def backoff(self, failures: int) -> float:
        """The pause before restarting a loop that failed `failures` times in a row."""
        return min(self._max, self._base * 2 ** max(0, failures - 1))

    async def _supervise(self, loop: Callable[[], Coroutine[Any, Any, object]], name: str) -> None:
        failures = 0
        clock = asyncio.get_running_loop().time
        while True:
            started = clock()
            try:
                await loop()
                return
            except Exception:
                # A loop that ran well for longer than the longest pause starts counting afresh.
                failures = 1 if clock() - started > self._max else failures + 1
                delay = self.backoff(failures)
                log.exception(
                    "%s: %s failed (%d in a row); restarting in %.0f s",
                    self._owner,
                    name,
                    failures,
                    delay,
                )
            await self._sleep(delay)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("Task %s failed", task.get_name(), exc_info=exc)

    async def cancel(self, task: asyncio.Task[Any]) -> None:
        """Stop one task and wait until it has stopped."""
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def close(self) -> None:
        """Cancel every task and wait for all of them; none may start until that is done."""
        self._closing = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._closing = False  # an owner that is started again (a reloaded cog) may spawn anew
