"""Federal Register API: rules, proposed rules and notices that mention AI topics (keyless).

Polls /api/v1/documents.json for documents matching a term query, newest first, from a date a
week before the last poll (an overlap window: the store's seen set drops repeats, and documents
published late are still caught).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.alerts.feeds import strip_html
from bot.alerts.items import AlertItem, ItemKind
from bot.alerts.sources import Budget, HttpGetter, Page, SourceError, get, json_body

DEFAULT_BASE_URL = "https://www.federalregister.gov/api/v1"
DEFAULT_TERM = (
    '"artificial intelligence" | "generative AI" | deepfake | "digital replica" | '
    '"synthetic media" | "voice cloning"'
)
OVERLAP = timedelta(days=7)
FIELDS = (
    "document_number",
    "title",
    "type",
    "abstract",
    "html_url",
    "publication_date",
    "agencies",
    "comments_close_on",
    "docket_ids",
)


class FederalRegister:
    """Federal Register documents as a source."""

    name = "federal-register"
    hash_fields = ("title", "status", "url")
    poll_interval = timedelta(hours=4)
    budget = Budget(per_hour=6, per_day=40)

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        term: str = DEFAULT_TERM,
        agencies: Sequence[str] = (),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.term = term
        # Agency slugs as the API names them (e.g. "copyright-office-library-of-congress",
        # "federal-trade-commission"); none means every agency.
        self.agencies = tuple(agencies)

    async def fetch(
        self, client: HttpGetter, cursor: str | None, *, today: date | None = None
    ) -> Page:
        today = today or datetime.now(UTC).date()
        since = _since(cursor, today)
        params: list[tuple[str, str]] = [
            ("conditions[term]", self.term),
            ("conditions[publication_date][gte]", since.isoformat()),
            ("order", "newest"),
            ("per_page", "100"),
            *(("fields[]", f) for f in FIELDS),
            *(("conditions[agencies][]", a) for a in self.agencies),
        ]
        response = await get(
            client, f"{self.base_url}/documents.json", what="Federal Register", params=params
        )
        try:
            results = json_body(response, "Federal Register").get("results") or []
            items = [self._item(doc) for doc in results]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SourceError(f"unexpected response: {type(exc).__name__}: {exc}") from exc
        return Page(items=items, cursor=json.dumps({"since": today.isoformat()}))

    def _item(self, doc: dict[str, Any]) -> AlertItem:
        agencies = ", ".join(a["name"] for a in doc.get("agencies") or [] if a.get("name"))
        status = doc["type"]
        if doc.get("comments_close_on"):
            status += f"; comments close {doc['comments_close_on']}"
        published = doc["publication_date"]
        return AlertItem(
            source=self.name,
            external_id=doc["document_number"],
            kind=ItemKind.REGULATION,
            jurisdiction="US",
            identifier=f"FR Doc. {doc['document_number']}",
            title=strip_html(doc["title"])[:500],
            url=doc["html_url"],
            status=status,
            status_date=published,
            published_at=f"{published}T00:00:00+00:00",
            attribution=f"Federal Register{' · ' + agencies if agencies else ''}",
            summary=strip_html(doc.get("abstract")) or None,
            abstract=strip_html(doc.get("abstract")) or None,
        )


def _since(cursor: str | None, today: date) -> date:
    if not cursor:
        return today - OVERLAP
    last = date.fromisoformat(json.loads(cursor)["since"])
    return min(last, today) - OVERLAP
