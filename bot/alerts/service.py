"""The alerts service the cogs and the CLI call: subscriptions, sources, polling, delivery."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from bot.alerts.feeds import parse_feed, strip_html
from bot.alerts.health import SourceState, SourceStates
from bot.alerts.items import StoredItem
from bot.alerts.links import LinkPolicy
from bot.alerts.misses import Miss, Misses
from bot.alerts.outbox import Outbox
from bot.alerts.poster import DrainResult, Poster, Sender
from bot.alerts.registry import build_sources
from bot.alerts.scheduler import Poller, PollOutcome, Scheduler
from bot.alerts.sources import Source, SourceError, TrackedCase
from bot.alerts.sources.rss import validate_feed_url
from bot.alerts.store import AlertStore, prune
from bot.alerts.subscriptions import (
    MODES,
    SCOPES,
    Subscription,
    parse_jurisdictions,
    parse_kinds,
    parse_pattern,
    parse_tags,
    parse_terms,
)
from bot.alerts.watchlist import Feed, Watchlist
from bot.config import Settings
from bot.db import POSTGRESQL, Database
from bot.errors import UserFacingError
from bot.http import GuardedFetcher
from bot.tasks import Tasks

log = logging.getLogger(__name__)

Notify = Callable[[str], Awaitable[None]]

# With one process, whatever queues an alert wakes the poster; it looks anyway this often.
IDLE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    """A subscribe command's raw options, as the admin typed them."""

    kinds: str | None = None
    jurisdictions: str | None = None
    tags: str | None = None
    include: str | None = None
    exclude: str | None = None
    pattern: str | None = None
    mode: str = "immediate"
    mention_role_id: int | None = None
    scope: str = "creators"


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source as /admin alerts sources shows it."""

    name: str
    state: SourceState
    interval: timedelta
    hour_left: int
    day_left: int


class AlertService:
    """Owns the alert store, sources, polling loops and the poster."""

    def __init__(
        self,
        db: Database,
        client: httpx.AsyncClient,
        settings: Settings,
        *,
        feed_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._settings = settings
        self._db = db
        self.store = AlertStore(db, max_age=timedelta(days=settings.alerts_max_age_days))
        self.states = SourceStates(db)
        self.outbox = Outbox(db)
        self.watchlist = Watchlist(db)
        self.misses = Misses(db)
        # Feeds admins add are read through their own (address-guarded) pool.
        feed_client = feed_client or client
        self.poller = Poller(self.store, self.states, client, feed_client=feed_client)
        self._sources: dict[str, Source] = {}
        self._poster: Poster | None = None
        self._scheduler: Scheduler | None = None
        self._tasks = Tasks("alerts")
        # Polling, posting (digests included) and pruning run only in the leading process.
        self._leading = False
        self._ready: Callable[[], Awaitable[object]] | None = None
        local = settings.alerts_allow_local_feeds
        self._guard = GuardedFetcher(feed_client, allow_loopback=local, allow_http=local)
        #: Where each source's alerts may link; feeds are added as they are loaded.
        self.links = LinkPolicy()

    async def load(self) -> None:
        """Read tracked cases and feeds, and build the sources."""
        await self.watchlist.load()
        self._rebuild_sources()
        judged = await self.store.judge_untiered()
        if judged:
            log.info("Gave %d alert items stored before relevance tiers their tier", judged)

    def sources(self) -> dict[str, Source]:
        return self._sources

    def _rebuild_sources(self) -> None:
        self.links.set_feeds({feed.source_name: feed.url for feed in self.watchlist.feeds})
        self._sources = build_sources(
            self._settings, self.watchlist.tracked, self.watchlist.feeds, self._guard.check
        )
        if self._scheduler is not None and self._settings.alerts_poll and self._leading:
            self._scheduler.sync()

    # -- running ---------------------------------------------------------------------------
    def start(
        self, sender: Sender, notify: Notify, *, ready: Callable[[], Awaitable[object]]
    ) -> None:
        """Build the poster and the polls; they run (after `ready`) while this process leads."""
        self._poster = Poster(
            self.outbox,
            sender,
            rate=self._settings.alerts_post_rate,
            digest_hour=self._settings.alerts_digest_hour,
            notify=notify,
        )
        self._scheduler = Scheduler(
            self.poller,
            self.states,
            self.sources,
            notify=notify,
            on_queued=self._poster.wake,
            tasks=self._tasks,
        )
        self._ready = ready
        if self._leading:
            self._start_singletons(ready)

    @property
    def leading(self) -> bool:
        """True while this process polls, posts and prunes (see bot/leader.py)."""
        return self._leading

    @property
    def singleton_tasks(self) -> int:
        """How many polling, posting and pruning tasks run in this process (none unless leading)."""
        return len(self._tasks)

    async def lead(self) -> None:
        """This process became the leader: poll, post, send digests and prune here."""
        # Another process may have changed the tracked cases and feeds while it led (read them
        # before leading, so the polls start once, in _run, after `ready`).
        try:
            await self.watchlist.load()
            self._rebuild_sources()
        except Exception:
            log.exception("Could not reread the tracked cases and feeds; polling those known")
        self._leading = True
        if self._ready is not None and not self._tasks:
            self._start_singletons(self._ready)

    async def step_down(self) -> None:
        """This process no longer leads: stop polling and posting here (another process will)."""
        self._leading = False
        await self._stop_singletons()

    def _start_singletons(self, ready: Callable[[], Awaitable[object]]) -> None:
        """Start the poster (digests included), the daily pruning and (via _run) the polls."""
        self._tasks.keep_running(lambda: self._run(ready), name="poster")
        self._tasks.keep_running(lambda: self._prune_daily(ready), name="prune")

    async def _prune_daily(self, ready: Callable[[], Awaitable[object]]) -> None:
        await ready()
        while True:
            try:
                outbox, items = await prune(self._db)
                log.info(
                    "Pruned %d finished alert deliveries and %d old irrelevant items", outbox, items
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Pruning old alerts failed; trying again tomorrow")
            await asyncio.sleep(24 * 3600)

    async def _run(self, ready: Callable[[], Awaitable[object]]) -> None:
        await ready()
        poster, scheduler = self._poster, self._scheduler
        if poster is None or scheduler is None:
            return
        if self._settings.alerts_poll:
            scheduler.sync()
        poster.wake()  # deliver whatever a previous run left in the outbox
        await poster.run(self._outbox_idle())

    def _outbox_idle(self) -> float:
        """Seconds the poster waits for a wake before it looks at the outbox anyway.

        On PostgreSQL other processes queue alerts too (an admin's `/admin alerts poll` in a
        server of another shard) and cannot wake this process's poster: look as often as the
        leader checks its lock, not once a minute.
        """
        if self._db.dialect == POSTGRESQL:
            return self._settings.leader_retry_seconds
        return IDLE_SECONDS

    async def stop(self) -> None:
        """Stop polling, posting and pruning here until start() is called again (cog unload)."""
        self._ready = None
        await self._stop_singletons()

    async def _stop_singletons(self) -> None:
        if self._scheduler is not None:
            await self._scheduler.stop()
        await self._tasks.close()

    async def drain(self) -> DrainResult:
        """Deliver what is due now (tests and the poll command use it)."""
        if self._poster is None:
            raise RuntimeError("the poster starts with start()")
        if not self._leading:
            # Only the leader posts: another process posting too could double an alert.
            raise RuntimeError("only the leading process posts alerts")
        return await self._poster.drain()

    async def poll_now(self, name: str) -> PollOutcome:
        """Poll one source at once, as an admin asked."""
        source = self._source(name)
        outcome = await self.poller.poll(source)
        if self._scheduler is not None:
            await self._scheduler.report(outcome)
        return outcome

    async def dry_run(self, names: list[str] | None = None) -> list[PollOutcome]:
        """Poll sources without storing anything; outcomes list what would be posted."""
        chosen = [self._source(n) for n in names] if names else list(self._sources.values())
        return [await self.poller.poll(source, dry_run=True) for source in chosen]

    def _source(self, name: str) -> Source:
        source = self._sources.get(name)
        if source is None:
            known = ", ".join(sorted(self._sources)) or "none"
            raise UserFacingError(f"There is no alert source named {name!r}. Sources: {known}.")
        return source

    # -- subscriptions -------------------------------------------------------------------
    async def subscribe(
        self, guild_id: int, channel_id: int, request: SubscriptionRequest
    ) -> Subscription:
        if request.mode not in MODES:
            raise UserFacingError(f"Mode must be one of: {', '.join(MODES)}.")
        if request.scope not in SCOPES:
            raise UserFacingError(f"Scope must be one of: {', '.join(SCOPES)}.")
        return await self.store.subscribe(
            guild_id,
            channel_id,
            kinds=parse_kinds(request.kinds),
            jurisdictions=parse_jurisdictions(request.jurisdictions),
            tags=parse_tags(request.tags),
            include_terms=parse_terms(request.include),
            exclude_terms=parse_terms(request.exclude),
            pattern=parse_pattern(request.pattern),
            mode=request.mode,
            mention_role_id=request.mention_role_id,
            scope=request.scope,
        )

    async def subscriptions(self, guild_id: int) -> list[tuple[Subscription, int]]:
        """A server's subscriptions with how many alerts each has waiting."""
        subs = await self.store.subscriptions(guild_id)
        pending = await self.outbox.pending_counts([sub.id for sub in subs])
        return [(sub, pending.get(sub.id, 0)) for sub in subs]

    async def unsubscribe(self, guild_id: int, subscription_id: int) -> Subscription:
        return await self.store.unsubscribe(subscription_id, guild_id)

    async def resume(self, guild_id: int, subscription_id: int) -> Subscription:
        sub = await self.store.resume(subscription_id, guild_id)
        if self._poster is not None:
            self._poster.wake()
        return sub

    async def preview(self, guild_id: int, subscription_id: int) -> list[StoredItem]:
        sub = await self.store.subscription(subscription_id, guild_id)
        return await self.store.preview(sub)

    async def latest(
        self, kind: str | None = None, jurisdiction: str | None = None
    ) -> list[StoredItem]:
        if kind:
            kind = parse_kinds(kind)[0]
            kind = None if kind == "all" else kind
        if jurisdiction:
            jurisdiction = parse_jurisdictions(jurisdiction)[0]
            jurisdiction = None if jurisdiction == "all" else jurisdiction
        return await self.store.latest(kind=kind, jurisdiction=jurisdiction)

    async def mark_not_relevant(self, guild_id: int, item_id: int, user_id: int) -> bool:
        """A manager's "Not relevant" on a posted alert; False if this server marked it already."""
        return await self.misses.mark(guild_id, item_id, user_id)

    async def missed(self, guild_id: int) -> list[Miss]:
        """What this server's managers marked not relevant, newest first."""
        return await self.misses.listed(guild_id)

    # -- sources, cases and feeds --------------------------------------------------------
    async def health(self, now: datetime | None = None) -> list[SourceHealth]:
        now = now or datetime.now(UTC)
        found = []
        for name, source in sorted(self._sources.items()):
            state = await self.states.load(name)
            hour_left, day_left = state.budget_left(source.budget, now)
            found.append(SourceHealth(name, state, source.poll_interval, hour_left, day_left))
        return found

    async def track(self, docket_id: int, name: str | None, user_id: int) -> TrackedCase:
        return await self.watchlist.track(docket_id, name or "", user_id)

    async def untrack(self, docket_id: int) -> TrackedCase:
        return await self.watchlist.untrack(docket_id)

    async def add_feed(self, raw_url: str, user_id: int) -> Feed:
        """Check that the URL is a public RSS/Atom feed, then watch it (seeded silently)."""
        url = (
            raw_url.strip()
            if self._settings.alerts_allow_local_feeds
            else validate_feed_url(raw_url)
        )
        fetched = await self._guard.fetch(url)
        if fetched.status != 200:
            raise UserFacingError(f"That feed answered with HTTP {fetched.status}.")
        try:
            parsed = await asyncio.to_thread(parse_feed, fetched.text.encode())
        except SourceError as exc:
            raise UserFacingError("That address is not an RSS or Atom feed.") from exc
        title = strip_html(parsed.feed.get("title")) or httpx.URL(url).host
        feed = await self.watchlist.add_feed(url, title, user_id)
        self._rebuild_sources()
        return feed

    async def remove_feed(self, feed_id: int) -> Feed:
        feed = await self.watchlist.remove_feed(feed_id)
        self._rebuild_sources()
        return feed
