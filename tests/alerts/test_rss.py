"""Admin-added RSS/Atom feeds against local fixtures: news items, polls, errors, URL checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.alerts.items import ItemKind
from bot.alerts.sources import SourceError
from bot.alerts.sources.rss import RssFeed, validate_feed_url
from bot.alerts.store import AlertStore
from bot.alerts.watchlist import Watchlist
from bot.db import Database
from bot.errors import UserFacingError
from bot.http import GuardedFetcher
from tests.alerts.conftest import FeedServer, serving

FIXTURES = Path(__file__).parent.parent / "fixtures" / "rss"
URL = "https://chatgptiseatingtheworld.com/feed/"


@pytest.fixture
async def blog() -> AsyncIterator[tuple[FeedServer, httpx.AsyncClient]]:
    async with serving(FeedServer(FIXTURES, "feed.xml")) as served:
        yield served


async def test_the_default_feed_is_watched_from_the_start(db: Database) -> None:
    watchlist = Watchlist(db)
    await watchlist.load()
    (feed,) = watchlist.feeds
    assert feed.source_name == "feed:1" and feed.url == URL
    assert feed.title == "ChatGPT Is Eating the World"
    assert validate_feed_url(feed.url) == feed.url
    assert {c.docket_id for c in watchlist.cases} == {68117049, 69879510, 69058235, 67569326}


async def test_posts_become_news_items(blog: tuple[FeedServer, httpx.AsyncClient]) -> None:
    server, client = blog
    page = await RssFeed("rss-cgeitw", URL).fetch(client, None)
    assert str(server.requests[0].url) == URL
    assert len(page.items) == 4
    post = page.items[0]
    assert (post.source, post.kind, post.jurisdiction) == ("rss-cgeitw", ItemKind.NEWS, "US")
    assert post.external_id == "https://chatgptiseatingtheworld.com/?p=31877"
    assert post.title == "Judge Stein rules on output log sampling in In re OpenAI"
    assert post.url == (
        "https://chatgptiseatingtheworld.com/2026/11/19/"
        "judge-stein-rules-on-output-log-sampling-in-in-re-openai/"
    )
    assert (post.published_at, post.status_date) == ("2026-11-19T21:14:07+00:00", "2026-11-19")
    # The feed's own title names the source when the admin gave none.
    assert post.identifier == post.attribution == "ChatGPT Is Eating the World"
    assert not post.always_relevant and post.tags == ()
    # HTML and entities gone, and WordPress's "appeared first on" footer with them.
    assert post.summary == (
        "In the consolidated copyright cases against OpenAI and Microsoft, the court ordered a "
        "further sample of ChatGPT output logs to be produced to the news plaintiffs […]"
    )
    assert "Meta’s large language model" in (page.items[2].summary or "")


async def test_atom_entries_without_a_web_link_are_skipped(
    blog: tuple[FeedServer, httpx.AsyncClient],
) -> None:
    server, client = blog
    server.fixture = "atom.xml"
    page = await RssFeed("rss-example", "https://news.example.org/feed.atom").fetch(client, None)
    assert [i.url for i in page.items] == [
        "https://news.example.org/2026/11/illustrators-trial",
        "https://news.example.org/2026/11/relative",  # resolved against the feed's address
    ]
    first, relative = page.items
    assert first.title == "Illustrators’ suit against image generators heads to trial"
    assert first.identifier == "Creators & Code Weekly"
    assert first.published_at == "2026-11-19T22:30:00+00:00"
    assert relative.external_id == relative.url  # no id: the link stands in


async def test_an_admin_given_title_wins_and_a_long_one_is_shortened(
    blog: tuple[FeedServer, httpx.AsyncClient],
) -> None:
    _, client = blog
    title = "ChatGPT Is Eating the World: tracking every AI copyright lawsuit"
    page = await RssFeed("rss-cgeitw", URL, title).fetch(client, None)
    assert page.items[0].attribution == title
    assert page.items[0].identifier == "ChatGPT Is Eating the World: tracking e…"


async def test_a_later_poll_posts_only_the_new_post(
    blog: tuple[FeedServer, httpx.AsyncClient], tmp_path: Path
) -> None:
    server, client = blog
    db = await Database.open(tmp_path / "bot.db")
    try:
        store = AlertStore(db)
        feed = RssFeed("rss-cgeitw", URL)
        await store.ingest(feed.name, [], now=datetime(2026, 11, 15, tzinfo=UTC))  # seeded
        await store.subscribe(1, 10, now=datetime(2026, 11, 15, tzinfo=UTC))
        first = await feed.fetch(client, None)
        result = await store.ingest(
            feed.name,
            first.items,
            hash_fields=feed.hash_fields,
            now=datetime(2026, 11, 19, 22, tzinfo=UTC),
        )
        assert (result.new, result.queued) == (4, 3)  # the programming note is stored, not posted
        server.fixture = "feed-next.xml"
        second = await feed.fetch(client, first.cursor)
        assert server.requests[1].headers["if-none-match"] == '"feed.xml"'
        result = await store.ingest(
            feed.name,
            second.items,
            hash_fields=feed.hash_fields,
            now=datetime(2026, 11, 20, 16, tzinfo=UTC),
        )
        assert (result.new, result.unchanged, result.queued) == (1, 4, 1)
        row = await db.fetchone(
            "SELECT i.external_id FROM alert_outbox o JOIN alert_items i ON i.id = o.item_id "
            "ORDER BY o.id DESC"
        )
        assert row[0] == "https://chatgptiseatingtheworld.com/?p=31890"
    finally:
        await db.close()


async def test_not_modified(blog: tuple[FeedServer, httpx.AsyncClient]) -> None:
    server, client = blog
    feed = RssFeed("rss-cgeitw", URL)
    first = await feed.fetch(client, None)
    again = await feed.fetch(client, first.cursor)
    assert again.not_modified and again.items == [] and again.cursor == first.cursor
    assert server.requests[1].headers["if-none-match"] == '"feed.xml"'


async def test_empty_feed(blog: tuple[FeedServer, httpx.AsyncClient]) -> None:
    server, client = blog
    server.fixture = "empty.xml"
    page = await RssFeed("rss-cgeitw", URL).fetch(client, None)
    assert page.items == [] and not page.not_modified


async def test_malformed_feed(blog: tuple[FeedServer, httpx.AsyncClient]) -> None:
    server, client = blog
    server.fixture = "malformed.xml"
    with pytest.raises(SourceError, match="malformed feed"):
        await RssFeed("rss-cgeitw", URL).fetch(client, None)


async def test_server_error(blog: tuple[FeedServer, httpx.AsyncClient]) -> None:
    server, client = blog
    server.status = 503
    with pytest.raises(SourceError, match="HTTP 503") as caught:
        await RssFeed("rss-cgeitw", URL).fetch(client, None)
    assert "chatgptiseatingtheworld.com" not in str(caught.value)


async def test_rate_limited_keeps_retry_after(blog: tuple[FeedServer, httpx.AsyncClient]) -> None:
    server, client = blog
    server.status, server.headers = 429, {"Retry-After": "3600"}
    with pytest.raises(SourceError, match="HTTP 429") as caught:
        await RssFeed("rss-cgeitw", URL).fetch(client, None)
    assert caught.value.retry_after == 3600.0


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("  HTTPS://ChatGPTIsEatingTheWorld.com/feed/#top ", URL),
        ("chatgptiseatingtheworld.com/feed/", URL),
        ("https://example.org", "https://example.org/"),
        ("https://example.org:443/rss?cat=ai", "https://example.org/rss?cat=ai"),
        ("https://example.org:8443/rss", "https://example.org:8443/rss"),
        ("https://bücher.example/feed", "https://xn--bcher-kva.example/feed"),
    ],
)
def test_feed_urls_are_normalized(given: str, normalized: str) -> None:
    assert validate_feed_url(given) == normalized


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("http://chatgptiseatingtheworld.com/feed/", "https only"),
        ("ftp://example.org/feed.xml", "https only"),
        ("javascript:alert(1)", "https only"),
        ("https://admin:hunter2@example.org/feed", "user name or password"),
        ("https://token@example.org/feed", "user name or password"),
        ("https:///feed", "no site name"),
        ("https://", "no site name"),
        ("", "Give the feed's address"),
        ("https://example.org/my feed", "spaces"),
        ("https://localhost/feed", "public website name"),
        ("intranet/feed", "public website name"),
        ("https://news.internal/feed", "public website name"),
        ("https://127.0.0.1/feed", "private or reserved"),
        ("https://127.1/feed", "private or reserved"),
        ("https://0177.0.0.1/feed", "private or reserved"),
        ("https://192.168.1.20:8080/feed", "private or reserved"),
        ("https://[::1]/feed", "private or reserved"),
        ("https://[2002:a00:1::1]/feed", "private or reserved"),
        ("https://example.org:99999/feed", "not valid"),
        ("https://example.org/" + "a" * 2000, "longer than"),
    ],
)
def test_unusable_feed_urls_are_refused_kindly(given: str, says: str) -> None:
    with pytest.raises(UserFacingError, match=says):
        validate_feed_url(given)


async def test_a_feed_that_comes_to_resolve_privately_is_refused_at_poll_time(
    blog: tuple[FeedServer, httpx.AsyncClient],
) -> None:
    server, client = blog

    async def private(host: str, port: int) -> list[str]:
        return ["10.0.0.7"]

    guard = GuardedFetcher(client, resolver=private)
    feed = RssFeed("feed:9", URL, check=guard.check)
    with pytest.raises(SourceError, match="refused: .*private"):
        await feed.fetch(client, None)
    assert server.requests == []
