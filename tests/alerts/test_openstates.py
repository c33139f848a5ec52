"""Open States source against local fixtures: key, search, matching, paging, updates, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.alerts.sources import SourceError
from bot.alerts.sources.openstates import MAX_REQUESTS, OpenStates
from bot.alerts.store import AlertStore
from bot.db import Database
from tests.alerts.conftest import refusing_client, source_error

FIXTURES = Path(__file__).parent.parent / "fixtures" / "openstates"
BASE = "http://openstates.test"
KEY = "os-test-key-2d81e4"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


class Api:
    """Serves a fixture per page number (bills.json, then bills-2.json) and records requests."""

    def __init__(self) -> None:
        self.pages = {"1": "bills.json", "2": "bills-2.json"}
        self.status = 200
        self.headers: dict[str, str] = {}
        # When set: page 1's fixture is served for every page, with this pagination.
        self.pagination: dict[str, int] | None = None
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status != 200:
            body = (FIXTURES / f"error-{self.status}.json").read_bytes()
            return httpx.Response(self.status, content=body, headers=self.headers)
        page = request.url.params.get("page", "1")
        if self.pagination is not None:
            body = json.loads((FIXTURES / self.pages["1"]).read_text())
            body["pagination"].update(self.pagination, page=int(page))
            return httpx.Response(200, json=body)
        if page not in self.pages:
            return httpx.Response(
                404, json={"detail": f"invalid page, must be in [1, {len(self.pages)}]"}
            )
        return httpx.Response(200, content=(FIXTURES / self.pages[page]).read_bytes())


@pytest.fixture
async def api() -> AsyncIterator[tuple[Api, httpx.AsyncClient]]:
    server = Api()
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
        yield server, client


async def test_relevant_bills_become_items(api: tuple[Api, httpx.AsyncClient]) -> None:
    _, client = api
    page = await OpenStates(KEY, BASE).fetch(client, None, now=NOW)
    # The student-athlete, budget and highway bills matched the text search but are dropped.
    assert [i.identifier for i in page.items] == [
        "CA AB 412",
        "TN HB 2091",
        "NY S 8420",
        "NY A 8882",
    ]
    ab412 = page.items[0]
    assert ab412.external_id == "ocd-bill/3f0c1b5e-8a57-4d0e-9a38-6c2f4b1e7d21"
    assert ab412.jurisdiction == "US-CA" and ab412.kind == "bill"
    assert ab412.title == "AI Copyright Transparency Act."
    assert ab412.url == "https://openstates.org/ca/bills/20252026/AB412/"
    assert ab412.status == "From committee: Do pass and re-refer to Com. on JUD. (Ayes 10. Noes 2.)"
    assert ab412.status_date == "2026-11-19"
    assert ab412.published_at == "2026-11-20T09:14:52.204817+00:00"
    assert ab412.attribution == "Open States (Plural Policy)"
    elvis = page.items[1]
    # Its title says only "personal rights": the abstract names the ELVIS Act.
    assert elvis.jurisdiction == "US-TN" and "ELVIS Act" in (elvis.summary or "")
    assert "ELVIS Act" in (elvis.abstract or "")  # shown under the alert's title
    assert elvis.status_date == "2024-03-21"  # the date part of an action timestamp
    assert "likeness" in elvis.tags


async def test_request_carries_key_in_header_and_the_search(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    page = await OpenStates(KEY, BASE).fetch(client, None, now=NOW)
    first, second = server.requests
    assert first.url.path == "/bills"
    assert first.headers["x-api-key"] == KEY
    assert all(KEY not in str(r.url) and "apikey" not in r.url.params for r in server.requests)
    params = first.url.params
    assert '"artificial intelligence"' in params["q"] and "deepfake" in params["q"]
    assert params["sort"] == "updated_desc"
    assert params["updated_since"] == "2026-11-20 06:00:00"  # six hours of overlap
    assert (params["per_page"], params["page"], params["include"]) == ("20", "1", "abstracts")
    assert "jurisdiction" not in params
    assert second.url.params["page"] == "2"
    assert second.url.params["updated_since"] == "2026-11-20 06:00:00"
    assert json.loads(page.cursor or "{}") == {"windows": {"*": {"since": "2026-11-20T12:00:00Z"}}}


async def test_next_poll_overlaps_six_hours(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    cursor = json.dumps({"windows": {"*": {"since": "2026-11-20T12:00:00Z"}}})
    await OpenStates(KEY, BASE).fetch(client, cursor, now=datetime(2026, 11, 20, 18, tzinfo=UTC))
    assert server.requests[0].url.params["updated_since"] == "2026-11-20 06:00:00"


async def test_request_cap_resumes_the_same_window_next_poll(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    server.pagination = {"max_page": 40, "total_items": 800}
    source = OpenStates(KEY, BASE)
    first = await source.fetch(client, None, now=NOW)
    assert [r.url.params["page"] for r in server.requests] == ["1", "2", "3", "4", "5"]
    assert len(server.requests) == MAX_REQUESTS
    assert json.loads(first.cursor or "{}")["windows"]["*"] == {
        "since": "2026-11-20T12:00:00Z",
        "started": "2026-11-20T12:00:00Z",
        "position": MAX_REQUESTS + 1,
    }
    # The next poll goes on from page 6 of the same window; past the last page is a 404,
    # which only means the window is finished.
    server.pagination, server.pages = None, {"6": "bills-2.json"}
    second = await source.fetch(client, first.cursor, now=datetime(2026, 11, 20, 18, tzinfo=UTC))
    resumed = server.requests[MAX_REQUESTS:]
    assert [r.url.params["page"] for r in resumed] == ["6"]
    assert resumed[0].url.params["updated_since"] == "2026-11-20 06:00:00"
    assert [i.identifier for i in second.items] == ["NY S 8420", "NY A 8882"]
    assert json.loads(second.cursor or "{}") == {
        "windows": {"*": {"since": "2026-11-20T12:00:00Z"}}
    }


async def test_jurisdictions_are_searched_in_turn(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    server.pages = {"1": "bills-2.json"}
    server.pagination = {"max_page": 1, "total_items": 3}
    source = OpenStates(KEY, BASE, jurisdictions=["ny", "tn"])
    cursor = json.dumps({"windows": {"ny": {"since": "2026-11-20T06:00:00Z"}}})
    page = await source.fetch(client, cursor, now=NOW)
    # Tennessee was never searched, so it goes first; each search has its own window.
    assert [r.url.params["jurisdiction"] for r in server.requests] == ["tn", "ny"]
    assert server.requests[0].url.params["updated_since"] == "2026-11-20 06:00:00"
    assert server.requests[1].url.params["updated_since"] == "2026-11-20 00:00:00"
    assert [i.identifier for i in page.items] == ["NY S 8420", "NY A 8882"]  # no repeats
    assert json.loads(page.cursor or "{}")["windows"] == {
        "tn": {"since": "2026-11-20T12:00:00Z"},
        "ny": {"since": "2026-11-20T12:00:00Z"},
    }


async def test_jurisdictions_share_the_request_cap(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    server.pages, server.pagination = {"1": "empty.json"}, {"max_page": 1}
    states = ["ca", "ny", "tn", "il", "wa", "ga"]
    saved = {s: {"since": f"2026-11-20T0{i}:00:00Z"} for i, s in enumerate(states)}
    source = OpenStates(KEY, BASE, jurisdictions=states)
    page = await source.fetch(client, json.dumps({"windows": saved}), now=NOW)
    # The five longest-waiting searches run; Georgia keeps its window for the next poll.
    assert len(server.requests) == MAX_REQUESTS
    assert [r.url.params["jurisdiction"] for r in server.requests] == states[:5]
    windows = json.loads(page.cursor or "{}")["windows"]
    assert windows["ga"] == {"since": "2026-11-20T05:00:00Z"}
    assert windows["ca"] == {"since": "2026-11-20T12:00:00Z"}


async def test_a_new_latest_action_is_an_update(
    api: tuple[Api, httpx.AsyncClient], tmp_path: Path
) -> None:
    server, client = api
    db = await Database.open(tmp_path / "bot.db")
    try:
        store = AlertStore(db)
        source = OpenStates(KEY, BASE)
        await store.ingest(source.name, [], now=datetime(2026, 11, 18, tzinfo=UTC))  # seeded
        await store.subscribe(
            1, 10, jurisdictions=("US-*",), now=datetime(2026, 11, 18, tzinfo=UTC)
        )
        first = await source.fetch(client, None, now=NOW)
        result = await store.ingest(
            source.name, first.items, hash_fields=source.hash_fields, now=NOW
        )
        # TN HB 2091 (the ELVIS Act, last action 2024) was only re-scraped: stored, not posted.
        assert (result.new, result.queued) == (4, 3)
        server.pages = {"1": "bills-next.json"}
        later = datetime(2026, 11, 21, 12, tzinfo=UTC)
        second = await source.fetch(client, first.cursor, now=later)
        result = await store.ingest(
            source.name, second.items, hash_fields=source.hash_fields, now=later
        )
        # AB 412 moved on; S 8420 was re-scraped (a new updated_at) with nothing new.
        assert (result.new, result.updated, result.unchanged, result.queued) == (0, 1, 1, 1)
        row = await db.fetchone(
            "SELECT o.change, o.previous_status, i.status, i.jurisdiction FROM alert_outbox o "
            "JOIN alert_items i ON i.id = o.item_id ORDER BY o.id DESC"
        )
        assert tuple(row) == (
            "updated",
            "From committee: Do pass and re-refer to Com. on JUD. (Ayes 10. Noes 2.)",
            "Read second time. Ordered to third reading.",
            "US-CA",
        )
    finally:
        await db.close()


async def test_empty_page(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    server.pages = {"1": "empty.json"}
    page = await OpenStates(KEY, BASE).fetch(client, None, now=NOW)
    assert page.items == [] and len(server.requests) == 1
    assert json.loads(page.cursor or "{}") == {"windows": {"*": {"since": "2026-11-20T12:00:00Z"}}}


async def test_invalid_key_is_a_source_error_without_the_key(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    server.status = 401
    await source_error(
        OpenStates(KEY, BASE).fetch(client, None, now=NOW), match="HTTP 401", secret=KEY
    )


async def test_rate_limit_keeps_retry_after(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    server.status, server.headers = 429, {"Retry-After": "60"}
    error = await source_error(
        OpenStates(KEY, BASE).fetch(client, None, now=NOW), match="HTTP 429", secret=KEY
    )
    assert error.retry_after == 60.0


@pytest.mark.parametrize(
    ("fixture", "message"),
    [("truncated.json", "not JSON"), ("malformed.json", "KeyError: 'openstates_url'")],
)
async def test_malformed_bodies(
    api: tuple[Api, httpx.AsyncClient], fixture: str, message: str
) -> None:
    server, client = api
    server.pages = {"1": fixture}
    await source_error(
        OpenStates(KEY, BASE).fetch(client, None, now=NOW), match=message, secret=KEY
    )


async def test_transport_failure_names_no_url_or_key() -> None:
    async with refusing_client() as client:
        with pytest.raises(SourceError, match="ConnectError") as caught:
            await OpenStates(KEY, BASE).fetch(client, None, now=NOW)
    assert KEY not in str(caught.value) and "openstates.test" not in str(caught.value)


@pytest.mark.parametrize(("key", "query"), [("", "deepfake"), (KEY, "AB 412"), (KEY, "  ")])
def test_constructor_refuses_no_key_and_a_query_read_as_a_bill_number(key: str, query: str) -> None:
    with pytest.raises(ValueError):
        OpenStates(key, query=query)
