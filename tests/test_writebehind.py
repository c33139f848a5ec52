"""The write-behind queue: batched off the response path, nothing lost on shutdown or failure."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.db import Database
from bot.standards.service import StandardsService
from bot.tasks import Tasks
from bot.writebehind import WriteBehind

FIXTURE = Path(__file__).parent / "fixtures" / "standards"
_CREATE = "CREATE TABLE IF NOT EXISTS wb_test (n INTEGER NOT NULL)"
_TABLE, _COLUMNS = "wb_test", ("n",)


async def _stored(db: Database) -> list[int]:
    return [r["n"] for r in await db.fetchall("SELECT n FROM wb_test ORDER BY rowid")]


async def _started(tmp_path: Path, max_rows: int) -> tuple[Database, Tasks, WriteBehind]:
    """A database with the test table and a started queue that flushes on a full batch only."""
    db = await Database.open(tmp_path / "bot.db")
    await db.execute(_CREATE)
    tasks = Tasks("test")
    writer = WriteBehind(db, _TABLE, _COLUMNS, name="t", interval=3600, max_rows=max_rows)
    writer.start(tasks)
    return db, tasks, writer


async def test_rows_wait_for_a_batch_and_close_writes_every_one(tmp_path: Path) -> None:
    db, tasks, writer = await _started(tmp_path, max_rows=1000)
    for n in range(10):
        await writer.add((n,))
    assert await _stored(db) == [], "queued, not written on the response path"
    assert len(writer) == 10
    await tasks.close()  # the bot cancels its tasks first, then closes its services
    await writer.close()
    assert await _stored(db) == list(range(10))
    await db.close()


async def test_a_full_batch_is_written_without_waiting_for_the_timer(tmp_path: Path) -> None:
    db, tasks, writer = await _started(tmp_path, max_rows=5)
    for n in range(5):
        await writer.add((n,))
    for _ in range(1000):  # the loop writes the batch as soon as it is full
        if await _stored(db) == list(range(5)):
            break
        await asyncio.sleep(0.01)
    assert await _stored(db) == list(range(5))
    await writer.close()
    await tasks.close()
    await db.close()


async def test_a_failed_batch_stays_queued_in_order(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    writer = WriteBehind(db, _TABLE, _COLUMNS, name="t", interval=3600)
    writer.start(Tasks("test"))
    await writer.add((1,))
    await writer.add((2,))
    try:
        await writer.flush()  # the table does not exist yet
    except Exception as exc:
        assert "wb_test" in str(exc)
    else:
        raise AssertionError("the flush should have failed")
    assert len(writer) == 2
    await writer.add((3,))
    await db.execute(_CREATE)
    assert await writer.flush() == 3
    assert await _stored(db) == [1, 2, 3]
    await writer.close()
    await db.close()


async def test_unstarted_writes_at_once(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    await db.execute(_CREATE)
    writer = WriteBehind(db, _TABLE, _COLUMNS, name="t")
    await writer.add((7,))
    assert await _stored(db) == [7]
    await db.close()


async def test_questions_logged_in_batches_keep_their_ids_and_are_all_stored(
    tmp_path: Path, db_target: Path | str
) -> None:
    folder = tmp_path / "standards"
    shutil.copytree(FIXTURE, folder)
    db = await Database.open(db_target)
    tasks = Tasks("test")
    service = StandardsService(db, folder, min_confidence=0.6)
    await service.load()
    first = await service.answer("Can a company train AI on my videos without asking?")
    service.start(tasks)
    answers = await asyncio.gather(
        *(service.answer(f"Can a company train AI on my videos, take {n}?") for n in range(50))
    )
    ids = [a.question_id for a in answers]
    assert len(set(ids)) == 50 and first.question_id not in ids
    # A vote on an answer whose row is still queued counts: the queue is written first.
    assert await service.feedback(ids[-1], 42, helpful=True)
    more = [await service.answer(f"Who owns my voice, take {n}?") for n in range(5)]
    await tasks.close()
    await service.close()
    rows = await db.fetchall("SELECT id, question FROM standards_questions ORDER BY id")
    stored = {r["id"]: r["question"] for r in rows}
    for answer in [first, *answers, *more]:
        assert stored[answer.question_id] == answer.question
    assert len(stored) == 56
    await db.close()


async def test_while_writes_are_refused_a_row_is_written_at_once_or_not_kept(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "bot.db")
    tasks = Tasks("test")
    writer = WriteBehind(db, _TABLE, _COLUMNS, name="t", interval=3600)
    writer.start(tasks)
    await writer.add((1,))  # queued
    db.writes_refused = "the disk is full"  # as bot/db.py marks it after a refused write
    try:
        await writer.add((2,))  # the table is missing: this write fails now, to the caller
    except Exception as exc:
        assert "wb_test" in str(exc)
    else:
        raise AssertionError("the write should have failed")
    assert len(writer) == 1, "the caller's row is dropped (the user hears nothing was saved)"
    await db.execute(_CREATE)  # writes work again
    await writer.add((3,))
    await writer.flush()
    assert await _stored(db) == [1, 3]
    await tasks.close()
    await writer.close()
    await db.close()


async def test_close_stops_the_loop_when_a_batch_filled_up_just_before(tmp_path: Path) -> None:
    # The last row of a full batch wakes the loop; close() cancels it in the same turn. The loop
    # must stop (it used to go round again for ever, and shutdown waited on it) and close() must
    # write every row.
    db, tasks, writer = await _started(tmp_path, max_rows=5)
    await asyncio.sleep(0)  # the loop now waits for a full batch
    for n in range(5):
        await writer.add((n,))
    await writer.close()
    assert len(tasks) == 0
    assert await _stored(db) == list(range(5))
    await tasks.close()
    await db.close()


async def test_a_batch_being_written_when_shutdown_cancels_the_loop_is_written_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, tasks, writer = await _started(tmp_path, max_rows=3)
    committed, go_on = asyncio.Event(), asyncio.Event()
    backend: Any = db._backend  # noqa: SLF001
    to_the_end = backend._to_the_end  # noqa: SLF001

    async def slow_commit(sql: str) -> None:
        await to_the_end(sql)
        if sql == "COMMIT":  # committed; the answer is still on its way when shutdown comes
            committed.set()
            await go_on.wait()

    monkeypatch.setattr(backend, "_to_the_end", slow_commit)
    for n in range(3):
        await writer.add((n,))
    await committed.wait()
    stopping = asyncio.ensure_future(tasks.close())  # the bot cancels its tasks first
    await asyncio.sleep(0)
    go_on.set()
    await stopping
    await writer.close()  # then closes its services: nothing is left to write again
    assert await _stored(db) == [0, 1, 2]
    await db.close()
