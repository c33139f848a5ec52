"""The SQLite database: one aiosqlite connection, numbered migrations, transactions, backups."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
BUSY_TIMEOUT_MS = 5000


class DatabaseError(Exception):
    """The database cannot be used as it is; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered schema change."""

    number: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    """The migrations shipped in bot/migrations, in order, checked to be contiguous."""
    folder = resources.files("bot") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return check_sequence(found)


def check_sequence(migrations: Iterable[Migration]) -> list[Migration]:
    """Sort migrations and insist on numbers 1, 2, 3 … with no gap or repeat."""
    ordered = sorted(migrations, key=lambda m: m.number)
    for expected, migration in enumerate(ordered, start=1):
        if migration.number != expected:
            raise DatabaseError(
                f"migration {migration.number:04d}_{migration.name} is out of sequence "
                f"(expected {expected:04d})"
            )
    return ordered


def placeholders(count: int) -> str:
    """ "?, ?, ?" for an IN (…) list of count values (the values stay parameters)."""
    return ", ".join("?" * count)


class Database:
    """One shared connection; writers take turns through `transaction()`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, migrations: list[Migration] | None = None) -> Database:
        """Open (creating folder and file), set pragmas, and apply pending migrations."""
        if str(path) != ":memory:":
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        db = cls(conn, path)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await db.migrate(bundled_migrations() if migrations is None else migrations)
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        """Close the connection; safe to call twice."""
        await self._conn.close()

    async def schema_version(self) -> int:
        """The number of the last migration applied (SQLite's user_version)."""
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, migrations: list[Migration]) -> list[Migration]:
        """Apply the migrations this database has not seen, each in its own transaction."""
        migrations = check_sequence(migrations)
        current = await self.schema_version()
        latest = migrations[-1].number if migrations else 0
        if current > latest:
            raise DatabaseError(
                f"the database at {self.path} is at schema version {current}, newer than this "
                f"version of coalition-bot knows ({latest}); upgrade the bot or restore a backup"
            )
        applied = []
        async with self._write_lock:
            for migration in migrations[current:]:
                await self._apply(migration)
                applied.append(migration)
        return applied

    async def _apply(self, migration: Migration) -> None:
        log.info("Applying migration %04d_%s", migration.number, migration.name)
        script = f"BEGIN;\n{migration.sql}\n;PRAGMA user_version = {migration.number};\nCOMMIT;"
        try:
            await self._conn.executescript(script)
        except Exception as exc:
            if self._conn.in_transaction:
                await self._conn.execute("ROLLBACK")
            raise DatabaseError(
                f"migration {migration.number:04d}_{migration.name} failed: {exc}"
            ) from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block of writes atomically: committed on success, rolled back on error."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write in its own transaction; return the number of rows changed."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, tuple(params))
            return cursor.rowcount

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """Run a query and return its first row, or None."""
        async with self._conn.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Run a query and return all its rows."""
        async with self._conn.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def backup_to(self, target: Path) -> None:
        """Write a consistent copy to target (SQLite's online backup), atomically."""
        await backup(self._conn, target)


async def backup(source: aiosqlite.Connection, target: Path) -> None:
    """Copy a live database to target through a temporary file, then rename it into place."""
    partial = await asyncio.to_thread(_prepare_backup_target, target)
    async with aiosqlite.connect(partial) as dest:
        await source.backup(dest)
        await dest.execute("PRAGMA journal_mode = DELETE")
    await asyncio.to_thread(partial.replace, target)


def _prepare_backup_target(target: Path) -> Path:
    if target.exists():
        raise DatabaseError(f"{target} already exists; choose a new file name for the backup")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    return partial


async def backup_file(source_path: Path, target: Path) -> None:
    """Back up the database file at source_path while another process may be writing to it."""
    if not await asyncio.to_thread(source_path.is_file):
        raise DatabaseError(f"there is no database at {source_path}")
    async with aiosqlite.connect(source_path) as source:
        await source.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await backup(source, target)
