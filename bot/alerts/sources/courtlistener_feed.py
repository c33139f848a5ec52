"""CourtListener's RECAP search feed (Atom, keyless): new filings in tracked dockets, new AI cases.

Each poll reads /feed/search/?type=r twice: once for the tracked dockets
(q=docket_id:(A OR B …)), where every new docket entry is its own FILING item, posted without the
topic matcher; and once for a topical query with the tracked dockets excluded, where each docket
found is one CASE item for the matcher to judge. The feed lists RECAP documents, the 20 newest by
filing date; an entry gives the case name, the court, the filing date, the document's page and up
to 500 characters of its text, but neither the docket entry's description nor the docket number.
The docket number is read from the header the court's ECF system stamps on every page
("Case 1:23-cv-11195-SHS-OTW Document 123 Filed …") when the text is there.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.alerts.feeds import entry_time, fetch_feed, strip_html
from bot.alerts.items import AlertItem, ItemKind
from bot.alerts.sources import Budget, HttpGetter, Page, TrackedCase

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.courtlistener.com"
DEFAULT_QUERY = (
    '("generative AI" OR "artificial intelligence" OR "large language model" OR "training data"'
    ' OR "digital replica" OR deepfake OR "voice clone" OR "voice cloning")'
    ' AND (copyright OR "right of publicity" OR likeness)'
)
ATTRIBUTION = "CourtListener (Free Law Project)"
WHAT = "CourtListener feed"
# Each feed holds only the 20 newest documents and the OR list lengthens the URL: past this many
# tracked dockets, they are split over several requests.
MAX_DOCKETS_PER_FEED = 25

# RECAP document pages: /docket/<docket id>/<document number>/[<attachment number>/]<slug>/
_DOCUMENT_PATH = re.compile(
    r"^/docket/(?P<docket>\d+)/(?P<number>\d+)/(?:(?P<attachment>\d+)/)?(?P<slug>[^/]*)/?$"
)
# The ECF header opens the text: "Case 1:23-cv-11195-SHS-OTW Document 812 Filed …" (district
# courts; judges' initials follow the number) or "Case: 25-1234 Document: 12" (courts of appeals).
_ECF_HEADER = re.compile(
    r"^\s*Case:?\s+(?P<number>\d{1,2}:\d{2}-[a-z]{1,5}-\d{2,6}|\d{2}-\d{2,6})(?!\d)", re.I
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class _Document:
    """One feed entry: a RECAP document (a docket entry's main document or an attachment)."""

    docket_id: int
    number: str
    attachment: str | None
    slug: str
    case_name: str
    court: str
    text: str
    filed_on: str | None
    published_at: str | None

    @property
    def docket_number(self) -> str | None:
        match = _ECF_HEADER.match(self.text)
        return match["number"] if match else None


class CourtListenerFeed:
    """CourtListener's RECAP search feed as a source."""

    name = "courtlistener-feed"
    hash_fields = ("title", "status", "url")
    poll_interval = timedelta(hours=1)
    budget = Budget(per_hour=6, per_day=60)

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        tracked: Callable[[], Sequence[TrackedCase]] = lambda: (),
        query: str = DEFAULT_QUERY,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tracked = tracked
        self.query = query.strip()

    async def fetch(self, client: HttpGetter, cursor: str | None) -> Page:
        tracked = {case.docket_id: case for case in self.tracked()}
        validators = _validators(cursor)
        next_validators: dict[str, dict[str, str]] = {}
        documents: list[_Document] = []
        modified = False
        for url in self.feed_urls(sorted(tracked)):
            previous = validators.get(url)
            feed, state = await fetch_feed(
                client, url, json.dumps(previous) if previous else None, what=WHAT
            )
            if state and (kept := {k: v for k, v in json.loads(state).items() if v}):
                next_validators[url] = kept
            if feed is not None:
                modified = True
                documents += [d for e in feed.entries if (d := self._document(e))]
        next_cursor = json.dumps(next_validators, sort_keys=True)
        if not modified:
            return Page(cursor=next_cursor, not_modified=True)
        return Page(items=self._items(documents, tracked), cursor=next_cursor)

    def feed_urls(self, docket_ids: Sequence[int]) -> list[str]:
        """The feeds one poll reads: the tracked dockets (in chunks), then the topical query."""
        queries = [
            f"docket_id:({_any(docket_ids[i : i + MAX_DOCKETS_PER_FEED])})"
            for i in range(0, len(docket_ids), MAX_DOCKETS_PER_FEED)
        ]
        if self.query:
            # Tracked dockets' filings would fill the 20 places and hide the cases not yet known.
            exclude = f" AND NOT docket_id:({_any(docket_ids)})" if docket_ids else ""
            queries.append(f"({self.query}){exclude}")
        feed = f"{self.base_url}/feed/search/"
        return [str(httpx.URL(feed, params={"type": "r", "q": q})) for q in queries]

    def _document(self, entry: Any) -> _Document | None:
        path = urlsplit(entry.get("link") or "").path
        match = _DOCUMENT_PATH.match(path)
        if match is None:
            # Entries without a document number (minute entries) link to the site's front page.
            log.debug("skipping a CourtListener entry without a document page: %s", path)
            return None
        published = entry.get("published") or ""
        return _Document(
            docket_id=int(match["docket"]),
            number=match["number"],
            attachment=match["attachment"],
            slug=match["slug"],
            case_name=strip_html(entry.get("title")),
            court=strip_html(entry.get("author")),
            text=strip_html(entry.get("summary")).removesuffix("Original document").strip(),
            filed_on=published[:10] if _DATE.match(published) else None,
            published_at=entry_time(entry),
        )

    def _items(
        self, documents: list[_Document], tracked: dict[int, TrackedCase]
    ) -> list[AlertItem]:
        # A docket number read from any of a docket's documents names all of them.
        numbers = {d.docket_id: n for d in reversed(documents) if (n := d.docket_number)}
        chosen: dict[str, _Document] = {}
        for doc in documents:  # newest first
            key = _key(doc, tracked)
            current = chosen.get(key)
            # An entry's attachments fold into the entry; its main document speaks for it.
            filing = doc.docket_id in tracked
            if current is None or (filing and current.attachment and not doc.attachment):
                chosen[key] = doc
        return [
            self._filing(doc, key, tracked[doc.docket_id], numbers.get(doc.docket_id))
            if doc.docket_id in tracked
            else self._case(doc, key, numbers.get(doc.docket_id))
            for key, doc in chosen.items()
        ]

    def _filing(self, doc: _Document, key: str, case: TrackedCase, number: str | None) -> AlertItem:
        case_name = doc.case_name or case.name
        return AlertItem(
            source=self.name,
            external_id=key,
            kind=ItemKind.FILING,
            jurisdiction="US",  # RECAP holds federal (PACER) dockets only
            identifier=number or f"Docket {doc.docket_id}",
            title=f"Entry #{doc.number} in {case_name}"[:500],
            url=f"{self.base_url}/docket/{doc.docket_id}/{doc.number}/{doc.slug}/",
            status=f"Entry #{doc.number}",
            status_date=doc.filed_on,
            published_at=doc.published_at,
            attribution=ATTRIBUTION,
            summary=doc.text or None,
            abstract=doc.text or None,
            always_relevant=True,
        )

    def _case(self, doc: _Document, key: str, number: str | None) -> AlertItem:
        return AlertItem(
            source=self.name,
            external_id=key,
            kind=ItemKind.CASE,
            jurisdiction="US",
            identifier=number or f"Docket {doc.docket_id}",
            title=doc.case_name[:500] or f"Docket {doc.docket_id}",
            url=f"{self.base_url}/docket/{doc.docket_id}/{doc.slug}/",
            # The court, not the document: a case found again through a later filing is unchanged.
            status=doc.court or None,
            status_date=doc.filed_on,
            published_at=doc.published_at,
            attribution=ATTRIBUTION,
            summary=doc.text or None,
        )


def _key(doc: _Document, tracked: dict[int, TrackedCase]) -> str:
    """Tracked dockets: one item per docket entry; other dockets: one item per case."""
    if doc.docket_id in tracked:
        return f"{doc.docket_id}/{doc.number}"
    return f"docket-{doc.docket_id}"


def _any(docket_ids: Sequence[int]) -> str:
    return " OR ".join(str(i) for i in docket_ids)


def _validators(cursor: str | None) -> dict[str, dict[str, str]]:
    """ETag / Last-Modified per feed URL; a cursor from another version starts afresh."""
    if not cursor:
        return {}
    try:
        loaded = json.loads(cursor)
    except ValueError:
        loaded = None
    if not isinstance(loaded, dict):
        log.warning("ignoring a CourtListener feed cursor that is not a JSON object")
        return {}
    return {url: v for url, v in loaded.items() if isinstance(v, dict)}
