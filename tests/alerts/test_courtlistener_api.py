"""CourtListener API source against local fixtures: token, per-docket requests, caps, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.alerts.items import ItemKind
from bot.alerts.sources import SourceError, TrackedCase
from bot.alerts.sources.courtlistener_api import DOCKET_FIELDS, CourtListenerApi
from bot.alerts.store import AlertStore
from bot.db import Database

FIXTURES = Path(__file__).parent.parent / "fixtures" / "courtlistener-api"
BASE = "http://cl.test/api/rest/v4"
TOKEN = "cl-token-5f0e1d2c3b4a59687766554433221100"
NYT, OPENAI_MDL, BARTZ, KADREY, ANDERSEN, GETTY = (
    68117049,
    69879510,
    69058235,
    67569326,
    66732129,
    66788385,
)
TRACKED = (
    TrackedCase(NYT, "NYT v. Microsoft"),
    TrackedCase(OPENAI_MDL, "In re OpenAI Copyright Litigation"),
    TrackedCase(BARTZ, "Bartz v. Anthropic"),
    TrackedCase(KADREY, "Kadrey v. Meta"),
)


class Api:
    """Serves docket-<id>.json and entries-<id>.json; records requests."""

    def __init__(self) -> None:
        self.dockets: dict[int, str] = {}  # docket id -> fixture, to serve a later state
        self.entries: dict[str, str] = {}
        self.errors: dict[int, tuple[int, str, dict[str, str]]] = {}  # docket id -> response
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/api/rest/v4")
        if path == "/docket-entries/":
            docket = request.url.params["docket"]
            name = self.entries.get(docket, f"entries-{docket}.json")
            return httpx.Response(200, content=(FIXTURES / name).read_bytes())
        docket_id = int(path.strip("/").split("/")[1])
        if docket_id in self.errors:
            status, name, headers = self.errors[docket_id]
            return httpx.Response(status, content=(FIXTURES / name).read_bytes(), headers=headers)
        name = self.dockets.get(docket_id, f"docket-{docket_id}.json")
        return httpx.Response(200, content=(FIXTURES / name).read_bytes())

    def docket_ids(self) -> list[int]:
        return [int(r.url.path.strip("/").split("/")[-1]) for r in self.requests if _is_docket(r)]

    def entry_ids(self) -> list[int]:
        return [int(r.url.params["docket"]) for r in self.requests if not _is_docket(r)]


def _is_docket(request: httpx.Request) -> bool:
    return "/dockets/" in request.url.path


@pytest.fixture
async def api() -> AsyncIterator[tuple[Api, httpx.AsyncClient]]:
    server = Api()
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
        yield server, client


def source(tracked: tuple[TrackedCase, ...] = TRACKED, **kwargs: int) -> CourtListenerApi:
    return CourtListenerApi(TOKEN, BASE, lambda: tracked, **kwargs)


async def test_one_request_per_docket_with_the_token_in_the_header(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    await source().fetch(client, None)
    assert server.docket_ids() == [NYT, OPENAI_MDL, BARTZ, KADREY]
    for request in server.requests:
        assert request.headers["authorization"] == f"Token {TOKEN}"
        assert TOKEN not in str(request.url)
        assert dict(request.url.params) == {"fields": DOCKET_FIELDS}
    assert str(server.requests[0].url).startswith(f"{BASE}/dockets/{NYT}/?")
    assert "id__in" not in str(server.requests[0].url)  # the API refuses it with HTTP 400


async def test_dockets_become_always_relevant_case_items(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    _, client = api
    page = await source().fetch(client, None)
    assert [i.identifier for i in page.items] == [
        "1:23-cv-11195",
        "1:25-md-03143",
        "3:24-cv-05417",
        "3:23-cv-03417",
    ]
    assert all(
        i.kind is ItemKind.CASE
        and i.always_relevant
        and i.jurisdiction == "US"
        and i.attribution == "CourtListener (Free Law Project)"
        for i in page.items
    )
    nyt = page.items[0]
    assert (nyt.external_id, nyt.title) == (
        str(NYT),
        "The New York Times Company v. Microsoft Corporation",
    )
    assert nyt.url == (
        "https://www.courtlistener.com/docket/68117049/"
        "the-new-york-times-company-v-microsoft-corporation/"
    )
    assert (nyt.status, nyt.status_date) == ("Last filing 2026-06-12", "2026-06-12")
    assert nyt.published_at == "2026-06-12T00:00:00+00:00"


async def test_a_new_filing_date_is_an_update_named_by_its_entry(
    api: tuple[Api, httpx.AsyncClient], tmp_path: Path
) -> None:
    server, client = api
    cl = source()
    db = await Database.open(tmp_path / "bot.db")
    try:
        store = AlertStore(db)
        first = await cl.fetch(client, None)
        await store.ingest(
            cl.name, first.items, hash_fields=cl.hash_fields, now=datetime(2026, 6, 16, tzinfo=UTC)
        )  # the first poll seeds silently
        await store.subscribe(1, 10, now=datetime(2026, 6, 16, tzinfo=UTC))
        server.requests.clear()
        server.dockets = {OPENAI_MDL: "docket-69879510-next.json"}
        second = await cl.fetch(client, first.cursor)
        assert server.entry_ids() == [OPENAI_MDL]
        entries = next(r for r in server.requests if not _is_docket(r)).url.params
        assert entries["order_by"] == "-date_filed" and "description" in entries["fields"]
        mdl = second.items[1]
        assert mdl.status == (
            "Last filing 2026-06-18: OPINION AND ORDER re: 1102 MOTION to Dismiss the "
            "Consolidated Class Action Complaint filed by OpenAI, Inc., Microsoft Corporation. "
            "The motion is GRANTED in part and DENIED in part. SO ORDERED. (Signed by Judge "
            "Sidney H. Stein on 6/18/2026)"
        )
        result = await store.ingest(
            cl.name, second.items, hash_fields=cl.hash_fields, now=datetime(2026, 6, 19, tzinfo=UTC)
        )
        assert (result.updated, result.unchanged, result.queued) == (1, 3, 1)
        row = await db.fetchone("SELECT change, previous_status FROM alert_outbox")
        assert tuple(row) == ("updated", "Last filing 2026-06-15")

        # Polled again with nothing new, the remembered status is kept: no second update.
        server.requests.clear()
        third = await cl.fetch(client, second.cursor)
        assert server.entry_ids() == [] and third.items[1].status == mdl.status
        result = await store.ingest(
            cl.name,
            third.items,
            hash_fields=cl.hash_fields,
            now=datetime(2026, 6, 19, 2, tzinfo=UTC),
        )
        assert (result.updated, result.unchanged) == (0, 4)
    finally:
        await db.close()


async def test_entry_calls_are_capped_and_a_poll_stays_within_five_requests(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    cl = source()
    first = await cl.fetch(client, None)
    server.requests.clear()
    server.dockets = {
        NYT: "docket-68117049-next.json",
        OPENAI_MDL: "docket-69879510-next.json",
    }
    second = await cl.fetch(client, first.cursor)
    # Four dockets leave one request of the five a minute for an entry.
    assert len(server.requests) == 5 and server.entry_ids() == [NYT]
    assert second.items[0].status and second.items[0].status.startswith("Last filing 2026-06-17: ")
    assert second.items[1].status == "Last filing 2026-06-18"

    # With two dockets there is room for both entries.
    server.requests.clear()
    two = source(TRACKED[:2])
    first_two = await two.fetch(client, first.cursor)
    assert server.entry_ids() == [NYT, OPENAI_MDL]
    assert first_two.items[1].status and first_two.items[1].status.startswith(
        "Last filing 2026-06-18: OPINION AND ORDER"
    )


async def test_many_dockets_are_checked_in_turn(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    six = (*TRACKED, TrackedCase(ANDERSEN, "Andersen v. Stability AI"), TrackedCase(GETTY, "Getty"))
    cl = source(six)
    first = await cl.fetch(client, None)
    assert server.docket_ids() == [NYT, OPENAI_MDL, BARTZ, KADREY]  # one request kept for entries
    server.requests.clear()
    second = await cl.fetch(client, first.cursor)
    assert server.docket_ids() == [ANDERSEN, GETTY, NYT, OPENAI_MDL]
    assert len(second.items) == 4
    assert set(json.loads(second.cursor or "{}")["dockets"]) == {str(c.docket_id) for c in six}


async def test_no_tracked_dockets_means_no_requests(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    page = await source(()).fetch(client, None)
    assert page.items == [] and server.requests == []


async def test_a_missing_docket_does_not_stop_the_others(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    server.errors = {BARTZ: (404, "not-found.json", {})}
    page = await source().fetch(client, None)
    assert [i.external_id for i in page.items] == [str(NYT), str(OPENAI_MDL), str(KADREY)]


async def test_no_entry_on_the_filing_date_leaves_the_plain_status(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    server, client = api
    cl = source(TRACKED[:1])
    first = await cl.fetch(client, None)
    server.dockets, server.entries = (
        {NYT: "docket-68117049-next.json"},
        {str(NYT): "entries-empty.json"},
    )
    second = await cl.fetch(client, first.cursor)
    assert server.entry_ids() == [NYT]
    assert second.items[0].status == "Last filing 2026-06-17"


@pytest.mark.parametrize(
    ("status", "fixture", "headers", "retry_after"),
    [
        (401, "unauthorized.json", {}, None),
        (429, "throttled.json", {"Retry-After": "1740"}, 1740.0),
        (200, "malformed.json", {}, None),
    ],
)
async def test_errors_raise_source_error_without_the_token(
    api: tuple[Api, httpx.AsyncClient],
    status: int,
    fixture: str,
    headers: dict[str, str],
    retry_after: float | None,
) -> None:
    server, client = api
    server.errors = {NYT: (status, fixture, headers)}
    with pytest.raises(SourceError) as caught:
        await source().fetch(client, None)
    assert caught.value.retry_after == retry_after
    assert TOKEN not in str(caught.value) and "Token" not in str(caught.value)
    if status == 401:
        assert "token was refused" in str(caught.value)


async def test_a_body_for_another_docket_is_refused(api: tuple[Api, httpx.AsyncClient]) -> None:
    server, client = api
    server.dockets = {NYT: "docket-69058235.json"}
    with pytest.raises(SourceError, match="not docket 68117049"):
        await source().fetch(client, None)


async def test_the_token_is_in_no_transport_error_or_repr() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url} with {request.headers}")

    async with httpx.AsyncClient(transport=httpx.MockTransport(fail)) as client:
        with pytest.raises(SourceError) as caught:
            await source().fetch(client, None)
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(source())
