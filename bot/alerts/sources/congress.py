"""Congress.gov API v3: federal bills whose title or latest action concern creators and AI (keyed).

The API has no text search, so each poll pages /bill by update date, newest first, from a day
before the last poll (an overlap window: late updates are still caught, the store drops repeats),
and keeps only the bills the topic matcher finds relevant, so the database does not fill with
every bill in Congress. A poll reads at most MAX_PAGES pages; a window it could not finish is
resumed at the same offset by the next poll. New updates only ever enter at the top of a
newest-first list, so resuming by offset can repeat a bill but never skip one. The key travels in
the X-Api-Key header, never in a URL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.alerts.items import AlertItem, ItemKind
from bot.alerts.matcher import match_topic
from bot.alerts.sources import (
    Budget,
    HttpGetter,
    Page,
    SourceError,
    UpdateWindow,
    api_time,
    get,
    json_body,
    parse_utc,
)

DEFAULT_BASE_URL = "https://api.congress.gov/v3"
OVERLAP = timedelta(days=1)
PAGE_SIZE = 250  # the API's maximum
MAX_PAGES = 6  # 1,500 bills a poll; a busy day's updates fit in one, more resume next poll
ATTRIBUTION = "Congress.gov (Library of Congress)"
WHAT = "Congress.gov"

# API bill type -> (citation prefix, path segment of the bill's page on congress.gov)
_TYPES = {
    "HR": ("H.R.", "house-bill"),
    "S": ("S.", "senate-bill"),
    "HJRES": ("H.J.Res.", "house-joint-resolution"),
    "SJRES": ("S.J.Res.", "senate-joint-resolution"),
    "HCONRES": ("H.Con.Res.", "house-concurrent-resolution"),
    "SCONRES": ("S.Con.Res.", "senate-concurrent-resolution"),
    "HRES": ("H.Res.", "house-resolution"),
    "SRES": ("S.Res.", "senate-resolution"),
}


class CongressGov:
    """Congress.gov bills as a source, filtered locally by the topic matcher."""

    name = "congress-gov"
    # A new latest action (text or date) makes an update; the URL never changes.
    hash_fields = ("title", "status", "status_date")
    poll_interval = timedelta(hours=2)
    budget = Budget(per_hour=20, per_day=200)  # the API allows 5,000 requests an hour

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL) -> None:
        if not api_key:
            raise ValueError("Congress.gov needs an API key")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")

    async def fetch(
        self, client: HttpGetter, cursor: str | None, *, now: datetime | None = None
    ) -> Page:
        now = now or datetime.now(UTC)
        window = _load_window(cursor, now)
        items: dict[str, AlertItem] = {}
        offset = window.position
        for _ in range(MAX_PAGES):
            body = await self._page(client, window.since - OVERLAP, offset)
            for item in self._items(body):
                items.setdefault(item.external_id, item)  # newest first: keep the first seen
            next_offset = _next_offset(body, offset)
            if next_offset is None:
                return Page(items=list(items.values()), cursor=json.dumps(window.done()))
            offset = next_offset
        return Page(items=list(items.values()), cursor=json.dumps(window.resume(offset)))

    async def _page(self, client: HttpGetter, start: datetime, offset: int) -> dict[str, Any]:
        params = {
            "fromDateTime": api_time(start),
            # httpx form-encodes the space as "+", which is the documented `updateDate+desc`
            # (a literal "+" would go out as %2B).
            "sort": "updateDate desc",
            "limit": str(PAGE_SIZE),
            "offset": str(offset),
            "format": "json",
        }
        headers = {"X-Api-Key": self._api_key}
        response = await get(
            client, f"{self.base_url}/bill", what=WHAT, params=params, headers=headers
        )
        body = json_body(response, WHAT)
        if not isinstance(body, dict) or not isinstance(body.get("bills", []), list):
            raise SourceError(f"{WHAT}: unexpected response: no list of bills")
        return body

    def _items(self, body: dict[str, Any]) -> list[AlertItem]:
        try:
            return [item for bill in body.get("bills") or [] if (item := self._item(bill))]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SourceError(f"{WHAT}: unexpected response: {type(exc).__name__}: {exc}") from exc

    def _item(self, bill: dict[str, Any]) -> AlertItem | None:
        action = bill.get("latestAction") or {}
        title, status = bill["title"], action.get("text") or None
        match = match_topic(title, status)
        bill_type = str(bill["type"]).upper()
        if not match.relevant or bill_type not in _TYPES:
            # Unknown types are skipped rather than failing every poll on one odd record.
            return None
        congress, number = int(bill["congress"]), str(bill["number"])
        prefix, segment = _TYPES[bill_type]
        return AlertItem(
            source=self.name,
            external_id=f"{congress}-{bill_type.lower()}-{number}",
            kind=ItemKind.BILL,
            jurisdiction="US",
            identifier=f"{prefix}{number}",
            title=title[:500],
            url=f"https://www.congress.gov/bill/{_ordinal(congress)}-congress/{segment}/{number}",
            status=status,
            status_date=action.get("actionDate"),
            published_at=parse_utc(bill["updateDate"]).isoformat(),
            tags=match.tags,
            attribution=ATTRIBUTION,
        )


def _next_offset(body: dict[str, Any], offset: int) -> int | None:
    """The offset of the next page, or None on the last one.

    Only the offset is taken from `pagination.next`: the request is rebuilt against the
    configured base URL with the key in a header, whatever host or parameters the link names.
    """
    link = (body.get("pagination") or {}).get("next")
    if not link or not body.get("bills"):
        return None
    try:
        following = int(httpx.URL(str(link)).params.get("offset", ""))
    except (ValueError, httpx.InvalidURL):
        following = offset + len(body["bills"])
    return following if following > offset else None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _load_window(cursor: str | None, now: datetime) -> UpdateWindow:
    try:
        state = json.loads(cursor) if cursor else {}
    except ValueError:
        state = {}
    # No cursor, or one this version cannot read: start over; the store drops repeats.
    return UpdateWindow.load(state, now, first=0) or UpdateWindow(now, now, 0)
