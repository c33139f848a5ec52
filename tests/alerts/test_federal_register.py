"""Federal Register source against local fixtures: query, overlap window, items, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from bot.alerts.sources import SourceError
from bot.alerts.sources.federal_register import FederalRegister

FIXTURES = Path(__file__).parent.parent / "fixtures" / "federalregister"
TODAY = date(2026, 11, 20)


class Api:
    def __init__(self) -> None:
        self.fixture = "documents.json"
        self.status = 200
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status != 200:
            return httpx.Response(self.status, json={"errors": ["rate limited"]})
        return httpx.Response(200, content=(FIXTURES / self.fixture).read_bytes())


@pytest.fixture
async def api() -> AsyncIterator[tuple[Api, httpx.AsyncClient]]:
    server = Api()
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
        yield server, client


async def test_documents_become_regulation_items(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    page = await FederalRegister("http://fr.test/api/v1").fetch(client, None, today=TODAY)
    first = page.items[0]
    assert first.external_id == "2026-21001" and first.identifier == "FR Doc. 2026-21001"
    assert first.status == "Proposed Rule; comments close 2026-12-18"
    assert first.url.startswith("https://www.federalregister.gov/documents/")
    assert first.attribution == "Federal Register · Federal Communications Commission"
    assert json.loads(page.cursor or "{}") == {"since": "2026-11-20"}
    params = server.requests[0].url.params
    assert params["conditions[publication_date][gte]"] == "2026-11-13"
    assert "artificial intelligence" in params["conditions[term]"]
    assert "html_url" in params.get_list("fields[]")
    assert "conditions[agencies][]" not in params


async def test_agency_filters_are_sent(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    agencies = ("copyright-office-library-of-congress", "federal-trade-commission")
    source = FederalRegister("http://fr.test/api/v1", agencies=agencies)
    await source.fetch(client, None, today=TODAY)
    assert server.requests[0].url.params.get_list("conditions[agencies][]") == list(agencies)


async def test_next_poll_overlaps_the_last_week(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    source = FederalRegister("http://fr.test/api/v1")
    cursor = json.dumps({"since": "2026-11-20"})
    await source.fetch(client, cursor, today=date(2026, 11, 21))
    assert server.requests[0].url.params["conditions[publication_date][gte]"] == "2026-11-13"


async def test_empty_page(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    server.fixture = "empty.json"
    assert (await FederalRegister().fetch(client, None, today=TODAY)).items == []


@pytest.mark.parametrize(("fixture", "status"), [("malformed.json", 200), ("documents.json", 429)])
async def test_errors(api: tuple[Api, httpx.AsyncClient], fixture: str, status: int) -> None:
    server, client = api
    server.fixture, server.status = fixture, status
    with pytest.raises(SourceError):
        await FederalRegister().fetch(client, None, today=TODAY)


async def test_the_abstract_decides_relevance(
    api: tuple[Api, httpx.AsyncClient], tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from bot.alerts.store import AlertStore
    from bot.db import Database

    _, client = api
    source = FederalRegister()
    page = await source.fetch(client, None, today=TODAY)
    db = await Database.open(tmp_path / "bot.db")
    try:
        store = AlertStore(db)
        await store.ingest(source.name, [], now=datetime(2026, 11, 15, tzinfo=UTC))
        await store.subscribe(1, 10, now=datetime(2026, 11, 15, tzinfo=UTC))
        result = await store.ingest(source.name, page.items, now=datetime(2026, 11, 20, tzinfo=UTC))
        # The AI political-ads rule by its title, the FTC rule by its abstract; not the meetings.
        assert (result.new, result.queued) == (3, 2)
    finally:
        await db.close()
