"""Channel checks: where each platform keeps a creator's own description, and reading it.

Every request goes through the GuardedFetcher (public addresses only, capped, with a deadline).
YouTube: the Data API when a key is set, else the channel page with the consent cookie YouTube
readers send (yt-dlp sets `SOCS=CAI` on .youtube.com). Apple Podcasts: the show's feed, found
through Apple's lookup API. Spotify: the feed the signer gave with the link. Newsletters and other
sites: the page's description meta tags.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from bot.config import (
    DEFAULT_APPLE_LOOKUP_URL,
    DEFAULT_YOUTUBE_API_BASE_URL,
    DEFAULT_YOUTUBE_BASE_URL,
)
from bot.http import Fetched, GuardedFetcher, RefusedUrl
from bot.pledges import extract
from bot.pledges.extract import Blocked
from bot.pledges.model import Pledge
from bot.pledges.urls import CreatorType

log = logging.getLogger(__name__)

YOUTUBE_CONSENT_COOKIE = "SOCS=CAI"
_YOUTUBE_PREFIX = "https://www.youtube.com/"
_HANDLE = re.compile(r"^@([A-Za-z0-9._-]+)$")
_CHANNEL_ID = re.compile(r"^channel/(UC[A-Za-z0-9_-]{22})$")
_USER = re.compile(r"^user/([A-Za-z0-9._-]+)$")
_APPLE = re.compile(r"^https://podcasts\.apple\.com/podcast/id(\d+)$")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What one check read and found; `page` is the address shown to the signer."""

    found: bool
    platform: str  # youtube, apple, spotify, podcast, substack, beehiiv, ghost, buttondown, …
    page: str
    place: str  # where on that page the code was looked for
    blocked: Blocked | None = None
    problem: str | None = None  # the page or feed could not be read as expected
    feed_url: str | None = None  # a podcast feed found on the way (Apple), to store


def platform_of(pledge: Pledge) -> str:
    """The platform a pledge's link is on, as far as the link alone tells."""
    url = pledge.channel_url
    if url.startswith(_YOUTUBE_PREFIX):
        return "youtube"
    if url.startswith("https://podcasts.apple.com/"):
        return "apple"
    if url.startswith("https://open.spotify.com/"):
        return "spotify"
    if pledge.creator_type is CreatorType.PODCASTER:
        return "podcast"
    if pledge.creator_type is CreatorType.NEWSLETTER:
        host = urlsplit(url).hostname or ""
        return extract.newsletter_platform(host) or "newsletter"
    return "site"


