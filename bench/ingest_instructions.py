"""Instructions per item of the alerts ingest's all-new cycle, counted by valgrind's callgrind:
a figure that the machine's speed and other load don't move, unlike the items/s of
bench.alerts_ingest_bench (whose CPU time per item has varied twofold between hours on one
machine with no change to the code).

Run: .venv/bin/python -m bench.ingest_instructions [N]   (N bills, 20,000 by default; needs
valgrind, e.g. `apt-get install valgrind`; a run takes a few minutes, as callgrind runs code
about fifty times slower)

Each figure is the difference between two runs of a child process under callgrind, so Python's
start, the imports and the set-up cancel out. The set-up writes the feed pages, seeds the source
and adds the ten subscriptions as bench.alerts_ingest_bench does, then reads the pages' items.
One run stops there; the others go on to the step measured:
- the all-new cycle of N GovInfo bills, exactly as bench.alerts_ingest_bench runs it (fetch,
  parse, match, write: N items and 2N outbox rows);
- the baseline: bare aiosqlite executemany of N alert_items rows in one transaction (the
  baseline of bench.alerts_ingest_bench).
Callgrind runs a process's threads one at a time and counts the instructions run in the process
(Python, SQLite, lxml), not the kernel's work (file writes) nor time spent waiting.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.alerts_ingest_bench import (
    SEED_ITEMS,
    StageTimer,
    cycle,
    feed_pages,
    mock_client,
    parse,
    raw_inserts,
    seed_and_subscribe,
)
from bot import heap
from bot.alerts.store import AlertStore
from bot.db import Database

STEPS = ("none", "cycle", "raw")
_COLLECTED = re.compile(r"Collected : (\d+)")


async def child(step: str, count: int) -> None:
    """Set up as bench.alerts_ingest_bench does, then run `step` (or nothing)."""
    heap.keep_mmap_threshold()
    now = datetime(2026, 12, 1, tzinfo=UTC)  # fixed: the same bytes in every run
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seed_pages = feed_pages(10**7, SEED_ITEMS, now, "seed", folder)
        pages = feed_pages(0, count, now, "", folder)
        db = await Database.open(folder / "alerts.db")
        store = AlertStore(db)
        async with mock_client({**seed_pages, **pages}) as client:
            await seed_and_subscribe(store, client, list(seed_pages))
            items = await parse(client, list(pages))
            heap.settle()
            if step == "cycle":
                await cycle("cycle 1 (all new)", client, list(pages), store, StageTimer())
            elif step == "raw":
                await raw_inserts(items, folder / "raw.db")
        await db.close()


def instructions(valgrind: str, step: str, count: int) -> int:
    """Instructions counted by callgrind for a child process running `step`."""
    run = subprocess.run(  # noqa: S603 - valgrind on this interpreter and this module
        [
            valgrind,
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "bench.ingest_instructions",
            str(count),
            "--child",
            step,
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},  # the same set and dict orders in every run
    )
    found = _COLLECTED.search(run.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count: {run.stderr[-500:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description="Instructions per item of the all-new cycle.")
    parser.add_argument("count", nargs="?", type=int, default=20_000, help="bills in the cycle")
    parser.add_argument("--child", choices=STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.child, args.count))
        return
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    setup = instructions(valgrind, "none", args.count)
    per_item = (instructions(valgrind, "cycle", args.count) - setup) / args.count
    per_row = (instructions(valgrind, "raw", args.count) - setup) / args.count
    print(f"all-new cycle of {args.count:,} bills: {per_item:10,.0f} instructions per item")
    print(f"raw aiosqlite inserts (baseline):      {per_row:10,.0f} instructions per row")
    print(f"ratio:                                 {per_item / per_row:10.1f}x the baseline")


if __name__ == "__main__":
    main()
