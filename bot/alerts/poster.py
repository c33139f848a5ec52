"""The poster: drains the outbox into Discord, paced, retried, each alert exactly once.

Every delivery carries a fixed nonce that Discord enforces, so a retry after a timeout (or a
restart in the middle of a send) returns the message already posted instead of a second one.
A row is marked delivered only after Discord accepted it. A deleted channel or a lost
permission pauses that channel's subscriptions and tells the admins once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.alerts.outbox import Claim, Delivery, Digest, Outbox
from bot.tasks import wait_event

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
RETRY_BASE = timedelta(seconds=15)
RETRY_MAX = timedelta(hours=1)
CONCURRENCY = 8
# Discord remembers a nonce for a few minutes; a send tried longer ago than this is looked for
# in the channel before it is tried again, so a crash and a late restart can't post it twice.
NONCE_TRUST = timedelta(minutes=2)


class Failure(StrEnum):
    GONE = "gone"  # the channel no longer exists
    FORBIDDEN = "forbidden"  # the bot may not see or post in it
    TRANSIENT = "transient"  # 429 after the client's own retries, 5xx, timeouts: try later
    REJECTED = "rejected"  # Discord refused this message for good (a 400)


class DeliveryError(Exception):
    """A send failed; `failure` says what to do about it."""

    def __init__(self, failure: Failure, detail: str) -> None:
        super().__init__(detail)
        self.failure = failure
        self.detail = detail


class Sender(Protocol):
    """Posts rendered alerts; the Discord implementation lives in bot/ui/alerts.py."""

    async def send_alert(self, delivery: Delivery) -> int: ...

    async def find_posted(self, sent: Delivery | Digest) -> int | None:
        """The id of this alert's (or digest's) message if an earlier send reached the channel."""
        ...

    async def send_digest(self, digest: Digest) -> int: ...


@dataclass
class DrainResult:
    delivered: int = 0
    retried: int = 0
    dropped: int = 0
    paused_channels: int = 0


class Pacer:
    """Spaces sends evenly at `rate` per second across every concurrent sender."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / rate
        self._clock = clock
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)


