"""GovInfo bills RSS against local fixtures: items, versions as updates, conditional GET, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.alerts.sources import SourceError
from bot.alerts.sources.govinfo import GovInfoBills
from bot.alerts.store import AlertStore
from bot.db import Database
from tests.alerts.conftest import FeedServer, serving

FIXTURES = Path(__file__).parent.parent / "fixtures" / "govinfo"
URL = "https://www.govinfo.gov/rss/bills.xml"


@pytest.fixture
async def feed() -> AsyncIterator[tuple[FeedServer, httpx.AsyncClient]]:
    async with serving(FeedServer(FIXTURES, "bills.xml")) as served:
        yield served


async def test_entries_become_bill_items(feed: tuple[FeedServer, httpx.AsyncClient]) -> None:
    server, client = feed
    page = await GovInfoBills(URL).fetch(client, None)
    assert [i.identifier for i in page.items] == ["S.1367", "H.R.7913", "H.R.8012"]
    no_fakes = page.items[0]
    assert no_fakes.external_id == "BILLS-119s1367"
    assert no_fakes.title.startswith("To protect intellectual property rights in the voice")
    assert no_fakes.status == "Introduced in Senate"
    assert no_fakes.url == "https://www.govinfo.gov/app/details/BILLS-119s1367is"
    assert no_fakes.published_at == "2026-11-19T14:00:00+00:00"
    assert no_fakes.attribution and "GovInfo" in no_fakes.attribution


async def test_conditional_get_uses_the_etag(feed: tuple[FeedServer, httpx.AsyncClient]) -> None:
    server, client = feed
    source = GovInfoBills(URL)
    first = await source.fetch(client, None)
    again = await source.fetch(client, first.cursor)
    assert again.not_modified and again.items == []
    assert server.requests[1].headers["if-none-match"] == '"bills.xml"'


async def test_a_new_version_is_an_update_and_only_relevant_bills_queue(
    feed: tuple[FeedServer, httpx.AsyncClient], tmp_path: Path
) -> None:
    server, client = feed
    db = await Database.open(tmp_path / "bot.db")
    try:
        store = AlertStore(db)
        source = GovInfoBills(URL)
        await store.ingest(source.name, [], now=datetime(2026, 11, 18, tzinfo=UTC))  # seeded
        await store.subscribe(1, 10, now=datetime(2026, 11, 18, tzinfo=UTC))
        first = await source.fetch(client, None)
        result = await store.ingest(
            source.name,
            first.items,
            hash_fields=source.hash_fields,
            now=datetime(2026, 11, 19, 17, tzinfo=UTC),
        )
        assert (result.new, result.queued) == (3, 2)  # the post office bill is stored, not posted
        server.fixture = "bills-next.xml"
        second = await source.fetch(client, first.cursor)
        result = await store.ingest(
            source.name,
            second.items,
            hash_fields=source.hash_fields,
            now=datetime(2026, 11, 21, 11, tzinfo=UTC),
        )
        assert (result.updated, result.unchanged, result.queued) == (1, 1, 1)
        row = await db.fetchone("SELECT change, previous_status FROM alert_outbox ORDER BY id DESC")
        assert tuple(row) == ("updated", "Introduced in Senate")
    finally:
        await db.close()


async def test_empty_feed(feed: tuple[FeedServer, httpx.AsyncClient]) -> None:
    server, client = feed
    server.fixture = "empty.xml"
    assert (await GovInfoBills(URL).fetch(client, None)).items == []


@pytest.mark.parametrize(("fixture", "status"), [("malformed.xml", 200), ("bills.xml", 503)])
async def test_errors_raise_source_error(
    feed: tuple[FeedServer, httpx.AsyncClient], fixture: str, status: int
) -> None:
    server, client = feed
    server.fixture, server.status = fixture, status
    with pytest.raises(SourceError):
        await GovInfoBills(URL).fetch(client, None)


async def test_entity_declarations_are_refused(feed: tuple[FeedServer, httpx.AsyncClient]) -> None:
    server, client = feed
    server.fixture = "entity-bomb.xml"
    with pytest.raises(SourceError, match="declares XML entities"):
        await GovInfoBills(URL).fetch(client, None)
