"""The poster against a scripted sender: exactly once, retries, pauses, drops, daily digests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.alerts.outbox import Delivery, Digest, Outbox
from bot.alerts.poster import MAX_ATTEMPTS, DeliveryError, Failure, Poster
from bot.alerts.store import AlertStore
from bot.db import Database
from tests.alerts.conftest import bill

NOW = datetime.now(UTC)


class ScriptedSender:
    """Records what was posted; fails a channel's sends as the test says."""

    def __init__(self) -> None:
        self.posted: list[tuple[int, str]] = []  # (channel id, nonce)
        self.digests: list[Digest] = []
        self.failures: dict[int, list[Failure]] = {}
        self.next_id = 1000
        self.already_posted: dict[str, int] = {}  # nonce -> message id found in the channel
        self.looked_for: list[str] = []

    async def send_alert(self, delivery: Delivery) -> int:
        channel = delivery.subscription.channel_id
        if self.failures.get(channel):
            failure = self.failures[channel].pop(0)
            raise DeliveryError(failure, f"scripted {failure}")
        self.posted.append((channel, delivery.nonce))
        self.next_id += 1
        return self.next_id

    async def find_posted(self, delivery: Delivery) -> int | None:
        self.looked_for.append(delivery.nonce)
        return self.already_posted.get(delivery.nonce)

    async def send_digest(self, digest: Digest) -> int:
        self.digests.append(digest)
        return 1


@pytest.fixture
async def world(db: Database):
    store = AlertStore(db)
    await store.ingest("test-source", [], now=NOW - timedelta(hours=2))  # seeded
    sender = ScriptedSender()
    notices: list[str] = []

    async def notify(text: str) -> None:
        notices.append(text)

    poster = Poster(Outbox(db), sender, rate=50, digest_hour=15, notify=notify)
    return store, poster, sender, notices, db


async def test_each_alert_is_posted_once_and_marked_delivered(world) -> None:
    store, poster, sender, _, db = world
    await store.subscribe(1, 10, now=NOW - timedelta(hours=1))
    await store.subscribe(1, 11, now=NOW - timedelta(hours=1))
    await store.ingest("test-source", [bill(1), bill(2)], now=NOW)
    result = await poster.drain(NOW)
    assert result.delivered == 4
    assert sorted(c for c, _ in sender.posted) == [10, 10, 11, 11]
    assert len({n for _, n in sender.posted}) == 4
    assert (await poster.drain(NOW)).delivered == 0
    rows = await db.fetchall("SELECT delivered_at, message_id FROM alert_outbox")
    assert all(r["delivered_at"] and r["message_id"] for r in rows)


async def test_a_transient_failure_is_retried_later_with_the_same_nonce(world) -> None:
    store, poster, sender, notices, db = world
    await store.subscribe(1, 10, now=NOW - timedelta(hours=1))
    await store.ingest("test-source", [bill(1), bill(2)], now=NOW)
    sender.failures[10] = [Failure.TRANSIENT]
    first = await poster.drain(NOW)
    assert (first.delivered, first.retried) == (0, 1)  # the channel's second alert waits in order
    row = await db.fetchone(
        "SELECT attempts, next_attempt_at, last_error FROM alert_outbox ORDER BY id"
    )
    assert row["attempts"] == 1 and row["next_attempt_at"] > NOW.isoformat()
    assert "scripted" in row["last_error"]
    later = await poster.drain(datetime.fromisoformat(row["next_attempt_at"]))
    assert later.delivered == 2
    assert len(sender.posted) == 2 and notices == []


async def test_a_deleted_channel_pauses_its_subscriptions_and_tells_admins_once(world) -> None:
    store, poster, sender, notices, db = world
    gone = await store.subscribe(1, 10, now=NOW - timedelta(hours=1))
    also_gone = await store.subscribe(1, 10, kinds=("bill",), now=NOW - timedelta(hours=1))
    await store.subscribe(1, 11, now=NOW - timedelta(hours=1))
    sender.failures[10] = [Failure.GONE] * 10
    await store.ingest("test-source", [bill(1), bill(2)], now=NOW)
    result = await poster.drain(NOW)
    assert result.paused_channels == 1 and result.delivered == 2  # channel 11 is unaffected
    await store.ingest("test-source", [bill(3)], now=NOW + timedelta(minutes=1))
    await poster.drain(NOW + timedelta(hours=2))
    assert len(notices) == 1 and "deleted" in notices[0]
    subs = {s.id: s for s in await store.subscriptions(1)}
    assert subs[gone.id].paused_reason and subs[also_gone.id].paused_reason
    # Items queued while paused are not queued for the paused subscriptions at all.
    pending = await db.fetchall(
        "SELECT COUNT(*) FROM alert_outbox WHERE subscription_id = ? AND delivered_at IS NULL",
        (gone.id,),
    )
    assert pending[0][0] == 2


