"""On PostgreSQL the leader delivers alerts that another process queued, though nobody woke it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from bot.alerts.service import AlertService
from bot.config import Settings
from bot.db import Database
from tests.alerts.conftest import bill
from tests.alerts.test_leading import WatchedSender

NOW = datetime.now(UTC)


async def _ready() -> None:
    return None


async def _notify(_text: str) -> None:
    return None


async def test_the_leader_posts_what_a_process_on_another_shard_queued(pg_url: str) -> None:
    # The leader looks at the outbox every LEADER_RETRY_SECONDS; nothing else tells it of
    # alerts queued elsewhere (here: an admin's poll answered by the other process).
    settings = Settings.from_env({"ALERTS_POLL": "false", "LEADER_RETRY_SECONDS": "0.5"})
    channel: dict[str, int] = {}
    async with httpx.AsyncClient() as client:
        leader_db, other_db = await Database.open(pg_url), await Database.open(pg_url)
        leader = AlertService(leader_db, client, settings)
        other = AlertService(other_db, client, settings)
        senders = []
        try:
            for service in (leader, other):
                await service.load()
                sender = WatchedSender(channel)
                service.start(sender, _notify, ready=_ready)
                senders.append(sender)
            await leader.store.ingest("test-source", [], now=NOW - timedelta(hours=2))  # seeded
            await leader.store.subscribe(1, 10, now=NOW - timedelta(hours=1))
            await leader.store.ingest("test-source", [bill(1)], now=NOW)
            await leader.lead()
            async with asyncio.timeout(30):  # well under the minute a lone process waits
                await senders[0].until_posted(1)  # its first drain, on taking the lead
                await other.store.ingest("test-source", [bill(2)], now=NOW)
                await senders[0].until_posted(2)
            assert senders[1].posted == []
            assert len({nonce for _, nonce in senders[0].posted}) == 2
        finally:
            for service, db in ((leader, leader_db), (other, other_db)):
                await service.stop()
                await db.close()
