"""The alerts service as the bot wires it: sources from settings, feeds guarded at every poll."""

from __future__ import annotations

import httpx

from bot.alerts.service import AlertService
from bot.config import Settings
from bot.db import Database


async def test_a_watched_feed_at_a_private_address_is_refused_at_poll_time(db: Database) -> None:
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, text="<rss version='2.0'><channel/></rss>")

    settings = Settings.from_env({"ALERTS_SOURCES": "feeds"})
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        service = AlertService(db, client, settings)
        await db.execute("UPDATE alert_feeds SET url = 'https://10.0.0.7/feed/' WHERE id = 1")
        await service.load()
        assert sorted(service.sources()) == ["feed:1"]
        outcome = await service.poll_now("feed:1")
    assert not outcome.ok and "private or reserved network address" in (outcome.error or "")
    assert requests == []