class Poster:
    """Delivers due outbox rows; one drain at a time."""

    def __init__(
        self,
        outbox: Outbox,
        sender: Sender,
        *,
        rate: float,
        digest_hour: int,
        notify: Callable[[str], Awaitable[None]],
        rng: random.Random | None = None,
    ) -> None:
        self._outbox = outbox
        self._sender = sender
        self._pacer = Pacer(rate)
        self._digest_hour = digest_hour
        self._notify = notify
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask the running loop to drain now (something was queued)."""
        self._wake.set()

    async def drain(self, now: datetime | None = None) -> DrainResult:
        """Post everything due, channel by channel in order, channels side by side."""
        async with self._lock:
            result = DrainResult()
            while True:
                due = await self._outbox.due(now or datetime.now(UTC))
                if not due:
                    break
                await self._deliver_batch(due, result)
                if len(due) < 200:
                    break
            for digest in await self._outbox.digests_due(
                now or datetime.now(UTC), self._digest_hour
            ):
                await self._deliver_digest(digest, result)
            return result

    async def run(self, idle: float = 60.0) -> None:
        """Drain whenever woken, and at least every `idle` seconds (retries come due)."""
        while True:
            await wait_event(self._wake, idle)
            self._wake.clear()
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Draining the alert outbox failed; retrying shortly")

    async def _deliver_batch(self, due: list[Delivery], result: DrainResult) -> None:
        by_channel: dict[int, list[Delivery]] = {}
        for delivery in due:
            by_channel.setdefault(delivery.subscription.channel_id, []).append(delivery)
        limit = asyncio.Semaphore(CONCURRENCY)

        async def channel_worker(deliveries: list[Delivery]) -> None:
            async with limit:
                for delivery in deliveries:
                    if not await self._deliver(delivery, result):
                        return  # the channel is gone or closed to us: stop here

        await asyncio.gather(*(channel_worker(d) for d in by_channel.values()))

    async def _deliver(self, delivery: Delivery, result: DrainResult) -> bool:
        now = datetime.now(UTC)
        # Held while posted: a second process (a takeover) skips it rather than posting it too.
        async with self._outbox.claim(delivery, now) as claim:
            if claim is None:
                return True  # another process has it, or it was done meanwhile
            found = await self._already_posted(delivery, now)
            if found is not None:
                await claim.delivered(delivery, found, now)
                result.delivered += 1
                return True
            try:
                message_id = await self._sender.send_alert(delivery)
            except DeliveryError as exc:
                return await self._failed(delivery, exc, result, claim)
            await claim.delivered(delivery, message_id, datetime.now(UTC))
        result.delivered += 1
        return True

    async def _deliver_digest(self, digest: Digest, result: DrainResult) -> None:
        now = datetime.now(UTC)
        async with self._outbox.claim_digest(digest) as claim:
            if claim is None:
                return
            found = await self._already_posted(digest, now)
            if found is not None:
                # The message found holds the alerts of that earlier try; later ones wait a day.
                earlier = tuple(d for d in digest.deliveries if d.sending_at)
                await claim.digest_delivered(replace(digest, deliveries=earlier), found, now)
                result.delivered += len(earlier)
                return
            await self._outbox.digest_sending(digest, now)
            try:
                message_id = await self._sender.send_digest(digest)
            except DeliveryError as exc:
                failed = exc
            else:
                await claim.digest_delivered(digest, message_id, datetime.now(UTC))
                result.delivered += len(digest.deliveries)
                return
        # Pausing writes the subscription the claim held: only once the claim has ended.
        if failed.failure in (Failure.GONE, Failure.FORBIDDEN):
            await self._pause(digest.subscription.channel_id, failed, result)
        else:
            log.warning("Digest for subscription %d failed: %s", digest.subscription.id, failed)

    async def _already_posted(self, sent: Delivery | Digest, now: datetime) -> int | None:
        """Pace the send; when an earlier try is older than the nonce memory, look for it."""
        await self._pacer.wait()
        if not sent.sending_at or now - datetime.fromisoformat(sent.sending_at) <= NONCE_TRUST:
            return None
        found = await self._sender.find_posted(sent)
        if found is not None:
            log.info("Message %d was posted before a restart; not posting it again", found)
            return found
        await self._pacer.wait()
        return None

    async def _failed(
        self, delivery: Delivery, exc: DeliveryError, result: DrainResult, claim: Claim
    ) -> bool:
        now = datetime.now(UTC)
        if exc.failure in (Failure.GONE, Failure.FORBIDDEN):
            await self._pause(delivery.subscription.channel_id, exc, result)
            return False
        if exc.failure is Failure.REJECTED or delivery.attempts + 1 >= MAX_ATTEMPTS:
            log.error("Dropping alert %d after %s: %s", delivery.outbox_id, exc.failure, exc.detail)
            await claim.drop(delivery, exc.detail, now)
            result.dropped += 1
            return True
        delay = min(RETRY_MAX, RETRY_BASE * 2**delivery.attempts)
        delay *= 1 + self._rng.uniform(0, 0.3)
        log.warning("Alert %d will be retried in %s: %s", delivery.outbox_id, delay, exc.detail)
        await claim.retry(delivery, exc.detail, now + delay)
        result.retried += 1
        return False  # keep this channel's alerts in order: the rest wait for the retry

    async def _pause(self, channel_id: int, exc: DeliveryError, result: DrainResult) -> None:
        reason = (
            "the channel was deleted"
            if exc.failure is Failure.GONE
            else "I can't post there (missing permission)"
        )
        paused = await self._outbox.pause_channel(channel_id, reason, datetime.now(UTC))
        if paused:
            result.paused_channels += 1
            await self._notify(
                f"Alerts for <#{channel_id}> are paused: {reason}. Fix it, then use "
                "`/admin alerts resume` (or subscribe another channel)."
            )
