"""Read the creator-controlled description out of a fetched page, feed or API answer.

The code counts only where the creator writes it: a channel's or publication's description, a
feed's channel description or `podcast:txt` tag. Anywhere else on a page (a reader's comment, a
recommended video, an HTML comment, an episode's notes) could be written by someone else.
Everything here is pure and synchronous; the checker runs it off the event loop.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

PODCAST_NAMESPACES = (
    "https://podcastindex.org/namespace/1.0",
    # The namespace document says clients must treat its GitHub address as the same namespace.
    "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
)
ITUNES_NAMESPACE = "http://www.itunes.com/dtds/podcast-1.0.dtd"
_DESCRIPTION_META = ("description", "og:description", "twitter:description")
_YT_INITIAL_DATA = re.compile(
    r"""(?:window\s*\[\s*["']ytInitialData["']\s*\]|ytInitialData)\s*=\s*"""
)


class Blocked(StrEnum):
    """A page that stands in front of the real one."""

    CONSENT = "consent"  # a cookie-consent interstitial (YouTube's consent.youtube.com)
    BOT_CHECK = "bot-check"  # "confirm you're not a bot", unusual traffic, a Cloudflare challenge


# Markers of the interstitials, as served publicly: YouTube's consent form posts to
# consent.youtube.com/save (consent.google.com for some regions); Google's "unusual traffic"
# page lives under /sorry/; YouTube's bot check asks to "confirm you're not a bot"; Cloudflare's
# challenge page is titled "Just a moment..." and loads challenges.cloudflare.com.
_CONSENT_HOSTS = ("consent.youtube.com", "consent.google.com")
_CONSENT_MARKERS = ("consent.youtube.com/save", "consent.google.com/save")
_BOT_MARKERS = (
    "confirm you’re not a bot",
    "confirm you're not a bot",
    "our systems have detected unusual traffic",
    "challenges.cloudflare.com",
    "<title>just a moment...</title>",
)


def blocked(url: str, text: str) -> Blocked | None:
    """Whether a fetched page is a consent or bot-check page rather than the creator's."""
    host = url.split("://", 1)[-1].split("/", 1)[0].lower()
    head = text[:200_000].lower()
    if host in _CONSENT_HOSTS or any(m in head for m in _CONSENT_MARKERS):
        return Blocked.CONSENT
    if "/sorry/" in url or any(m in head for m in _BOT_MARKERS):
        return Blocked.BOT_CHECK
    return None


@dataclass(frozen=True, slots=True)
class PageFacts:
    """The description fields of an HTML page, and what made it."""

    descriptions: tuple[str, ...]
    generator: str


class _MetaReader(HTMLParser):
    """Collects <meta name|property=… content=…> in one pass; comments are never data."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        values = {k.lower(): v or "" for k, v in attrs}
        name = (
            values.get("name") or values.get("property") or values.get("itemprop") or ""
        ).lower()
        if name and "content" in values:
            self.meta.setdefault(name, []).append(values["content"])


def page_facts(html: str) -> PageFacts:
    """The meta description, og:description and twitter:description, and the generator."""
    reader = _MetaReader()
    reader.feed(html)
    reader.close()
    found = [v for name in _DESCRIPTION_META for v in reader.meta.get(name, [])]
    generator = " ".join(reader.meta.get("generator", []))
    return PageFacts(tuple(found), generator)


def youtube_page_descriptions(html: str) -> tuple[str, ...]:
    """A channel page's description: its meta tags and the channel metadata in ytInitialData."""
    found = list(page_facts(html).descriptions)
    data = _initial_data(html)
    metadata = data.get("metadata", {}) if isinstance(data, dict) else {}
    renderer = metadata.get("channelMetadataRenderer", {}) if isinstance(metadata, dict) else {}
    if isinstance(renderer, dict) and isinstance(renderer.get("description"), str):
        found.append(renderer["description"])
    return tuple(found)


def _initial_data(html: str) -> Any:
    """The page's `var ytInitialData = {...};` object (read as JSON), or None."""
    match = _YT_INITIAL_DATA.search(html)
    if match is None:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(html, match.end())
    except ValueError:
        return None
    return value


def youtube_api_descriptions(body: str) -> tuple[str, ...] | None:
    """The description from a channels.list answer; None when it names no channel."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    items = data.get("items") if isinstance(data, dict) else None
    if not items or not isinstance(items[0], dict):
        return None
    snippet = items[0].get("snippet") or {}
    texts = [snippet.get("description")]
    localized = snippet.get("localized") or {}
    texts.append(localized.get("description") if isinstance(localized, dict) else None)
    return tuple(t for t in texts if isinstance(t, str))


def apple_feed_url(body: str) -> str | None:
    """The RSS feed of the show in an iTunes lookup answer, when Apple lists one."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    results = data.get("results") if isinstance(data, dict) else None
    for result in results or []:
        if isinstance(result, dict) and isinstance(result.get("feedUrl"), str):
            return result["feedUrl"]
    return None


class NotAFeed(ValueError):
    """The body is not an RSS feed (an HTML page, say, or broken XML)."""


def feed_descriptions(body: str) -> tuple[str, ...]:
    """A podcast feed's channel-level description, iTunes summary and `podcast:txt` values.

    Episode notes are left out: guests and sponsors write those too.
    """
    # The XML parser is loaded with the first feed checked, not at start (0.7 MB).
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(body.encode())
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise NotAFeed(str(exc)) from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise NotAFeed("no RSS channel")
    found = [_text(channel.find("description"))]
    found.append(_text(channel.find(f"{{{ITUNES_NAMESPACE}}}summary")))
    for namespace in PODCAST_NAMESPACES:
        found += [_text(tag) for tag in channel.findall(f"{{{namespace}}}txt")]
    return tuple(t for t in found if t)


def _text(element: Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


NEWSLETTER_GENERATORS = {
    "substack": "Substack",
    "beehiiv": "Beehiiv",
    "ghost": "Ghost",
    "buttondown": "Buttondown",
}


def newsletter_platform(host: str, html: str = "", generator: str = "") -> str | None:
    """Which newsletter platform serves a page: by its address, else by what the page says."""
    host = host.lower()
    for key in NEWSLETTER_GENERATORS:
        if host == f"{key}.com" or host.endswith((f".{key}.com", f".{key}.io")):
            return key
    if host in ("buttondown.email", "buttondown.com"):
        return "buttondown"
    generator = generator.lower()
    for key in NEWSLETTER_GENERATORS:
        if key in generator:
            return key
    head = html[:50_000].lower()
    if "substackcdn.com" in head:
        return "substack"
    if "beehiiv.com" in head:
        return "beehiiv"
    if "buttondown.com" in head or "buttondown.email" in head:
        return "buttondown"
    return None