async def test_resume_drops_alerts_older_than_max_age_and_posts_the_rest(world) -> None:
    store, poster, sender, _, db = world
    sub = await store.subscribe(1, 10, now=NOW - timedelta(days=30))
    sender.failures[10] = [Failure.FORBIDDEN]
    await store.ingest(
        "test-source",
        [bill(1, published_at=(NOW - timedelta(days=20)).isoformat())],
        now=NOW - timedelta(days=20),
    )
    await poster.drain(NOW - timedelta(days=20))
    await store.resume(sub.id, 1, now=NOW)
    assert (await poster.drain(NOW)).delivered == 0
    dropped = await db.fetchone("SELECT dropped_at FROM alert_outbox")
    assert dropped["dropped_at"] is not None


async def test_a_rejected_alert_is_dropped_not_retried_forever(world) -> None:
    store, poster, sender, _, db = world
    await store.subscribe(1, 10, now=NOW - timedelta(hours=1))
    await store.ingest("test-source", [bill(1)], now=NOW)
    sender.failures[10] = [Failure.REJECTED]
    assert (await poster.drain(NOW)).dropped == 1
    await db.execute("UPDATE alert_outbox SET dropped_at = NULL, attempts = ?", (MAX_ATTEMPTS - 1,))
    sender.failures[10] = [Failure.TRANSIENT]
    assert (await poster.drain(NOW)).dropped == 1


async def test_daily_subscriptions_get_one_digest_after_the_digest_hour(world) -> None:
    store, poster, sender, _, db = world
    await store.subscribe(1, 10, mode="daily", now=NOW - timedelta(hours=1))
    await store.ingest("test-source", [bill(1), bill(2), bill(3)], now=NOW)
    morning = NOW.replace(hour=9, minute=0)
    afternoon = NOW.replace(hour=16, minute=0)
    assert (await poster.drain(morning)).delivered == 0
    assert sender.posted == [] and sender.digests == []
    assert (await poster.drain(afternoon)).delivered == 3
    assert len(sender.digests) == 1 and len(sender.digests[0].deliveries) == 3
    assert (await poster.drain(afternoon + timedelta(minutes=5))).delivered == 0
    await store.ingest("test-source", [replace(bill(1), status="Passed Senate")], now=NOW)
    assert (await poster.drain(afternoon + timedelta(hours=1))).delivered == 0  # one a day
    assert (await poster.drain(afternoon + timedelta(days=1))).delivered == 1


async def test_a_send_older_than_the_nonce_memory_is_looked_for_before_sending_again(
    world,
) -> None:
    store, poster, sender, _, db = world
    await store.subscribe(1, 10, now=NOW - timedelta(hours=1))
    await store.ingest("test-source", [bill(1), bill(2)], now=NOW)
    # Both were being sent when the bot died, long enough ago that Discord forgot the nonces;
    # the first had reached the channel, the second had not.
    await db.execute(
        "UPDATE alert_outbox SET sending_at = ?", ((NOW - timedelta(minutes=10)).isoformat(),)
    )
    first, second = [
        r["nonce"] for r in await db.fetchall("SELECT nonce FROM alert_outbox ORDER BY id")
    ]
    sender.already_posted[first] = 777
    result = await poster.drain(NOW)
    assert result.delivered == 2
    assert sender.looked_for == [first, second]
    assert sender.posted == [(10, second)]
    rows = await db.fetchall("SELECT message_id FROM alert_outbox ORDER BY id")
    assert rows[0]["message_id"] == 777


async def test_a_recent_send_trusts_the_nonce_and_does_not_look(world) -> None:
    store, poster, sender, _, db = world
    await store.subscribe(1, 10, now=NOW - timedelta(hours=1))
    await store.ingest("test-source", [bill(1)], now=NOW)
    await db.execute("UPDATE alert_outbox SET sending_at = ?", (NOW.isoformat(),))
    assert (await poster.drain(NOW)).delivered == 1
    assert sender.looked_for == [] and len(sender.posted) == 1


async def test_a_digest_found_after_a_long_outage_is_not_posted_again(world) -> None:
    store, poster, sender, _, db = world
    sub = await store.subscribe(1, 10, mode="daily", now=NOW - timedelta(hours=1))
    await store.ingest("test-source", [bill(1), bill(2)], now=NOW)
    long_ago = (NOW - timedelta(minutes=10)).isoformat()
    await db.execute("UPDATE alert_outbox SET sending_at = ?", (long_ago,))
    await store.ingest("test-source", [bill(3)], now=NOW)  # queued after that try
    afternoon = NOW.replace(hour=16, minute=0)
    sender.already_posted[f"d{sub.id}-{afternoon.date().isoformat().replace('-', '')}"] = 555
    assert (await poster.drain(afternoon)).delivered == 2
    assert sender.digests == []
    rows = await db.fetchall("SELECT message_id FROM alert_outbox ORDER BY id")
    assert [r["message_id"] for r in rows] == [555, 555, None]  # the third waits for tomorrow
    assert (await poster.drain(afternoon + timedelta(days=1))).delivered == 1
