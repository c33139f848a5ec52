"""CourtListener REST API v4: the tracked dockets' latest filing dates (keyed, token auth).

Each tracked docket is one CASE item whose status is "Last filing <date>", so a new filing date
is an update. The docket API cannot filter on a list of ids (its `id` filter takes exact, range
and comparisons only, and unknown filters are refused with HTTP 400), so each docket costs one
request: `/dockets/<id>/?fields=…`. For a docket whose filing date moved since the cursor, the
newest docket entry is fetched to name the filing. Free accounts get 5 requests a minute, 50 an
hour and 125 a day, so a poll makes at most 5 requests: dockets not checked for longest first,
then entries. The cursor remembers each docket's date and status, so a docket whose entry was
not fetched keeps the same status on later polls (no spurious updates).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import httpx

from bot.alerts.items import AlertItem, ItemKind
from bot.alerts.sources import (
    Budget,
    HttpGetter,
    Page,
    SourceError,
    TrackedCase,
    get,
    json_body,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.courtlistener.com/api/rest/v4"
SITE = "https://www.courtlistener.com"
ATTRIBUTION = "CourtListener (Free Law Project)"
DOCKET_FIELDS = "id,case_name,docket_number,date_last_filing,date_modified,court_id,absolute_url"
ENTRY_FIELDS = "id,entry_number,date_filed,description,recap_sequence_number"
REQUESTS_PER_POLL = 5  # the free per-minute limit; the metered client does not pace requests
MAX_ENTRY_DESCRIPTION = 280


class CourtListenerApi:
    """Tracked CourtListener dockets as a source; their filings always concern creators."""

    name = "courtlistener-api"
    # A docket is news when it gets a filing, not when its case name is tidied.
    hash_fields = ("status", "status_date")
    poll_interval = timedelta(hours=2)
    # 12 polls a day of at most 5 requests: 60, well inside the free 125 a day.
    budget = Budget(per_hour=40, per_day=120)

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        tracked: Callable[[], Sequence[TrackedCase]] = lambda: (),
        *,
        max_entry_calls: int = 3,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tracked = tracked
        self.max_entry_calls = max_entry_calls
        self._token = token

    def __repr__(self) -> str:  # the token stays out of logs and tracebacks
        return f"CourtListenerApi(base_url={self.base_url!r})"

    async def fetch(self, client: HttpGetter, cursor: str | None) -> Page:
        state = _load_cursor(cursor)
        dockets: dict[str, dict[str, Any]] = state["dockets"]
        poll = state["poll"] + 1
        cases = {str(case.docket_id): case for case in self.tracked()}
        # Dockets not checked for longest go first; with more dockets than a poll can check,
        # one request stays free for an entry.
        due = sorted(cases, key=lambda docket_id: dockets.get(docket_id, {}).get("checked", 0))
        due = due[: REQUESTS_PER_POLL - (1 if len(due) >= REQUESTS_PER_POLL else 0)]
        entry_calls = min(self.max_entry_calls, REQUESTS_PER_POLL - len(due))
        items = []
        for docket_id in due:
            docket = await self._docket(client, docket_id)
            if docket is None:
                dockets[docket_id] = {"checked": poll}
                continue
            last_filing = docket.get("date_last_filing") or None
            seen = dockets.get(docket_id, {})
            if "status" in seen and seen.get("last_filing") == last_filing:
                status = seen["status"]
            else:
                entry = None
                # Only a new filing on a known docket is posted, so only it earns an entry call.
                if "status" in seen and last_filing and entry_calls > 0:
                    entry_calls -= 1
                    entry = await self._latest_entry(client, docket_id, last_filing)
                status = _status(last_filing, entry)
            dockets[docket_id] = {"last_filing": last_filing, "status": status, "checked": poll}
            items.append(self._item(docket, cases[docket_id], status))
        kept = {docket_id: dockets[docket_id] for docket_id in cases if docket_id in dockets}
        return Page(items=items, cursor=json.dumps({"poll": poll, "dockets": kept}, sort_keys=True))

    async def _docket(self, client: HttpGetter, docket_id: str) -> dict[str, Any] | None:
        what = "CourtListener docket"
        response = await self._get(
            client, f"{self.base_url}/dockets/{docket_id}/", what, {"fields": DOCKET_FIELDS}
        )
        if response is None:
            # A deleted or mistyped docket must not stop the others from being watched.
            log.warning("CourtListener has no docket %s; is it still tracked correctly?", docket_id)
            return None
        body = json_body(response, what)
        if not isinstance(body, dict) or str(body.get("id")) != docket_id:
            raise SourceError(f"{what}: unexpected response (not docket {docket_id})")
        return body

    async def _latest_entry(
        self, client: HttpGetter, docket_id: str, last_filing: str
    ) -> str | None:
        """The description of the newest entry filed on the docket's last filing date."""
        what = "CourtListener docket entries"
        # The entries API ignores page_size (20 a page); `fields` keeps each entry small by
        # leaving out its documents.
        params = {"docket": docket_id, "order_by": "-date_filed", "fields": ENTRY_FIELDS}
        response = await self._get(client, f"{self.base_url}/docket-entries/", what, params)
        if response is None:
            return None
        body = json_body(response, what)
        try:
            entries = [e for e in body["results"] if e.get("date_filed") == last_filing]
        except (KeyError, TypeError, AttributeError) as exc:
            raise SourceError(f"{what}: unexpected response ({exc!r})") from exc
        if not entries:
            return None
        # Several entries share a date; the highest entry number is the latest of them.
        newest = max(entries, key=lambda e: (e.get("entry_number") or 0, e.get("id") or 0))
        text = " ".join(str(newest.get("description") or "").split())
        if len(text) > MAX_ENTRY_DESCRIPTION:
            text = text[: MAX_ENTRY_DESCRIPTION - 1].rstrip() + "…"
        return text or None

    async def _get(
        self, client: HttpGetter, url: str, what: str, params: dict[str, str]
    ) -> httpx.Response | None:
        """GET with the token; None for 404, SourceError for a refused token or other errors."""
        response = await get(
            client,
            url,
            what=what,
            params=params,
            headers={"Authorization": f"Token {self._token}"},
            ok=(200, 401, 403, 404),
        )
        if response.status_code in (401, 403):
            raise SourceError(f"{what}: HTTP {response.status_code} (the API token was refused)")
        return None if response.status_code == 404 else response

    def _item(self, docket: dict[str, Any], case: TrackedCase, status: str) -> AlertItem:
        try:
            last_filing = docket.get("date_last_filing") or None
            return AlertItem(
                source=self.name,
                external_id=str(docket["id"]),
                kind=ItemKind.CASE,
                jurisdiction="US",
                identifier=str(docket.get("docket_number") or f"Docket {docket['id']}"),
                title=(" ".join(str(docket.get("case_name") or "").split()) or case.name)[:500],
                url=SITE + _path(docket["absolute_url"]),
                status=status,
                status_date=last_filing,
                published_at=f"{last_filing}T00:00:00+00:00" if last_filing else None,
                attribution=ATTRIBUTION,
                always_relevant=True,
            )
        except (KeyError, TypeError) as exc:
            raise SourceError(f"CourtListener docket: unexpected response ({exc!r})") from exc


def _status(last_filing: str | None, entry: str | None) -> str:
    if not last_filing:
        return "No filings on CourtListener yet"
    return f"Last filing {last_filing}: {entry}" if entry else f"Last filing {last_filing}"


def _path(absolute_url: Any) -> str:
    if not isinstance(absolute_url, str) or not absolute_url.startswith("/"):
        raise TypeError("absolute_url is not a site path")
    return absolute_url


def _load_cursor(cursor: str | None) -> dict[str, Any]:
    try:
        state = json.loads(cursor or "{}")
        dockets = {str(k): dict(v) for k, v in state.get("dockets", {}).items()}
        return {"poll": int(state.get("poll", 0)), "dockets": dockets}
    except (ValueError, TypeError, AttributeError):
        return {"poll": 0, "dockets": {}}  # an unreadable cursor only costs the entry lookups
