"""The bot's own small facts (bot_state table): read and write by key."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.db import Database

_GET = "SELECT value FROM bot_state WHERE key = ?"
_PUT = """
INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
"""


class BotState:
    """Key/value facts that must survive a restart."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        """The stored value for key, or None."""
        row = await self._db.fetchone(_GET, (key,))
        return None if row is None else str(row["value"])

    async def put(self, key: str, value: str) -> None:
        """Store value under key, replacing what was there."""
        await self._db.execute(_PUT, (key, value, datetime.now(UTC).isoformat()))
