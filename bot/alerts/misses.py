"""Alerts a server's managers marked "Not relevant", with the terms that matched them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.alerts.items import REASON_SEPARATOR
from bot.csvfile import to_csv
from bot.db import Database
from bot.errors import UserFacingError

_ITEM = "SELECT id, version, identifier, title, url, tier, reasons FROM alert_items WHERE id = ?"
_MARK = """
INSERT INTO alert_misses (guild_id, item_id, item_version, identifier, title, url, tier, reasons,
    marked_by, marked_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (guild_id, item_id) DO NOTHING
"""
_LIST = "SELECT * FROM alert_misses WHERE guild_id = ? ORDER BY marked_at DESC, id DESC LIMIT ?"
MAX_LISTED = 1000


@dataclass(frozen=True, slots=True)
class Miss:
    """One alert marked not relevant, as it was when marked."""

    item_id: int
    item_version: int
    identifier: str
    title: str
    url: str
    tier: str | None
    reasons: tuple[str, ...]
    marked_by: int
    marked_at: str

    @classmethod
    def from_row(cls, row: Any) -> Miss:
        return cls(
            item_id=row["item_id"],
            item_version=row["item_version"],
            identifier=row["identifier"],
            title=row["title"],
            url=row["url"],
            tier=row["tier"],
            reasons=tuple(r for r in row["reasons"].split(REASON_SEPARATOR) if r),
            marked_by=row["marked_by"],
            marked_at=row["marked_at"],
        )


class Misses:
    """Owns alert_misses: the feedback that tunes the matcher's terms on real traffic."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def mark(
        self, guild_id: int, item_id: int, user_id: int, *, now: datetime | None = None
    ) -> bool:
        """Record that an alert was not relevant here; False if it was marked already."""
        item = await self._db.fetchone(_ITEM, (item_id,))
        if item is None:
            raise UserFacingError("That alert is no longer stored, so it can't be marked.")
        stamp = (now or datetime.now(UTC)).isoformat()
        changed = await self._db.execute(
            _MARK,
            (
                guild_id,
                item_id,
                item["version"],
                item["identifier"],
                item["title"],
                item["url"],
                item["tier"],
                item["reasons"],
                user_id,
                stamp,
            ),
        )
        return changed == 1

    async def listed(self, guild_id: int, limit: int = MAX_LISTED) -> list[Miss]:
        """A server's marked alerts, newest first."""
        rows = await self._db.fetchall(_LIST, (guild_id, limit))
        return [Miss.from_row(r) for r in rows]


def misses_csv(misses: list[Miss]) -> str:
    """The marked alerts as CSV, one row each, with the terms that matched."""
    header = ("marked_at", "identifier", "title", "tier", "matched", "url", "marked_by")
    rows = (
        (
            m.marked_at,
            m.identifier,
            m.title,
            m.tier or "",
            REASON_SEPARATOR.join(m.reasons),
            m.url,
            m.marked_by,
        )
        for m in misses
    )
    return to_csv(header, rows)
