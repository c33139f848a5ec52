"""RSS/Atom feeds admins add (news about AI lawsuits and bills): each entry one NEWS item.

Entries become items as they are; whether one concerns creators and AI is the store's topic
matcher's call, on the title and the summary. `validate_feed_url` checks an address an admin
gives before it is saved.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from bot.alerts.feeds import entry_time, fetch_feed, strip_html
from bot.alerts.items import AlertItem, ItemKind
from bot.alerts.sources import Budget, HttpGetter, Page, SourceError
from bot.errors import UserFacingError
from bot.netguard import RefusedUrl, public_host

MAX_URL_LENGTH = 2000
MAX_SUMMARY_CHARS = 2000
MAX_IDENTIFIER_CHARS = 40
# WordPress appends "The post <title> appeared first on <site>." to every excerpt; it would put
# the site's name in every summary the matcher reads.
_WORDPRESS_FOOTER = re.compile(r"\s*The post .{1,600}? appeared first on .{1,300}?\.\s*$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d)", re.I)  # "mailto:", not "example.com:8443"


class RssFeed:
    """One RSS or Atom feed as a source; `name` is the source's key in the store."""

    hash_fields = ("url",)  # an edited headline is not news; a post is new once
    poll_interval = timedelta(hours=1)
    budget = Budget(per_hour=4, per_day=48)
    guarded = True  # an admin gave the address: polled through the address-guarded client

    def __init__(
        self,
        name: str,
        url: str,
        title: str | None = None,
        *,
        check: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.name = name
        self.url = url
        self.title = title
        # Admins give the address, so it is checked again at every poll: a public name can
        # come to resolve to a private address after it was added.
        self._check = check

    async def fetch(self, client: HttpGetter, cursor: str | None) -> Page:
        if self._check is not None:
            try:
                await self._check(self.url)
            except UserFacingError as exc:
                raise SourceError(f"RSS feed {self.name}: refused: {exc.message}") from exc
        feed, next_cursor = await fetch_feed(client, self.url, cursor, what=f"RSS feed {self.name}")
        if feed is None:
            return Page(cursor=next_cursor, not_modified=True)
        feed_title = self.title or strip_html(feed.feed.get("title")) or self.name
        items = [
            item for entry in feed.entries if (item := self._item(entry, feed_title)) is not None
        ]
        return Page(items=items, cursor=next_cursor)

    def _item(self, entry: Any, feed_title: str) -> AlertItem | None:
        link = _http_link(entry.get("link"), self.url)
        if link is None:
            return None  # nothing a person could open
        summary = _summary(entry)
        published = entry_time(entry)
        return AlertItem(
            source=self.name,
            external_id=(entry.get("id") or link)[:500],
            kind=ItemKind.NEWS,
            jurisdiction="US",
            identifier=_shorten(feed_title, MAX_IDENTIFIER_CHARS),
            title=(strip_html(entry.get("title")) or _shorten(summary, 120) or link)[:500],
            url=link,
            status_date=published[:10] if published else None,
            published_at=published,
            attribution=feed_title[:200],
            summary=summary or None,
            abstract=summary or None,
        )


def validate_feed_url(url: str) -> str:
    """The admin's feed address, normalized; UserFacingError saying what is wrong otherwise.

    Only checks the address itself: a public host name may still resolve to a private address,
    which the fetcher must refuse (bot.http.GuardedFetcher.check).
    """
    raw = url.strip()
    if not raw:
        raise UserFacingError("Give the feed's address, starting with https://.")
    if len(raw) > MAX_URL_LENGTH:
        raise UserFacingError(f"That address is longer than {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or not ch.isprintable() for ch in raw):
        raise UserFacingError("A feed address cannot contain spaces or control characters.")
    if "://" not in raw and not _SCHEME.match(raw):
        raw = f"https://{raw}"  # "example.com/feed" is what most people paste
    parts = urlsplit(raw)
    if parts.scheme.lower() != "https":
        raise UserFacingError(
            "Feeds are read over https only: give an address starting with https:// "
            "(most sites serve their feed on https too)."
        )
    if "@" in parts.netloc:
        raise UserFacingError(
            "Remove the user name or password from the address: only public feeds can be added."
        )
    return urlunsplit(("https", _netloc(parts), parts.path or "/", parts.query, ""))


def _netloc(parts: Any) -> str:
    """The host (lower case, IDNA) and any port of a URL, or UserFacingError."""
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UserFacingError("That address has no site name in it, like example.com.")
    try:
        port = parts.port
        ascii_host = host.encode("idna").decode("ascii").lower()
    except (ValueError, UnicodeError):
        raise UserFacingError("That address's site name or port is not valid.") from None
    _refuse_private(ascii_host)
    if ":" in ascii_host:  # an IPv6 literal
        ascii_host = f"[{ascii_host}]"
    return f"{ascii_host}:{port}" if port and port != 443 else ascii_host


def _refuse_private(host: str) -> None:
    """The fetch's own host rules (bot.netguard), checked before anything is saved."""
    try:
        public_host(host)
    except RefusedUrl as exc:
        raise UserFacingError(f"{exc.message} Feeds must be public.") from None


def _http_link(link: str | None, base: str) -> str | None:
    """An absolute http(s) link, or None (javascript:, mailto:, tag: ids and the like)."""
    if not link:
        return None
    absolute = urljoin(base, link.strip())
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return absolute


def _summary(entry: Any) -> str:
    raw = entry.get("summary")
    if not raw and entry.get("content"):
        raw = entry["content"][0].get("value")
    text = _WORDPRESS_FOOTER.sub("", strip_html(raw))
    return text[:MAX_SUMMARY_CHARS]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
