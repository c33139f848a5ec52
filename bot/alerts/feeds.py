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
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from bot.alerts.items import AlertItem
from bot.alerts.sources import HttpGetter, Page, SourceError, UnchangedEntries, get
from bot.heap import collections_held_off

MAX_FEED_BYTES = 5_000_000
_TAGS = re.compile(r"<[^>]+>")


@collections_held_off()
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
    from xml.sax import SAXParseException

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
        if text.isprintable() and "  " not in text and text[0] != " " != text[-1]:
            # Already one space between words: every other whitespace character (tabs, line
            # breaks, no-break spaces) is unprintable. Most titles are; this is a fifth the cost.
            return text
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


# The item read from an entry (feedparser's shape) with the fingerprint of its bytes, if known.
EntryItem = Callable[[Any, str | None], AlertItem | None]


async def fetch_items(
    client: HttpGetter,
    url: str,
    cursor: str | None,
    *,
    what: str,
    source: str,
    build: EntryItem,
    unchanged: UnchangedEntries | None,
) -> Page:
    """GET a feed and read its items in worker threads, leaving out unread the entries the
    store holds unchanged (looked up by fingerprint with `unchanged`).

    A plain RSS feed is parsed once (lxml), each entry fingerprinted from its bytes, and only
    the entries the store doesn't hold read (the store is asked about the fingerprints, then
    about the items read). An entry the store holds whose item the page lists
    again in another entry is read too (the store keeps the newest of the two). A feed the fast
    path can't read goes to feedparser whole, and nothing is skipped.
    """
    body, new_cursor = await _fetch_body(client, url, cursor, what)
    if body is None:
        return Page(cursor=cursor, not_modified=True)
    entries = await asyncio.to_thread(_raw_entries, body)
    read: list[tuple[int, AlertItem]] | None = None
    skipped = 0
    if entries is not None:
        numbered = list(enumerate(entries))
        held: set[str] = set()
        if entries and unchanged is not None:
            held = await unchanged.held_entries(source, [e.fingerprint for e in entries])
        wanted = [(n, e) for n, e in numbered if e.fingerprint not in held]
        read = await asyncio.to_thread(_read_entries, wanted, build)
        twice: list[tuple[int, Any]] = []
        if read and held and unchanged is not None:
            # A held entry whose item another entry also lists is read too (the store keeps
            # the newer of the two).
            ids = [item.external_id for _, item in read]
            stored = await unchanged.entry_fingerprints(source, ids)
            again = held.intersection(stored.values())
            twice = [(n, e) for n, e in numbered if e.fingerprint in again]
        if read is not None and twice:
            more = await asyncio.to_thread(_read_entries, twice, build)
            read = None if more is None else sorted(read + more, key=lambda pair: pair[0])
        skipped = len(entries) - len(wanted) - len(twice)
    if read is None:  # the fast path can't read it: feedparser reads every entry
        return Page(items=await asyncio.to_thread(_read_whole, body, build), cursor=new_cursor)
    return Page(items=[item for _, item in read], cursor=new_cursor, unchanged=skipped)


@collections_held_off()
def _raw_entries(body: bytes) -> list[Any] | None:
    """The items unread (fastfeed.RawItem), or None when the fast path can't read them."""
    _check_size(body)
    from bot.alerts.fastfeed import stream_items

    return stream_items(body)


@collections_held_off()
def _read_entries(
    entries: list[tuple[int, Any]], build: EntryItem
) -> list[tuple[int, AlertItem]] | None:
    """The items read from the numbered entries, each with its entry's number, or None when
    only feedparser should read the feed."""
    from bot.alerts.fastfeed import read_raw_items

    def numbered(entry: Any, extra: tuple[int, str]) -> tuple[int, AlertItem] | None:
        item = build(entry, extra[1])
        return None if item is None else (extra[0], item)

    return read_raw_items([(raw, (n, raw.fingerprint)) for n, raw in entries], numbered)


@collections_held_off()
def _read_whole(body: bytes, build: EntryItem) -> list[AlertItem]:
    parsed = _parse_slow(body)
    built = (build(entry, None) for entry in parsed.entries)
    return [item for item in built if item is not None]


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
