"""GovInfo congressional bills RSS: every new bill version published by the GPO (keyless).

Each feed entry is one package, one version of a bill (BILLS-119s1367is). Items are keyed by
the bill (BILLS-119s1367), so a new version ("Reported in Senate") is an update of the same item.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.alerts.feeds import entry_time, fetch_items, strip_html
from bot.alerts.items import AlertItem, ItemKind
from bot.alerts.sources import Budget, HttpGetter, Page, UnchangedEntries

DEFAULT_URL = "https://www.govinfo.gov/rss/bills.xml"
_PACKAGE = re.compile(
    r"BILLS-(?P<congress>\d{2,3})(?P<type>hr|s|hjres|sjres|hconres|sconres|hres|sres)"
    r"(?P<number>\d+)(?P<version>[a-z]+)\b"
)
_TYPES = {
    "hr": "H.R.",
    "s": "S.",
    "hjres": "H.J.Res.",
    "sjres": "S.J.Res.",
    "hconres": "H.Con.Res.",
    "sconres": "S.Con.Res.",
    "hres": "H.Res.",
    "sres": "S.Res.",
}
_VERSIONS = {
    "ih": "Introduced in House",
    "is": "Introduced in Senate",
    "rh": "Reported in House",
    "rs": "Reported in Senate",
    "rfh": "Referred in House",
    "rfs": "Referred in Senate",
    "eh": "Engrossed in House",
    "es": "Engrossed in Senate",
    "eah": "Engrossed amendment House",
    "eas": "Engrossed amendment Senate",
    "enr": "Enrolled (passed both chambers)",
    "pcs": "Placed on Calendar Senate",
    "pch": "Placed on Calendar House",
    "ath": "Agreed to House",
    "ats": "Agreed to Senate",
    "pp": "Public print",
}
_TITLE_PREFIX = re.compile(r"^\s*[HS][.\w ]*?\d+\s*\([A-Z]+\)\s*[-–—:]\s*")


class GovInfoBills:
    """The GovInfo bills feed as a source."""

    name = "govinfo-bills"
    hash_fields = ("title", "status", "url")
    poll_interval = timedelta(hours=1)
    budget = Budget(per_hour=4, per_day=48)

    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = url

    async def fetch(self, client: HttpGetter, cursor: str | None) -> Page:
        return await self.fetch_unread(client, cursor, None)

    async def fetch_unread(
        self, client: HttpGetter, cursor: str | None, unchanged: UnchangedEntries | None
    ) -> Page:
        """The feed's bills, leaving out unread the entries the store holds unchanged."""
        return await fetch_items(
            client,
            self.url,
            cursor,
            what="GovInfo bills feed",
            source=self.name,
            build=self._item,
            unchanged=unchanged,
        )

    def _item(self, entry: Any, entry_hash: str | None = None) -> AlertItem | None:
        match = _package(entry.get("link") or "", entry.get("id") or "")
        if match is None:
            return None
        bill_type, number = match["type"], match["number"]
        title = _TITLE_PREFIX.sub("", strip_html(entry.get("title"))) or strip_html(
            entry.get("summary")
        )
        published = entry_time(entry)
        return AlertItem(
            source=self.name,
            external_id=f"BILLS-{match['congress']}{bill_type}{number}",  # the bill, any version
            kind=ItemKind.BILL,
            jurisdiction="US",
            identifier=f"{_TYPES[bill_type]}{number}",
            title=title[:500],
            url=f"https://www.govinfo.gov/app/details/{match.group(0)}",
            status=_VERSIONS.get(match["version"], match["version"].upper()),
            status_date=published[:10] if published else None,
            published_at=published,
            attribution="GovInfo, U.S. Government Publishing Office",
            entry_hash=entry_hash,
        )


def _package(link: str, guid: str) -> re.Match[str] | None:
    return _PACKAGE.search(link) or _PACKAGE.search(guid)
