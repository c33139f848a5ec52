"""Alert storage: items by (source, external id), subscriptions, and the delivery outbox.

`ingest` decides new / updated / unchanged by content hash (never by a "latest date" cursor
alone), and writes one outbox row per matching subscription in the same transaction as the item
version. A source's first successful poll and a subscription's creation seed silently: what was
already there is stored, not posted. Items older than the maximum age are never posted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.alerts.items import DEFAULT_HASH_FIELDS, AlertItem, StoredItem
from bot.alerts.matcher import match_topic
from bot.alerts.subscriptions import Subscription
from bot.db import Database
from bot.errors import UserFacingError

_SOURCE = "SELECT seeded_at FROM alert_sources WHERE name = ?"
_SEED_SOURCE = """
INSERT INTO alert_sources (name, seeded_at) VALUES (?, ?)
ON CONFLICT (name) DO UPDATE SET seeded_at = COALESCE(alert_sources.seeded_at, excluded.seeded_at)
"""
_ITEM = (
    "SELECT id, content_hash, version, status FROM alert_items WHERE source = ? AND external_id = ?"
)
_INSERT_ITEM = """
INSERT INTO alert_items (source, external_id, kind, jurisdiction, identifier, title, status,
    status_date, url, published_at, tags, attribution, relevant, content_hash, version,
    first_seen_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
"""
_UPDATE_ITEM = """
UPDATE alert_items SET kind = ?, jurisdiction = ?, identifier = ?, title = ?, status = ?,
    status_date = ?, url = ?, published_at = ?, tags = ?, attribution = ?, relevant = ?,
    content_hash = ?, version = version + 1, updated_at = ?
WHERE id = ?
"""
_INSERT_SUBSCRIPTION = """
INSERT INTO alert_subscriptions (guild_id, channel_id, kinds, jurisdictions, tags, include_terms,
    exclude_terms, pattern, mode, mention_role_id, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_GUILD_SUBSCRIPTIONS = "SELECT * FROM alert_subscriptions WHERE guild_id = ? ORDER BY id"
_DELETE_SUBSCRIPTION = "DELETE FROM alert_subscriptions WHERE id = ? AND guild_id = ?"
_RESUME = "UPDATE alert_subscriptions SET paused_reason = NULL, paused_at = NULL WHERE id = ?"
# Rows queued before a pause and now older than the maximum age are dropped, not posted late.
_DROP_STALE = """
UPDATE alert_outbox SET dropped_at = ?
WHERE subscription_id = ? AND delivered_at IS NULL AND dropped_at IS NULL AND created_at < ?
"""
MAX_SUBSCRIPTIONS_PER_GUILD = 25
_LATEST = """
SELECT * FROM alert_items
WHERE relevant = 1 AND (? IS NULL OR kind = ?) AND (? IS NULL OR jurisdiction = ?
    OR (? LIKE '%-*' AND jurisdiction LIKE REPLACE(?, '*', '%')))
ORDER BY updated_at DESC, id DESC LIMIT ?
"""
_RECENT_RELEVANT = """
SELECT * FROM alert_items WHERE relevant = 1 AND updated_at >= ? ORDER BY updated_at DESC, id DESC
LIMIT ?
"""
_SUBSCRIPTION = "SELECT * FROM alert_subscriptions WHERE id = ?"
_ACTIVE_SUBSCRIPTIONS = "SELECT * FROM alert_subscriptions WHERE paused_reason IS NULL"
_INSERT_OUTBOX = """
INSERT INTO alert_outbox (subscription_id, item_id, item_version, change, previous_status, nonce,
    created_at, next_attempt_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (subscription_id, item_id, item_version) DO NOTHING
"""


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What one poll changed."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    queued: int = 0
    seeded: bool = False
    relevant: tuple[AlertItem, ...] = ()


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
    ) -> IngestResult:
        """Store a poll's items and queue deliveries for new and changed ones, atomically.

        With `dry_run` everything is worked out and then rolled back; the result lists the new
        and changed relevant items (what subscriptions would hear of).
        """
        now = now or datetime.now(UTC)
        try:
            async with self._db.transaction() as conn:
                result = await self._ingest_in(conn, source, items, hash_fields, now)
                if dry_run:
                    raise _Rollback(result)
        except _Rollback as rollback:
            return rollback.result
        return result

    async def _ingest_in(
        self,
        conn,  # noqa: ANN001
        source: str,
        items: Iterable[AlertItem],
        hash_fields: tuple[str, ...],
        now: datetime,
    ) -> IngestResult:
        stamp = now.isoformat()
        counts = {"new": 0, "updated": 0, "unchanged": 0, "queued": 0}
        relevant: list[AlertItem] = []
        async with conn.execute(_SOURCE, (source,)) as cursor:
            row = await cursor.fetchone()
        seeding = row is None or row["seeded_at"] is None
        async with conn.execute(_ACTIVE_SUBSCRIPTIONS) as cursor:
            subscriptions = [Subscription.from_row(r) async for r in cursor]
        for raw in items:
            item, is_relevant = _judged(raw)
            change, item_id, version, previous = await self._upsert(
                conn, item, is_relevant, hash_fields, stamp
            )
            counts[change] += 1
            if change == "unchanged" or not is_relevant or not self._fresh(item, now):
                continue
            relevant.append(item)
            if seeding:
                continue
            for sub in subscriptions:
                # A subscription only hears of what was first seen or changed after it began.
                if sub.created_at <= stamp and sub.matches(item):
                    nonce = _nonce(sub.id, item_id, version)
                    cursor = await conn.execute(
                        _INSERT_OUTBOX,
                        (sub.id, item_id, version, change, previous, nonce, stamp, stamp),
                    )
                    counts["queued"] += cursor.rowcount
        await conn.execute(_SEED_SOURCE, (source, stamp))
        return IngestResult(**counts, seeded=seeding, relevant=tuple(relevant))

    async def _upsert(
        self,
        conn,  # noqa: ANN001
        item: AlertItem,
        is_relevant: bool,
        hash_fields: tuple[str, ...],
        stamp: str,
    ) -> tuple[str, int, int, str | None]:
        digest = item.content_hash(hash_fields)
        async with conn.execute(_ITEM, (item.source, item.external_id)) as cursor:
            row = await cursor.fetchone()
        fields = (
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
            digest,
        )
        if row is None:
            cursor = await conn.execute(
                _INSERT_ITEM, (item.source, item.external_id, *fields, stamp, stamp)
            )
            return "new", int(cursor.lastrowid), 1, None
        if row["content_hash"] == digest:
            return "unchanged", row["id"], row["version"], None
        await conn.execute(_UPDATE_ITEM, (*fields, stamp, row["id"]))
        return "updated", row["id"], row["version"] + 1, row["status"]

    def _fresh(self, item: AlertItem, now: datetime) -> bool:
        """Items published longer ago than the maximum age are stored but never posted."""
        if not item.published_at:
            return True
        published = datetime.fromisoformat(item.published_at.replace("Z", "+00:00"))
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        return now - published <= self._max_age

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
    ) -> Subscription:
        """Add a subscription; it hears only of items new or changed from now on."""
        stamp = (now or datetime.now(UTC)).isoformat()
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT COUNT(*) FROM alert_subscriptions WHERE guild_id = ?", (guild_id,)
            ) as rows:
                (count,) = await rows.fetchone()
            if count >= MAX_SUBSCRIPTIONS_PER_GUILD:
                raise UserFacingError(
                    f"This server already has {count} alert subscriptions, the most allowed. "
                    "Remove one with /admin alerts unsubscribe first."
                )
            cursor = await conn.execute(
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
                ),
            )
            async with conn.execute(_SUBSCRIPTION, (cursor.lastrowid,)) as rows:
                return Subscription.from_row(await rows.fetchone())

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
        """What a subscription would have posted from the stored items of the last max-age days."""
        since = ((now or datetime.now(UTC)) - self._max_age).isoformat()
        rows = await self._db.fetchall(_RECENT_RELEVANT, (since, 2000))
        found = [item for r in rows if sub.matches((item := StoredItem.from_row(r)).item)]
        return found[:limit]


class _Rollback(Exception):
    """Undo a dry run's transaction, carrying what it would have done."""

    def __init__(self, result: IngestResult) -> None:
        super().__init__("dry run")
        self.result = result


def _judged(item: AlertItem) -> tuple[AlertItem, bool]:
    """The item with its topic tags, and whether it concerns creators and AI."""
    topic = match_topic(item.title, item.summary, item.status)
    tags = item.tags or topic.tags
    if tags != item.tags:
        item = replace(item, tags=tags)
    return item, item.always_relevant or topic.relevant


def _nonce(subscription_id: int, item_id: int, version: int) -> str:
    """A fixed Discord nonce per delivery, so a retry after a timeout cannot post twice."""
    digest = hashlib.sha256(f"{subscription_id}:{item_id}:{version}".encode()).hexdigest()
    return digest[:25]  # Discord accepts nonces of up to 25 characters
