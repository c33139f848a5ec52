"""Outbound bodies are capped while they stream, requests end at a total deadline, pools apart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.alerts.feeds import fetch_feed
from bot.alerts.sources import SourceError, get
from bot.config import Settings
from bot.http import (
    DECODE_STEP,
    VERIFY_CONNECTIONS,
    DeadlineExceeded,
    GuardedFetcher,
    HttpClients,
    RefusedUrl,
    ResponseTooLarge,
    create_http_clients,
)
from tests.httpservers import HostileServer, gzip_bomb

SETTINGS = Settings.from_env(
    {
        "PLEDGE_ALLOW_LOCAL_URLS": "true",
        "ALERTS_ALLOW_LOCAL_FEEDS": "true",
    }
)


@pytest.fixture
async def server() -> AsyncIterator[HostileServer]:
    async with HostileServer() as hostile:
        yield hostile


@pytest.fixture
async def clients() -> AsyncIterator[HttpClients]:
    made = create_http_clients(SETTINGS)
    try:
        yield made
    finally:
        await made.aclose()


def url(server: HostileServer, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def local_fetcher(client: httpx.AsyncClient) -> GuardedFetcher:
    return GuardedFetcher(client, allow_loopback=True, allow_http=True)


async def test_compressed_pages_are_still_read(clients: HttpClients, server: HostileServer) -> None:
    response = await clients.sources.get(url(server, "/gzip"))
    assert response.text == "hello code-123 " * 1000
    assert "content-encoding" not in response.headers


async def test_a_gzip_bomb_stops_at_the_decompressed_cap(
    clients: HttpClients, server: HostileServer
) -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 400_000  # some 300 MB of zeros once expanded
    with pytest.raises(ResponseTooLarge, match="after decompression") as caught:
        await clients.sources.get(url(server, "/bomb"))
    # Stopped at the cap: at most one bounded decompression step past it, and long before the
    # whole compressed body was read.
    assert SETTINGS.http_max_bytes < caught.value.decoded <= SETTINGS.http_max_bytes + DECODE_STEP
    assert caught.value.wire < len(bomb)


async def test_a_deflate_bomb_stops_too(clients: HttpClients, server: HostileServer) -> None:
    with pytest.raises(ResponseTooLarge) as caught:
        await clients.sources.get(url(server, "/deflate-bomb"))
    assert caught.value.decoded <= SETTINGS.http_max_bytes + DECODE_STEP


async def test_the_wire_cap_holds_for_uncompressed_bodies(server: HostileServer) -> None:
    made = create_http_clients(Settings.from_env({"HTTP_MAX_WIRE_BYTES": "100000"}))
    try:
        with pytest.raises(ResponseTooLarge, match="received") as caught:
            await made.sources.get(url(server, "/big"))
    finally:
        await made.aclose()
    assert 100_000 < caught.value.wire <= 100_000 + 65_536


async def test_an_encoding_the_bot_does_not_decode_is_refused(
    clients: HttpClients, server: HostileServer
) -> None:
    with pytest.raises(httpx.DecodingError, match="unsupported content encoding"):
        await clients.sources.get(url(server, "/brotli"))


async def test_every_reader_refuses_the_bomb(clients: HttpClients, server: HostileServer) -> None:
    with pytest.raises(SourceError, match="too large"):
        await get(clients.sources, url(server, "/bomb"), what="feed")
    with pytest.raises(SourceError, match="too large"):
        await fetch_feed(clients.feeds, url(server, "/bomb"), None)
    with pytest.raises(RefusedUrl, match="too large"):
        await local_fetcher(clients.verify).fetch(url(server, "/bomb"))


async def test_a_drip_ends_at_the_total_deadline(server: HostileServer) -> None:
    # One byte every half second stays under every per-read timeout; the deadline ends it.
    quick = create_http_clients(
        Settings.from_env(
            {
                "HTTP_DEADLINE_SECONDS": "1",
                "PLEDGE_ALLOW_LOCAL_URLS": "true",
                "ALERTS_ALLOW_LOCAL_FEEDS": "true",
            }
        )
    )
    try:
        with pytest.raises(DeadlineExceeded):
            await quick.sources.get(url(server, "/drip"))
        with pytest.raises(SourceError, match="deadline"):
            await fetch_feed(quick.feeds, url(server, "/drip"), None, what="RSS feed drip")
        with pytest.raises(RefusedUrl, match="too long to answer"):
            await local_fetcher(quick.verify).fetch(url(server, "/drip"))
    finally:
        await quick.aclose()


async def test_a_saturated_verify_pool_leaves_alert_sources_working(
    clients: HttpClients, server: HostileServer
) -> None:
    settings = Settings.from_env(
        {
            "HTTP_DEADLINE_SECONDS": "120",
            "PLEDGE_ALLOW_LOCAL_URLS": "true",
            "ALERTS_ALLOW_LOCAL_FEEDS": "true",
        }
    )
    slow = create_http_clients(settings)
    fetcher = local_fetcher(slow.verify)
    held = [
        asyncio.create_task(fetcher.fetch(url(server, "/hold")))
        for _ in range(VERIFY_CONNECTIONS + 3)
    ]
    try:
        await server.wait_holding(VERIFY_CONNECTIONS)
        # Every verify connection is in use; the alert sources have their own pool.
        response = await get(slow.sources, url(server, "/ok"), what="source")
        assert response.text.startswith("hello code-123")
        feed = await get(slow.feeds, url(server, "/ok"), what="feed")
        assert feed.status_code == 200
        assert server.holding == VERIFY_CONNECTIONS  # the pool's limit held
    finally:
        server.release.set()
        pages = await asyncio.gather(*held)
        await slow.aclose()
    assert all(page.text == "released" for page in pages)
