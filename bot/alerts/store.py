"""Alert storage: items by (source, external id), subscriptions, and the delivery outbox.

`ingest` decides new / updated / unchanged by content hash (never by a "latest date" cursor
alone), and writes one outbox row per matching subscription in the same transaction as the item
version. A source's first successful poll and a subscription's creation seed silently: what was
already there is stored, not posted. Items older than the maximum age are never posted.

A record that can't be stored (a missing field, a date like 0000-00-00) is skipped and counted,
never allowed to roll back the rest of the poll. Admins' regex patterns are searched before the
write transaction, in a worker thread under time limits (bot/alerts/patterns.py); a pattern that
runs over its limit several polls in a row has its subscriptions switched off.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from bot.alerts import patterns
from bot.alerts.items import DEFAULT_HASH_FIELDS, REASON_SEPARATOR, AlertItem, StoredItem
from bot.alerts.matcher import CREATORS, match_topic
from bot.alerts.patterns import PatternRun
from bot.alerts.records import storable
from bot.alerts.sources import parse_utc
from bot.alerts.subscriptions import Subscription, pattern_text
from bot.db import Connection, Database, PreparedRows, placeholders, scalar
from bot.errors import UserFacingError
from bot.heap import collections_held_off

log = logging.getLogger(__name__)

_SOURCE = "SELECT seeded_at FROM alert_sources WHERE name = ?"
_SEED_SOURCE = """
INSERT INTO alert_sources (name, seeded_at) VALUES (?, ?)
ON CONFLICT (name) DO UPDATE SET seeded_at = COALESCE(alert_sources.seeded_at, excluded.seeded_at)
"""
_ITEMS = """
SELECT id, source, external_id, content_hash, entry_hash, version, status FROM alert_items
WHERE source = ? AND external_id IN ({marks})
"""
# The fingerprints of stored entries are looked up this many at a time (one statement each):
# under SQLite's 32,766 bound parameters and PostgreSQL's 65,535; a count over 10,000 costs a
# quarter less per entry than five over 2,000.
ENTRY_BATCH_SIZE = 10_000
_HELD_COUNT = """
SELECT COUNT(DISTINCT entry_hash) FROM alert_items WHERE source = ? AND entry_hash IN ({marks})
"""
_HELD = "SELECT DISTINCT entry_hash FROM alert_items WHERE source = ? AND entry_hash IN ({marks})"
_ENTRY_HASHES = """
SELECT external_id, entry_hash FROM alert_items WHERE source = ? AND external_id IN ({marks})
"""
_SET_ENTRY_HASH = "UPDATE alert_items SET entry_hash = ? WHERE id = ?"
# Items are looked up and written this many at a time: one statement per batch rather than
# per item, since every awaited statement is a round trip to aiosqlite's thread.
BATCH_SIZE = 2000
# An abstract is shown as one line under the title; more is never read.
ABSTRACT_LIMIT = 1000
# A new item's row: its id, source and external id, _columns(), version 1, and two timestamps.
ITEM_COLUMNS = (
    "id",
    "source",
    "external_id",
    "kind",
    "jurisdiction",
    "identifier",
    "title",
    "status",
    "status_date",
    "url",
    "published_at",
    "tags",
    "attribution",
    "relevant",
    "tier",
    "reasons",
    "content_hash",
    "entry_hash",
    "abstract",
    "version",
    "first_seen_at",
    "updated_at",
)
_UPDATE_ITEM = """
UPDATE alert_items SET kind = ?, jurisdiction = ?, identifier = ?, title = ?, status = ?,
    status_date = ?, url = ?, published_at = ?, tags = ?, attribution = ?, relevant = ?,
    tier = ?, reasons = ?, content_hash = ?, entry_hash = ?, abstract = ?,
    version = version + 1, updated_at = ?
WHERE id = ?
"""
_INSERT_SUBSCRIPTION = """
INSERT INTO alert_subscriptions (guild_id, channel_id, kinds, jurisdictions, tags, include_terms,
    exclude_terms, pattern, mode, mention_role_id, created_at, scope)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING *
