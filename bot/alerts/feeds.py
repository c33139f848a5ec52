"""RSS/Atom parsing with feedparser, hardened: entity declarations are refused (defusedxml).

Plain RSS 2.0 feeds take a faster path first (bot.alerts.fastfeed, lxml), which gives the same
result and hands every other feed to feedparser.
"""

from __future__ import annotations

import asyncio
import calendar
import html
import json
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from xml.sax import SAXParseException

from bot.alerts.sources import HttpGetter, SourceError, get

MAX_FEED_BYTES = 5_000_000
_TAGS = re.compile(r"<[^>]+>")


def parse_feed(body: bytes) -> Any:
    """Parse a feed; raise SourceError when it is not a feed at all."""
    if len(body) > MAX_FEED_BYTES:
        raise SourceError("feed larger than 5 MB")
    # Imported on first use (about 8 MB): a bot whose feed sources are off never loads them.
    import feedparser
    from defusedxml import DefusedXmlException

    from bot.alerts.fastfeed import parse_fast

    _harden(feedparser)
    fast = parse_fast(body)
    if fast is not None:
        return fast
    try:
        parsed = feedparser.parse(body)
    except DefusedXmlException as exc:
        raise SourceError(f"feed refused: it declares XML entities ({type(exc).__name__})") from exc
    if isinstance(parsed.get("bozo_exception"), SAXParseException):
        # Not well-formed XML: a half-read or broken feed; never guess items from it.
        raise SourceError(f"malformed feed: {parsed['bozo_exception']}")
    if not parsed.get("version") and not parsed.get("entries"):
        raise SourceError("not an RSS or Atom feed")
    return parsed


def _harden(feedparser: Any) -> None:
    # defusedxml's expat reader refuses entity declarations (billion laughs, external entities).
    # feedparser falls back to its loose parser for such feeds, which never resolves them.
    preferred = feedparser.api.PREFERRED_XML_PARSERS
    if "defusedxml.expatreader" not in preferred:
        preferred.insert(0, "defusedxml.expatreader")


def strip_html(text: str | None) -> str:
    """Plain text from feed HTML: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(_TAGS.sub(" ", text or "")).split())


def entry_time(entry: Any) -> str | None:
    """An entry's published (else updated) time as ISO 8601 UTC, or None."""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return _iso(parsed)


@lru_cache(maxsize=8192)
def _iso(parsed: Any) -> str:
    # feedparser's struct_time is already UTC; timegm reads it as such (mktime would not).
    # Feeds repeat their times, so each is converted once.
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()


async def fetch_feed(
    client: HttpGetter, url: str, cursor: str | None, *, what: str = "feed"
) -> tuple[Any | None, str | None]:
    """GET a feed with ETag / Last-Modified from the cursor and parse it in a worker thread
    (a large feed takes feedparser seconds: never on the event loop); (None, cursor) when it
    was not modified."""
    validators = json.loads(cursor) if cursor else {}
    headers = {}
    if validators.get("etag"):
        headers["If-None-Match"] = validators["etag"]
    if validators.get("last_modified"):
        headers["If-Modified-Since"] = validators["last_modified"]
    response = await get(client, url, what=what, headers=headers, ok=(200, 304))
    if response.status_code == 304:
        return None, cursor
    new_cursor = {
        "etag": response.headers.get("etag"),
        "last_modified": response.headers.get("last-modified"),
    }
    parsed = await asyncio.to_thread(parse_feed, response.content)
    return parsed, json.dumps(new_cursor)
