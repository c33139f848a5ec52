"""LegiScan Pull API: state and federal bills on AI, deepfakes and likeness rights (keyed).

Each poll runs one full-text search (`getSearchRaw`, which returns only bill_id, change_hash and
relevance per bill) and calls `getBill` only for bills whose change_hash is new or differs from
the one kept in the cursor, at most `max_bills` per poll; the rest keep their old hash (or none)
in the cursor, so the next poll fetches them. LegiScan data is CC BY 4.0 and credited on every
item. The API key travels in the query string, so it is never put in a message.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.alerts.items import AlertItem, ItemKind
from bot.alerts.matcher import match_topic
from bot.alerts.sources import Budget, HttpGetter, Page, SourceError, get, json_body

DEFAULT_BASE_URL = "https://api.legiscan.com/"
# LegiScan search syntax: quoted phrases, capitalized AND / OR, parentheses. "artificial
# intelligence" alone would match thousands of budget and education bills, so it needs a
# creator term beside it.
DEFAULT_QUERY = (
    '"digital replica" OR deepfake OR "deep fake" OR "synthetic media" OR "voice clone" OR '
    '"digital likeness" OR ("artificial intelligence" AND (likeness OR copyright OR '
    '"training data" OR performer)) OR (likeness AND voice AND publicity)'
)
CURRENT_SESSIONS = "2"  # getSearchRaw `year`: 1 all, 2 current, 3 recent, 4 prior
MAX_SEARCH_PAGES = 3  # 2,000 results a page; more than that means the query is too broad
ATTRIBUTION = "LegiScan (CC BY 4.0)"
STATUS_NAMES = {
    1: "Introduced",
    2: "Engrossed",
    3: "Enrolled",
    4: "Passed",
    5: "Vetoed",
    6: "Failed",
}


class LegiScan:
    """Bills matching a LegiScan search, fetched again only when their change_hash moves."""

    name = "legiscan"
    hash_fields = ("title", "status", "status_date", "url")
    poll_interval = timedelta(hours=6)
    # Free keys get 30,000 queries a month; a poll costs 1-3 searches plus at most max_bills.
    budget = Budget(per_hour=40, per_day=300)

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        query: str = DEFAULT_QUERY,
        state: str = "ALL",
        *,
        max_bills: int = 20,
    ) -> None:
        self.base_url = base_url
        self.query = query
        self.state = state
        self.max_bills = max_bills
        self._key = api_key

    def __repr__(self) -> str:  # the key stays out of logs and tracebacks
        return f"LegiScan(state={self.state!r}, max_bills={self.max_bills})"

    async def fetch(self, client: HttpGetter, cursor: str | None) -> Page:
        seen = _load_cursor(cursor)
        found = await self._search(client)
        stale = [bill_id for bill_id, digest in found.items() if seen.get(bill_id) != digest]
        # Bills already known come first: their news is an update people are waiting for.
        stale.sort(key=lambda bill_id: bill_id not in seen)
        fetched = stale[: self.max_bills]
        items = []
        for bill_id in fetched:
            item = self._item(await self._bill(client, bill_id))
            if item is not None:
                items.append(item)
        hashes = {
            bill_id: digest if bill_id in fetched else seen[bill_id]
            for bill_id, digest in found.items()
            if bill_id in fetched or bill_id in seen
        }
        return Page(items=items, cursor=json.dumps({"hashes": hashes}, sort_keys=True))

    async def _search(self, client: HttpGetter) -> dict[str, str]:
        """bill_id -> change_hash for every search result, most relevant first."""
        found: dict[str, str] = {}
        page = 1
        while True:
            body = await self._call(
                client,
                "getSearchRaw",
                state=self.state,
                query=self.query,
                year=CURRENT_SESSIONS,
                page=str(page),
            )
            try:
                result = body["searchresult"]
                for hit in result.get("results") or []:
                    found[str(int(hit["bill_id"]))] = str(hit["change_hash"])
                total = int(result["summary"].get("page_total") or 1)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise SourceError(
                    f"LegiScan search: unexpected response ({self._scrub(repr(exc))})"
                ) from exc
            if page >= min(total, MAX_SEARCH_PAGES):
                return found
            page += 1

    async def _bill(self, client: HttpGetter, bill_id: str) -> dict[str, Any]:
        body = await self._call(client, "getBill", id=bill_id)
        bill = body.get("bill")
        if not isinstance(bill, dict):
            raise SourceError("LegiScan getBill: unexpected response (no bill)")
        return bill

    async def _call(self, client: HttpGetter, op: str, **params: str) -> dict[str, Any]:
        what = f"LegiScan {op}"
        response = await get(
            client, self.base_url, what=what, params={"key": self._key, "op": op, **params}
        )
        body = json_body(response, what)
        if not isinstance(body, dict):
            raise SourceError(f"{what}: unexpected response (not an object)")
        if body.get("status") != "OK":
            # Errors arrive as HTTP 200 with status ERROR; the message is the server's own.
            alert = body.get("alert")
            said = alert.get("message") if isinstance(alert, dict) else None
            message = str(said or body.get("status") or "no status")
            raise SourceError(f"{what}: {self._scrub(message)[:200]}")
        return body

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "[key]") if self._key else text

    def _item(self, bill: dict[str, Any]) -> AlertItem | None:
        try:
            title = " ".join(str(bill["title"]).split())
            description = " ".join(str(bill.get("description") or "").split()) or None
            action, action_date = _last_action(bill)
            state = str(bill["state"]).upper()
            status = action or STATUS_NAMES.get(_int(bill.get("status")))
            status_date = action_date or bill.get("status_date") or None
            bill_id = str(int(bill["bill_id"]))
            identifier = f"{state} {bill['bill_number']}"
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(
                f"LegiScan getBill: unexpected bill ({self._scrub(repr(exc))})"
            ) from exc
        if not match_topic(title, description, status).relevant:
            return None
        return AlertItem(
            source=self.name,
            external_id=bill_id,
            kind=ItemKind.BILL,
            jurisdiction="US" if state == "US" else f"US-{state}",
            identifier=identifier,
            title=title[:500],
            url=_page_url(bill),
            status=status,
            status_date=status_date,
            published_at=f"{status_date}T00:00:00+00:00" if status_date else None,
            attribution=ATTRIBUTION,
            summary=description,
            abstract=description if description and description != title else None,
        )


def _load_cursor(cursor: str | None) -> dict[str, str]:
    if not cursor:
        return {}
    try:
        hashes = json.loads(cursor)["hashes"]
        return {str(k): str(v) for k, v in hashes.items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}  # an unreadable cursor costs one full refetch, not a stuck source


def _last_action(bill: dict[str, Any]) -> tuple[str | None, str | None]:
    """The latest history action and its date (history is chronological; ties keep the last)."""
    history = [h for h in bill.get("history") or [] if isinstance(h, dict) and h.get("action")]
    if not history:
        return None, None
    _, _, last = max((h.get("date") or "", i, h) for i, h in enumerate(history))
    return " ".join(str(last["action"]).split()), last.get("date") or None


def _page_url(bill: dict[str, Any]) -> str:
    """The legislature's own page, else LegiScan's bill page; never an API address."""
    for key in ("state_link", "url"):
        url = bill.get(key)
        if isinstance(url, str) and url.startswith("http") and "api.legiscan.com" not in url:
            return url
    raise SourceError("LegiScan getBill: the bill has no page URL")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