"""
_GUILD_SUBSCRIPTIONS = "SELECT * FROM alert_subscriptions WHERE guild_id = ? ORDER BY id"
_GUILD_SUBSCRIPTION_COUNT = "SELECT COUNT(*) FROM alert_subscriptions WHERE guild_id = ?"
_DELETE_SUBSCRIPTION = "DELETE FROM alert_subscriptions WHERE id = ? AND guild_id = ?"
_RESUME = """
UPDATE alert_subscriptions SET paused_reason = NULL, paused_at = NULL, pattern_strikes = 0
WHERE id = ?
"""
_CLEAR_STRIKES = "UPDATE alert_subscriptions SET pattern_strikes = 0 WHERE id IN ({marks})"
_ADD_STRIKE = """
UPDATE alert_subscriptions SET pattern_strikes = pattern_strikes + 1 WHERE id IN ({marks})
"""
_STRUCK_OUT = """
SELECT id FROM alert_subscriptions
WHERE id IN ({marks}) AND pattern_strikes >= ? AND paused_reason IS NULL
"""
_SWITCH_OFF = """
UPDATE alert_subscriptions SET paused_reason = ?, paused_at = ? WHERE id IN ({marks})
"""
SLOW_PATTERN_REASON = (
    f"its pattern ran over its time limit in {patterns.STRIKES_TO_SWITCH_OFF} polls in a row"
)
_SAMPLE_TEXTS = "SELECT title, status, identifier FROM alert_items ORDER BY updated_at DESC LIMIT ?"
# How many stored titles a new pattern is tried on before it is accepted.
SAMPLE_SIZE = 200
# Rows queued before a pause and now older than the maximum age are dropped, not posted late.
_DROP_STALE = """
UPDATE alert_outbox SET dropped_at = ?
WHERE subscription_id = ? AND delivered_at IS NULL AND dropped_at IS NULL AND created_at < ?
"""
MAX_SUBSCRIPTIONS_PER_GUILD = 25
# Delivered or dropped outbox rows, and items that never concerned creators, are kept this long
# (for /admin alerts list and for dedup across overlap windows), then pruned.
KEEP_FOR = timedelta(days=90)
_PRUNE_OUTBOX = """
DELETE FROM alert_outbox
WHERE (delivered_at IS NOT NULL AND delivered_at < ?) OR (dropped_at IS NOT NULL AND dropped_at < ?)
"""
_PRUNE_ITEMS = "DELETE FROM alert_items WHERE relevant = 0 AND updated_at < ?"
_LATEST = """
SELECT * FROM alert_items
WHERE relevant = 1 AND (CAST(? AS TEXT) IS NULL OR kind = ?)
    AND (CAST(? AS TEXT) IS NULL OR jurisdiction = ?
        OR (CAST(? AS TEXT) LIKE '%-*' AND jurisdiction LIKE REPLACE(?, '*', '%')))
