"""LegiScan source against local fixtures: search, getBill only for moved hashes, cap, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.alerts.items import ItemKind
from bot.alerts.sources import SourceError
from bot.alerts.sources.legiscan import ATTRIBUTION, DEFAULT_QUERY, LegiScan
from bot.alerts.store import AlertStore
from bot.db import Database

FIXTURES = Path(__file__).parent.parent / "fixtures" / "legiscan"
BASE = "http://legiscan.test/"
KEY = "ls-secret-key-0123456789abcdef"
AB412, NO_FAKES, ELVIS, NY_REPLICA, TX_NIL, VA_VOIP, NJ_DEEPFAKE = (
    "1893461",
    "1991802",
    "1827766",
    "2004517",
    "1960004",
    "2031177",
    "2012340",
)


class Api:
    """Answers getSearchRaw from `search` (or `pages`) and getBill from bill-<id>.json."""

    def __init__(self) -> None:
        self.search = "search.json"
        self.pages: dict[str, str] = {}
        self.bills: dict[str, str] = {}  # bill id -> fixture, to serve a later version
        self.override: str | None = None  # one fixture for every request
        self.status = 200
        self.headers: dict[str, str] = {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        params = request.url.params
        if self.status != 200:
            return httpx.Response(self.status, text="Too Many Requests", headers=self.headers)
        if self.override:
            name = self.override
        elif params["op"] == "getSearchRaw":
            name = self.pages.get(params["page"], self.search)
        else:
            name = self.bills.get(params["id"], f"bill-{params['id']}.json")
        return httpx.Response(200, content=(FIXTURES / name).read_bytes())

    def bill_ids(self) -> list[str]:
        return [r.url.params["id"] for r in self.requests if r.url.params["op"] == "getBill"]


@pytest.fixture
async def api() -> AsyncIterator[tuple[Api, httpx.AsyncClient]]:
    server = Api()
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
        yield server, client


def hashes(cursor: str | None) -> dict[str, str]:
    return json.loads(cursor or "{}")["hashes"]


async def test_search_then_get_bill_with_the_key_as_a_query_parameter(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    await LegiScan(KEY, BASE).fetch(client, None)
    search = server.requests[0].url.params
    assert dict(search) == {
        "key": KEY,
        "op": "getSearchRaw",
        "state": "ALL",
        "query": DEFAULT_QUERY,
        "year": "2",
        "page": "1",
    }
    bill = server.requests[1].url.params
    assert (bill["key"], bill["op"], bill["id"]) == (KEY, "getBill", AB412)
    assert all(str(r.url).startswith(BASE) for r in server.requests)


async def test_bills_become_items_and_look_alikes_are_dropped(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    page = await LegiScan(KEY, BASE).fetch(client, None)
    assert [i.identifier for i in page.items] == ["CA AB412", "US S1367", "TN HB2091", "NY S8420"]
    assert all(i.attribution == ATTRIBUTION == "LegiScan (CC BY 4.0)" for i in page.items)
    assert all(i.kind is ItemKind.BILL and i.source == "legiscan" for i in page.items)
    assert all("api.legiscan" not in i.url for i in page.items)
    ab412, no_fakes = page.items[0], page.items[1]
    assert (ab412.external_id, ab412.jurisdiction, ab412.title) == (
        AB412,
        "US-CA",
        "AI Copyright Transparency Act.",
    )
    assert ab412.url.startswith("https://leginfo.legislature.ca.gov/")
    assert ab412.status.startswith("From committee: Do pass and re-refer to Com. on APPR.")
    assert (ab412.status_date, ab412.published_at) == ("2026-06-16", "2026-06-16T00:00:00+00:00")
    assert ab412.summary and "relating to artificial intelligence" in ab412.summary
    assert (no_fakes.jurisdiction, no_fakes.title) == ("US", "NO FAKES Act of 2025")
    assert no_fakes.url == "https://www.congress.gov/bill/119th-congress/senate-bill/1367/all-info"
    # The student-athlete NIL and VoIP bills were fetched, judged irrelevant, and remembered.
    assert set(server.bill_ids()) == {AB412, NO_FAKES, ELVIS, NY_REPLICA, TX_NIL, VA_VOIP}
    assert set(hashes(page.cursor)) == set(server.bill_ids())


async def test_only_new_and_changed_hashes_are_fetched_again(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    source = LegiScan(KEY, BASE)
    first = await source.fetch(client, None)
    server.requests.clear()
    server.search, server.bills = "search-next.json", {AB412: "bill-1893461-next.json"}
    second = await source.fetch(client, first.cursor)
    assert server.bill_ids() == [AB412, NJ_DEEPFAKE]  # the known bill before the new one
    assert [i.identifier for i in second.items] == ["CA AB412", "NJ A3540"]
    assert second.items[0].status and second.items[0].status.endswith("Ordered to third reading.")
    assert hashes(second.cursor)[AB412] == "d4f7a2c19e0b8a7f6e5d4c3b2a190817"
    server.requests.clear()
    third = await source.fetch(client, second.cursor)
    assert server.bill_ids() == [] and third.items == []


async def test_get_bill_is_capped_and_the_rest_wait_for_the_next_poll(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    source = LegiScan(KEY, BASE, max_bills=2)
    first = await source.fetch(client, None)
    assert server.bill_ids() == [AB412, NO_FAKES]  # most relevant first
    assert set(hashes(first.cursor)) == {AB412, NO_FAKES}
    server.requests.clear()
    second = await source.fetch(client, first.cursor)
    assert server.bill_ids() == [ELVIS, NY_REPLICA]

    # A changed bill not fetched keeps its old hash, so the poll after fetches it.
    server.requests.clear()
    server.search = "search-next.json"
    source.max_bills = 0
    waiting = await source.fetch(client, second.cursor)
    assert server.bill_ids() == []
    assert hashes(waiting.cursor)[AB412] == "8c1e0a9f3b2d4e5f6a7b8c9d0e1f2a3b"
    assert NJ_DEEPFAKE not in hashes(waiting.cursor)
    source.max_bills = 1
    await source.fetch(client, waiting.cursor)
    assert server.bill_ids() == [AB412]


async def test_every_search_page_is_read(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    server.pages = {"1": "search-page1.json", "2": "search-page2.json"}
    page = await LegiScan(KEY, BASE).fetch(client, None)
    searches = [r.url.params["page"] for r in server.requests if r.url.params["op"] != "getBill"]
    assert searches == ["1", "2"]
    assert set(hashes(page.cursor)) == {AB412, NO_FAKES, ELVIS, NY_REPLICA, TX_NIL, VA_VOIP}


async def test_empty_search(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    server.search = "search-empty.json"
    page = await LegiScan(KEY, BASE).fetch(client, None)
    assert page.items == [] and hashes(page.cursor) == {}
    assert server.bill_ids() == []


async def test_error_status_in_a_200_is_a_source_error(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    server.override = "error.json"
    with pytest.raises(SourceError, match="Invalid API key") as caught:
        await LegiScan(KEY, BASE).fetch(client, None)
    assert KEY not in str(caught.value)


async def test_an_error_on_get_bill_fails_the_poll(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    server.bills = {AB412: "error.json"}
    with pytest.raises(SourceError, match="getBill: Invalid API key"):
        await LegiScan(KEY, BASE).fetch(client, None)


async def test_429_keeps_retry_after(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    server.status, server.headers = 429, {"Retry-After": "3600"}
    with pytest.raises(SourceError) as caught:
        await LegiScan(KEY, BASE).fetch(client, None)
    assert caught.value.retry_after == 3600


@pytest.mark.parametrize("fixture", ["malformed.json", "unexpected.json"])
async def test_malformed_bodies(api: tuple[Api, httpx.AsyncClient], fixture: str) -> None:
    server, client = api
    server.override = fixture
    with pytest.raises(SourceError):
        await LegiScan(KEY, BASE).fetch(client, None)


async def test_the_key_is_in_no_error_message() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}", request=request)

    messages = []
    for handler in (
        fail,
        lambda r: httpx.Response(500, text=str(r.url)),
        lambda r: httpx.Response(200, text=f"<html>{r.url}</html>"),
        lambda r: httpx.Response(200, json={"status": "ERROR", "alert": {"message": f"{KEY}?"}}),
    ):
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            with pytest.raises(SourceError) as caught:
                await LegiScan(KEY, BASE).fetch(client, None)
        messages.append(str(caught.value))
    assert all(KEY not in m for m in messages), messages
    assert KEY not in repr(LegiScan(KEY, BASE))


async def test_a_changed_hash_is_an_update_in_the_store(
    api: tuple[Api, httpx.AsyncClient], tmp_path: Path
) -> None:
    server, client = api
    source = LegiScan(KEY, BASE)
    db = await Database.open(tmp_path / "bot.db")
    try:
        store = AlertStore(db)
        await store.ingest(source.name, [], now=datetime(2026, 6, 17, tzinfo=UTC))  # seeded
        await store.subscribe(1, 10, now=datetime(2026, 6, 17, tzinfo=UTC))
        first = await source.fetch(client, None)
        result = await store.ingest(
            source.name,
            first.items,
            hash_fields=source.hash_fields,
            now=datetime(2026, 6, 18, tzinfo=UTC),
        )
        assert (result.new, result.queued) == (4, 1)  # only AB 412 acted in the last two weeks
        server.search, server.bills = "search-next.json", {AB412: "bill-1893461-next.json"}
        second = await source.fetch(client, first.cursor)
        result = await store.ingest(
            source.name,
            second.items,
            hash_fields=source.hash_fields,
            now=datetime(2026, 6, 26, tzinfo=UTC),
        )
        assert (result.new, result.updated, result.queued) == (1, 1, 2)
    finally:
        await db.close()
