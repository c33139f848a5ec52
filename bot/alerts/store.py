"""Alert storage: items by (source, external id), subscriptions, and the delivery outbox.

`ingest` decides new / updated / unchanged by content hash (never by a "latest date" cursor
alone), and writes one outbox row per matching subscription in the same transaction as the item
version. A source's first successful poll and a subscription's creation seed silently: what was
already there is stored, not posted. Items older than the maximum age are never posted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.alerts.items import DEFAULT_HASH_FIELDS, AlertItem
from bot.alerts.matcher import match_topic
from bot.alerts.subscriptions import Subscription
from bot.db import Database

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
    status_date, url, published_at, tags, attribution, content_hash, version, first_seen_at,
    updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
"""
_UPDATE_ITEM = """
UPDATE alert_items SET kind = ?, jurisdiction = ?, identifier = ?, title = ?, status = ?,
    status_date = ?, url = ?, published_at = ?, tags = ?, attribution = ?, content_hash = ?,
    version = version + 1, updated_at = ?
WHERE id = ?
"""
_INSERT_SUBSCRIPTION = """
INSERT INTO alert_subscriptions (guild_id, channel_id, kinds, jurisdictions, tags, include_terms,
    exclude_terms, mode, mention_role_id, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
    ) -> IngestResult:
        """Store a poll's items and queue deliveries for new and changed ones, atomically."""
        now = now or datetime.now(UTC)
        stamp = now.isoformat()
        counts = {"new": 0, "updated": 0, "unchanged": 0, "queued": 0}
        async with self._db.transaction() as conn:
            async with conn.execute(_SOURCE, (source,)) as cursor:
                row = await cursor.fetchone()
            seeding = row is None or row["seeded_at"] is None
            async with conn.execute(_ACTIVE_SUBSCRIPTIONS) as cursor:
                subscriptions = [Subscription.from_row(r) async for r in cursor]
            for item in items:
                change, item_id, version, previous = await self._upsert(
                    conn, item, hash_fields, stamp
                )
                counts[change] += 1
                if change == "unchanged" or seeding or not self._postable(item, now):
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
        return IngestResult(**counts, seeded=seeding)

    async def _upsert(
        self,
        conn,
        item: AlertItem,
        hash_fields: tuple[str, ...],
        stamp: str,  # noqa: ANN001
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

    def _postable(self, item: AlertItem, now: datetime) -> bool:
        if item.published_at:
            published = datetime.fromisoformat(item.published_at.replace("Z", "+00:00"))
            if published.tzinfo is None:
                published = published.replace(tzinfo=UTC)
            if now - published > self._max_age:
                return False
        return item.always_relevant or match_topic(item.title, item.summary, item.status).relevant

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
        mode: str = "immediate",
        mention_role_id: int | None = None,
        now: datetime | None = None,
    ) -> Subscription:
        """Add a subscription; it hears only of items new or changed from now on."""
        stamp = (now or datetime.now(UTC)).isoformat()
        async with self._db.transaction() as conn:
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
                    mode,
                    mention_role_id,
                    stamp,
                ),
            )
            async with conn.execute(_SUBSCRIPTION, (cursor.lastrowid,)) as rows:
                return Subscription.from_row(await rows.fetchone())

    async def pending(self, limit: int = 50) -> list[int]:
        """Ids of outbox rows waiting for delivery, oldest first."""
        rows = await self._db.fetchall(
            "SELECT id FROM alert_outbox WHERE delivered_at IS NULL ORDER BY id LIMIT ?", (limit,)
        )
        return [r["id"] for r in rows]


def _nonce(subscription_id: int, item_id: int, version: int) -> str:
    """A fixed Discord nonce per delivery, so a retry after a timeout cannot post twice."""
    digest = hashlib.sha256(f"{subscription_id}:{item_id}:{version}".encode()).hexdigest()
    return digest[:25]  # Discord accepts nonces of up to 25 characters
