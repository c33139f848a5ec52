"""Reads see committed rows only: an ingest that rolls back is never seen by the poster."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.alerts.outbox import Delivery, Outbox
from bot.alerts.store import AlertStore
from bot.db import Connection, Database, Result, Row, Script, Step
from tests.alerts.conftest import T0, bill


class _PausingConnection:
    """A transaction that stops right after writing outbox rows until the test lets it go on."""

    def __init__(self, inner: Connection, db: PausingDatabase) -> None:
        self._inner = inner
        self._db = db

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> Result:
        return await self._paused_after(sql, await self._inner.execute(sql, params))

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> Result:
        return await self._paused_after(sql, await self._inner.executemany(sql, rows))

    async def _paused_after(self, sql: str, result: Result) -> Result:
        """Outbox rows go in with one statement or with executemany (Database.insert_many)."""
        if "INSERT" in sql and "alert_outbox" in sql:
            self._db.outbox_written.set()
            await self._db.go_on.wait()
        return result

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        return await self._inner.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return await self._inner.fetchall(sql, params)


class PausingDatabase(Database):
    """The real database whose transactions pause once their outbox rows are written."""

    outbox_written: asyncio.Event
    go_on: asyncio.Event

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with super().transaction() as tx:
            yield _PausingConnection(tx, self)


async def _open(where: Path | str) -> tuple[PausingDatabase, AlertStore]:
    db = await PausingDatabase.open(where)
    db.outbox_written, db.go_on = asyncio.Event(), asyncio.Event()
    store = AlertStore(db)
    await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    await store.ingest("govinfo", [], now=T0)  # the first poll only seeds
    db.go_on.set()
    db.outbox_written.clear()
    return db, store


async def _poll_outbox_while_written(db: PausingDatabase, *, wait_for_read: bool) -> list[Delivery]:
    """The poster's read, started while the ingest's outbox rows are written, not committed.

    On a file the ingest waits until the read has finished; in memory the read waits for the
    writer's lock, so the ingest only waits until the read has asked.
    """
    await db.outbox_written.wait()
    reading = asyncio.ensure_future(Outbox(db).due(T0 + timedelta(days=1)))
    if not wait_for_read:
        await asyncio.sleep(0)  # let the read reach the lock before the writer goes on
        db.go_on.set()
        return await reading
    try:
        return await reading
    finally:
        db.go_on.set()


@pytest.mark.parametrize("where", ["file", ":memory:", "postgresql"])
async def test_the_poster_never_sees_outbox_rows_of_an_ingest_that_rolls_back(
    request: pytest.FixtureRequest, tmp_path: Path, where: str
) -> None:
    if where == "postgresql":
        target: Path | str = await request.getfixturevalue("pg_server").new_database()
    else:
        target = tmp_path / "bot.db" if where == "file" else Path(":memory:")
    db, store = await _open(target)
    try:
        db.go_on.clear()
        poster = asyncio.ensure_future(
            _poll_outbox_while_written(db, wait_for_read=where != ":memory:")
        )
        # A dry run works everything out, outbox rows included, and then rolls back.
        result = await store.ingest("govinfo", [bill(1)], now=T0 + timedelta(hours=1), dry_run=True)
        assert result.new == 1 and result.queued == 1
        assert await poster == []
        assert await Outbox(db).due(T0 + timedelta(days=1)) == []
    finally:
        await db.close()


async def test_committed_rows_are_seen_once_committed_and_not_before(
    db_target: Path | str,
) -> None:
    db, store = await _open(db_target)
    try:
        db.go_on.clear()
        poster = asyncio.ensure_future(_poll_outbox_while_written(db, wait_for_read=True))
        result = await store.ingest("govinfo", [bill(1)], now=T0 + timedelta(hours=1))
        assert result.queued == 1
        assert await poster == []  # read while the transaction was open
        (delivery,) = await Outbox(db).due(T0 + timedelta(days=1))
        assert delivery.item.item.identifier == "S.1"
    finally:
        await db.close()


async def test_a_transaction_handle_cannot_be_used_after_it_ended(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO bot_state (key, value, updated_at) VALUES ('k', 'v', 'now')")
    with pytest.raises(RuntimeError, match="has ended"):
        await tx.fetchone("SELECT 1")


async def test_reads_cannot_write(db: Database) -> None:
    with pytest.raises(
        (sqlite3.OperationalError, asyncpg.PostgresError), match="readonly|read-only"
    ):
        await db.fetchall("DELETE FROM bot_state RETURNING key")


def _state_script(keys: list[str], *, fail_after: int | None = None) -> Script[list[str]]:
    """Write a bot_state row per key, read them back; a bad statement after `fail_after`."""
    for n, key in enumerate(keys):
        if n == fail_after:
            yield Step("INSERT INTO no_such_table VALUES (1)")
        written = yield Step(
            "INSERT INTO bot_state (key, value, updated_at) VALUES (?, 'v', 'now')", (key,)
        )
        assert written.rowcount == 1
    row = yield Step("SELECT COUNT(*) AS n FROM bot_state WHERE key LIKE 's%'", rows="one")
    rows = yield Step("SELECT key FROM bot_state WHERE key LIKE 's%' ORDER BY key", rows="all")
    assert row is not None and row["n"] == len(rows)
    return [r["key"] for r in rows]


async def _keys(db: Database) -> list[str]:
    rows = await db.fetchall("SELECT key FROM bot_state WHERE key LIKE 's%' ORDER BY key")
    return [r["key"] for r in rows]


async def test_a_script_commits_what_it_wrote_and_returns_its_result(db: Database) -> None:
    assert await db.atomically(_state_script(["s1", "s2"])) == ["s1", "s2"]
    assert await _keys(db) == ["s1", "s2"]


async def test_a_script_whose_statement_fails_writes_nothing(db: Database) -> None:
    with pytest.raises((sqlite3.OperationalError, asyncpg.PostgresError)):
        await db.atomically(_state_script(["s1", "s2", "s3"], fail_after=2))
    assert await _keys(db) == []
    assert await db.atomically(_state_script(["s4"])) == ["s4"], "and the next one works"


async def test_a_script_that_fails_itself_writes_nothing(db: Database) -> None:
    def failing() -> Script[None]:
        yield Step("INSERT INTO bot_state (key, value, updated_at) VALUES ('s1', 'v', 'now')")
        raise ValueError("the script's own error")

    with pytest.raises(ValueError, match="own error"):
        await db.atomically(failing())
    assert await _keys(db) == []


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A SQLite database of its own, for what only SQLite's writer thread does."""
    db = await Database.open(tmp_path / "bot.db")
    yield db
    await db.close()


