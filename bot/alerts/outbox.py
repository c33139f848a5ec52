"""The delivery outbox: what is due, delivered, retried, dropped, and which subscriptions pause.

Rows are written by the store in the same transaction as the item version they announce; this
module only moves them on. A row is marked delivered only after Discord accepted the message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.alerts.items import StoredItem
from bot.alerts.subscriptions import Subscription
from bot.db import Connection, Database, placeholders

_ITEM_COLUMNS = """
    i.id, i.source, i.external_id, i.kind, i.jurisdiction, i.identifier, i.title, i.status,
    i.status_date, i.url, i.published_at, i.tags, i.attribution, i.version, i.first_seen_at,
    i.updated_at, i.tier, i.reasons, i.abstract
"""
_DUE = f"""
SELECT o.id AS outbox_id, o.change, o.previous_status, o.nonce, o.attempts, o.subscription_id,
    o.sending_at, {_ITEM_COLUMNS}
FROM alert_outbox o
JOIN alert_subscriptions s ON s.id = o.subscription_id
JOIN alert_items i ON i.id = o.item_id
WHERE o.delivered_at IS NULL AND o.dropped_at IS NULL AND o.next_attempt_at <= ?
    AND s.paused_reason IS NULL AND s.mode = 'immediate'
ORDER BY o.id LIMIT ?
"""  # noqa: S608 - a constant column list, no values
_DIGEST_ROWS = f"""
SELECT o.id AS outbox_id, o.change, o.previous_status, o.nonce, o.attempts, o.subscription_id,
    o.sending_at, {_ITEM_COLUMNS}
FROM alert_outbox o JOIN alert_items i ON i.id = o.item_id
WHERE o.subscription_id = ? AND o.delivered_at IS NULL AND o.dropped_at IS NULL
ORDER BY o.id
"""  # noqa: S608 - a constant column list, no values
_DAILY_SUBSCRIPTIONS = """
SELECT * FROM alert_subscriptions s
WHERE s.mode = 'daily' AND s.paused_reason IS NULL
    AND (s.last_digest_on IS NULL OR s.last_digest_on < ?)
    AND EXISTS (SELECT 1 FROM alert_outbox o WHERE o.subscription_id = s.id
        AND o.delivered_at IS NULL AND o.dropped_at IS NULL)
"""
_SUBSCRIPTIONS_BY_ID = "SELECT * FROM alert_subscriptions WHERE id IN ({marks})"
_DELIVERED = (
    "UPDATE alert_outbox SET delivered_at = ?, message_id = ?, attempts = attempts + 1 WHERE id = ?"
)
_SENDING = "UPDATE alert_outbox SET sending_at = ? WHERE id = ?"
# A row still to deliver, for claiming it (Database.claim adds the locking where it is needed).
_OPEN_ROW = (
    "SELECT id FROM alert_outbox WHERE id = ? AND delivered_at IS NULL AND dropped_at IS NULL"
)
# The try is recorded before the send, unless another process holds the row or it is done.
_SENDING_OPEN = "UPDATE alert_outbox SET sending_at = ? WHERE id IN ({open_row})"
# A daily subscription whose digest for the day is not done yet.
_OPEN_DIGEST = """
SELECT id FROM alert_subscriptions
WHERE id = ? AND paused_reason IS NULL AND (last_digest_on IS NULL OR last_digest_on < ?)
"""
_RETRY = """
UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?
"""
_DROP = """
UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?, dropped_at = ? WHERE id = ?
"""
_PAUSE_CHANNEL = """
UPDATE alert_subscriptions SET paused_reason = ?, paused_at = ?
WHERE channel_id = ? AND paused_reason IS NULL
"""
_DIGESTED = "UPDATE alert_subscriptions SET last_digest_on = ? WHERE id = ?"
_PENDING_COUNTS = """
SELECT subscription_id, COUNT(*) AS pending FROM alert_outbox
WHERE delivered_at IS NULL AND dropped_at IS NULL AND subscription_id IN ({marks})
GROUP BY subscription_id
"""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One alert to post: an item version for a subscription, with its fixed nonce."""

    outbox_id: int
    subscription: Subscription
    item: StoredItem
    change: str  # "new" or "updated"
    previous_status: str | None
    nonce: str
    attempts: int
    sending_at: str | None = None  # a send was tried then; it may have reached Discord


@dataclass(frozen=True, slots=True)
class Digest:
    """A daily subscription's pending alerts, posted as one message."""

    subscription: Subscription
    deliveries: tuple[Delivery, ...]
    day: str

    @property
    def sending_at(self) -> str | None:
        """When this digest was last tried, if it was (its alerts are marked together)."""
        return max((d.sending_at for d in self.deliveries if d.sending_at), default=None)

    @property
    def nonce(self) -> str:
        # Discord nonces are at most 25 characters: "d" + subscription id + the day.
        return f"d{self.subscription.id}-{self.day.replace('-', '')}"[:25]


