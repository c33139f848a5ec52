"""Two posters on one PostgreSQL database: a held alert is skipped, and a takeover after its
holder dies mid-delivery posts every alert exactly once (FOR UPDATE SKIP LOCKED + nonces)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.alerts.outbox import Delivery, Digest, Outbox
from bot.alerts.poster import Poster
from bot.alerts.store import AlertStore
from bot.db import Database
from tests.alerts.conftest import bill

NOW = datetime.now(UTC)


class Channel:
    """Discord's side: a message per nonce (a repeated nonce returns the first message)."""

    def __init__(self) -> None:
        self.messages: dict[str, int] = {}
        self.sends = 0

    def post(self, nonce: str) -> int:
        self.sends += 1
        return self.messages.setdefault(nonce, 1000 + len(self.messages))


class Sender:
    """Posts to the channel; when `hold` is set, stops right after Discord accepted a message."""

    def __init__(self, channel: Channel, hold: bool = False) -> None:
        self.channel = channel
        self.hold = hold
        self.accepted = asyncio.Event()
        self.posted: list[str] = []

    async def send_alert(self, delivery: Delivery) -> int:
        message_id = self.channel.post(delivery.nonce)
        self.posted.append(delivery.nonce)
        if self.hold:
            self.accepted.set()
            await asyncio.Event().wait()  # the process dies here, before marking it delivered
        return message_id

    async def find_posted(self, sent: Delivery | Digest) -> int | None:
        return self.channel.messages.get(sent.nonce)

    async def send_digest(self, digest: Digest) -> int:
        return self.channel.post(digest.nonce)


async def _notify(_text: str) -> None:
    return None


def _poster(db: Database, sender: Sender) -> Poster:
    return Poster(Outbox(db), sender, rate=1000, digest_hour=15, notify=_notify)


async def test_a_takeover_mid_delivery_neither_loses_nor_doubles_an_alert(pg_url: str) -> None:
    first, second = await Database.open(pg_url), await Database.open(pg_url)
    channel = Channel()
    try:
        store = AlertStore(first)
        await store.ingest("test-source", [], now=NOW - timedelta(hours=2))
        await store.subscribe(1, 10, now=NOW - timedelta(hours=1))
        await store.ingest("test-source", [bill(1), bill(2)], now=NOW)

        dying = Sender(channel, hold=True)
        holder = asyncio.ensure_future(_poster(first, dying).drain(NOW))
        await dying.accepted.wait()  # the first alert reached Discord; its row is still held

        # Meanwhile the other process drains: it skips the held alert, never posting it too.
        taker = Sender(channel)
        during = await _poster(second, taker).drain(NOW)
        assert during.delivered == 1 and taker.posted == [n for n in channel.messages][1:]
        assert dying.posted[0] not in taker.posted

        # The holder's connection is cut, as when its process dies: the claim ends with it.
        killed = await second.fetchall(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND state = 'idle in transaction'"
        )
        assert [r[0] for r in killed] == [True]
        holder.cancel()
        await asyncio.gather(holder, return_exceptions=True)

        after = await _poster(second, taker).drain(NOW)
        assert after.delivered == 1
        assert len(channel.messages) == 2  # two alerts, one message each
        assert channel.sends == 3  # the retried send reused its nonce: Discord kept one message
        rows = await second.fetchall("SELECT delivered_at, message_id FROM alert_outbox")
        assert sorted(r["message_id"] for r in rows) == sorted(channel.messages.values())
        assert all(r["delivered_at"] for r in rows)
        assert (await _poster(second, taker).drain(NOW)).delivered == 0
    finally:
        await first.close()
        await second.close()
