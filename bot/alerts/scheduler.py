"""Polling: when each source runs, backoff with jitter on failure, health notices, the loops.

A poll fetches through a metered client (the source's request budget), ingests what it got,
and saves the cursor and health. A failing source backs off exponentially (honouring the
server's Retry-After), is marked unhealthy after repeated failures with one notice, and recovers
by itself with one more. A loop never dies on an exception: each iteration catches and logs.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.alerts.health import BudgetExhausted, MeteredClient, SourceState, SourceStates
from bot.alerts.patterns import STRIKES_TO_SWITCH_OFF
from bot.alerts.sources import HttpGetter, SkipsUnchanged, Source, SourceError
from bot.alerts.store import AlertStore, IngestResult
from bot.alerts.subscriptions import Subscription
from bot.tasks import Tasks

log = logging.getLogger(__name__)

UNHEALTHY_AFTER = 3
BASE_BACKOFF = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=2)
JITTER = 0.2
RECHECK_SECONDS = 300
# A notice names at most this many switched-off subscriptions (Discord's 2,000 characters).
NOTICE_LIST_LIMIT = 25

Notify = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll did, for the admin who asked and for the log."""

    source: str
    ok: bool
    result: IngestResult | None = None
    error: str | None = None
    next_poll_at: datetime | None = None
    became_unhealthy: bool = False
    recovered: bool = False


def backoff(failures: int, rng: random.Random, retry_after: float | None = None) -> timedelta:
    """Exponential backoff with jitter; never shorter than the server asked for."""
    base = min(MAX_BACKOFF, BASE_BACKOFF * 2 ** max(0, failures - 1))
    delay = base * (1 + rng.uniform(-JITTER, JITTER))
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


