"""Writes that need not delay a reply, stored in batches off the response path.

A `WriteBehind` queues rows for one table and writes them with `Database.insert_many`
(statements of many rows each on SQLite) in one transaction when `max_rows` are waiting or
`interval` seconds have passed, whichever is first. Not a statement a row: during a burst the
event loop runs Python without pause, and executemany's every row waited for its turn at Python's
global lock (up to 5 ms each), holding the database thread for seconds that other commands waited
behind.
`close()` (on shutdown) writes whatever is still queued, so nothing that was queued is lost on a
clean stop; a failed batch stays queued and is tried again by the next flush. Readers that must
see the rows (a report, a vote on a just-asked question) call `flush()` first.

The flushing loop is started through the owner's `Tasks` (`start(tasks)`); until then, and
while the database refuses writes (a full disk), `add()` writes at once, as a plain insert would,
so the caller can tell the user nothing was saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from bot.db import Database, to_the_end, writes_refused
from bot.tasks import Tasks, wait_event

log = logging.getLogger(__name__)


class WriteBehind:
    """A small write-behind queue for one table's inserts."""

    def __init__(
        self,
        db: Database,
        table: str,
        columns: Sequence[str],
        *,
        name: str,
        interval: float = 0.5,
        max_rows: int = 500,
    ) -> None:
        self._db = db
        self._table = table
        self._columns = tuple(columns)
        self._name = name
        self._interval = interval
        self._max_rows = max_rows
        self._rows: list[Sequence[Any]] = []
        self._full = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[Any] | None = None
        self._tasks: Tasks | None = None

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def started(self) -> bool:
        return self._task is not None

    def start(self, tasks: Tasks) -> None:
        """Start the flushing loop as one of `tasks`."""
        if self._task is None:
            self._tasks = tasks
            self._task = tasks.keep_running(self._run, name=f"write-behind:{self._name}")

    async def add(self, row: Sequence[Any]) -> None:
        """Queue one row; written at once (with those queued) while the loop is not started
        or while the database refuses writes, so the caller hears of that failure and its own
        row is not kept: the user is told nothing was saved."""
        self._rows.append(row)
        if self._task is None or self._db.writes_refused is not None:
            try:
                await self.flush()
            except BaseException:
                with contextlib.suppress(ValueError):
                    self._rows.remove(row)
                raise
        elif len(self._rows) >= self._max_rows:
            self._full.set()

    async def flush(self) -> int:
        """Write every queued row now, in one transaction; return how many."""
        async with self._lock:
            if not self._rows:
                return 0
            rows, self._rows = self._rows, []
            write = asyncio.ensure_future(self._write(rows))
            try:
                # Cancelled (the loop stopped by close()) while writing, the write still ends:
                # rows it committed must not be queued again and written twice.
                await to_the_end(write)
            except BaseException:
                if write.cancelled() or write.exception() is not None:
                    self._rows[:0] = rows  # keep them, in order, for the next flush
                raise
            return len(rows)

    async def _write(self, rows: list[Sequence[Any]]) -> None:
        async with self._db.transaction() as conn:
            await self._db.insert_many(conn, self._table, self._columns, rows)

    async def close(self) -> None:
        """Stop the loop and write what is still queued."""
        task, self._task = self._task, None
        if task is not None and self._tasks is not None:
            await self._tasks.cancel(task)
        try:
            await self.flush()
        except Exception:
            log.exception("%s: %d queued row(s) could not be written", self._name, len(self._rows))

    async def _run(self) -> None:
        while True:
            await wait_event(self._full, self._interval)
            self._full.clear()
            try:
                await self.flush()
            except Exception as exc:
                if not writes_refused(exc):
                    raise
                # bot/db.py has told the admins once; the rows stay queued for the next try.
                log.warning(
                    "%s: %d row(s) wait for the database to take writes", self._name, len(self)
                )