def _trips_to_the_writer(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The calls handed to SQLite's writer thread from now on."""
    writer = db._backend._conn  # type: ignore[attr-defined]  # noqa: SLF001
    trips: list[object] = []
    execute = writer._execute  # noqa: SLF001

    def counted(fn: Any, *args: Any) -> Any:
        trips.append(fn)
        return execute(fn, *args)

    monkeypatch.setattr(writer, "_execute", counted)
    return trips


async def test_on_sqlite_a_script_is_one_trip_to_the_writer(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite_db
    trips = _trips_to_the_writer(db, monkeypatch)
    assert await db.atomically(_state_script(["s1", "s2", "s3"])) == ["s1", "s2", "s3"]
    assert len(trips) == 1


async def test_a_cancelled_script_leaves_all_or_nothing_and_the_writer_free(db: Database) -> None:
    slow = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
        "SELECT COUNT(*) FROM n"
    )

    def script() -> Script[None]:
        yield Step("INSERT INTO bot_state (key, value, updated_at) VALUES ('s1', 'v', 'now')")
        yield Step(slow, rows="one")
        yield Step("INSERT INTO bot_state (key, value, updated_at) VALUES ('s2', 'v', 'now')")

    task = asyncio.ensure_future(db.atomically(script()))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _keys(db) in ([], ["s1", "s2"])
    assert await db.atomically(_state_script(["s3"])) in (["s3"], ["s1", "s2", "s3"])


async def test_on_sqlite_scripts_queue_on_the_writer_without_waiting_for_the_one_before(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite_db
    trips = _trips_to_the_writer(db, monkeypatch)
    first_runs, let_go = threading.Event(), threading.Event()

    def held() -> Script[list[str]]:
        first_runs.set()  # on the writer's thread: it is busy with this script until let go
        let_go.wait(timeout=30)
        return (yield from _state_script(["s0"]))

    first = asyncio.ensure_future(db.atomically(held()))
    try:
        await asyncio.to_thread(first_runs.wait, 30)
        rest = [asyncio.ensure_future(db.atomically(_state_script([f"s{n}"]))) for n in (1, 2, 3)]
        for _ in range(100):  # a few passes of the loop: each script is handed to the writer
            if len(trips) == 4:
                break
            await asyncio.sleep(0)
        assert len(trips) == 4, "queued behind the running script, not waiting for its answer"
    finally:
        let_go.set()
    assert await first == ["s0"]
    assert [await task for task in rest] == [
        ["s0", "s1"],
        ["s0", "s1", "s2"],
        ["s0", "s1", "s2", "s3"],
    ], "run in the order they came, each whole"


async def test_on_sqlite_scripts_and_transactions_at_once_keep_each_other_whole(
    sqlite_db: Database,
) -> None:
    db = sqlite_db
    await db.execute("INSERT INTO bot_state (key, value, updated_at) VALUES ('n', '0', 'now')")

    def bump() -> Script[None]:
        row = yield Step("SELECT value FROM bot_state WHERE key = 'n'", rows="one")
        assert row is not None
        yield Step("UPDATE bot_state SET value = ? WHERE key = 'n'", (str(int(row[0]) + 1),))

    async def bump_awaited() -> None:
        async with db.transaction() as tx:
            row = await tx.fetchone("SELECT value FROM bot_state WHERE key = 'n'")
            assert row is not None
            await asyncio.sleep(0)  # others run meanwhile; none may write in between
            await tx.execute(
                "UPDATE bot_state SET value = ? WHERE key = 'n'", (str(int(row[0]) + 1),)
            )

    work = [bump_awaited() if n % 4 == 0 else db.atomically(bump()) for n in range(80)]
    await asyncio.gather(*work)
    row = await db.fetchone("SELECT value FROM bot_state WHERE key = 'n'")
    assert row is not None and row[0] == "80", "no read-modify-write lost"
