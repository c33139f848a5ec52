"""The full-text index of the standards: SQLite FTS5 (BM25) in its own in-memory database.

The index is derived data, rebuilt whenever the text is loaded, so it lives apart from the
bot's database (and keeps SQLite-only FTS5 out of the portable schema).
"""

from __future__ import annotations

from collections.abc import Iterable

import aiosqlite

from bot.standards.model import Section

_CREATE = """
CREATE VIRTUAL TABLE sections USING fts5(
    section_id UNINDEXED, title, keywords, body,
    tokenize = 'porter unicode61 remove_diacritics 2'
)
"""
_INSERT = "INSERT INTO sections (section_id, title, keywords, body) VALUES (?, ?, ?, ?)"
# Titles count most, then the words creators use (keywords), then the body.
# bm25() weights per column: section_id (unindexed), title, keywords, body.
_SEARCH = """
SELECT section_id, bm25(sections, 0.0, 10.0, 6.0, 1.0) AS score
FROM sections WHERE sections MATCH ? ORDER BY score LIMIT ?
"""


class SearchIndex:
    """BM25 search over sections; lower scores are better matches, as FTS5 reports them."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    @classmethod
    async def build(cls, sections: Iterable[Section]) -> SearchIndex:
        """Index the sections in a new in-memory database."""
        conn = await aiosqlite.connect(":memory:")
        try:
            await conn.execute(_CREATE)
            rows = ((s.id, s.title, " ".join(s.keywords), s.body) for s in sections)
            await conn.executemany(_INSERT, rows)
            await conn.commit()
        except BaseException:
            await conn.close()
            raise
        return cls(conn)

    async def search(self, fts_query: str, limit: int = 10) -> list[tuple[str, float]]:
        """Section ids and BM25 scores for an FTS5 query, best first."""
        if not fts_query:
            return []
        async with self._conn.execute(_SEARCH, (fts_query, limit)) as cursor:
            return [(row[0], row[1]) async for row in cursor]

    async def close(self) -> None:
        await self._conn.close()