class Claim:
    """An alert (or a digest) held by this process while it is posted.

    Its writes go through the claim's connection: on PostgreSQL they commit with the claim,
    which another process skips (FOR UPDATE SKIP LOCKED) until it ends or its holder dies.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def delivered(self, delivery: Delivery, message_id: int, now: datetime) -> None:
        await self._conn.execute(_DELIVERED, (now.isoformat(), message_id, delivery.outbox_id))

    async def retry(self, delivery: Delivery, error: str, at: datetime) -> None:
        await self._conn.execute(_RETRY, (error[:300], at.isoformat(), delivery.outbox_id))

    async def drop(self, delivery: Delivery, error: str, now: datetime) -> None:
        """Give up on one alert (Discord refused it for good); it is kept, marked dropped."""
        await self._conn.execute(_DROP, (error[:300], now.isoformat(), delivery.outbox_id))

    async def digest_delivered(self, digest: Digest, message_id: int, now: datetime) -> None:
        """Mark every alert in the digest delivered and the day done, together."""
        await self._conn.executemany(
            _DELIVERED, [(now.isoformat(), message_id, d.outbox_id) for d in digest.deliveries]
        )
        await self._conn.execute(_DIGESTED, (digest.day, digest.subscription.id))


class Outbox:
    """Owns the movement of alert_outbox rows after they are queued."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @asynccontextmanager
    async def claim(self, delivery: Delivery, now: datetime) -> AsyncIterator[Claim | None]:
        """Record the try, then hold the alert while it is posted; None: another process has
        it, or it was delivered or dropped meanwhile (then leave it alone)."""
        open_row = self._db.skip_locked(_OPEN_ROW)
        marked = await self._db.execute(
            _SENDING_OPEN.format(open_row=open_row), (now.isoformat(), delivery.outbox_id)
        )
        if not marked:
            yield None
            return
        async with self._db.claim(_OPEN_ROW, (delivery.outbox_id,)) as held:
            yield None if held is None else Claim(held[0])

    @asynccontextmanager
    async def claim_digest(self, digest: Digest) -> AsyncIterator[Claim | None]:
        """Hold a daily subscription while its digest is posted; None if another process has it
        or the day's digest is done."""
        params = (digest.subscription.id, digest.day)
        async with self._db.claim(_OPEN_DIGEST, params) as held:
            yield None if held is None else Claim(held[0])

    async def due(self, now: datetime, limit: int = 200) -> list[Delivery]:
        """Immediate-mode deliveries whose time has come, oldest first."""
        rows = await self._db.fetchall(_DUE, (now.isoformat(), limit))
        if not rows:
            return []
        # One read for the batch's subscriptions: a fan-out to a thousand channels is one query.
        ids = sorted({r["subscription_id"] for r in rows})
        sql = _SUBSCRIPTIONS_BY_ID.format(marks=placeholders(len(ids)))
        subs = {r["id"]: Subscription.from_row(r) for r in await self._db.fetchall(sql, ids)}
        return [_delivery(r, subs[r["subscription_id"]]) for r in rows]

    async def digests_due(self, now: datetime, hour: int) -> list[Digest]:
        """Daily subscriptions whose digest hour has passed today and that have alerts waiting."""
        if now.hour < hour:
            return []
        day = now.date().isoformat()
        digests = []
        for row in await self._db.fetchall(_DAILY_SUBSCRIPTIONS, (day,)):
            sub = Subscription.from_row(row)
            rows = await self._db.fetchall(_DIGEST_ROWS, (sub.id,))
            deliveries = tuple(_delivery(r, sub) for r in rows)
            digests.append(Digest(sub, deliveries, day))
        return digests

    async def digest_sending(self, digest: Digest, now: datetime) -> None:
        """Record that a digest's send is about to be tried."""
        async with self._db.transaction() as conn:
            await conn.executemany(
                _SENDING, [(now.isoformat(), d.outbox_id) for d in digest.deliveries]
            )

    async def pause_channel(self, channel_id: int, reason: str, now: datetime) -> int:
        """Pause every active subscription of a channel; return how many were active."""
        async with self._db.transaction() as conn:
            paused = await conn.execute(_PAUSE_CHANNEL, (reason, now.isoformat(), channel_id))
            return paused.rowcount

    async def pending_counts(self, subscription_ids: list[int]) -> dict[int, int]:
        """Alerts waiting per subscription (absent: none)."""
        if not subscription_ids:
            return {}
        rows = await self._db.fetchall(
            _PENDING_COUNTS.format(marks=placeholders(len(subscription_ids))), subscription_ids
        )
        return {r["subscription_id"]: r["pending"] for r in rows}


def _delivery(row: Any, sub: Subscription) -> Delivery:
    return Delivery(
        outbox_id=row["outbox_id"],
        subscription=sub,
        item=StoredItem.from_row(row),
        change=row["change"],
        previous_status=row["previous_status"],
        nonce=row["nonce"],
        attempts=row["attempts"],
        sending_at=row["sending_at"],
    )
