"""The database: SQLite (default) or PostgreSQL behind one small type, migrations, backups.

Services get `Database` (reads of committed rows, `transaction()` for writes), `Connection`
(inside a transaction), `Result` and `Row`, and write portable SQL with `?` placeholders;
SQLite-only calls stay here and PostgreSQL's in bot/db_pg.py. `Database.dialect` is "sqlite"
or "postgresql"; `Database.try_session_lock`/`session_lock` (PostgreSQL only) hold an advisory
lock on a connection of their own, and `Database.claim` holds a row while work on it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, Self, TypeVar

import aiosqlite

from bot.tasks import Tasks

if TYPE_CHECKING:
    from bot.db_pg import SessionLock

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
BUSY_TIMEOUT_MS = 5000
_C = TypeVar("_C")
_T = TypeVar("_T")
# The writer's page cache (SQLite's default is 2 MB). A poll writes thousands of rows into several
# indexes at once; with 2 MB their pages fall out of the cache between rows, and writing 100,000
# alert rows took twice as long (bench/alerts_ingest_bench.py).
WRITER_CACHE_KIB = 8192
# Pages the write-ahead log may hold before a commit copies it into the database file (SQLite's
# default is 1,000, 4 MiB). One busy poll writes several MiB; with the default every poll's commit
# also ran a checkpoint, and writing 100,000 items and 200,000 outbox rows took 15% longer than
# with 8,192 (32 MiB of log, a file that stays beside the database at about that size).
WAL_CHECKPOINT_PAGES = 8192
# A commit that leaves this many more changed rows since the last such checkpoint has the log
# copied into the database file by a checkpoint on a connection (and thread) of its own, while
# the bot goes on; the writer's own checkpoint above, run inside a COMMIT, is left to the log
# that small writes fill slowly. A busy poll's commit ran that checkpoint itself: 0.3 s of the
# 100,000-item cycle in bench/alerts_ingest_bench.py went on copying pages while nothing else ran.
CHECKPOINT_AFTER_ROWS = 5000
# insert_many on SQLite writes its rows as statements of many rows each (INSERT … SELECT … FROM
# (VALUES (…), (…), …)). One statement takes Python's global lock once to bind its values and
# writes without it, where executemany takes the lock back after every row (beside a busy thread
# each row waited for that thread's turn to end: 20,000 rows took 190 s instead of 0.04 s).
# Every statement holds a power of two of rows, up to what SQLite's limit on bound values lets
# (and _STATEMENT_ROWS), the last padded with rows of NULLs that its WHERE leaves out: a table
# gets a dozen statement sizes for SQLite to keep compiled (one compiled per row count, 128
# sizes of a few hundred rows held 80 MB). Before, the rows went as one JSON array read with
# json_each: SQLite before 3.45 parses a row's JSON again for every column it reads, and the
# 100,000 items of bench/alerts_ingest_bench.py took twice as long to write.
_STATEMENT_ROWS = 1024
# Past this many rows insert_many lays out their values in a worker thread, not on the event loop.
_INLINE_ROWS = 1000
SQLITE = "sqlite"
POSTGRESQL = "postgresql"


class DatabaseError(Exception):
    """The database cannot be used as it is; the message says why and what to do."""


class DatabaseLocationError(DatabaseError):
    """DATABASE_PATH points where the bot can't keep a database (a configuration problem)."""


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


class _RowReader(Protocol):
    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None: ...


async def scalar(source: _RowReader, sql: str, params: Iterable[Any] = ()) -> int:
    """The single number a query such as COUNT(*) returns (0 when it returns no row)."""
    row = await source.fetchone(sql, params)
    return int(row[0]) if row else 0


def is_unique_violation(exc: BaseException) -> bool:
    """Whether a write failed on a UNIQUE constraint, on either backend (PostgreSQL's SQLSTATE
    23505; SQLite's extended error code)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return exc.sqlite_errorcode in _SQLITE_UNIQUE
    return getattr(exc, "sqlstate", None) == "23505"


_SQLITE_UNIQUE = (sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)


@dataclass(frozen=True, slots=True)
class PreparedRows:
    """Rows for `Database.insert_many`, made ready where the caller has time to spare (a worker
    thread working out the next batch): on SQLite laid out as its statements bind them, on
    PostgreSQL the rows."""

    count: int
    rows: Sequence[Sequence[Any]] = ()
    statements: _Statements | None = None  # SQLite


@dataclass(frozen=True, slots=True)
class _Statements:
    """Rows laid out for SQLite's multi-row INSERT: `size` rows a statement, and each
    statement's values (before each row a 1, which the padding rows have as NULL)."""

    width: int
    size: int
    values: list[list[Any]]


