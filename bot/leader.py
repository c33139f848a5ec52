"""Leadership: which process runs the singleton work (alert polls, posting, digests, pruning).

Every process answers interactions for its own shards, but work that must happen once per bot
(posting an alert, the daily digest, polling a source's budget) runs in exactly one process at a
time: the leader. A `Leadership` decides whether this process is the leader and tells its
listeners when that changes:

- `SoloLeadership` always leads: one process (the default, with SQLite).
- `LockLeadership` leads while it holds a lock that only one process can hold, such as a
  PostgreSQL advisory lock on a dedicated connection. It keeps trying every few seconds, so when
  the leader dies (its connection, and with it the lock, goes away) another process takes over.

Listeners are async callbacks: `on_gain` ones run when leadership is gained, `on_loss` ones when it
is lost (the lock's connection dropped) or given up (shutdown), always before the lock is released.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)

Listener = Callable[[], Awaitable[None]]
Wait = Callable[[float], Awaitable[None]]

DEFAULT_RETRY_SECONDS = 5.0


class LockHandle(Protocol):
    """A lock this process holds until `release()`, or until `lost` is set.

    `lost` is set when whatever keeps the lock alive (for PostgreSQL, the session that took the
    advisory lock) is gone: from then on another process may hold the lock.
    """

    lost: asyncio.Event

    async def release(self) -> None: ...


TryLock = Callable[[], Awaitable[LockHandle | None]]
"""Take the lock without waiting: a handle, or None when another process holds it."""


class Leadership:
    """Whether this process is the leader, and who to tell when that changes."""

    kind = "leader"

    def __init__(self) -> None:
        self._held = False
        self._gain: list[Listener] = []
        self._loss: list[Listener] = []
        self._changed = asyncio.Condition()

    @property
    def held(self) -> bool:
        """True while this process is the leader."""
        return self._held

    def on_gain(self, listener: Listener) -> None:
        """Call `listener` each time this process becomes the leader."""
        self._gain.append(listener)

    def on_loss(self, listener: Listener) -> None:
        """Call `listener` each time this process stops being the leader."""
        self._loss.append(listener)

    async def until(self, held: bool) -> None:
        """Wait until leadership is (or is not) held."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._held == held)

    async def run(self) -> None:
        """Lead whenever this process may, until cancelled (then step down)."""
        raise NotImplementedError

    async def _become_leader(self) -> None:
        self._held = True
        log.info("This process now leads: it runs alert polling, posting, digests and pruning")
        await self._tell(self._gain, "gaining")
        await self._announce()

    async def _step_down(self) -> None:
        if not self._held:
            return
        self._held = False
        await self._tell(self._loss, "losing")
        log.info("This process no longer leads; singleton work stopped here")
        await self._announce()

    async def _tell(self, listeners: list[Listener], what: str) -> None:
        for listener in list(listeners):
            try:
                await listener()
            except Exception:
                # One listener's failure must not keep the others from starting or stopping.
                log.exception("A listener failed on %s leadership", what)

    async def _announce(self) -> None:
        async with self._changed:
            self._changed.notify_all()


class SoloLeadership(Leadership):
    """Always the leader: one process runs everything, as a single bot always has."""

    kind = "solo"

    async def run(self) -> None:
        await self._become_leader()
        try:
            await asyncio.Event().wait()  # until cancelled
        finally:
            await self._step_down()


class LockLeadership(Leadership):
    """The leader while holding a lock only one process can hold; tries again every few seconds."""

    kind = "lock"

    def __init__(
        self,
        try_lock: TryLock,
        *,
        retry_seconds: float = DEFAULT_RETRY_SECONDS,
        wait: Wait = asyncio.sleep,
    ) -> None:
        super().__init__()
        self._try_lock = try_lock
        self.retry_seconds = retry_seconds
        self._wait = wait

    async def run(self) -> None:
        while True:
            handle = await self._attempt()
            if handle is not None:
                await self._hold(handle)
            # After a loss too: a connection that just dropped gets a moment to settle, and
            # another process its turn.
            await self._wait(self.retry_seconds)

    async def _attempt(self) -> LockHandle | None:
        try:
            return await self._try_lock()
        except Exception:
            log.exception(
                "Could not try the leader lock; trying again in %.0f s", self.retry_seconds
            )
            return None

    async def _hold(self, handle: LockHandle) -> None:
        try:
            await self._become_leader()
            await handle.lost.wait()
            log.warning("The leader lock was lost (its connection ended); stepping down")
        finally:
            # On cancellation (shutdown) too: stop the work, then let another process lead.
            await self._let_go(handle)

    async def _let_go(self, handle: LockHandle) -> None:
        await self._step_down()
        try:
            await handle.release()
        except Exception:
            # A lock whose connection is gone is released by the server; nothing to undo here.
            log.warning("Releasing the leader lock failed", exc_info=True)


def choose_leadership(try_lock: TryLock | None, *, retry_seconds: float) -> Leadership:
    """Lead alone without a lock shared between processes; with one, lead while holding it."""
    if try_lock is None:
        return SoloLeadership()
    return LockLeadership(try_lock, retry_seconds=retry_seconds)
