"""Channel checks per platform, against fixtures in the platforms' real shapes and a mocked web."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.db import Database
from bot.errors import UserFacingError
from bot.http import GuardedFetcher
from bot.pledges import extract
from bot.pledges.extract import Blocked
from bot.pledges.model import PledgeForm
from bot.pledges.service import PledgeService, pledge_text_from
from bot.pledges.verify import ChannelChecker
from bot.ratelimit import SlidingWindow

FIXTURES = Path(__file__).parent.parent / "fixtures" / "pledges"
CODE = "CCAI-ABCDEFGH"
KEY = "AIza-test-key-that-must-stay-secret"


def fixture(name: str, **fill: str) -> str:
    text = (FIXTURES / name).read_text()
    for key, value in {"CODE": CODE, **fill}.items():
        text = text.replace("{" + key + "}", value)
    return text


# ---------------------------------------------------------------------------- extraction
def test_youtube_page_descriptions_come_from_the_meta_tags_and_initial_data() -> None:
    texts = extract.youtube_page_descriptions(fixture("youtube/channel.html"))
    assert sum(CODE in t for t in texts) == 3  # description, og:description, channel metadata
    assert not any(
        CODE in t for t in extract.youtube_page_descriptions(fixture("youtube/comment-only.html"))
    )


def test_consent_and_bot_check_pages_are_recognised() -> None:
    assert (
        extract.blocked("https://www.youtube.com/x", fixture("youtube/consent.html"))
        is Blocked.CONSENT
    )
    assert extract.blocked("https://consent.youtube.com/m?continue=x", "") is Blocked.CONSENT
    assert (
        extract.blocked("https://feeds.example/x", fixture("podcast/challenge.html"))
        is Blocked.BOT_CHECK
    )
    assert extract.blocked("https://www.google.com/sorry/index?continue=x", "") is Blocked.BOT_CHECK
    assert (
        extract.blocked("https://www.youtube.com/@maker/about", fixture("youtube/channel.html"))
        is None
    )


def test_api_answers_and_apple_lookups_are_read() -> None:
    assert any(
        CODE in t
        for t in extract.youtube_api_descriptions(fixture("youtube/api-channel.json")) or ()
    )
    assert extract.youtube_api_descriptions(fixture("youtube/api-none.json")) is None
    feed = "https://feeds.example/show.xml"
    assert extract.apple_feed_url(fixture("apple/lookup.json", FEED=feed)) == feed
    assert extract.apple_feed_url(fixture("apple/lookup-no-feed.json")) is None


def test_feeds_count_the_show_description_and_podcast_txt_never_episodes_or_comments() -> None:
    assert any(CODE in t for t in extract.feed_descriptions(fixture("podcast/feed.xml")))
    assert CODE in extract.feed_descriptions(fixture("podcast/txt.xml"))
    assert not any(
        CODE in t for t in extract.feed_descriptions(fixture("podcast/episode-only.xml"))
    )
    with pytest.raises(extract.NotAFeed):
        extract.feed_descriptions(fixture("podcast/challenge.html"))
    bomb = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel/></rss>'
    with pytest.raises(extract.NotAFeed):
        extract.feed_descriptions(bomb)


@pytest.mark.parametrize(
    ("page", "platform"),
    [
        ("substack/home.html", "substack"),
        ("ghost/home.html", "ghost"),
        ("beehiiv/home.html", "beehiiv"),
        ("buttondown/home.html", "buttondown"),
    ],
)
def test_newsletter_pages_show_their_description_and_platform(page: str, platform: str) -> None:
    html = fixture(page)
    facts = extract.page_facts(html)
    assert any(CODE in d for d in facts.descriptions)
    assert extract.newsletter_platform("news.maker.example", html, facts.generator) == platform


def test_newsletter_hosts_name_their_platform() -> None:
    assert extract.newsletter_platform("maker.substack.com") == "substack"
    assert extract.newsletter_platform("maker.ghost.io") == "ghost"
    assert extract.newsletter_platform("buttondown.com") == "buttondown"
    assert extract.newsletter_platform("maker.example") is None


# ---------------------------------------------------------------------------- the checker
Web = dict[str, httpx.Response | Exception]


async def public_resolver(_host: str, _port: int) -> list[str]:
    return ["93.184.216.34"]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[PledgeService, Web, list[httpx.Request]]]:
    web: Web = {}
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        url = str(request.url).split("?")[0]
        answer = web.get(url, httpx.Response(404, text="not found"))
        if isinstance(answer, Exception):
            raise answer
        return answer

    db = await Database.open(tmp_path / "bot.db")
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        fetcher = GuardedFetcher(client, resolver=public_resolver)
        checker = ChannelChecker(fetcher, youtube_api_key=KEY)
        text = pledge_text_from("I pledge.", "1.0")
        service = PledgeService(
            db, lambda: text, fetcher, verify_limit=SlidingWindow(100, 60), checker=checker
        )
        yield service, web, seen
    await db.close()


async def signed(service: PledgeService, kind: str, url: str, user: int = 1) -> str:
    form = PledgeForm.validate(kind, "Maker", url, None, False)
    return (await service.sign(user, 1, form)).pledge.verify_code


def filled(name: str, code: str, **fill: str) -> str:
    return fixture(name, **fill).replace(CODE, code)


async def test_youtube_with_a_key_reads_the_api_and_keeps_the_key_out_of_urls(
    world: tuple[PledgeService, Web, list[httpx.Request]], caplog: pytest.LogCaptureFixture
) -> None:
    service, web, seen = world
    code = await signed(service, "youtuber", "https://www.youtube.com/@maker")
    api = "https://www.googleapis.com/youtube/v3/channels"
    web[api] = httpx.Response(200, text=filled("youtube/api-channel.json", code))
    with caplog.at_level(logging.DEBUG):
        result = await service.verify(1)
    assert result.verified and result.check is not None
    assert "YouTube Data API" in result.check.place
    (request,) = seen
    assert request.url.params["forHandle"] == "@maker" and request.url.params["part"] == "snippet"
    assert request.headers["X-Goog-Api-Key"] == KEY
    assert KEY not in str(request.url) and KEY not in result.check.page
    assert KEY not in caplog.text


async def test_a_failing_api_falls_back_to_the_page_with_the_consent_cookie(
    world: tuple[PledgeService, Web, list[httpx.Request]],
) -> None:
    service, web, seen = world
    code = await signed(
        service, "youtuber", "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv"
    )
    web["https://www.googleapis.com/youtube/v3/channels"] = httpx.Response(
        403, json={"error": {"code": 403, "errors": [{"reason": "quotaExceeded"}]}}
    )
    page = "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv/about"
    web[page] = httpx.Response(200, text=filled("youtube/channel.html", code))
    assert (await service.verify(1)).verified
    assert seen[0].url.params["id"] == "UCabcdefghijklmnopqrstuv"
    assert seen[1].headers["Cookie"] == "SOCS=CAI"
    assert "X-Goog-Api-Key" not in seen[1].headers


async def test_an_unreachable_api_falls_back_to_the_page(
    world: tuple[PledgeService, Web, list[httpx.Request]],
) -> None:
    service, web, seen = world
    code = await signed(service, "youtuber", "https://www.youtube.com/@maker")
    web["https://www.googleapis.com/youtube/v3/channels"] = httpx.ConnectError("refused")
    page = "https://www.youtube.com/@maker/about"
    web[page] = httpx.Response(200, text=filled("youtube/channel.html", code))
    assert (await service.verify(1)).verified
    assert [r.url.host for r in seen] == ["www.googleapis.com", "www.youtube.com"]


async def test_the_key_and_cookie_never_follow_a_redirect_to_another_host(
    world: tuple[PledgeService, Web, list[httpx.Request]],
) -> None:
    service, web, seen = world
    await signed(service, "youtuber", "https://www.youtube.com/@maker")
    web["https://www.googleapis.com/youtube/v3/channels"] = httpx.Response(
        302, headers={"Location": "https://elsewhere.example/steal"}
    )
    web["https://elsewhere.example/steal"] = httpx.Response(200, text="{}")
    result = await service.verify(1)
    assert not result.verified
    stolen = [r for r in seen if r.url.host == "elsewhere.example"]
    assert stolen and all("X-Goog-Api-Key" not in r.headers for r in stolen)


async def test_apple_resolves_the_feed_once_and_stores_it(
    world: tuple[PledgeService, Web, list[httpx.Request]],
) -> None:
    service, web, seen = world
    code = await signed(
        service, "podcaster", "https://podcasts.apple.com/us/podcast/maker/id1234567890"
    )
    feed = "https://feeds.maker.example/show.xml"
    web["https://itunes.apple.com/lookup"] = httpx.Response(
        200, text=fixture("apple/lookup.json", FEED=feed)
    )
    web[feed] = httpx.Response(200, text=filled("podcast/episode-only.xml", code))
    missed = await service.verify(1)
    assert not missed.verified and missed.check is not None and missed.check.page == feed
    assert seen[0].url.params["id"] == "1234567890"
    stored = await service.get(1)
    assert stored is not None and stored.feed_url == feed
    (row,) = csv.DictReader(io.StringIO(await service.export_csv(None)))
    assert row["feed_url"] == feed
    web[feed] = httpx.Response(200, text=filled("podcast/feed.xml", code))
    seen.clear()
    assert (await service.verify(1)).verified
    assert [r.url.host for r in seen] == ["feeds.maker.example"]


async def test_apple_without_a_feed_says_so(
    world: tuple[PledgeService, Web, list[httpx.Request]],
) -> None:
    service, web, _ = world
    await signed(service, "podcaster", "https://podcasts.apple.com/podcast/id1234567890")
    web["https://itunes.apple.com/lookup"] = httpx.Response(
        200, text=fixture("apple/lookup-no-feed.json")
    )
    result = await service.verify(1)
    assert not result.verified and result.check is not None
    assert "doesn't list an RSS feed" in (result.check.problem or "")


async def test_spotify_needs_the_feed_and_is_checked_there(
    world: tuple[PledgeService, Web, list[httpx.Request]],
) -> None:
    service, web, _ = world
    spotify = "https://open.spotify.com/show/0123456789abcdefghijkl"
    with pytest.raises(UserFacingError, match="second line"):
        await signed(service, "podcaster", spotify)
    feed = "https://anchor.example/s/abc/podcast/rss"
    code = await signed(service, "podcaster", f"{spotify}\n{feed}")
    web[feed] = httpx.Response(200, text=filled("podcast/txt.xml", code))
    result = await service.verify(1)
    assert result.verified and result.check is not None and result.check.page == feed


async def test_a_newsletter_counts_only_its_description(
    world: tuple[PledgeService, Web, list[httpx.Request]],
) -> None:
    service, web, _ = world
    code = await signed(service, "newsletter", "https://maker.substack.com")
    web["https://maker.substack.com"] = httpx.Response(
        200, text=filled("substack/comment-only.html", code)
    )
    missed = await service.verify(1)
    assert not missed.verified and missed.check is not None
    assert missed.check.platform == "substack"
    web["https://maker.substack.com"] = httpx.Response(403, text=fixture("podcast/challenge.html"))
    challenged = await service.verify(1)
    assert challenged.check is not None and challenged.check.blocked is Blocked.BOT_CHECK
    web["https://maker.substack.com"] = httpx.Response(200, text=filled("substack/home.html", code))
    assert (await service.verify(1)).verified


def test_every_fixture_says_where_its_shape_comes_from() -> None:
    files = [p for p in FIXTURES.rglob("*") if p.is_file()]
    assert len(files) >= 14
    for path in files:
        text = path.read_text()
        note = json.loads(text).get("//", "") if path.suffix == ".json" else text
        assert "Shape:" in note, path