class ChannelChecker:
    """Looks for a pledge's code where its platform keeps the creator's own description."""

    def __init__(
        self,
        fetcher: GuardedFetcher,
        *,
        youtube_api_key: str | None = None,
        youtube_api_base_url: str = DEFAULT_YOUTUBE_API_BASE_URL,
        youtube_base_url: str = DEFAULT_YOUTUBE_BASE_URL,
        apple_lookup_url: str = DEFAULT_APPLE_LOOKUP_URL,
    ) -> None:
        self._fetcher = fetcher
        self._api_key = youtube_api_key
        self._api_base = youtube_api_base_url.rstrip("/")
        self._youtube_base = youtube_base_url.rstrip("/")
        self._apple_lookup = apple_lookup_url

    async def check(self, pledge: Pledge) -> CheckResult:
        platform = platform_of(pledge)
        code = pledge.verify_code
        if platform == "youtube":
            return await self._youtube(pledge.channel_url.removeprefix(_YOUTUBE_PREFIX), code)
        if platform == "apple":
            return await self._apple(pledge, code)
        if platform == "spotify":
            if not pledge.feed_url:
                return CheckResult(
                    False, "spotify", pledge.channel_url, "", problem=SPOTIFY_NEEDS_FEED
                )
            return await self._feed(pledge.feed_url, code, "spotify")
        if platform == "podcast":
            return await self._feed(pledge.feed_url or pledge.channel_url, code, "podcast")
        return await self._page(pledge.channel_url, code, platform)

    # ------------------------------------------------------------------ YouTube
    async def _youtube(self, path: str, code: str) -> CheckResult:
        query = _api_query(path)
        if self._api_key and query is not None:
            result = await self._youtube_api(path, query, code, self._api_key)
            if result is not None:
                return result
        page = f"{self._youtube_base}/{path}/about"
        fetched = await self._fetcher.fetch(page, headers={"Cookie": YOUTUBE_CONSENT_COOKIE})
        shown = _YOUTUBE_PREFIX + path + "/about"
        place = "the channel description"
        if stop := _stopped(fetched, "youtube", shown, place):
            return stop
        texts = await asyncio.to_thread(extract.youtube_page_descriptions, fetched.text)
        return CheckResult(_has(code, texts), "youtube", shown, place)

    async def _youtube_api(
        self, path: str, query: dict[str, str], code: str, key: str
    ) -> CheckResult | None:
        """Read the description through channels.list; None (page instead) when the API fails."""
        url = f"{self._api_base}/channels?{urlencode({'part': 'snippet', **query})}"
        # The key goes in a header, so no URL that could be logged or shown ever carries it.
        try:
            fetched = await self._fetcher.fetch(url, headers={"X-Goog-Api-Key": key})
        except RefusedUrl as exc:
            log.warning("YouTube Data API unreachable (%s); reading the page instead", exc)
            return None
        if fetched.status >= 400:
            log.warning(
                "YouTube Data API answered %s for a channel check; reading the page instead",
                fetched.status,
            )
            return None
        shown = _YOUTUBE_PREFIX + path
        place = "the channel description (YouTube Data API)"
        texts = extract.youtube_api_descriptions(fetched.text)
        if texts is None:
            return CheckResult(False, "youtube", shown, place, problem=YOUTUBE_NO_CHANNEL)
        return CheckResult(_has(code, texts), "youtube", shown, place)

    # ------------------------------------------------------------------ podcasts
    async def _apple(self, pledge: Pledge, code: str) -> CheckResult:
        feed = pledge.feed_url
        if not feed:
            match = _APPLE.match(pledge.channel_url)
            show_id = match[1] if match else ""
            url = f"{self._apple_lookup}?{urlencode({'id': show_id, 'entity': 'podcast'})}"
            fetched = await self._fetcher.fetch(url)
            feed = extract.apple_feed_url(fetched.text) if fetched.status < 400 else None
            if not feed:
                return CheckResult(False, "apple", pledge.channel_url, "", problem=APPLE_NO_FEED)
        result = await self._feed(feed, code, "apple")
        return _with_feed(result, feed)

    async def _feed(self, url: str, code: str, platform: str) -> CheckResult:
        fetched = await self._fetcher.fetch(url)
        place = "the show description or `podcast:txt` tag of the feed"
        if stop := _stopped(fetched, platform, url, place):
            return stop
        try:
            texts = await asyncio.to_thread(extract.feed_descriptions, fetched.text)
        except extract.NotAFeed:
            return CheckResult(False, platform, url, place, problem=NOT_A_FEED)
        return CheckResult(_has(code, texts), platform, url, place)

    # ------------------------------------------------------------------ newsletters, sites
    async def _page(self, url: str, code: str, platform: str) -> CheckResult:
        fetched = await self._fetcher.fetch(url)
        if stop := _stopped(fetched, platform, url, "the page"):
            return stop
        facts = await asyncio.to_thread(extract.page_facts, fetched.text)
        if platform in ("newsletter", "site"):
            host = urlsplit(url).hostname or ""
            platform = extract.newsletter_platform(host, fetched.text, facts.generator) or platform
        if platform == "site":
            # Any public page: its description, or its visible text (never comments or scripts).
            visible = _SCRIPT.sub(" ", _HTML_COMMENT.sub(" ", fetched.text))
            return CheckResult(_has(code, (*facts.descriptions, visible)), "site", url, "the page")
        place = "the publication's description (the page's description tags)"
        return CheckResult(_has(code, facts.descriptions), platform, url, place)


SPOTIFY_NEEDS_FEED = (
    "Spotify show pages don't show your description, so the code is checked in your RSS feed, "
    "and this pledge has no feed. Sign again with the feed on a second line under the link."
)
APPLE_NO_FEED = (
    "Apple doesn't list an RSS feed for this show, so there is nowhere to check the code. "
    "Sign again with your feed link, or ask a person to review it."
)
YOUTUBE_NO_CHANNEL = "YouTube says there is no such channel. Check the link, or sign again."
NOT_A_FEED = "That link didn't answer with an RSS feed. Check that it is your show's feed link."


def _stopped(fetched: Fetched, platform: str, shown: str, place: str) -> CheckResult | None:
    """A consent or bot-check page, or an error status, instead of the creator's page."""
    wall = extract.blocked(fetched.url, fetched.text)
    if wall is not None:
        return CheckResult(False, platform, shown, place, blocked=wall)
    if fetched.status >= 400:
        problem = f"It answered with an error ({fetched.status}). Check that it is public."
        return CheckResult(False, platform, shown, place, problem=problem)
    return None


def _with_feed(result: CheckResult, feed: str) -> CheckResult:
    return CheckResult(
        result.found,
        result.platform,
        result.page,
        result.place,
        result.blocked,
        result.problem,
        feed_url=feed,
    )


def _api_query(path: str) -> dict[str, str] | None:
    """channels.list parameters for a channel path; None for /c/ links, which it can't look up."""
    if match := _HANDLE.match(path):
        return {"forHandle": "@" + match[1]}
    if match := _CHANNEL_ID.match(path):
        return {"id": match[1]}
    if match := _USER.match(path):
        return {"forUsername": match[1]}
    return None


def _has(code: str, texts: tuple[str, ...] | list[str]) -> bool:
    return any(code in text for text in texts)
