"""CourtListener RECAP search feed against local fixtures: queries, filings, cases, polls, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.alerts.items import ItemKind
from bot.alerts.sources import SourceError, TrackedCase
from bot.alerts.sources.courtlistener_feed import DEFAULT_QUERY, CourtListenerFeed
from bot.alerts.store import AlertStore
from bot.db import Database
from tests.alerts.conftest import FeedServer, serving

FIXTURES = Path(__file__).parent.parent / "fixtures" / "courtlistener-feed"
TRACKED = (
    TrackedCase(68117049, "NYT v. Microsoft"),
    TrackedCase(69058235, "Bartz v. Anthropic"),
    TrackedCase(67569326, "Kadrey v. Meta"),
    TrackedCase(69879510, "In re OpenAI Copyright Litigation"),
)
TRACKED_IDS = "67569326 OR 68117049 OR 69058235 OR 69879510"


class CourtListener(FeedServer):
    """Serves the tracked-dockets feed and the topical feed by their q, with an ETag each."""

    def __init__(self) -> None:
        super().__init__(FIXTURES, "")
        self.fixtures = {"tracked": "tracked.xml", "topic": "topic.xml"}

    def fixture_for(self, request: httpx.Request) -> str:
        q = request.url.params["q"]
        return self.fixtures["tracked" if q.startswith("docket_id:") else "topic"]


@pytest.fixture
async def court() -> AsyncIterator[tuple[CourtListener, httpx.AsyncClient]]:
    server = CourtListener()
    async with serving(server) as (_, client):
        yield server, client


def source(tracked: tuple[TrackedCase, ...] = TRACKED) -> CourtListenerFeed:
    return CourtListenerFeed(tracked=lambda: tracked)


async def test_one_feed_for_the_tracked_dockets_and_one_for_the_topic(
    court: tuple[CourtListener, httpx.AsyncClient],
) -> None:
    server, client = court
    await source().fetch(client, None)
    tracked, topic = server.requests
    assert (tracked.url.host, tracked.url.path) == ("www.courtlistener.com", "/feed/search/")
    assert tracked.url.params["type"] == topic.url.params["type"] == "r"
    assert tracked.url.params["q"] == f"docket_id:({TRACKED_IDS})"
    # The tracked dockets are left out of the topical feed, or their filings would fill it.
    assert topic.url.params["q"] == f"({DEFAULT_QUERY}) AND NOT docket_id:({TRACKED_IDS})"


async def test_without_tracked_cases_only_the_topic_is_read(
    court: tuple[CourtListener, httpx.AsyncClient],
) -> None:
    server, client = court
    page = await source(()).fetch(client, None)
    assert [r.url.params["q"] for r in server.requests] == [f"({DEFAULT_QUERY})"]
    assert {i.kind for i in page.items} == {ItemKind.CASE}


async def test_many_tracked_dockets_are_split_over_a_few_feeds(
    court: tuple[CourtListener, httpx.AsyncClient],
) -> None:
    server, client = court
    server.fixtures = {"tracked": "empty.xml", "topic": "empty.xml"}
    many = tuple(TrackedCase(70000000 + n, f"Case {n}") for n in range(30))
    await source(many).fetch(client, None)
    queries = [r.url.params["q"] for r in server.requests]
    assert len(queries) == 3
    assert queries[0].count(" OR ") == 24 and queries[1].count(" OR ") == 4
    assert queries[2].endswith(" OR ".join(str(c.docket_id) for c in many) + ")")


async def test_each_docket_entry_of_a_tracked_case_is_a_filing(
    court: tuple[CourtListener, httpx.AsyncClient],
) -> None:
    _, client = court
    page = await source().fetch(client, None)
    filings = {i.external_id: i for i in page.items if i.kind is ItemKind.FILING}
    # The exhibit folds into its entry; the minute entry (no document page) is skipped.
    assert list(filings) == ["69879510/812", "68117049/1118", "69058235/512", "67569326/640"]
    order = filings["69879510/812"]
    assert order.always_relevant
    assert order.url == (
        "https://www.courtlistener.com/docket/69879510/812/"
        "in-re-openai-inc-copyright-infringement-litigation/"
    )
    assert order.identifier == "1:25-md-03143"
    assert order.title == "Entry #812 in In Re: OpenAI, Inc. Copyright Infringement Litigation"
    assert order.status == "Entry #812"
    assert order.jurisdiction == "US"
    assert (order.status_date, order.published_at) == ("2026-11-19", "2026-11-19T05:00:00+00:00")
    assert order.attribution == "CourtListener (Free Law Project)"
    assert order.tags == ()
    # The main document's text, unescaped, without the feed's "Original document" link.
    assert order.summary and order.summary.startswith("Case 1:25-md-03143-SHS-OTW Document 812 ")
    assert "OPINION & ORDER" in order.summary and "Plaintiffs' letter motion" in order.summary
    assert not order.summary.endswith("Original document")

    bartz = filings["69058235/512"]
    assert (bartz.identifier, bartz.status_date) == ("3:24-cv-05417", "2026-11-18")
    assert bartz.published_at == "2026-11-18T08:00:00+00:00"
    # A document not yet bought from PACER has no text, so no docket number either.
    nyt = filings["68117049/1118"]
    assert (nyt.identifier, nyt.summary) == ("Docket 68117049", None)
    assert nyt.url == (
        "https://www.courtlistener.com/docket/68117049/1118/"
        "the-new-york-times-company-v-microsoft-corporation/"
    )
    assert all("/api/" not in i.url for i in page.items)


async def test_topical_hits_are_one_case_each_for_the_matcher(
    court: tuple[CourtListener, httpx.AsyncClient],
) -> None:
    _, client = court
    page = await source().fetch(client, None)
    cases = {i.external_id: i for i in page.items if i.kind is ItemKind.CASE}
    assert list(cases) == ["docket-71234567", "docket-71230011", "docket-71101234"]
    assert not any(i.always_relevant for i in cases.values())
    rivera = cases["docket-71234567"]
    assert rivera.title == "Rivera v. Vocalis AI, Inc."
    assert rivera.url == "https://www.courtlistener.com/docket/71234567/rivera-v-vocalis-ai-inc/"
    assert rivera.status == "District Court, C.D. California"
    # Found through its newest document; numbered from the complaint's ECF header.
    assert rivera.published_at == "2026-11-19T08:00:00+00:00"
    assert rivera.identifier == "2:26-cv-09876"
    assert rivera.summary and "voice cloning model" in rivera.summary
    assert cases["docket-71230011"].identifier == "Docket 71230011"


async def test_a_later_poll_posts_only_the_new_filing(
    court: tuple[CourtListener, httpx.AsyncClient], tmp_path: Path
) -> None:
    server, client = court
    db = await Database.open(tmp_path / "bot.db")
    try:
        store = AlertStore(db)
        feed = source()
        await store.ingest(feed.name, [], now=datetime(2026, 11, 15, tzinfo=UTC))  # seeded
        await store.subscribe(1, 10, now=datetime(2026, 11, 15, tzinfo=UTC))
        first = await feed.fetch(client, None)
        result = await store.ingest(
            feed.name,
            first.items,
            hash_fields=feed.hash_fields,
            now=datetime(2026, 11, 19, 18, tzinfo=UTC),
        )
        # Four filings always; two of three cases by the matcher (not the song dispute).
        assert (result.new, result.queued) == (7, 6)
        server.fixtures["tracked"] = "tracked-next.xml"
        second = await feed.fetch(client, first.cursor)
        result = await store.ingest(
            feed.name,
            second.items,
            hash_fields=feed.hash_fields,
            now=datetime(2026, 11, 20, 18, tzinfo=UTC),
        )
        # The topical feed answered 304, so only the tracked feed's entries came back.
        assert (result.new, result.unchanged, result.updated, result.queued) == (1, 4, 0, 1)
        row = await db.fetchone(
            "SELECT i.external_id, o.change FROM alert_outbox o JOIN alert_items i "
            "ON i.id = o.item_id ORDER BY o.id DESC"
        )
        assert tuple(row) == ("69058235/515", "new")
    finally:
        await db.close()


async def test_conditional_get_per_feed(court: tuple[CourtListener, httpx.AsyncClient]) -> None:
    server, client = court
    feed = source()
    first = await feed.fetch(client, None)
    again = await feed.fetch(client, first.cursor)
    assert again.not_modified and again.items == []
    assert [r.headers["if-none-match"] for r in server.requests[2:]] == [
        '"tracked.xml"',
        '"topic.xml"',
    ]
    assert set(json.loads(again.cursor or "{}")) == {str(r.url) for r in server.requests[2:]}


async def test_a_new_tracked_case_changes_both_feeds_and_drops_old_validators(
    court: tuple[CourtListener, httpx.AsyncClient],
) -> None:
    server, client = court
    first = await source().fetch(client, None)
    more = (*TRACKED, TrackedCase(71230011, "Harbor Street Press v. Lexigen"))
    page = await source(more).fetch(client, first.cursor)
    assert not page.not_modified
    assert all("if-none-match" not in r.headers for r in server.requests[2:])
    assert set(json.loads(page.cursor or "{}")) == {str(r.url) for r in server.requests[2:]}
    # Entries are sorted by the docket they belong to, whichever feed brought them.
    harbor = next(i for i in page.items if i.external_id.startswith("71230011/"))
    assert harbor.kind is ItemKind.FILING and harbor.always_relevant


async def test_empty_feeds(court: tuple[CourtListener, httpx.AsyncClient]) -> None:
    server, client = court
    server.fixtures = {"tracked": "empty.xml", "topic": "empty.xml"}
    page = await source().fetch(client, None)
    assert page.items == [] and not page.not_modified


async def test_malformed_feed(court: tuple[CourtListener, httpx.AsyncClient]) -> None:
    server, client = court
    server.fixtures["topic"] = "malformed.xml"
    with pytest.raises(SourceError, match="malformed feed"):
        await source().fetch(client, None)


async def test_server_error(court: tuple[CourtListener, httpx.AsyncClient]) -> None:
    server, client = court
    server.status = 503
    with pytest.raises(SourceError, match="HTTP 503") as caught:
        await source().fetch(client, None)
    assert caught.value.retry_after is None
    assert "courtlistener.com" not in str(caught.value)


async def test_rate_limited_keeps_retry_after(
    court: tuple[CourtListener, httpx.AsyncClient],
) -> None:
    server, client = court
    server.status, server.headers = 429, {"Retry-After": "120"}
    with pytest.raises(SourceError, match="HTTP 429") as caught:
        await source().fetch(client, None)
    assert caught.value.retry_after == 120.0
    assert len(server.requests) == 1  # no second request after the first refusal