def _sqlite_variables() -> int:
    """How many values one SQLite statement may bind (32,766 since SQLite 3.32; 999 before)."""
    probe = sqlite3.connect(":memory:")
    try:
        return probe.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    finally:
        probe.close()


_SQLITE_VARIABLES = _sqlite_variables()


def _check_widths(rows: Sequence[Sequence[Any]], width: int) -> None:
    """Refuse rows that do not hold one value for each of `width` columns (both backends)."""
    if any(len(row) != width for row in rows):
        raise ValueError(f"a row without one value for each of {width} columns")


def _statements(rows: Sequence[Sequence[Any]], width: int) -> _Statements:
    """Rows of `width` values laid out for `_insert_sql`: the smallest power of two of rows a
    statement that holds them all, or as many statements of the largest size as they need."""
    _check_widths(rows, width)
    most = 1
    while most < _STATEMENT_ROWS and 2 * most * (width + 1) <= _SQLITE_VARIABLES:
        most *= 2
    size = 1
    while size < len(rows) and size < most:
        size *= 2
    values: list[list[Any]] = []
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        flat: list[Any] = []
        for row in chunk:
            flat.append(1)
            flat.extend(row)
        flat.extend([None] * ((width + 1) * (size - len(chunk))))
        values.append(flat)
    return _Statements(width, size, values)


async def _laid_out(rows: Sequence[Sequence[Any]], width: int) -> _Statements:
    """`_statements`, in a worker thread when there are many rows."""
    if len(rows) <= _INLINE_ROWS:
        return _statements(rows, width)
    return await asyncio.to_thread(_statements, rows, width)


@functools.lru_cache(maxsize=64)
def _insert_sql(table: str, columns: tuple[str, ...], size: int, on_conflict: str) -> str:
    """INSERT of `size` rows bound as laid out by `_statements`; padding rows are left out."""
    row = f"({placeholders(len(columns) + 1)})"
    picked = ", ".join(f"column{n + 2}" for n in range(len(columns)))
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - our own names
        f"SELECT {picked} FROM (VALUES {', '.join([row] * size)}) "
        f"WHERE column1 IS NOT NULL {on_conflict}"
    )


def placeholders(count: int) -> str:
    """ "?, ?, ?" for an IN (…) list of count values (the values stay parameters)."""
    return ", ".join("?" * count)


class Row(Protocol):
    """A result row: indexable by position and by column name (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __len__(self) -> int: ...

    def keys(self) -> Any: ...


# SQLite's primary result codes for "this database will not take writes right now".
_WRITES_REFUSED = {
    sqlite3.SQLITE_FULL: "the disk is full",
    sqlite3.SQLITE_READONLY: "the file or its folder is read-only",
    sqlite3.SQLITE_IOERR: "the disk reported an I/O error",
    sqlite3.SQLITE_CANTOPEN: "the file or its journal can't be created",
}

# PostgreSQL's SQLSTATEs for the same conditions.
_PG_WRITES_REFUSED = {
    "53100": "the server's disk is full",
    "25006": "the server is read-only",
    "58030": "the server reported an I/O error",
}


@dataclass(frozen=True, slots=True)
class Result:
    """What a write did: rows changed and, on SQLite after an INSERT, the new row's id.

    Portable code asks for a new id with `INSERT … RETURNING id` and `fetchone` instead.
    """

    rowcount: int
    lastrowid: int | None = None


class Connection(Protocol):
    """What a service may do inside a transaction; nothing of SQLite's own API leaks out."""

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> Result: ...

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> Result: ...

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]: ...


@dataclass(frozen=True, slots=True)
class Step:
    """One statement of a transaction given as a script (`Database.atomically`): the script
    gets back its first row or None (`rows="one"`), all its rows (`"all"`), or its `Result`."""

    sql: str
    params: tuple[Any, ...] = ()
    rows: Literal["one", "all", "none"] = "none"


# A transaction as a generator: it yields Steps, is sent what each gave, and returns its result.
Script = Generator[Step, Any, _T]


