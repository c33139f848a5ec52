"""A hostile feed ends its own poll: a drip at the request deadline, a gzip bomb at the cap."""

from __future__ import annotations

import pytest

from bot.alerts.service import AlertService
from bot.config import Settings
from bot.db import Database
from bot.http import create_http_clients
from tests.httpservers import HostileServer, gzip_bomb


@pytest.mark.parametrize(
    ("path", "deadline", "error"), [("/drip", "1", "deadline"), ("/bomb", "60", "too large")]
)
async def test_a_hostile_feed_fails_its_poll_and_nothing_else(
    db: Database, path: str, deadline: str, error: str
) -> None:
    settings = Settings.from_env(
        {"ALERTS_ALLOW_LOCAL_FEEDS": "true", "HTTP_DEADLINE_SECONDS": deadline}
    )
    clients = create_http_clients(settings)
    gzip_bomb()  # made once, before any request's clock starts
    try:
        async with HostileServer() as server:
            service = AlertService(db, clients.sources, settings, feed_client=clients.feeds)
            url = f"http://127.0.0.1:{server.port}{path}"
            feed = await service.watchlist.add_feed(url, "Hostile", 1)
            await service.load()
            outcome = await service.poll_now(feed.source_name)
    finally:
        await clients.aclose()
    assert not outcome.ok and error in (outcome.error or "")
    state = await service.states.load(feed.source_name)
    assert state.failures == 1 and error in (state.last_error or "")
