"""What the alerts watch beyond the built-in sources: tracked court cases and admin-added feeds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.alerts.sources import TrackedCase
from bot.db import Database
from bot.errors import UserFacingError

MAX_TRACKED_CASES = 50
MAX_FEEDS = 30

_CASES = "SELECT docket_id, name FROM alert_tracked_cases ORDER BY added_at, docket_id"
_TRACK = """
INSERT INTO alert_tracked_cases (docket_id, name, added_by, added_at) VALUES (?, ?, ?, ?)
ON CONFLICT (docket_id) DO UPDATE SET name = excluded.name
"""
_UNTRACK = "DELETE FROM alert_tracked_cases WHERE docket_id = ?"
_FEEDS = "SELECT id, url, title FROM alert_feeds ORDER BY id"
_ADD_FEED = "INSERT INTO alert_feeds (url, title, added_by, added_at) VALUES (?, ?, ?, ?)"
_REMOVE_FEED = "DELETE FROM alert_feeds WHERE id = ?"


@dataclass(frozen=True, slots=True)
class Feed:
    """An RSS/Atom feed admins added; polled as source `feed:<id>`."""

    id: int
    url: str
    title: str

    @property
    def source_name(self) -> str:
        return f"feed:{self.id}"


class Watchlist:
    """Owns the tracked-case and feed tables; keeps a copy in memory for the adapters."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.cases: tuple[TrackedCase, ...] = ()
        self.feeds: tuple[Feed, ...] = ()

    async def load(self) -> None:
        rows = await self._db.fetchall(_CASES)
        self.cases = tuple(TrackedCase(r["docket_id"], r["name"]) for r in rows)
        self.feeds = tuple(
            Feed(r["id"], r["url"], r["title"]) for r in await self._db.fetchall(_FEEDS)
        )

    def tracked(self) -> tuple[TrackedCase, ...]:
        """The tracked dockets now (adapters call this at every poll)."""
        return self.cases

    async def track(self, docket_id: int, name: str, user_id: int | None) -> TrackedCase:
        if docket_id <= 0:
            raise UserFacingError("A CourtListener docket id is a positive number.")
        known = any(c.docket_id == docket_id for c in self.cases)
        if not known and len(self.cases) >= MAX_TRACKED_CASES:
            raise UserFacingError(
                f"At most {MAX_TRACKED_CASES} cases can be tracked; untrack one first."
            )
        name = " ".join(name.split())[:200] or f"Docket {docket_id}"
        await self._db.execute(_TRACK, (docket_id, name, user_id, _now()))
        await self.load()
        return TrackedCase(docket_id, name)

    async def untrack(self, docket_id: int) -> TrackedCase:
        case = next((c for c in self.cases if c.docket_id == docket_id), None)
        if case is None:
            raise UserFacingError(f"Docket {docket_id} is not tracked. See /admin alerts tracked.")
        await self._db.execute(_UNTRACK, (docket_id,))
        await self.load()
        return case

    async def add_feed(self, url: str, title: str, user_id: int | None) -> Feed:
        if any(f.url == url for f in self.feeds):
            raise UserFacingError("That feed is already watched.")
        if len(self.feeds) >= MAX_FEEDS:
            raise UserFacingError(f"At most {MAX_FEEDS} feeds can be watched; remove one first.")
        await self._db.execute(_ADD_FEED, (url, title[:200], user_id, _now()))
        await self.load()
        return next(f for f in self.feeds if f.url == url)

    async def remove_feed(self, feed_id: int) -> Feed:
        feed = next((f for f in self.feeds if f.id == feed_id), None)
        if feed is None:
            raise UserFacingError(f"There is no feed #{feed_id}. See /admin alerts sources.")
        await self._db.execute(_REMOVE_FEED, (feed_id,))
        await self.load()
        return feed


def _now() -> str:
    return datetime.now(UTC).isoformat()