async def run_script(conn: Connection, script: Script[_T]) -> _T:
    """Drive a script through a transaction's connection, one awaited statement at a time."""
    reply: Any = None
    try:
        while True:
            step = script.send(reply)
            if step.rows == "one":
                reply = await conn.fetchone(step.sql, step.params)
            elif step.rows == "all":
                reply = await conn.fetchall(step.sql, step.params)
            else:
                reply = await conn.execute(step.sql, step.params)
    except StopIteration as stop:
        return stop.value
    finally:
        script.close()


def _run_script_now(conn: sqlite3.Connection, script: Script[_T]) -> _T:
    """A script as one SQLite transaction on the calling thread (aiosqlite's, for the writer)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        reply: Any = None
        while True:
            try:
                step = script.send(reply)
            except StopIteration as stop:
                conn.execute("COMMIT")
                return stop.value
            cursor = conn.execute(step.sql, step.params)
            try:
                if step.rows == "none":
                    reply = Result(cursor.rowcount, cursor.lastrowid)
                else:
                    # Every row is read, as _fetchone does: a statement left half-read (an
                    # INSERT … RETURNING) would still be running at COMMIT.
                    rows = cursor.fetchall()
                    reply = next(iter(rows), None) if step.rows == "one" else rows
            finally:
                cursor.close()
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        script.close()


class Scoped(Generic[_C]):
    """A driver connection lent to one transaction: usable until `end()`, refused after."""

    __slots__ = ("_conn", "_open")

    def __init__(self, conn: _C) -> None:
        self._conn = conn
        self._open = True

    def _live(self) -> _C:
        if not self._open:
            raise RuntimeError("this transaction has ended; start a new one")
        return self._conn

    def end(self) -> None:
        self._open = False


class Transaction(Scoped[aiosqlite.Connection]):
    """One unit of work on the writer: it alone sees its rows until they are committed."""

    __slots__ = ()

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> Result:
        cursor = await self._live().execute(sql, tuple(params))
        return Result(cursor.rowcount, cursor.lastrowid)

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> Result:
        cursor = await self._live().executemany(sql, rows)
        return Result(cursor.rowcount)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        return await _fetchone(self._live(), sql, params)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return await _fetchall(self._live(), sql, params)


async def _fetchone(conn: aiosqlite.Connection, sql: str, params: Iterable[Any]) -> Row | None:
    # One round trip to aiosqlite's thread instead of three (execute, fetch, close): the
    # queries asked for one row are lookups by key, counts and pragmas, never long results.
    rows = await conn.execute_fetchall(sql, tuple(params))
    return next(iter(rows), None)


async def _fetchall(conn: aiosqlite.Connection, sql: str, params: Iterable[Any]) -> list[Row]:
    return list(await conn.execute_fetchall(sql, tuple(params)))


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except BaseException:
        await conn.close()
        raise
    return conn


class Backend(Protocol):
    """One engine under `Database`: SQLite here, PostgreSQL in bot/db_pg.py."""

    dialect: str
    where: str  # the file, or the server with its password left out: for messages

    def transaction(self) -> AbstractAsyncContextManager[Connection]: ...

    async def atomically(self, script: Script[_T]) -> _T: ...

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]: ...

    async def schema_version(self) -> int: ...

    async def migrate(self, migrations: list[Migration]) -> list[Migration]: ...

    async def close(self) -> None: ...


class Database:
    """The bot's database: transactions for writes, reads of committed rows, migrations.

    `Database.open(target)` picks the engine: a `postgresql://` URL opens a PostgreSQL pool
    (bot/db_pg.py), anything else is a SQLite file path (":memory:" for a throw-away one).
    `dialect` says which ("sqlite" or "postgresql") for the few places that must differ.
    """

    def __init__(self, backend: Backend, path: Path | None = None) -> None:
        self._backend = backend
        self.path = path  # the SQLite file; None on PostgreSQL
        self.writes_refused: str | None = None
        self.on_writes_refused: Callable[[str], None] | None = None
        self.on_writes_restored: Callable[[str], None] | None = None

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self._backend.dialect

    @property
    def where(self) -> str:
        """The file or server, for messages (a URL's password is never shown)."""
        return self._backend.where

    @classmethod
    async def open(cls, target: Path | str, migrations: list[Migration] | None = None) -> Self:
        """Open the database at target, applying pending migrations (bundled unless given)."""
        wanted = bundled_migrations() if migrations is None else migrations
        if is_postgres_url(target):
            from bot.db_pg import PostgresBackend

            return cls(await PostgresBackend.open(str(target), wanted))
        path = Path(target)
        return cls(await SQLiteBackend.open(path, wanted), path)

    async def close(self) -> None:
        """Close every connection; safe to call twice."""
        await self._backend.close()

    async def schema_version(self) -> int:
        """The number of the last migration applied."""
        return await self._backend.schema_version()

    async def migrate(self, migrations: list[Migration]) -> list[Migration]:
        """Apply the migrations this database has not seen, each in its own transaction."""
        return await self._backend.migrate(check_sequence(migrations))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """Run a block of writes atomically: committed on success, rolled back on error."""
        async with self._writing(), self._backend.transaction() as conn:
            yield conn

    async def atomically(self, script: Script[_T]) -> _T:
        """Run a transaction given as a script of Steps (see `Step`): committed when it
        returns, rolled back when a statement or the script fails.

        On SQLite the whole script runs in one trip to the writer's thread (the script's own
        Python runs there too, so it must not touch the event loop): a sign-up's five
        statements, BEGIN and COMMIT included, were five trips, 490 µs of CPU against 140 µs
        in one. On PostgreSQL each statement is awaited in `transaction()`.
        """
        async with self._writing():
            return await self._backend.atomically(script)

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        """Around every write: tell the admins once when the database starts refusing writes,
        and once when it takes them again."""
        try:
            yield
        except BaseException as exc:
            self._write_failed(exc)
            raise
        self._write_worked()

    def _write_failed(self, exc: BaseException) -> None:
        reason = _refusal(exc)
        if reason is None or self.writes_refused is not None:
            return
        self.writes_refused = reason
        if self.dialect == SQLITE:
            fix = f"check free disk space and that {self.where} and its folder are writable"
        else:
            fix = f"check the PostgreSQL server at {self.where} (disk space, read-only mode)"
        text = (
            f"The database refuses writes ({reason}: {exc}). New pledges, feedback and alerts "
            f"can't be stored until it is fixed; {fix}. I'll say once when writes work again."
        )
        log.error("%s", text)
        if self.on_writes_refused is not None:
            self.on_writes_refused(text)

    def _write_worked(self) -> None:
        if self.writes_refused is None:
            return
        self.writes_refused = None
        text = "The database takes writes again."
        log.warning("%s", text)
        if self.on_writes_restored is not None:
            self.on_writes_restored(text)

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write in its own transaction; return the number of rows changed."""
        async with self.transaction() as conn:
            return (await conn.execute(sql, params)).rowcount

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """Run a query on committed data and return its first row, or None."""
        return await self._backend.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Run a query on committed data and return all its rows."""
        return await self._backend.fetchall(sql, params)

    async def reserve_id(self, table: str) -> int | None:
        """A new id for table's `id` column that no other process will be given, or None.

        On PostgreSQL it comes from the column's identity sequence (processes share the
        database); on SQLite there is one process, which counts on from MAX(id) itself (None).
        """
        if self.dialect == SQLITE:
            return None
        async with self.transaction() as conn:  # nextval writes: not on the read-only side
            (new_id,) = await self.new_ids(conn, table, 1)
        return new_id

    async def new_ids(self, conn: Connection, table: str, count: int) -> list[int]:
        """`count` ids for new rows of table's `id` column, taken inside the write transaction
        `conn`, so rows and the rows that point at them are written without reading ids back.

        On SQLite the transaction holds the only write lock and the ids count on from MAX(id),
        as SQLite itself would give them; on PostgreSQL they come from the identity sequence,
        which other processes draw from too.
        """
        if count <= 0:
            return []
        if self.dialect == SQLITE:
            last = await scalar(conn, f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - our own table name
            return list(range(last + 1, last + 1 + count))
        sql = "SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)"
        return [int(row[0]) for row in await conn.fetchall(sql, (table, count))]

    def prepare_rows(self, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> PreparedRows:
        """Rows for `columns` made ready for `insert_many` now, so that the insert itself only
        writes: called in a worker thread, it takes laying out their values off the path of the
        database thread, which otherwise waits for it (in a thread beside a busy one)."""
        if self.dialect == SQLITE:
            return PreparedRows(len(rows), statements=_statements(rows, len(columns)))
        return PreparedRows(len(rows), rows=rows)

    async def insert_many(
        self,
        conn: Connection,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]] | PreparedRows,
        *,
        on_conflict: str = "",
    ) -> int:
        """Insert rows (values in `columns` order, text, numbers or None) inside the write
        transaction `conn`; return how many went in (`on_conflict`: an ON CONFLICT clause).

        On SQLite the rows go in statements of many rows each (see _STATEMENT_ROWS), all in
        one call to the database thread; on PostgreSQL the server does the writing, and
        executemany sends the rows in one round trip.
        """
        prepared = rows if isinstance(rows, PreparedRows) else PreparedRows(len(rows), rows)
        if not prepared.count:
            return 0
        if self.dialect == SQLITE:
            laid_out = prepared.statements or await _laid_out(prepared.rows, len(columns))
            if laid_out.width != len(columns):
                raise ValueError(f"rows of {laid_out.width} values for {len(columns)} columns")
            sql = _insert_sql(table, tuple(columns), laid_out.size, on_conflict)
            result = await conn.executemany(sql, laid_out.values)
        else:
            _check_widths(prepared.rows, len(columns))
            marks = placeholders(len(columns))
            names = ", ".join(columns)
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) {on_conflict}"  # noqa: S608 - our own names
            result = await conn.executemany(sql, prepared.rows)
        return result.rowcount

    async def backup_to(self, target: Path) -> None:
        """Write a consistent copy of the committed data to target (SQLite's online backup)."""
        if not isinstance(self._backend, SQLiteBackend):
            raise DatabaseError("backup_to copies SQLite files; use `db backup` (pg_dump)")
        await self._backend.backup_to(target)

    async def try_session_lock(self, key: int) -> SessionLock | None:
        """Take PostgreSQL advisory lock `key` on a connection of its own, or None if held.

        PostgreSQL only (see bot/db_pg.py for the handle's API); on SQLite there is one process
        and nothing to elect, so this raises DatabaseError.
        """
        from bot.db_pg import PostgresBackend

        if not isinstance(self._backend, PostgresBackend):
            raise DatabaseError("session locks need PostgreSQL (DATABASE_URL)")
        return await self._backend.try_session_lock(key)

    @asynccontextmanager
    async def session_lock(self, key: int) -> AsyncIterator[SessionLock | None]:
        """`async with db.session_lock(key) as held:` the lock, or None if another holds it."""
        held = await self.try_session_lock(key)
        try:
            yield held
        finally:
            if held is not None:
                await held.release()

    def skip_locked(self, select: str) -> str:
        """select with FOR UPDATE SKIP LOCKED on PostgreSQL; as it is on SQLite (one process)."""
        return select if self.dialect == SQLITE else f"{select} FOR UPDATE SKIP LOCKED"

    @asynccontextmanager
    async def claim(
        self, select: str, params: Iterable[Any] = ()
    ) -> AsyncIterator[tuple[Connection, Row] | None]:
        """Hold the row select picks while the block works on it; None if it is not there.

        On PostgreSQL the row is locked FOR UPDATE SKIP LOCKED in a transaction that lasts as
        long as the block: another process skips it (None) until the block ends or its holder
        dies, and the block's writes to the row go through the connection it is given (they
        commit with the block). On SQLite one process does the work: the row is read, and
        each write through the connection commits at once, as `Database.execute` does.
        """
        if self.dialect == SQLITE:
            row = await self.fetchone(select, params)
            yield None if row is None else (_AutoCommit(self), row)
            return
        async with self.transaction() as conn:
            row = await conn.fetchone(self.skip_locked(select), params)
            yield None if row is None else (conn, row)