ORDER BY updated_at DESC, id DESC LIMIT ?
"""
_RECENT_RELEVANT = """
SELECT * FROM alert_items WHERE relevant = 1 AND updated_at >= ? ORDER BY updated_at DESC, id DESC
LIMIT ?
"""
_SUBSCRIPTION = "SELECT * FROM alert_subscriptions WHERE id = ?"
TRACKED_REASON = "tracked case"
_UNTIERED = "SELECT id, title, status FROM alert_items WHERE relevant = 1 AND tier IS NULL LIMIT ?"
_SET_TIER = "UPDATE alert_items SET tier = ?, reasons = ? WHERE id = ?"
_ACTIVE_SUBSCRIPTIONS = "SELECT * FROM alert_subscriptions WHERE paused_reason IS NULL"
OUTBOX_COLUMNS = (
    "subscription_id",
    "item_id",
    "item_version",
    "change",
    "previous_status",
    "nonce",
    "created_at",
    "next_attempt_at",
)
_ONCE_PER_DELIVERY = "ON CONFLICT (subscription_id, item_id, item_version) DO NOTHING"


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What one poll changed."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    queued: int = 0
    seeded: bool = False
    relevant: tuple[AlertItem, ...] = ()
    skipped: int = 0  # records that could not be stored
    skip_reason: str | None = None  # why the first of them was skipped
    switched_off: tuple[Subscription, ...] = ()  # patterns that kept running over their limit


class AlertStore:
    """Owns the alert tables."""

    def __init__(self, db: Database, *, max_age: timedelta = timedelta(days=14)) -> None:
        self._db = db
        self._max_age = max_age

    async def ingest(
        self,
        source: str,
        items: Iterable[AlertItem],
        *,
        hash_fields: tuple[str, ...] = DEFAULT_HASH_FIELDS,
        now: datetime | None = None,
        dry_run: bool = False,
        unchanged: int = 0,
    ) -> IngestResult:
        """Store a poll's items and queue deliveries for new and changed ones, atomically.

        With `dry_run` everything is worked out and then rolled back; the result lists the new
        and changed relevant items (what subscriptions would hear of). `unchanged`: entries the
        source left out unread because the store holds them unchanged, counted as such.
        """
        now = now or datetime.now(UTC)
        if "tags" in hash_fields:
            raise ValueError("tags are the store's own; they can't be part of a content hash")
        unique, skipped = await asyncio.to_thread(_usable, source, items, hash_fields)
        run, judged = await self._search_patterns(source, unique, now)
        try:
            async with self._db.transaction() as conn:
                result = await self._ingest_in(conn, source, unique, now, run, judged)
                result = replace(
                    result,
                    unchanged=result.unchanged + unchanged,
                    skipped=len(skipped),
                    skip_reason=skipped[0] if skipped else None,
                )
                if dry_run:
                    raise _Rollback(replace(result, switched_off=()))
        except _Rollback as rollback:
            return rollback.result
        return result

    async def _ingest_in(
        self,
        conn: Connection,
        source: str,
        unique: list[tuple[AlertItem, str]],
        now: datetime,
        run: PatternRun,
        judged: dict[tuple[str, str], tuple[AlertItem, bool]],
    ) -> IngestResult:
        """Write the poll: rows are worked out in a worker thread one batch ahead of the writes.

        The stored rows of every item are read first and the new items given their ids, so a
        batch's item and outbox rows are complete before its writes start: while the database
        thread writes one batch, the worker thread prepares the next (SQLite does its writing
        without Python's global lock, so the two run on two cores).
        """
        stamp = now.isoformat()
        row = await conn.fetchone(_SOURCE, (source,))
        seeding = row is None or row["seeded_at"] is None
        active = await conn.fetchall(_ACTIVE_SUBSCRIPTIONS)
        known = await _rows_by_key(conn, [item for item, _ in unique])
        new = sum(1 for item, _ in unique if (item.source, item.external_id) not in known)
        plan = _Plan(
            seeding=seeding,
            stamp=stamp,
            now=now,
            fresh=self._fresh,
            subscriptions=[Subscription.from_row(r) for r in active],
            patterns=run,
            known=known,
            judged=judged,
            ids=iter(await self._db.new_ids(conn, "alert_items", new)),
            prepare=self._db.prepare_rows,
        )
        batches = [
            unique[start : start + BATCH_SIZE] for start in range(0, len(unique), BATCH_SIZE)
        ]
        ahead: asyncio.Future[_Rows] | None = None
        try:
            for n, batch in enumerate(batches):
                rows = await (ahead or asyncio.to_thread(plan.rows, batch))
                ahead = None
                if n + 1 < len(batches):
                    ahead = asyncio.ensure_future(asyncio.to_thread(plan.rows, batches[n + 1]))
                await _write(self._db, conn, rows, plan)
        finally:
            if ahead is not None:
                ahead.cancel()
        await conn.execute(_SEED_SOURCE, (source, stamp))
        switched_off = await _count_strikes(conn, plan.subscriptions, run, stamp)
        return replace(plan.result(), switched_off=switched_off)

    async def _search_patterns(
        self, source: str, unique: list[tuple[AlertItem, str]], now: datetime
    ) -> tuple[PatternRun, dict[tuple[str, str], tuple[AlertItem, bool]]]:
        """Search the patterns of active subscriptions in the items that are new or changed;
        also return those items judged, so the write need not judge them again.

        Done before the write transaction, on the read path, so a slow pattern holds neither
        the event loop nor the write lock. An item that changes between this read and the
        write (not expected: one poll per source at a time) counts as not matching a pattern.
        """
        rows = await self._db.fetchall(_ACTIVE_SUBSCRIPTIONS)
        subs = [s for s in map(Subscription.from_row, rows) if s.pattern]
        seeded = await self._db.fetchone(_SOURCE, (source,))
        if not subs or not unique or seeded is None or seeded["seeded_at"] is None:
            return PatternRun(), {}
        stored = await _rows_by_key(self._db, [item for item, _ in unique])
        known = {key: row["content_hash"] for key, row in stored.items()}
        judged = await asyncio.to_thread(_judge_changed, unique, known)
        jobs: dict[str, dict[tuple[str, str], str]] = {}
        for key, (item, is_relevant) in judged.items():
            if not is_relevant or not self._fresh(item, now):
                continue
            for sub in subs:
                if sub.pattern and sub.matches_filters(item):
                    jobs.setdefault(sub.pattern, {})[key] = pattern_text(item)
        run = await patterns.search({p: list(texts.items()) for p, texts in jobs.items()})
        for pattern in run.over_limit:
            log.warning("Alert pattern %r ran over its time limit polling %s", pattern, source)
        return run, judged

    async def held_entries(self, source: str, fingerprints: list[str]) -> set[str]:
        """Of a page's entry fingerprints, those a stored item was read from: the entry is byte
        for byte the one read before, so nothing about its item can have changed and it need
        not be read.

        Per ENTRY_BATCH_SIZE fingerprints, one indexed count, and only when it finds some but
        not all of them, the fingerprints found: a page that is all old or all new returns no
        rows. On committed data (one poll per source runs at a time, so nothing writes these
        rows between this read and the poll's own write).
        """
        wanted = list(dict.fromkeys(fingerprints))
        held: set[str] = set()
        for start in range(0, len(wanted), ENTRY_BATCH_SIZE):
            chunk = wanted[start : start + ENTRY_BATCH_SIZE]
            marks = placeholders(len(chunk))
            row = await self._db.fetchone(_HELD_COUNT.format(marks=marks), (source, *chunk))
            found = row[0] if row else 0
            if found == len(chunk):
                held.update(chunk)
            elif found:
                rows = await self._db.fetchall(_HELD.format(marks=marks), (source, *chunk))
                held.update(r["entry_hash"] for r in rows)
        return held

    async def entry_fingerprints(self, source: str, external_ids: list[str]) -> dict[str, str]:
        """The fingerprint of the entry each stored item was read from, by external id."""
        wanted = list(dict.fromkeys(external_ids))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), ENTRY_BATCH_SIZE):
            chunk = wanted[start : start + ENTRY_BATCH_SIZE]
            sql = _ENTRY_HASHES.format(marks=placeholders(len(chunk)))
            for row in await self._db.fetchall(sql, (source, *chunk)):
                if row["entry_hash"]:
                    found[row["external_id"]] = row["entry_hash"]
        return found

    def _fresh(self, item: AlertItem, now: datetime) -> bool:
        """Items whose own latest action is older than the maximum age are stored, never posted.

        The item's latest action date (a bill's last action, a filing's date) decides, not when
        the source last touched the record: a source that re-saves a 2024 law today does not
        make it news. Without an action date, the published time decides.
        """
        stamp = _action_time(item.status_date) or (
            parse_utc(item.published_at) if item.published_at else None
        )
        return stamp is None or now - stamp <= self._max_age

    async def subscribe(
        self,
        guild_id: int,
        channel_id: int,
        *,
        kinds: tuple[str, ...] = ("all",),
        jurisdictions: tuple[str, ...] = ("all",),
        tags: tuple[str, ...] = (),
        include_terms: tuple[str, ...] = (),
        exclude_terms: tuple[str, ...] = (),
        pattern: str | None = None,
        mode: str = "immediate",
        mention_role_id: int | None = None,
        now: datetime | None = None,
        scope: str = CREATORS,
    ) -> Subscription:
        """Add a subscription; it hears only of items new or changed from now on."""
        stamp = (now or datetime.now(UTC)).isoformat()
        if pattern is not None:
            await patterns.check_speed(pattern, await self.sample_texts())
        async with self._db.transaction() as conn:
            count = await scalar(conn, _GUILD_SUBSCRIPTION_COUNT, (guild_id,))
            if count >= MAX_SUBSCRIPTIONS_PER_GUILD:
                raise UserFacingError(
                    f"This server already has {count} alert subscriptions, the most allowed. "
                    "Remove one with /admin alerts unsubscribe first."
                )
            inserted = await conn.fetchone(
                _INSERT_SUBSCRIPTION,
                (
                    guild_id,
                    channel_id,
                    ",".join(kinds),
                    ",".join(jurisdictions),
                    ",".join(tags),
                    ",".join(include_terms),
                    ",".join(exclude_terms),
                    pattern,
                    mode,
                    mention_role_id,
                    stamp,
                    scope,
                ),
            )
            return Subscription.from_row(inserted)

    async def sample_texts(self, limit: int = SAMPLE_SIZE) -> list[str]:
        """Recently stored items' text, as patterns search it, for trying out a new pattern."""
        rows = await self._db.fetchall(_SAMPLE_TEXTS, (limit,))
        return [f"{r['title']}\n{r['status'] or ''}\n{r['identifier']}" for r in rows]

    async def subscriptions(self, guild_id: int) -> list[Subscription]:
        """A server's subscriptions, oldest first."""
        rows = await self._db.fetchall(_GUILD_SUBSCRIPTIONS, (guild_id,))
        return [Subscription.from_row(r) for r in rows]

    async def subscription(self, subscription_id: int, guild_id: int) -> Subscription:
        """One of a server's subscriptions, or a friendly error naming the id."""
        row = await self._db.fetchone(_SUBSCRIPTION, (subscription_id,))
        if row is None or row["guild_id"] != guild_id:
            raise UserFacingError(
                f"There is no subscription #{subscription_id} in this server. "
                "See /admin alerts list."
            )
        return Subscription.from_row(row)

    async def unsubscribe(self, subscription_id: int, guild_id: int) -> Subscription:
        """Remove a subscription (and its undelivered alerts)."""
        sub = await self.subscription(subscription_id, guild_id)
        await self._db.execute(_DELETE_SUBSCRIPTION, (subscription_id, guild_id))
        return sub

    async def resume(
        self, subscription_id: int, guild_id: int, *, now: datetime | None = None
    ) -> Subscription:
        """Unpause a subscription; alerts queued longer ago than the maximum age are dropped."""
        await self.subscription(subscription_id, guild_id)
        now = now or datetime.now(UTC)
        async with self._db.transaction() as conn:
            await conn.execute(_RESUME, (subscription_id,))
            await conn.execute(
                _DROP_STALE, (now.isoformat(), subscription_id, (now - self._max_age).isoformat())
            )
        return await self.subscription(subscription_id, guild_id)

    async def latest(
        self, *, kind: str | None = None, jurisdiction: str | None = None, limit: int = 50
    ) -> list[StoredItem]:
        """The newest relevant items, newest first, optionally of one kind and jurisdiction."""
        params = (kind, kind, jurisdiction, jurisdiction, jurisdiction, jurisdiction, limit)
        return [StoredItem.from_row(r) for r in await self._db.fetchall(_LATEST, params)]

    async def preview(
        self, sub: Subscription, *, now: datetime | None = None, limit: int = 10
    ) -> list[StoredItem]:
        """What a subscription would have posted from the stored items of the last max-age days.

        The pattern is searched in a worker thread within one poll's budget for a pattern; items
        it did not reach in time are left out, and if that leaves nothing the admin is told why.
        """
        since = ((now or datetime.now(UTC)) - self._max_age).isoformat()
        rows = await self._db.fetchall(_RECENT_RELEVANT, (since, 2000))
        found = [s for s in map(StoredItem.from_row, rows) if sub.matches_filters(s.item)]
        if sub.pattern is None:
            return found[:limit]
        run = await patterns.search(
            {sub.pattern: [(n, pattern_text(s.item)) for n, s in enumerate(found)]}
        )
        matched = [s for n, s in enumerate(found) if run.hit(sub.pattern, n)][:limit]
        if not matched and sub.pattern in run.over_limit:
            raise UserFacingError(
                "Its pattern ran over its time limit before matching anything, so there is no "
                "preview. Subscribe again with a simpler pattern."
            )
        return matched

    async def judge_untiered(self) -> int:
        """Give items stored before relevance tiers their tier and reasons; return how many."""
        done = 0
        while rows := await self._db.fetchall(_UNTIERED, (BATCH_SIZE,)):
            keyed = [(r["id"], r["title"], r["status"]) for r in rows]
            updates = await asyncio.to_thread(_untiered_judged, keyed)
            async with self._db.transaction() as conn:
                await conn.executemany(_SET_TIER, updates)
            done += len(updates)
        return done


@dataclass(frozen=True, slots=True)
class _Rows:
    """One batch's writes, worked out before they start."""

    inserts: PreparedRows
    updates: list[tuple[Any, ...]]
    fingerprints: list[tuple[str, int]]
    outbox: PreparedRows


@dataclass
class _Plan:
    """What one ingest writes, worked out batch by batch (in a worker thread, one batch at a
    time), and what it has done so far."""

    seeding: bool
    stamp: str
    now: datetime
    fresh: Callable[[AlertItem, datetime], bool]
    subscriptions: list[Subscription]
    patterns: PatternRun
    known: dict[tuple[str, str], Any]  # stored rows by (source, external id)
    judged: dict[tuple[str, str], tuple[AlertItem, bool]]  # judged before the transaction
    ids: Iterator[int]  # the new items' ids, in order
    prepare: Callable[[tuple[str, ...], list[tuple[Any, ...]]], PreparedRows]  # prepare_rows
    counts: dict[str, int] = field(
        default_factory=lambda: {"new": 0, "updated": 0, "unchanged": 0, "queued": 0}
    )
    relevant: list[AlertItem] = field(default_factory=list)

    @collections_held_off()
    def rows(self, items: list[tuple[AlertItem, str]]) -> _Rows:
        """The item inserts and updates, fingerprint updates and outbox rows of one batch, the
        inserts made ready to write (laid out for SQLite here, not in the write)."""
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        fingerprints: list[tuple[str, int]] = []
        outbox: list[tuple[Any, ...]] = []
        stamp = self.stamp
        for raw, digest in items:
            key = (raw.source, raw.external_id)
            row = self.known.get(key)
            if row is not None and row["content_hash"] == digest:
                self.counts["unchanged"] += 1
                if raw.entry_hash and row["entry_hash"] != raw.entry_hash:
                    # The same content from a different entry: next time, skip it unread.
                    fingerprints.append((raw.entry_hash, row["id"]))
                continue  # unchanged items are not even matched again
            item, is_relevant = self.judged.get(key) or _judged(raw)
            if row is None:
                item_id, version, change, previous = next(self.ids), 1, "new", None
                inserts.append(
                    (item_id, item.source, item.external_id, *_columns(item, is_relevant, digest))
                    + (1, stamp, stamp)
                )
            else:
                item_id, version, change = row["id"], row["version"] + 1, "updated"
                previous = row["status"]
                updates.append((*_columns(item, is_relevant, digest), stamp, item_id))
            self.counts[change] += 1
            if not is_relevant or not self.fresh(item, self.now):
                continue
            self.relevant.append(item)
            if self.seeding:
                continue
            text = pattern_text(item).lower()
            for first, alike in self.alike:
                if not self.wants(first, item, text):
                    continue
                for sub in alike:
                    # A subscription only hears of what was first seen or changed after it began.
                    if sub.created_at <= stamp:
                        nonce = _nonce(sub.id, item_id, version)
                        outbox.append(
                            (sub.id, item_id, version, change, previous, nonce, stamp, stamp)
                        )
        return _Rows(
            self.prepare(ITEM_COLUMNS, inserts),
            updates,
            fingerprints,
            self.prepare(OUTBOX_COLUMNS, outbox),
        )

    @cached_property
    def alike(self) -> list[tuple[Subscription, list[Subscription]]]:
        """The subscriptions grouped by equal filters, each group's filters tried once per item
        (servers mostly keep the default filters: 10,000 servers are a handful of groups)."""
        groups: dict[tuple[Any, ...], list[Subscription]] = {}
        for sub in self.subscriptions:
            groups.setdefault(sub.filters, []).append(sub)
        return [(alike[0], alike) for alike in groups.values()]

    def result(self) -> IngestResult:
        counts = self.counts
        return IngestResult(
            new=counts["new"],
            updated=counts["updated"],
            unchanged=counts["unchanged"],
            queued=counts["queued"],
            seeded=self.seeding,
            relevant=tuple(self.relevant),
        )

    def wants(self, sub: Subscription, item: AlertItem, text: str) -> bool:
        """The subscription's filters, with its pattern as searched before the transaction
        (`text`: the item's pattern text in lower case)."""
        if not sub.matches_filters(item, text):
            return False
        key = (item.source, item.external_id)
        return sub.pattern is None or self.patterns.hit(sub.pattern, key)


async def _write(db: Database, conn: Connection, rows: _Rows, plan: _Plan) -> None:
    """One batch's writes: new items and outbox rows each in one call of many-row statements
    (Database.insert_many), updates with executemany (an all-new poll has none)."""
    await db.insert_many(conn, "alert_items", ITEM_COLUMNS, rows.inserts)
    if rows.updates:
        await conn.executemany(_UPDATE_ITEM, rows.updates)
    if rows.fingerprints:
        await conn.executemany(_SET_ENTRY_HASH, rows.fingerprints)
    queued = await db.insert_many(
        conn, "alert_outbox", OUTBOX_COLUMNS, rows.outbox, on_conflict=_ONCE_PER_DELIVERY
    )
    plan.counts["queued"] += queued


@collections_held_off()
def _usable(
    source: str, items: Iterable[AlertItem], hash_fields: tuple[str, ...]
) -> tuple[list[tuple[AlertItem, str]], list[str]]:
    """The storable items with their content hashes, one per key; and why others were skipped."""
    good, skipped = storable(source, items, hash_fields)
    return _latest_per_key(good), skipped


@collections_held_off()
def _judge_changed(
    unique: list[tuple[AlertItem, str]], known: dict[tuple[str, str], str]
) -> dict[tuple[str, str], tuple[AlertItem, bool]]:
    """The items whose content differs from the stored digest, judged, by key."""
    judged = {}
    for raw, digest in unique:
        key = (raw.source, raw.external_id)
        if known.get(key) != digest:
            judged[key] = _judged(raw)
    return judged


async def _count_strikes(
    conn: Connection, subscriptions: list[Subscription], run: PatternRun, stamp: str
) -> tuple[Subscription, ...]:
    """Count a strike for each pattern over its limit, clear those that finished; switch off
    subscriptions whose pattern ran over STRIKES_TO_SWITCH_OFF polls in a row."""
    searched = [s for s in subscriptions if s.pattern in run.matched]
    struck = [s.id for s in searched if s.pattern in run.over_limit]
    cleared = [s.id for s in searched if s.pattern not in run.over_limit]
    if cleared:
        await conn.execute(_CLEAR_STRIKES.format(marks=placeholders(len(cleared))), cleared)
    if not struck:
        return ()
    marks = placeholders(len(struck))
    await conn.execute(_ADD_STRIKE.format(marks=marks), struck)
    params = (*struck, patterns.STRIKES_TO_SWITCH_OFF)
    out = {row["id"] for row in await conn.fetchall(_STRUCK_OUT.format(marks=marks), params)}
    if not out:
        return ()
    await conn.execute(
        _SWITCH_OFF.format(marks=placeholders(len(out))), (SLOW_PATTERN_REASON, stamp, *out)
    )
    return tuple(s for s in subscriptions if s.id in out)


async def _rows_by_key(
    reader: Connection | Database, items: list[AlertItem]
) -> dict[tuple[str, str], Any]:
    """Stored rows of these items, by (source, external id): one query per source and
    BATCH_SIZE items, in the write transaction or (`Database`) on committed data."""
    found: dict[tuple[str, str], Any] = {}
    for start in range(0, len(items), BATCH_SIZE):
        by_source: dict[str, list[str]] = {}
        for item in items[start : start + BATCH_SIZE]:
            by_source.setdefault(item.source, []).append(item.external_id)
        for source, keys in by_source.items():
            sql = _ITEMS.format(marks=placeholders(len(keys)))
            for row in await reader.fetchall(sql, (source, *keys)):
                found[(row["source"], row["external_id"])] = row
    return found


def _action_time(status_date: str | None) -> datetime | None:
    """The end of an item's latest action day (UTC), or None when it has no readable date."""
    if not status_date:
        return None
    try:
        day = parse_utc(status_date[:10])
    except ValueError:
        return None
    return day + timedelta(days=1)


def _latest_per_key(items: Iterable[tuple[AlertItem, str]]) -> list[tuple[AlertItem, str]]:
    """One item per (source, external id): a feed listing two versions of a bill keeps the
    newest (by published time; the first listed when they tie), in first-seen order. Items
    come and go with their content hashes."""
    chosen: dict[tuple[str, str], tuple[AlertItem, str]] = {}
    for pair in items:
        item = pair[0]
        key = (item.source, item.external_id)
        earlier = chosen.get(key)
        if earlier is None or (item.published_at or "") > (earlier[0].published_at or ""):
            chosen[key] = pair
    return list(chosen.values())


def _columns(item: AlertItem, is_relevant: bool, digest: str) -> tuple[Any, ...]:
    return (
        item.kind.value,
        item.jurisdiction,
        item.identifier,
        item.title,
        item.status,
        item.status_date,
        item.url,
        item.published_at,
        ",".join(item.tags),
        item.attribution,
        int(is_relevant),
        item.tier,
        REASON_SEPARATOR.join(item.reasons),
        digest,
        item.entry_hash,
        item.abstract[:ABSTRACT_LIMIT] if item.abstract else None,
    )


async def prune(db: Database, now: datetime | None = None) -> tuple[int, int]:
    """Delete finished outbox rows and irrelevant items older than KEEP_FOR; return the counts."""
    cutoff = ((now or datetime.now(UTC)) - KEEP_FOR).isoformat()
    async with db.transaction() as conn:
        outbox = await conn.execute(_PRUNE_OUTBOX, (cutoff, cutoff))
        items = await conn.execute(_PRUNE_ITEMS, (cutoff,))
        return outbox.rowcount, items.rowcount


class _Rollback(Exception):
    """Undo a dry run's transaction, carrying what it would have done."""

    def __init__(self, result: IngestResult) -> None:
        super().__init__("dry run")
        self.result = result


def _judged(item: AlertItem) -> tuple[AlertItem, bool]:
    """The item with its topic tags, tier and reasons, and whether it concerns AI at all."""
    topic = match_topic(item.title, item.summary, item.status)
    if not (topic.relevant or item.always_relevant or item.tier or item.reasons):
        return item, False  # judging would change nothing: no copy
    tier, reasons = topic.tier, topic.reasons
    if item.always_relevant:  # a tracked docket: every filing concerns creators
        tier, reasons = CREATORS, (TRACKED_REASON,)
    item = replace(item, tags=item.tags or topic.tags, tier=tier, reasons=reasons)
    return item, item.always_relevant or topic.relevant


def _tier_of(title: str, status: str | None) -> tuple[str, str]:
    """An item stored before tiers: judged again from its stored title and status."""
    topic = match_topic(title, status)
    # It was judged relevant with its summary, which is not stored: keep it in the creators
    # tier rather than drop it from channels that expected it.
    return topic.tier or CREATORS, REASON_SEPARATOR.join(topic.reasons)


def _untiered_judged(rows: list[tuple[int, str, str | None]]) -> list[tuple[str, str, int]]:
    return [(*_tier_of(title, status), item_id) for item_id, title, status in rows]


def _nonce(subscription_id: int, item_id: int, version: int) -> str:
    """A fixed Discord nonce per delivery, so a retry after a timeout cannot post twice.

    The item id, subscription id and version in fixed-width hex (23 characters; Discord takes up
    to 25): unique per delivery like the row's own key, and, unlike a hash, rising with the
    rows a poll writes, so the column's unique index grows at its end instead of at random
    places (a random key cost a third of the outbox's write time at 200,000 rows). Ids past the
    widths (10^13 items, 2.6 * 10^8 subscriptions, 10^6 versions) fall back to a 25-character
    hash, which no fixed-width nonce can equal.
    """
    if item_id < 16**11 and subscription_id < 16**7 and version < 16**5:
        # %-formatting: the same text as f"{item_id:011x}…", in half the time (one per row).
        return "%011x%07x%05x" % (item_id, subscription_id, version)  # noqa: UP031
    digest = hashlib.sha256(f"{subscription_id}:{item_id}:{version}".encode()).hexdigest()
    return digest[:25]
