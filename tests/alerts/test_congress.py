"""Congress.gov source against local fixtures: key, window, local matching, paging, updates, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.alerts.sources import SourceError
from bot.alerts.sources.congress import MAX_PAGES, CongressGov
from bot.alerts.store import AlertStore
from bot.db import Database
from tests.alerts.conftest import refusing_client, source_error

FIXTURES = Path(__file__).parent.parent / "fixtures" / "congress"
BASE = "http://congress.test/v3"
KEY = "cg-test-key-7f3a9c"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


class Api:
    """Serves a fixture per offset (bills.json, then bills-2.json) and records requests."""

    def __init__(self) -> None:
        self.pages = {"0": "bills.json", "250": "bills-2.json"}
        self.status = 200
        self.headers: dict[str, str] = {}
        self.endless = False
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status != 200:
            body = (FIXTURES / f"error-{self.status}.json").read_bytes()
            return httpx.Response(self.status, content=body, headers=self.headers)
        offset = request.url.params.get("offset", "0")
        if self.endless:
            page = json.loads((FIXTURES / "bills.json").read_text())
            page["pagination"]["next"] = f"{BASE}/bill?offset={int(offset) + 250}&limit=250"
            return httpx.Response(200, json=page)
        return httpx.Response(200, content=(FIXTURES / self.pages[offset]).read_bytes())


@pytest.fixture
async def api() -> AsyncIterator[tuple[Api, httpx.AsyncClient]]:
    server = Api()
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
        yield server, client


async def test_relevant_bills_become_items(api: tuple[Api, httpx.AsyncClient]) -> None:
    _, client = api
    page = await CongressGov(KEY, BASE).fetch(client, None, now=NOW)
    # The post office and college-athlete bills are dropped; both pages are read.
    assert [i.identifier for i in page.items] == [
        "S.1367",
        "S.2455",
        "H.Res.902",
        "H.R.2794",
        "S.146",
        "S.1396",
    ]
    no_fakes = page.items[0]
    assert no_fakes.external_id == "119-s-1367"
    assert no_fakes.jurisdiction == "US" and no_fakes.kind == "bill"
    assert no_fakes.title == "NO FAKES Act of 2025"
    assert no_fakes.url == "https://www.congress.gov/bill/119th-congress/senate-bill/1367"
    assert no_fakes.status == "Read twice and referred to the Committee on the Judiciary."
    assert no_fakes.status_date == "2026-11-19"
    assert no_fakes.published_at == "2026-11-20T08:05:32+00:00"
    assert no_fakes.attribution == "Congress.gov (Library of Congress)"
    assert "likeness" in no_fakes.tags
    resolution = page.items[2]
    assert resolution.url == "https://www.congress.gov/bill/119th-congress/house-resolution/902"
    assert resolution.published_at == "2026-11-19T00:00:00+00:00"  # a date-only updateDate
    assert all("api.congress.gov" not in i.url for i in page.items)


async def test_request_carries_key_in_header_and_a_day_of_overlap(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    page = await CongressGov(KEY, BASE).fetch(client, None, now=NOW)
    first, second = server.requests
    assert first.url.path == "/v3/bill"
    assert first.headers["x-api-key"] == KEY
    assert all(KEY not in str(r.url) and "api_key" not in r.url.params for r in server.requests)
    params = first.url.params
    assert params["fromDateTime"] == "2026-11-19T12:00:00Z"
    assert (params["limit"], params["offset"], params["format"]) == ("250", "0", "json")
    assert b"sort=updateDate+desc" in first.url.query  # the documented form, not %2B
    # The next page keeps the same window and moves the offset that pagination.next names.
    assert second.url.host == "congress.test"
    assert second.url.params["fromDateTime"] == "2026-11-19T12:00:00Z"
    assert second.url.params["offset"] == "250"
    assert json.loads(page.cursor or "{}") == {"since": "2026-11-20T12:00:00Z"}


async def test_next_poll_reads_from_a_day_before_the_last(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    cursor = json.dumps({"since": "2026-11-20T12:00:00Z"})
    page = await CongressGov(KEY, BASE).fetch(
        client, cursor, now=datetime(2026, 11, 20, 14, tzinfo=UTC)
    )
    assert server.requests[0].url.params["fromDateTime"] == "2026-11-19T12:00:00Z"
    assert json.loads(page.cursor or "{}") == {"since": "2026-11-20T14:00:00Z"}


async def test_page_cap_resumes_the_same_window_next_poll(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    server.endless = True
    source = CongressGov(KEY, BASE)
    first = await source.fetch(client, None, now=NOW)
    assert len(server.requests) == MAX_PAGES
    assert json.loads(first.cursor or "{}") == {
        "since": "2026-11-20T12:00:00Z",
        "started": "2026-11-20T12:00:00Z",
        "position": MAX_PAGES * 250,
    }
    # The next poll continues where the cap stopped, in the same window, until the end.
    server.endless, server.pages = False, {str(MAX_PAGES * 250): "bills-2.json"}
    later = datetime(2026, 11, 20, 14, tzinfo=UTC)
    second = await source.fetch(client, first.cursor, now=later)
    resumed = server.requests[MAX_PAGES]
    assert resumed.url.params["offset"] == str(MAX_PAGES * 250)
    assert resumed.url.params["fromDateTime"] == "2026-11-19T12:00:00Z"
    assert [i.identifier for i in second.items] == ["H.R.2794", "S.146", "S.1396"]
    # Finished: the next window starts from when this one began, so nothing in between is lost.
    assert json.loads(second.cursor or "{}") == {"since": "2026-11-20T12:00:00Z"}


async def test_a_new_latest_action_is_an_update(
    api: tuple[Api, httpx.AsyncClient], tmp_path: Path
) -> None:
    server, client = api
    db = await Database.open(tmp_path / "bot.db")
    try:
        store = AlertStore(db)
        source = CongressGov(KEY, BASE)
        await store.ingest(source.name, [], now=datetime(2026, 11, 18, tzinfo=UTC))  # seeded
        await store.subscribe(1, 10, now=datetime(2026, 11, 18, tzinfo=UTC))
        first = await source.fetch(client, None, now=NOW)
        result = await store.ingest(
            source.name, first.items, hash_fields=source.hash_fields, now=NOW
        )
        # The TAKE IT DOWN Act became law in 2025: its record was touched, but it is not news.
        assert (result.new, result.queued) == (6, 5)
        server.pages = {"0": "bills-next.json"}
        later = datetime(2026, 11, 21, 18, tzinfo=UTC)
        second = await source.fetch(client, first.cursor, now=later)
        result = await store.ingest(
            source.name, second.items, hash_fields=source.hash_fields, now=later
        )
        # S.1367 had a hearing; H.R.2794 only had its updateDate touched; the veterans bill
        # never reaches the store.
        assert (result.new, result.updated, result.unchanged, result.queued) == (0, 1, 1, 1)
        row = await db.fetchone(
            "SELECT o.change, o.previous_status, i.status FROM alert_outbox o "
            "JOIN alert_items i ON i.id = o.item_id ORDER BY o.id DESC"
        )
        assert tuple(row) == (
            "updated",
            "Read twice and referred to the Committee on the Judiciary.",
            "Committee on the Judiciary. Subcommittee on Intellectual Property. Hearings held.",
        )
        stored = await db.fetchone("SELECT COUNT(*) AS n FROM alert_items")
        assert stored["n"] == 6
    finally:
        await db.close()


async def test_empty_page(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    server.pages = {"0": "empty.json"}
    page = await CongressGov(KEY, BASE).fetch(client, None, now=NOW)
    assert page.items == [] and len(server.requests) == 1
    assert json.loads(page.cursor or "{}") == {"since": "2026-11-20T12:00:00Z"}


async def test_invalid_key_is_a_source_error_without_the_key(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    server.status = 403
    error = await source_error(
        CongressGov(KEY, BASE).fetch(client, None, now=NOW), match="HTTP 403", secret=KEY
    )
    assert error.retry_after is None


async def test_rate_limit_keeps_retry_after(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    server.status, server.headers = 429, {"Retry-After": "3600"}
    error = await source_error(
        CongressGov(KEY, BASE).fetch(client, None, now=NOW), match="HTTP 429", secret=KEY
    )
    assert error.retry_after == 3600.0


@pytest.mark.parametrize(
    ("fixture", "message"),
    [("truncated.json", "not JSON"), ("malformed.json", "KeyError: 'updateDate'")],
)
async def test_malformed_bodies(
    api: tuple[Api, httpx.AsyncClient], fixture: str, message: str
) -> None:
    server, client = api
    server.pages = {"0": fixture}
    await source_error(
        CongressGov(KEY, BASE).fetch(client, None, now=NOW), match=message, secret=KEY
    )


async def test_transport_failure_names_no_url_or_key() -> None:
    async with refusing_client() as client:
        with pytest.raises(SourceError, match="ConnectError") as caught:
            await CongressGov(KEY, BASE).fetch(client, None, now=NOW)
    assert KEY not in str(caught.value) and "congress.test" not in str(caught.value)


def test_a_key_is_required() -> None:
    with pytest.raises(ValueError, match="API key"):
        CongressGov("")
