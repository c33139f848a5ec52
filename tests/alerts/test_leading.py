"""Only the leading process polls and posts: another process sharing the database never posts."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.alerts.outbox import Delivery
from bot.alerts.service import AlertService
from bot.config import Settings
from bot.db import Database
from bot.leader import LockLeadership
from tests.alerts.conftest import bill
from tests.alerts.test_poster import ScriptedSender
from tests.test_leader import FakeLock, Ticker

NOW = datetime.now(UTC)


class WatchedSender(ScriptedSender):
    """A scripted sender that says when it has posted; the channel's history is shared."""

    def __init__(self, channel: dict[str, int]) -> None:
        super().__init__()
        self.already_posted = channel  # nonce -> message id, as every process sees Discord
        self.changed = asyncio.Event()

    async def send_alert(self, delivery: Delivery) -> int:
        earlier = self.already_posted.get(delivery.nonce)
        if earlier is not None:
            return earlier  # Discord's enforce_nonce: the same message, not a second one
        message_id = await super().send_alert(delivery)
        self.already_posted[delivery.nonce] = message_id
        self.changed.set()
        return message_id

    async def until_posted(self, count: int) -> None:
        while len(self.posted) < count:
            self.changed.clear()
            await self.changed.wait()


async def _ready() -> None:
    return None


async def _notify(_text: str) -> None:
    return None


async def settled(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """Wait until the leader has marked its one delivery and pruned: it writes nothing more."""
    query = "SELECT 1 FROM alert_outbox WHERE delivered_at IS NOT NULL"
    async with asyncio.timeout(10):
        while True:
            if await db.fetchone(query) and "Pruned" in caplog.text:
                return
            await asyncio.sleep(0.01)  # the database has no change notification to wait on


async def test_only_the_leader_posts_and_the_next_leader_posts_what_follows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.alerts.service")
    settings = Settings.from_env({"ALERTS_POLL": "false"})
    lock = FakeLock()
    path = tmp_path / "shared.db"
    processes = []
    channel: dict[str, int] = {}
    async with httpx.AsyncClient() as client:
        for owner in (1, 2):
            db = await Database.open(path)
            service = AlertService(db, client, settings)
            await service.load()
            sender = WatchedSender(channel)
            service.start(sender, _notify, ready=_ready)
            ticker = Ticker()
            leadership = LockLeadership(lock.taker(owner), wait=ticker.wait)
            leadership.on_gain(service.lead)
            leadership.on_loss(service.step_down)
            processes.append((db, service, sender, leadership, ticker))
        (first_db, first, first_sender, first_lead, first_ticker) = processes[0]
        (_, second, second_sender, second_lead, second_ticker) = processes[1]
        await first.store.ingest("test-source", [], now=NOW - timedelta(hours=2))  # seeded
        await first.store.subscribe(1, 10, now=NOW - timedelta(hours=1))
        await first.store.ingest("test-source", [bill(1)], now=NOW)
        assert first.singleton_tasks == second.singleton_tasks == 0
        loop = asyncio.get_running_loop()
        runs = [loop.create_task(first_lead.run())]
        await first_lead.until(held=True)
        runs.append(loop.create_task(second_lead.run()))
        await second_ticker.paused()
        await first_sender.until_posted(1)
        assert first.leading and not second.leading
        assert second.singleton_tasks == 0, "a process that does not lead runs no poster"
        with pytest.raises(RuntimeError, match="only the leading process posts"):
            await second.drain()

        await first.watchlist.track(4242, "Voice actors v. Studio", None)
        # The other process read the tracked cases at its start, before this one was added.
        assert 4242 not in [c.docket_id for c in second.watchlist.tracked()]

        # (Cancelling a task in the middle of a SQLite write can leave its transaction open.)
        await settled(first_db, caplog)
        lock.drop_holder()  # the leader's database session ends
        await first_lead.until(held=False)
        assert first.singleton_tasks == 0
        await first_ticker.paused()
        # Found while nobody leads: the next leader's poster delivers it when it starts.
        await second.store.ingest("test-source", [bill(2)], now=NOW)
        second_ticker.tick()
        await second_lead.until(held=True)
        await second_sender.until_posted(1)
        assert 4242 in [c.docket_id for c in second.watchlist.tracked()], "reread on leading"
        # Each alert once: the old leader posted nothing after it lost the lock, and what it
        # sent but had not yet marked delivered, the new one resent under the same nonce.
        nonces = [n for _, n in first_sender.posted + second_sender.posted]
        assert len(first_sender.posted) == len(second_sender.posted) == 1
        assert len(set(nonces)) == 2
        for run in runs:
            run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)
        assert first.singleton_tasks == second.singleton_tasks == 0
        for db, service, *_ in processes:
            await service.stop()
            await db.close()