class _AutoCommit:
    """A Connection whose every write is its own transaction (SQLite's side of `claim`)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> Result:
        async with self._db.transaction() as conn:
            return await conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> Result:
        async with self._db.transaction() as conn:
            return await conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        return await self._db.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return await self._db.fetchall(sql, params)


class SQLiteBackend:
    """A writer connection behind a lock, and a separate WAL connection for reads.

    Writers take turns through `transaction()`; a script (`atomically`) is one whole transaction
    on the writer's thread, queued there behind the ones before without taking a turn unless a
    `transaction()` is under way. `fetchone`/`fetchall` read on their own connection, so they
    see committed rows only, never a transaction still in flight. An
    in-memory database (":memory:") can't be shared by two connections: there the reads take
    the writer's lock instead, which keeps the same guarantee at the cost of waiting.
    """

    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._reader: aiosqlite.Connection | None = None
        self.path = path
        self.where = str(path)
        self._write_lock = asyncio.Lock()
        # Background checkpoints (see CHECKPOINT_AFTER_ROWS): their connection, opened at the
        # first, the one under way (started through Tasks, so a failure is logged when it
        # happens), and the writer's count of changed rows at its start.
        self._checkpointer: aiosqlite.Connection | None = None
        self._tasks = Tasks("database")
        self.checkpointing: asyncio.Task[None] | None = None
        self._checkpointed_at = 0
        self._closing = False

    @classmethod
    async def open(cls, path: Path, migrations: list[Migration]) -> SQLiteBackend:
        """Open (creating folder and file), set pragmas, apply pending migrations, open reads."""
        memory = str(path) == ":memory:"
        try:
            if not memory:
                await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            conn = await _connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise unusable(path, exc) from exc
        db = cls(conn, path)
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
            await conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
            await db.migrate(check_sequence(migrations))
            if not memory:
                db._reader = await _connect(path)
                await db._reader.execute("PRAGMA foreign_keys = ON")
                await db._reader.execute("PRAGMA query_only = ON")
        except (OSError, sqlite3.Error) as exc:
            await db.close()
            raise unusable(path, exc) from exc
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        self._closing = True  # no checkpoint starts after this
        if self.checkpointing is not None:
            await asyncio.wait({self.checkpointing})  # its work on its thread runs to the end
        if self._checkpointer is not None:
            await self._checkpointer.close()
        if self._reader is not None:
            await self._reader.close()
        await self._conn.close()

    def _after_commit(self) -> None:
        """Start a checkpoint in the background once CHECKPOINT_AFTER_ROWS more rows changed."""
        if self._reader is None or self.checkpointing is not None or self._closing:
            return  # in memory (no log), one is under way, or the database is closing
        changed = self._conn.total_changes
        if changed - self._checkpointed_at < CHECKPOINT_AFTER_ROWS:
            return
        self._checkpointed_at = changed
        self.checkpointing = self._tasks.spawn(self._checkpoint(), name="checkpoint")

    async def _checkpoint(self) -> None:
        """Copy the log's committed pages into the database file (PASSIVE: writers and readers
        go on meanwhile; a writer starting after it has finished starts the log afresh)."""
        try:
            if self._checkpointer is None:
                self._checkpointer = await _connect(self.path)
            await _fetchall(self._checkpointer, "PRAGMA wal_checkpoint(PASSIVE)", ())
        except sqlite3.Error as exc:
            # The writer's own checkpoints still run; a failing disk shows in the writes.
            log.warning("A background checkpoint of %s failed: %s", self.where, exc)
        finally:
            self.checkpointing = None

    async def schema_version(self) -> int:
        """SQLite keeps the number in its user_version."""
        return await scalar(self, "PRAGMA user_version")

    async def migrate(self, migrations: list[Migration]) -> list[Migration]:
        latest = migrations[-1].number if migrations else 0
        applied = []
        async with self._write_lock:
            row = await _fetchone(self._conn, "PRAGMA user_version", ())
            current = int(row[0]) if row else 0
            check_not_newer(current, latest, self.where)
            for migration in migrations[current:]:
                await self._apply(migration)
                applied.append(migration)
        return applied

    async def _apply(self, migration: Migration) -> None:
        log.info("Applying migration %04d_%s", migration.number, migration.name)
        script = f"BEGIN;\n{migration.sql}\n;PRAGMA user_version = {migration.number};\nCOMMIT;"
        try:
            await self._conn.executescript(script)
        except sqlite3.DatabaseError as exc:
            if _refusal(exc) or _damage(exc):
                raise  # not the migration's fault: Database.open says what is wrong
            if self._conn.in_transaction:
                await self._conn.execute("ROLLBACK")
            raise DatabaseError(
                f"migration {migration.number:04d}_{migration.name} failed: {exc}"
            ) from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._write_lock:
            tx = Transaction(self._conn)
            try:
                await self._to_the_end("BEGIN IMMEDIATE")
                try:
                    yield tx
                finally:
                    tx.end()
                await self._to_the_end("COMMIT")
                self._after_commit()
            except BaseException:
                if self._conn.in_transaction:
                    await self._to_the_end("ROLLBACK")
                raise

    async def atomically(self, script: Script[_T]) -> _T:
        # A script is a whole transaction in one call on aiosqlite's thread, which runs its calls
        # one at a time in the order they were made, so scripts need not take turns through the
        # lock: they wait only while a `transaction()` of awaited statements (or a migration)
        # holds it, and one that takes it later queues its BEGIN behind the scripts before.
        if not self._write_lock.locked():
            return await self._run_script(script)
        async with self._write_lock:
            return await self._run_script(script)

    async def _run_script(self, script: Script[_T]) -> _T:
        # aiosqlite runs the function on its thread with its sqlite3 connection (its
        # `_execute`, the call all of its own methods are made of).
        raw = self._conn._conn  # noqa: SLF001
        done = await to_the_end(self._conn._execute(_run_script_now, raw, script))  # noqa: SLF001
        self._after_commit()
        return done

    async def _to_the_end(self, sql: str) -> None:
        """Run BEGIN, COMMIT or ROLLBACK to its end even when the caller is cancelled meanwhile."""
        await to_the_end(self._conn.execute(sql))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        if self._reader is not None:
            return await _fetchone(self._reader, sql, params)
        async with self._write_lock:
            return await _fetchone(self._conn, sql, params)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        if self._reader is not None:
            return await _fetchall(self._reader, sql, params)
        async with self._write_lock:
            return await _fetchall(self._conn, sql, params)

    async def backup_to(self, target: Path) -> None:
        """Write a consistent copy of the committed data to target (SQLite's online backup)."""
        if self._reader is not None:
            await backup(self._reader, target)
            return
        async with self._write_lock:
            await backup(self._conn, target)


async def to_the_end(work: Awaitable[_T]) -> _T:
    """Await work to its end even when the caller is cancelled meanwhile; the cancellation is
    raised once the work is done (pass a Task to learn then how it ended).

    Work on aiosqlite's thread runs whatever happens to the awaiting task; a caller that stopped
    waiting would judge `in_transaction` before BEGIN had run, skip the ROLLBACK and leave a
    transaction open for every later write, or let the next writer in while a script still runs.
    """
    pending = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(pending)
    except asyncio.CancelledError:
        while not pending.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({pending})
        if not pending.cancelled():
            pending.exception()  # seen here; the cancellation is what the caller gets
        raise


def check_not_newer(current: int, latest: int, where: str) -> None:
    """Refuse a database migrated by a newer version of the bot."""
    if current > latest:
        raise DatabaseError(
            f"the database at {where} is at schema version {current}, newer than "
            f"this version of coalition-bot knows ({latest}); upgrade the bot or restore "
            "a backup"
        )


def is_postgres_url(target: Path | str) -> bool:
    """Whether target names a PostgreSQL server rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def writes_refused(exc: BaseException) -> bool:
    """Whether exc is the database refusing a write (full disk, read-only, I/O error), not a bug."""
    return _refusal(exc) is not None


def _refusal(exc: BaseException) -> str | None:
    """Why the database refused a write (disk full, read-only, I/O error), or None otherwise."""
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str):
        return _PG_WRITES_REFUSED.get(state)
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else _WRITES_REFUSED.get(code & 0xFF)


def _damage(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT)


def unusable(path: Path, exc: BaseException) -> DatabaseError:
    """One clear sentence for a database file that can't be opened or written at start."""
    if _damage(exc):
        return DatabaseError(
            f"{path} is not a usable SQLite database ({exc}); restore a backup, or move the "
            "file away to start with an empty database"
        )
    full = getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_FULL
    if full or getattr(exc, "errno", None) == errno.ENOSPC:
        return DatabaseError(f"can't write to {path}: the disk is full; free some space and retry")
    if isinstance(exc, OSError) or _refusal(exc) is not None:
        # The folder can't be made, is read-only, or is not a folder: where DATABASE_PATH points.
        if isinstance(exc, FileExistsError | NotADirectoryError):
            reason = "a file is in the way of its folder"
        else:
            reason = _refusal(exc) or (getattr(exc, "strerror", None) or str(exc)).lower()
        return DatabaseLocationError(
            f"DATABASE_PATH: can't write to {path} ({reason}); make {path.parent} a folder the "
            "user running the bot can write to, or point DATABASE_PATH somewhere that is"
        )
    return DatabaseError(f"can't open the database at {path}: {exc}")


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
