"""Migrations apply in order once, a newer database is refused, backups are consistent copies."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot import db as db_module
from bot.db import (
    WAL_CHECKPOINT_PAGES,
    WRITER_CACHE_KIB,
    Database,
    DatabaseError,
    Migration,
    PreparedRows,
    backup_file,
    bundled_migrations,
    is_unique_violation,
    scalar,
)

SAMPLE = [
    Migration(1, "first", "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);"),
    Migration(2, "second", "ALTER TABLE a ADD COLUMN w TEXT; CREATE INDEX a_v ON a (v);"),
]


async def test_fresh_database_gets_every_bundled_migration(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "nested" / "bot.db")
    try:
        assert await db.schema_version() == len(bundled_migrations())
        mode = await db.fetchone("PRAGMA journal_mode")
        assert mode[0] == "wal"
        fk = await db.fetchone("PRAGMA foreign_keys")
        assert fk[0] == 1
    finally:
        await db.close()


async def test_rerunning_migrations_changes_nothing(empty_target: Path | str) -> None:
    db = await Database.open(empty_target, SAMPLE)
    try:
        await db.execute("INSERT INTO a (v, w) VALUES (?, ?)", ("x", "y"))
        assert await db.migrate(SAMPLE) == []
        assert await db.schema_version() == 2
        assert [tuple(r) for r in await db.fetchall("SELECT v, w FROM a")] == [("x", "y")]
    finally:
        await db.close()


async def test_only_pending_migrations_are_applied(empty_target: Path | str) -> None:
    db = await Database.open(empty_target, SAMPLE[:1])
    try:
        applied = await db.migrate(SAMPLE)
        assert [m.number for m in applied] == [2]
    finally:
        await db.close()


async def test_a_failing_migration_rolls_back_whole(empty_target: Path | str) -> None:
    broken = [*SAMPLE, Migration(3, "broken", "CREATE TABLE b (id INTEGER); SELECT nope FROM x;")]
    db = await Database.open(empty_target, SAMPLE)
    try:
        with pytest.raises(DatabaseError, match="0003_broken failed"):
            await db.migrate(broken)
        assert await db.schema_version() == 2
        # Table b was rolled back with the rest: creating it again works.
        await db.execute("CREATE TABLE b (id INTEGER)")
    finally:
        await db.close()


async def test_a_database_from_the_future_is_refused(empty_target: Path | str) -> None:
    db = await Database.open(empty_target, SAMPLE)
    await db.close()
    with pytest.raises(DatabaseError, match="newer than this version"):
        await Database.open(empty_target, SAMPLE[:1])


def test_migration_numbers_must_be_contiguous() -> None:
    from bot.db import check_sequence

    with pytest.raises(DatabaseError, match="out of sequence"):
        check_sequence([SAMPLE[0], Migration(3, "gap", "")])


async def test_transaction_rolls_back_on_error(empty_target: Path | str) -> None:
    db = await Database.open(empty_target, SAMPLE)
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO a (v) VALUES ('lost')")
                raise RuntimeError("boom")
        assert await db.fetchall("SELECT * FROM a") == []
    finally:
        await db.close()


@pytest.mark.parametrize("yields", [0, 1, 2, 3])
async def test_a_writer_cancelled_while_its_transaction_begins_leaves_none_open(
    empty_target: Path | str, yields: int
) -> None:
    # A task cancelled while BEGIN (or COMMIT) was still queued used to leave the transaction
    # open, and every later write then failed ("cannot start a transaction within a transaction").
    db = await Database.open(empty_target, SAMPLE)

    async def writer() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO a (v) VALUES ('maybe')")
            await asyncio.Event().wait()

    try:
        task = asyncio.create_task(writer())
        for _ in range(yields):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO a (v) VALUES ('kept')")
        assert [row["v"] for row in await db.fetchall("SELECT v FROM a")] == ["kept"]
    finally:
        await db.close()


async def test_backup_of_a_live_database_has_the_same_rows(tmp_path: Path) -> None:
    source = tmp_path / "bot.db"
    db = await Database.open(source, SAMPLE)
    try:
        for i in range(500):
            await db.execute("INSERT INTO a (v) VALUES (?)", (f"row {i}",))
        # The bot keeps its connection open (and WAL uncheckpointed) while the backup runs.
        await backup_file(source, tmp_path / "copy.db")
    finally:
        await db.close()
    copy = await Database.open(tmp_path / "copy.db", SAMPLE)
    try:
        rows = await copy.fetchall("SELECT v FROM a ORDER BY id")
        assert [r["v"] for r in rows] == [f"row {i}" for i in range(500)]
        assert await copy.schema_version() == 2
    finally:
        await copy.close()


async def test_backup_never_overwrites(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db", SAMPLE)
    await db.close()
    (tmp_path / "exists.db").write_text("keep me")
    with pytest.raises(DatabaseError, match="already exists"):
        await backup_file(tmp_path / "bot.db", tmp_path / "exists.db")
    assert (tmp_path / "exists.db").read_text() == "keep me"


async def test_new_ids_are_free_and_later_rows_count_on_past_them(db: Database) -> None:
    insert = (
        "INSERT INTO standards_questions (id, question, normalized, covered, confidence,"
        " standards_version, asked_at) VALUES (?, ?, '', 1, 1.0, 'v', '2026-12-01')"
    )
    async with db.transaction() as conn:
        ids = await db.new_ids(conn, "standards_questions", 3)
        assert len(set(ids)) == 3
        assert await db.new_ids(conn, "standards_questions", 0) == []
        for n, question_id in enumerate(ids):
            await conn.execute(insert, (question_id, f"question {n}"))
    # A row given its id by the database itself never takes one of those.
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO standards_questions (question, normalized, covered, confidence,"
            " standards_version, asked_at) VALUES ('after', '', 1, 1.0, 'v', '2026-12-01')"
        )
    rows = await db.fetchall("SELECT id, question FROM standards_questions ORDER BY id")
    assert [r["question"] for r in rows] == ["question 0", "question 1", "question 2", "after"]
    assert rows[-1]["id"] > max(ids)


async def test_the_writer_checkpoints_its_log_in_large_steps(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    try:
        async with db.transaction() as conn:
            assert await scalar(conn, "PRAGMA wal_autocheckpoint") == WAL_CHECKPOINT_PAGES
            assert await scalar(conn, "PRAGMA cache_size") == -WRITER_CACHE_KIB
    finally:
        await db.close()


async def _write_rows(db: Database, count: int) -> None:
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO a (v) VALUES (?)", [(f"row {n}",) for n in range(count)]
        )


async def test_a_commit_of_many_rows_is_checkpointed_beside_the_writer(tmp_path: Path) -> None:
    """Past CHECKPOINT_AFTER_ROWS changed rows a checkpoint on its own connection copies the log
    into the database file (the writer's own would wait for WAL_CHECKPOINT_PAGES)."""
    path = tmp_path / "bot.db"
    db = await Database.open(path, SAMPLE)
    backend = db._backend  # noqa: SLF001
    assert isinstance(backend, db_module.SQLiteBackend)
    try:
        await _write_rows(db, db_module.CHECKPOINT_AFTER_ROWS - 1)
        assert backend.checkpointing is None
        size = path.stat().st_size  # the rows are in the log, not yet in the file
        await _write_rows(db, 1)
        assert backend.checkpointing is not None
        await backend.checkpointing
        assert path.stat().st_size > size  # copied into the database file
        assert backend.checkpointing is None
        await _write_rows(db, 1)  # the next starts after as many rows again
        assert backend.checkpointing is None
    finally:
        await db.close()


async def test_closing_lets_a_checkpoint_under_way_finish(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db", SAMPLE)
    backend = db._backend  # noqa: SLF001
    assert isinstance(backend, db_module.SQLiteBackend)
    await _write_rows(db, db_module.CHECKPOINT_AFTER_ROWS)
    checkpoint = backend.checkpointing
    assert checkpoint is not None
    await db.close()
    assert checkpoint.done() and not checkpoint.cancelled() and checkpoint.exception() is None
    backend._after_commit()  # a commit ending as the database closes  # noqa: SLF001
    assert backend.checkpointing is None


async def test_a_database_in_memory_has_no_log_to_checkpoint() -> None:
    db = await Database.open(":memory:", SAMPLE)
    try:
        await _write_rows(db, db_module.CHECKPOINT_AFTER_ROWS)
        backend = db._backend  # noqa: SLF001
        assert isinstance(backend, db_module.SQLiteBackend)
        assert backend.checkpointing is None
    finally:
        await db.close()


@pytest.mark.parametrize("prepared", [False, True], ids=["rows", "prepared rows"])
async def test_insert_many_stores_every_value_as_given_and_counts_what_went_in(
    db: Database, *, prepared: bool
) -> None:
    """The same whether the rows are given as they are or made ready first (prepare_rows, in a
    worker thread, as the alert store does one batch ahead of its writes)."""

    def given(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]] | PreparedRows:
        return db.prepare_rows(columns, rows) if prepared else rows

    columns = ("docket_id", "name", "added_by", "added_at")
    rows = [
        (1, 'Quotes " and \\ backslash, a\nnewline', 1_234_567_890_123_456_789, "2026-12-01"),
        (2, "Ünïcödé — 表情 😀", None, "2026-12-01"),
        (3, "", 0, "2026-12-01"),
    ]
    async with db.transaction() as conn:
        assert await db.insert_many(conn, "alert_tracked_cases", columns, given(rows)) == 3
        assert await db.insert_many(conn, "alert_tracked_cases", columns, given([])) == 0
        again = [(3, "taken", None, "2026-12-02"), (4, "new", None, "2026-12-02")]
        conflict = "ON CONFLICT (docket_id) DO NOTHING"
        inserted = await db.insert_many(
            conn, "alert_tracked_cases", columns, given(again), on_conflict=conflict
        )
        assert inserted == 1
    stored = await db.fetchall(
        "SELECT docket_id, name, added_by, added_at FROM alert_tracked_cases "
        "WHERE docket_id < 10 ORDER BY docket_id"
    )
    assert [tuple(r) for r in stored] == [*rows, (4, "new", None, "2026-12-02")]


def test_sqlite_insert_statements_come_in_a_few_sizes_within_the_bound_values_limit() -> None:
    """Any number of rows is written with statements of a power of two of rows (SQLite keeps
    each compiled size, so a size per row count would fill its cache), none binding more values
    than SQLite takes, the padding all NULL and every row's values in order after its marker."""
    for width in (1, 3, 8, 22):
        sizes = set()
        for count in (*range(1, 70), 1000, 1023, 1024, 1025, 2000, 4097):
            rows = [tuple(f"{n}:{c}" for c in range(width)) for n in range(count)]
            laid_out = db_module._statements(rows, width)
            sizes.add(laid_out.size)
            assert laid_out.size & (laid_out.size - 1) == 0
            assert laid_out.size * (width + 1) <= db_module._SQLITE_VARIABLES
            values = [v for statement in laid_out.values for v in statement]
            assert len(values) == len(laid_out.values) * laid_out.size * (width + 1)
            written = [values[at : at + width + 1] for at in range(0, len(values), width + 1)]
            assert [tuple(row[1:]) for row in written if row[0] == 1] == rows
            assert all(set(row) == {None} for row in written[count:])
        assert len(sizes) <= 12


@pytest.mark.parametrize("prepared", [False, True], ids=["rows", "prepared rows"])
async def test_insert_many_refuses_a_row_without_a_value_for_each_column(
    db: Database, *, prepared: bool
) -> None:
    columns = ("docket_id", "name", "added_by", "added_at")
    rows = [(11, "whole", None, "2026-12-01"), (12, "short", "2026-12-01")]
    with pytest.raises(ValueError, match="4 columns"):
        async with db.transaction() as conn:
            given = db.prepare_rows(columns, rows) if prepared else rows
            await db.insert_many(conn, "alert_tracked_cases", columns, given)
    assert (
        await db.fetchall("SELECT name FROM alert_tracked_cases WHERE docket_id IN (11, 12)") == []
    )


async def test_unique_violations_are_told_apart_from_other_failed_writes(db: Database) -> None:
    insert = "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, 'now')"
    await db.execute(insert, ("k", "v"))
    with pytest.raises(Exception) as duplicate:  # noqa: PT011 - each backend has its own type
        await db.execute(insert, ("k", "again"))
    assert is_unique_violation(duplicate.value)
    with pytest.raises(Exception) as missing:  # noqa: PT011
        await db.execute(insert, ("other", None))
    assert not is_unique_violation(missing.value)


async def test_insert_many_takes_a_large_batch_whole(db: Database) -> None:
    rows = [(f"key {n}", f"value {n}", "now") for n in range(2500)]
    async with db.transaction() as conn:
        assert await db.insert_many(conn, "bot_state", ("key", "value", "updated_at"), rows) == 2500
    stored = await db.fetchall("SELECT key, value FROM bot_state WHERE key LIKE 'key %'")
    assert {tuple(r) for r in stored} == {(k, v) for k, v, _ in rows}
