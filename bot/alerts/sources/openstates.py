"""Open States API v3: state bills that concern creators and AI, by full-text search (keyed).

Each poll searches /bills (`q` is Postgres websearch syntax: "quoted phrases", OR, -exclusion),
most recently updated first, from six hours before the last poll (an overlap window: the store
drops repeats). The search covers bill text, so it matches loosely; the topic matcher then keeps
only bills whose title, latest action, abstract or subjects are relevant. The free tier allows
10 requests a minute and 250 a day, so a poll makes at most MAX_REQUESTS requests; a window it
could not finish is resumed at the same page by the next poll (new updates enter at the top of a
newest-first list, so resuming can repeat a bill but never skip one). With jurisdictions, each is
its own search with its own window, the longest-waiting first. The key travels in the X-API-KEY
header, never in a URL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.alerts.items import AlertItem, ItemKind
from bot.alerts.matcher import match_topic
from bot.alerts.sources import (
    Budget,
    HttpGetter,
    Page,
    SourceError,
    UpdateWindow,
    get,
    json_body,
    parse_utc,
)

DEFAULT_BASE_URL = "https://v3.openstates.org"
DEFAULT_QUERY = (
    '"artificial intelligence" OR deepfake OR "deep fake" OR "digital replica" OR '
    '"synthetic media" OR "voice clone"'
)
OVERLAP = timedelta(hours=6)
PER_PAGE = 20  # the API's maximum
MAX_REQUESTS = 5  # a poll stays well under 10 a minute and 250 a day
ATTRIBUTION = "Open States (Plural Policy)"
WHAT = "Open States"
ALL = "*"  # the cursor's key for the search without a jurisdiction

# The API reads a q that starts like "AB 412" as a bill identifier, not as a text search.
_LIKELY_BILL_ID = re.compile(r"\w{1,3}\s*\d{1,5}")
_STATE = re.compile(r"country:us/(?:state|district|territory):([a-z]{2})\b")


class OpenStates:
    """Open States bill search as a source, filtered locally by the topic matcher."""

    name = "openstates"
    # A new latest action (text or date) makes an update; the URL never changes.
    hash_fields = ("title", "status", "status_date")
    poll_interval = timedelta(hours=6)
    budget = Budget(per_hour=10, per_day=200)

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        query: str = DEFAULT_QUERY,
        jurisdictions: Sequence[str] = (),
    ) -> None:
        if not api_key:
            raise ValueError("Open States needs an API key")
        if not query.strip() or _LIKELY_BILL_ID.match(query.strip()):
            raise ValueError("the Open States query must be a text search, not a bill number")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.query = query.strip()
        self.jurisdictions = tuple(dict.fromkeys(j.strip() for j in jurisdictions if j.strip()))

    async def fetch(
        self, client: HttpGetter, cursor: str | None, *, now: datetime | None = None
    ) -> Page:
        now = now or datetime.now(UTC)
        saved = _load(cursor)
        windows = {
            key: UpdateWindow.load(saved.get(key), now, first=1)
            for key in self.jurisdictions or (ALL,)
        }
        # Searches never read yet come first, then the one whose window is oldest.
        order = sorted(windows, key=lambda k: (windows[k] is not None, _sort_key(windows[k])))
        items: dict[str, AlertItem] = {}
        states: dict[str, Any] = {}
        left = MAX_REQUESTS
        for key in order:
            window = windows[key] or UpdateWindow(now, now, 1)
            if left == 0:
                if windows[key] is not None:
                    states[key] = saved[key]  # not reached this poll: keep its place
                continue
            states[key], used = await self._sweep(client, key, window, left, items)
            left -= used
        return Page(items=list(items.values()), cursor=json.dumps({"windows": states}))

    async def _sweep(
        self,
        client: HttpGetter,
        key: str,
        window: UpdateWindow,
        requests: int,
        items: dict[str, AlertItem],
    ) -> tuple[dict[str, Any], int]:
        """Read one search's window for up to `requests` pages; its next state and pages used."""
        page = window.position
        for used in range(1, requests + 1):
            body = await self._page(client, key, window.since - OVERLAP, page)
            if body is None:
                return window.done(), used
            for item in self._items(body):
                items.setdefault(item.external_id, item)  # newest first: keep the first seen
            if not body["results"] or page >= _max_page(body):
                return window.done(), used
            page += 1
        return window.resume(page), requests

    async def _page(
        self, client: HttpGetter, key: str, start: datetime, page: int
    ) -> dict[str, Any] | None:
        params = [
            ("q", self.query),
            ("sort", "updated_desc"),
            # The API compares updated_since with updated_at cast to text ("2026-11-20
            # 06:00:00.123+00"), so the time goes with a space: a "T" would sort after every
            # time of that day and drop the day's updates.
            ("updated_since", start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")),
            ("include", "abstracts"),
            ("per_page", str(PER_PAGE)),
            ("page", str(page)),
        ]
        if key != ALL:
            params.append(("jurisdiction", key))
        # A resumed page past the last one is a 404 (the total can shrink if a bill is
        # withdrawn from the index): that window is simply finished.
        ok = (200, 404) if page > 1 else (200,)
        response = await get(
            client,
            f"{self.base_url}/bills",
            what=WHAT,
            params=params,
            headers={"X-API-KEY": self._api_key},
            ok=ok,
        )
        if response.status_code == 404:
            return None
        body = json_body(response, WHAT)
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise SourceError(f"{WHAT}: unexpected response: no list of results")
        return body

    def _items(self, body: dict[str, Any]) -> list[AlertItem]:
        try:
            return [item for bill in body["results"] if (item := self._item(bill))]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SourceError(f"{WHAT}: unexpected response: {type(exc).__name__}: {exc}") from exc

    def _item(self, bill: dict[str, Any]) -> AlertItem | None:
        abstracts = " ".join(a.get("abstract") or "" for a in bill.get("abstracts") or [])
        # Subjects are read by the matcher too, so they ride along in the summary: the store
        # judges relevance again from title, summary and status, and must agree.
        summary = " ".join(filter(None, [abstracts, "; ".join(bill.get("subject") or [])]))
        title, status = bill["title"], bill.get("latest_action_description") or None
        match = match_topic(title, status, summary)
        state = _STATE.search(bill["jurisdiction"]["id"])
        if not match.relevant or state is None:
            return None
        code = state.group(1).upper()
        return AlertItem(
            source=self.name,
            external_id=bill["id"],
            kind=ItemKind.BILL,
            jurisdiction=f"US-{code}",
            identifier=f"{code} {bill['identifier']}",
            title=title[:500],
            url=bill["openstates_url"],
            status=status,
            status_date=(bill.get("latest_action_date") or "")[:10] or None,
            published_at=parse_utc(bill["updated_at"]).isoformat(),
            tags=match.tags,
            attribution=ATTRIBUTION,
            summary=summary or None,
            abstract=abstracts.strip() or None,
        )


def _max_page(body: dict[str, Any]) -> int:
    try:
        return int(body["pagination"]["max_page"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceError(f"{WHAT}: unexpected response: no pagination") from exc


def _load(cursor: str | None) -> dict[str, Any]:
    """The saved windows by search; an unreadable cursor starts over (the store drops repeats)."""
    try:
        windows = json.loads(cursor)["windows"] if cursor else {}
    except (ValueError, KeyError, TypeError):
        return {}
    return windows if isinstance(windows, dict) else {}


def _sort_key(window: UpdateWindow | None) -> datetime:
    return window.since if window else datetime.min.replace(tzinfo=UTC)
