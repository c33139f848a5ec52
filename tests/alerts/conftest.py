"""Shared pieces for alert tests: a database, a store, and items."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.alerts.items import AlertItem, ItemKind, StoredItem
from bot.alerts.outbox import Delivery, Digest
from bot.alerts.sources import SourceError
from bot.alerts.subscriptions import Subscription

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def bill(number: int, title: str | None = None, status: str = "Introduced", **changes) -> AlertItem:
    """A federal bill in the creators tier (its title names AI and copyright unless given)."""
    fields = {
        "source": "test-source",
        "external_id": f"bill-{number}",
        "kind": ItemKind.BILL,
        "jurisdiction": "US",
        "identifier": f"S.{number}",
        "title": title or f"Artificial Intelligence Copyright Accountability Act No. {number}",
        "url": f"https://www.congress.gov/bill/119th-congress/senate-bill/{number}",
        "status": status,
        "status_date": "2026-11-19",
        "published_at": "2026-11-19T00:00:00+00:00",
        **changes,
    }
    return AlertItem(**fields)


def refusing_client() -> httpx.AsyncClient:
    """A client whose every request fails to connect, with the URL and headers in the error."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(
            f"cannot reach {request.url} with {dict(request.headers)}", request=request
        )

    return httpx.AsyncClient(transport=httpx.MockTransport(refuse))


async def source_error(fetch: Awaitable[object], *, match: str, secret: str) -> SourceError:
    """Await a fetch that must fail with a SourceError that does not carry the secret."""
    with pytest.raises(SourceError, match=match) as caught:
        await fetch
    assert secret not in str(caught.value)
    return caught.value


class FeedServer:
    """Serves one fixture file at a time with an ETag (304 when it matches) and records requests.

    `status` other than 200 makes it fail, with `headers` (e.g. Retry-After).
    """

    def __init__(self, folder: Path, fixture: str) -> None:
        self.folder = folder
        self.fixture = fixture
        self.status = 200
        self.headers: dict[str, str] = {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status != 200:
            return httpx.Response(self.status, headers=self.headers, text="Service Unavailable")
        fixture = self.fixture_for(request)
        etag = f'"{fixture}"'
        if request.headers.get("if-none-match") == etag:
            return httpx.Response(304)
        body = (self.folder / fixture).read_bytes()
        return httpx.Response(200, content=body, headers={"ETag": etag})

    def fixture_for(self, request: httpx.Request) -> str:
        """The file to serve; subclasses choose by the request."""
        return self.fixture


@asynccontextmanager
async def serving(server: FeedServer) -> AsyncIterator[tuple[FeedServer, httpx.AsyncClient]]:
    """A client whose every request the server answers."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
        yield server, client


def digest_of(deliveries: list[tuple[StoredItem, str]]) -> Digest:
    """A daily subscription's digest of these (item, change) deliveries."""
    sub = Subscription(
        id=1,
        guild_id=1,
        channel_id=2,
        kinds=("all",),
        jurisdictions=("all",),
        tags=(),
        include_terms=(),
        exclude_terms=(),
        mode="daily",
        mention_role_id=None,
        paused_reason=None,
        created_at="2026-11-19T00:00:00+00:00",
    )
    rows = tuple(
        Delivery(n, sub, stored, change, None, f"n{n}", 0)
        for n, (stored, change) in enumerate(deliveries)
    )
    return Digest(sub, rows, "2026-11-20")
