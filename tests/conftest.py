"""Fixtures for every test: the database each test runs against, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.db import Database
from tests.pgserver import PgServer, find_bin, required


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A throw-away PostgreSQL cluster for the session; skipped (or failed in CI) without one."""
    bin_dir = find_bin()
    if bin_dir is None:
        reason = "no PostgreSQL server binaries (set PG_BIN, or apt-get install postgresql-15)"
        if required():
            pytest.fail(reason)
        pytest.skip(reason)
    server = PgServer(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a test's database lives: a SQLite file, or a fresh migrated PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "bot.db"
    server: PgServer = request.getfixturevalue("pg_server")
    return await server.new_database()


@pytest.fixture
async def db(db_target: Path | str) -> AsyncIterator[Database]:
    """The bot's database with every migration, on each backend in turn."""
    database = await Database.open(db_target)
    yield database
    await database.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a database with no tables yet lives, on each backend in turn (migration tests)."""
    if request.param == "sqlite":
        return tmp_path / "bot.db"
    server: PgServer = request.getfixturevalue("pg_server")
    return await server.new_database(empty=True)


@pytest.fixture
async def pg_url(pg_server: PgServer) -> str:
    """A fresh PostgreSQL database with every migration (PostgreSQL-only tests)."""
    return await pg_server.new_database()
