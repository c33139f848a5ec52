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
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from xml.sax import SAXParseException

from bot.alerts.items import AlertItem
from bot.alerts.sources import HttpGetter, Page, SourceError, UnchangedEntries, get

MAX_FEED_BYTES = 5_000_000
_TAGS = re.compile(r"<[^>]+>")


def parse_feed(body: bytes) -> Any:
    """Parse a feed; raise SourceError when it is not a feed at all."""
    _check_size(body)
    from bot.alerts.fastfeed import parse_fast

    fast = parse_fast(body)
    if fast is not None:
        return fast
    return _parse_slow(body)


def _check_size(body: bytes) -> None:
    if len(body) > MAX_FEED_BYTES:
        raise SourceError("feed larger than 5 MB")


def _parse_slow(body: bytes) -> Any:
    """The hardened feedparser path, for every feed the fast path can't read."""
    # Imported on first use (about 8 MB): a bot whose feed sources are off never loads them.
    import feedparser
    from defusedxml import DefusedXmlException

    _harden(feedparser)
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
    if text and "<" not in text and "&" not in text:
        return " ".join(text.split())  # nothing to drop or decode
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
    body, new_cursor = await _fetch_body(client, url, cursor, what)
    if body is None:
        return None, cursor
    parsed = await asyncio.to_thread(parse_feed, body)
    return parsed, new_cursor


# A key for an entry from its link and guid as written (None: the entry is not an item), and
# the item read from an entry (feedparser's shape) with the fingerprint of its bytes, if known.
EntryKey = Callable[[str, str], str | None]
EntryItem = Callable[[Any, str | None], AlertItem | None]
_Keyed = list[tuple[Any, str | None, str]]  # (fastfeed.RawItem, key, fingerprint)


async def fetch_items(
    client: HttpGetter,
    url: str,
    cursor: str | None,
    *,
    what: str,
    source: str,
    key: EntryKey,
    build: EntryItem,
    unchanged: UnchangedEntries | None,
) -> Page:
    """GET a feed and read its items in worker threads, leaving out unread the entries the
    store holds unchanged (the same key and fingerprint, looked up with `unchanged`).

    A plain RSS feed is parsed once (lxml), each entry keyed and fingerprinted from its bytes,
    and only the others read. An entry whose key the feed lists twice is always read (the
    store keeps the newest of the two). A feed the fast path can't read goes to feedparser
    whole, and nothing is skipped.
    """
    body, new_cursor = await _fetch_body(client, url, cursor, what)
    if body is None:
        return Page(cursor=cursor, not_modified=True)
    keyed = await asyncio.to_thread(_keyed_entries, body, key)
    skip: set[str] = set()
    if keyed is not None and unchanged is not None:
        counts = Counter(k for _, k, _ in keyed if k is not None)
        pairs = [(k, fp) for _, k, fp in keyed if k is not None and counts[k] == 1]
        skip = await unchanged(source, pairs) if pairs else set()
    items, skipped = await asyncio.to_thread(_built, body, keyed, skip, build)
    return Page(items=items, cursor=new_cursor, unchanged=skipped)


def _keyed_entries(body: bytes, key: EntryKey) -> _Keyed | None:
    """(item, key, fingerprint) for each item, or None when the fast path can't read it."""
    _check_size(body)
    from bot.alerts.fastfeed import stream_items

    raw = stream_items(body)
    if raw is None:
        return None
    return [(item, key(item.link, item.guid), item.fingerprint()) for item in raw]


def _built(
    body: bytes, keyed: _Keyed | None, skip: set[str], build: EntryItem
) -> tuple[list[AlertItem], int]:
    """The items of the entries not skipped, and how many were skipped."""
    from bot.alerts.fastfeed import read_raw_items

    if keyed is not None:
        chosen = [(item, fp) for item, k, fp in keyed if k is None or k not in skip]
        items = read_raw_items(chosen, build)
        if items is not None:
            return items, len(keyed) - len(chosen)
    parsed = _parse_slow(body)  # the fast path can't read it: feedparser reads every entry
    built = (build(entry, None) for entry in parsed.entries)
    return [item for item in built if item is not None], 0


async def _fetch_body(
    client: HttpGetter, url: str, cursor: str | None, what: str
) -> tuple[bytes | None, str | None]:
    """The feed's body and the next cursor, or (None, cursor) when it was not modified."""
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
    return response.content, json.dumps(new_cursor)