class Poller:
    """Polls one source at a time; the same code serves the loops, /admin and the CLI."""

    def __init__(
        self,
        store: AlertStore,
        states: SourceStates,
        client: HttpGetter,
        *,
        feed_client: HttpGetter | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._states = states
        self._client = client
        self._feed_client = feed_client or client
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._locks: dict[str, asyncio.Lock] = {}

    async def poll(
        self, source: Source, *, now: datetime | None = None, dry_run: bool = False
    ) -> PollOutcome:
        """Fetch, ingest and record the outcome; never raises for a source's failure."""
        async with self._locks.setdefault(source.name, asyncio.Lock()):
            now = now or datetime.now(UTC)
            state = await self._states.load(source.name)
            # A source whose address an admin gave is read through the guarded feeds pool.
            client = self._feed_client if getattr(source, "guarded", False) else self._client
            metered = MeteredClient(client, source.budget, state, now)
            try:
                if isinstance(source, SkipsUnchanged):
                    page = await source.fetch_unread(metered, state.cursor, self._store)
                else:
                    page = await source.fetch(metered, state.cursor)
                result = await self._store.ingest(
                    source.name,
                    page.items,
                    hash_fields=source.hash_fields,
                    now=now,
                    dry_run=dry_run,
                    unchanged=page.unchanged,
                )
            except Exception as exc:  # noqa: BLE001 - a source's bug must not stop the others
                return await self._failed(source, metered.spent(state), exc, now, dry_run)
            return await self._succeeded(
                source, metered.spent(state), page.cursor, result, now, dry_run
            )

    async def _succeeded(
        self,
        source: Source,
        state: SourceState,
        cursor: str | None,
        result: IngestResult,
        now: datetime,
        dry_run: bool,
    ) -> PollOutcome:
        next_poll = now + source.poll_interval
        recovered = state.unhealthy_since is not None
        if result.skipped:
            state = replace(
                state,
                records_skipped=state.records_skipped + result.skipped,
                last_skipped_at=now.isoformat(),
                last_skipped=(result.skip_reason or "")[:300],
            )
        if not dry_run:
            await self._states.save(
                replace(
                    state,
                    cursor=cursor if cursor is not None else state.cursor,
                    last_success_at=now.isoformat(),
                    failures=0,
                    unhealthy_since=None,
                    next_poll_at=next_poll.isoformat(),
                )
            )
        log.info(
            "Polled %s: %d new, %d updated, %d unchanged, %d queued, %d skipped%s",
            source.name,
            result.new,
            result.updated,
            result.unchanged,
            result.queued,
            result.skipped,
            " (seeded silently)" if result.seeded else "",
        )
        return PollOutcome(source.name, True, result, None, next_poll, recovered=recovered)

    async def _failed(
        self, source: Source, state: SourceState, exc: Exception, now: datetime, dry_run: bool
    ) -> PollOutcome:
        if isinstance(exc, SourceError):
            error = str(exc)
            log.warning("Polling %s failed: %s", source.name, error)
        else:
            error = f"unexpected {type(exc).__name__}"
            log.error("Polling %s failed unexpectedly", source.name, exc_info=exc)
        failures = state.failures + (0 if isinstance(exc, BudgetExhausted) else 1)
        delay = backoff(failures, self._rng, getattr(exc, "retry_after", None))
        next_poll = now + max(delay, timedelta(seconds=30))
        became_unhealthy = failures >= UNHEALTHY_AFTER and state.unhealthy_since is None
        if not dry_run:
            await self._states.save(
                replace(
                    state,
                    last_error_at=now.isoformat(),
                    last_error=error[:300],
                    failures=failures,
                    unhealthy_since=now.isoformat() if became_unhealthy else state.unhealthy_since,
                    next_poll_at=next_poll.isoformat(),
                )
            )
        return PollOutcome(
            source.name,
            False,
            None,
            error,
            next_poll,
            became_unhealthy=became_unhealthy and not dry_run,
        )


class Scheduler:
    """One task per source: wait until its next poll, poll, tell admins about health changes."""

    def __init__(
        self,
        poller: Poller,
        states: SourceStates,
        sources: Callable[[], dict[str, Source]],
        *,
        notify: Notify,
        on_queued: Callable[[], None],
        tasks: Tasks | None = None,
    ) -> None:
        self._poller = poller
        self._states = states
        self._sources = sources
        self._notify = notify
        self._on_queued = on_queued
        self._supervisor = tasks or Tasks("alerts")
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.error_pause = 60.0

    def sync(self) -> None:
        """Start loops for sources that appeared, stop those of sources that went away."""
        current = self._sources()
        for name in list(self._tasks):
            if name not in current:
                self._tasks.pop(name).cancel()
        for name in current:
            if name not in self._tasks:
                self._tasks[name] = self._supervisor.keep_running(
                    lambda name=name: self._loop(name), name=f"poll:{name}"
                )

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _loop(self, name: str) -> None:
        while True:
            try:
                await self._iteration(name)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Never let one bad iteration end the loop for good.
                log.exception("Alert loop for %s failed; retrying shortly", name)
                await asyncio.sleep(self.error_pause)

    async def _iteration(self, name: str) -> None:
        state = await self._states.load(name)
        if state.next_poll_at:
            wait = datetime.fromisoformat(state.next_poll_at) - datetime.now(UTC)
            if wait.total_seconds() > 0:
                # Wake up now and then: an admin's "poll now" moves the next poll.
                await asyncio.sleep(min(wait.total_seconds(), RECHECK_SECONDS))
                return
        source = self._sources().get(name)
        if source is None:
            return
        outcome = await self._poller.poll(source)
        await self.report(outcome)

    async def report(self, outcome: PollOutcome) -> None:
        """Wake the poster when something was queued; tell admins of health changes, once."""
        if outcome.result is not None and outcome.result.queued:
            self._on_queued()
        if outcome.became_unhealthy:
            await self._notify(
                f"Alert source **{outcome.source}** is failing ({outcome.error}); "
                f"I'll keep retrying with growing pauses and tell you when it is back."
            )
        if outcome.recovered:
            await self._notify(f"Alert source **{outcome.source}** is working again.")
        if outcome.result is not None and outcome.result.switched_off:
            await self._notify(switched_off_notice(outcome.result.switched_off))


def switched_off_notice(subs: tuple[Subscription, ...]) -> str:
    """One notice for the subscriptions a poll switched off because their pattern was too slow."""
    listed = ", ".join(f"#{sub.id} (<#{sub.channel_id}>)" for sub in subs[:NOTICE_LIST_LIMIT])
    if len(subs) > NOTICE_LIST_LIMIT:
        listed += f" and {len(subs) - NOTICE_LIST_LIMIT} more"
    which = f"subscription {listed} is" if len(subs) == 1 else f"subscriptions {listed} are"
    return (
        f"Alert {which} switched off: the pattern ran over its time limit in "
        f"{STRIKES_TO_SWITCH_OFF} polls in a row, which would hold up every alert. Subscribe "
        "again with a simpler pattern, or try it once more with `/admin alerts resume`."
    )
