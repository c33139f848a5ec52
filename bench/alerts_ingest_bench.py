"""One alerts ingest cycle of 100,000 GovInfo bills: parse, match, dedup, write, vs raw inserts.

Run: .venv/bin/python -m bench.alerts_ingest_bench [N] [--profile] [--tracemalloc]

The feed is generated in GovInfo's RSS shape and parsed by GovInfoBills itself (served through
httpx.MockTransport). GovInfoBills refuses documents over 5 MB (MAX_FEED_BYTES), so the entries
are served as pages of PAGE_SIZE, and each page is one poll: fetched, parsed and ingested (one
transaction) before the next page is read, as the scheduler polls a feed; only one page's items
are in memory at a time. The pages wait in files, as on a server, and each is read when it is
fetched, so the process holds no more of the feed than the bot would. The cycle collector is set
up as the bot's is once it is ready (bot/heap.py, `settle`) before the cycles. A quarter of the
bills concern creators and AI; ten subscriptions (a few with filters) get outbox rows for them.
The source is seeded first, so the cycle's items are really new; a second cycle with the same
items measures the unchanged (dedup) path. The baseline is bare aiosqlite: the same number of
alert_items rows in one transaction with executemany. One line compares the lxml fast path with
feedparser itself on one page; the last measures how much of a second CPU this machine gives: the
same pure-Python loop alone, then in two processes at once (2.0x the work of one on two free
cores). Cycle 1's CPU time over that capacity bounds its rate however well its threads overlap.

The first line names the interpreter and how it was built (bench/interpreter.py): the same code
ran 10-50% faster on another build of the same Python version on one machine.

On a shared machine the wall-clock rates fall with the load of other processes, so each cycle
also prints its CPU time (every thread of the process) and items per CPU second: what the cycle
needs of an idle machine, not counting the overlap of the database thread with the event loop.

Stage times: parse is the fetch (HTTP mock, the feed parser, the one lookup per page of stored
entry fingerprints, item building for the entries that changed); prepare the store's work before
its write transaction (storability checks, content hashes, one item per key: `_usable`, in a
worker thread); lookup its batched reads of the stored rows (`_rows_by_key`); write the rest of
the transaction: a worker thread works out each batch's rows (the topic matcher, subscription
filters, nonces) while the database thread writes the batch before (item and outbox inserts
with executemany); judging is the matcher's share (`_judged`), which runs beside the writes, so
it is part of write, not added to it; commit the COMMIT. The store's helpers are wrapped with
timers in this process only.

--profile runs one more all-new cycle under cProfile (aiosqlite's worker thread is not profiled:
its SQLite time shows up as the event loop waiting). --tracemalloc reports Python's peak
allocation during cycle 1, which slows that cycle down.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import aiosqlite
import feedparser
import httpx

from bench.interpreter import describe
from bot import heap
from bot.alerts import store as store_module
from bot.alerts.fastfeed import parse_fast
from bot.alerts.feeds import MAX_FEED_BYTES
from bot.alerts.items import AlertItem
from bot.alerts.sources.govinfo import GovInfoBills
from bot.alerts.store import AlertStore, IngestResult
from bot.db import WAL_CHECKPOINT_PAGES, WRITER_CACHE_KIB, Database, placeholders

PAGE_SIZE = 10_000  # about 3 MB of RSS: under GovInfoBills' 5 MB limit
SEED_ITEMS = 1_000
BASE_URL = "https://www.govinfo.gov/rss/bills"

RELEVANT_TITLES = (
    "Artificial Intelligence Creator Protection Act of 2026 No. {n}",
    "To protect intellectual property rights in the voice and visual likeness of individuals, "
    "and for other purposes.",
    "Protecting Consumers from Deceptive AI-Generated Deepfakes Act",
    "Generative AI Copyright Disclosure Act of 2026",
    "To require developers of generative AI systems to disclose the training data they use.",
    "To prohibit the distribution of digital replicas of performers without consent.",
)
OTHER_TITLES = (
    "To designate the facility of the United States Postal Service located at {n} Main Street as "
    'the "Jane Doe Post Office".',
    "Making appropriations for the Department of Agriculture for fiscal year 2027, and for other "
    "purposes.",
    "To amend the Internal Revenue Code of 1986 to extend the credit for electricity produced from "
    "certain renewable resources.",
    "To provide for student-athlete name, image, and likeness rights at intercollegiate athletic "
    "programs.",
    "A resolution honoring the 250th anniversary of the town of Springfield No. {n}",
    "To reauthorize the Water Resources Development Act, passed by voice vote.",
)

CHAMBERS = (
    ("s", "S.", "is", "Introduced in Senate"),
    ("hr", "H.R.", "ih", "Introduced in House"),
)
SUBSCRIPTIONS: tuple[dict[str, Any], ...] = (
    {},
    {},
    {},
    {},
    {"kinds": ("bill",), "jurisdictions": ("US",)},
    {"kinds": ("bill",), "jurisdictions": ("US",)},
    {"tags": ("deepfake",)},
    {"tags": ("likeness",)},
    {"include_terms": ("artificial intelligence", "generative")},
    {"exclude_terms": ("appropriations",)},
)


def entry_xml(n: int, now: datetime) -> str:
    """Bill n as a GovInfo RSS item; every fourth concerns creators and AI."""
    bill_type, label, version, description = CHAMBERS[n % 2]
    number = n // 2 + 1
    titles = RELEVANT_TITLES if n % 4 == 0 else OTHER_TITLES
    title = titles[(n // 4) % len(titles)].format(n=n)
    package = f"BILLS-119{bill_type}{number}{version}"
    published = now - timedelta(minutes=n % 4320)  # within the last three days: fresh
    return (
        "<item>"
        f"<title>{escape(f'{label} {number} ({version.upper()}) - {title}')}</title>"
        f"<link>https://www.govinfo.gov/app/details/{package}</link>"
        f"<description>{description}</description>"
        f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate>"
        f'<guid isPermaLink="false">{package}</guid>'
        "</item>"
    )


def feed_document(numbers: range, now: datetime) -> bytes:
    items = "".join(entry_xml(n, now) for n in numbers)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Congressional Bills</title>"
        "<link>https://www.govinfo.gov/app/collection/BILLS</link>"
        f"<description>Congressional Bills</description>{items}</channel></rss>"
    ).encode()


def feed_pages(start: int, count: int, now: datetime, prefix: str, folder: Path) -> dict[str, Path]:
    """URL -> RSS document written in folder, PAGE_SIZE entries each. The documents wait on disk,
    as on a server, and are read when fetched: only the page being polled is in this process."""
    pages = {}
    for page, first in enumerate(range(start, start + count, PAGE_SIZE)):
        numbers = range(first, min(first + PAGE_SIZE, start + count))
        body = feed_document(numbers, now)
        assert len(body) <= MAX_FEED_BYTES, "a page must stay under GovInfoBills' 5 MB limit"
        path = folder / f"{prefix}{page}.xml"
        path.write_bytes(body)
        pages[f"{BASE_URL}-{prefix}{page}.xml"] = path
    return pages


async def parse(client: httpx.AsyncClient, urls: list[str]) -> list[AlertItem]:
    items: list[AlertItem] = []
    for url in urls:
        page = await GovInfoBills(url).fetch(client, None)
        items.extend(page.items)
    return items


@dataclass
class StageTimer:
    """Wraps the store's matcher and lookups with timers (in this process only)."""

    match: float = 0.0
    dedup: float = 0.0
    prepare: float = 0.0
    ingest_in: float = 0.0
    originals: dict[str, Any] = field(default_factory=dict)

    def install(self) -> None:
        judged = store_module._judged
        lookup = store_module._rows_by_key
        usable = store_module._usable
        ingest_in = AlertStore._ingest_in
        self.originals = {
            "judged": judged,
            "lookup": lookup,
            "usable": usable,
            "ingest_in": ingest_in,
        }
        clock = time.perf_counter

        def timed_usable(*args: Any) -> Any:
            start = clock()
            try:
                return usable(*args)
            finally:
                self.prepare += clock() - start

        def timed_judged(item: AlertItem) -> tuple[AlertItem, bool]:
            start = clock()
            try:
                return judged(item)
            finally:
                self.match += clock() - start

        async def timed_lookup(*args: Any) -> Any:
            start = clock()
            try:
                return await lookup(*args)
            finally:
                self.dedup += clock() - start

        async def timed_ingest_in(store: AlertStore, *args: Any) -> Any:
            start = clock()
            try:
                return await ingest_in(store, *args)
            finally:
                self.ingest_in += clock() - start

        store_module._judged = timed_judged
        store_module._rows_by_key = timed_lookup
        store_module._usable = timed_usable
        AlertStore._ingest_in = timed_ingest_in  # type: ignore[method-assign]

    def uninstall(self) -> None:
        store_module._judged = self.originals["judged"]
        store_module._rows_by_key = self.originals["lookup"]
        store_module._usable = self.originals["usable"]
        AlertStore._ingest_in = self.originals["ingest_in"]  # type: ignore[method-assign]

    def reset(self) -> None:
        self.match = self.dedup = self.prepare = self.ingest_in = 0.0


@dataclass
class Counts:
    """What the polls of a cycle did, added up (relevant items counted, not kept)."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    relevant: int = 0
    queued: int = 0

    def add(self, result: IngestResult) -> None:
        self.new += result.new
        self.updated += result.updated
        self.unchanged += result.unchanged
        self.relevant += len(result.relevant)
        self.queued += result.queued


@dataclass
class Cycle:
    name: str
    items: int
    parse: float
    prepare: float
    dedup: float
    write: float
    match: float  # within write: the matcher runs beside the database's writes
    commit: float
    result: Counts
    cpu: float  # CPU seconds of every thread of the process during the cycle

    @property
    def cpu_rate(self) -> float:
        """Items per CPU second: the rate on an idle machine with no overlap between threads."""
        return self.items / self.cpu

    @property
    def total(self) -> float:
        return self.parse + self.prepare + self.dedup + self.write + self.commit

    @property
    def rate(self) -> float:
        return self.items / self.total


async def cycle(
    name: str,
    client: httpx.AsyncClient,
    urls: list[str],
    store: AlertStore,
    timer: StageTimer,
) -> Cycle:
    """Poll every page in turn (fetch, parse, ingest); the stage times add up over the pages."""
    timer.reset()
    parsed = ingest = 0.0
    count = 0
    cpu_start = time.process_time()
    total = Counts()
    for url in urls:
        start = time.perf_counter()
        # As the scheduler polls it: entries the store holds unchanged are left out unread.
        page = await GovInfoBills(url).fetch_unread(client, None, store)
        parsed += time.perf_counter() - start
        count += len(page.items) + page.unchanged
        start = time.perf_counter()
        result = await store.ingest(
            GovInfoBills.name,
            page.items,
            hash_fields=GovInfoBills.hash_fields,
            unchanged=page.unchanged,
        )
        ingest += time.perf_counter() - start
        total.add(result)
        del page, result
    cpu = time.process_time() - cpu_start
    write = timer.ingest_in - timer.dedup
    commit = ingest - timer.ingest_in - timer.prepare
    return Cycle(
        name, count, parsed, timer.prepare, timer.dedup, write, timer.match, commit, total, cpu
    )


def mock_client(pages: dict[str, Path]) -> httpx.AsyncClient:
    def serve(request: httpx.Request) -> httpx.Response:
        body = pages[str(request.url)].read_bytes()
        return httpx.Response(200, content=body, headers={"Content-Type": "application/rss+xml"})

    return httpx.AsyncClient(transport=httpx.MockTransport(serve))


async def raw_inserts(items: list[AlertItem], path: Path) -> float:
    """Bare aiosqlite: the same number of alert_items rows, one transaction, executemany."""
    db = await Database.open(path)
    await db.close()
    stamp = datetime.now(UTC).isoformat()
    rows = [
        (
            n,
            i.source,
            i.external_id,
            i.kind.value,
            i.jurisdiction,
            i.identifier,
            i.title,
            i.status,
            i.status_date,
            i.url,
            i.published_at,
            "",
            i.attribution,
            1,
            "creators",
            "",
            "0" * 64,
            i.entry_hash,
            None,
            1,
            stamp,
            stamp,
        )
        for n, i in enumerate(items, start=1)
    ]
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")  # as the bot's writer
        await conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        start = time.perf_counter()
        await conn.execute("BEGIN IMMEDIATE")
        columns = store_module.ITEM_COLUMNS
        await conn.executemany(
            f"INSERT INTO alert_items ({', '.join(columns)}) VALUES ({placeholders(len(columns))})",  # noqa: S608 - our own names
            rows,
        )
        await conn.execute("COMMIT")
        return len(rows) / (time.perf_counter() - start)


async def round_trip_us(path: Path, calls: int = 3000) -> float:
    """Microseconds per awaited aiosqlite statement (a hop to its worker thread and back)."""
    async with aiosqlite.connect(path) as conn:
        await conn.execute("SELECT 1")
        start = time.perf_counter()
        for _ in range(calls):
            await conn.execute("SELECT 1")
        return (time.perf_counter() - start) / calls * 1e6


async def pinned_round_trip_us(path: Path) -> float | None:
    """The same with the event loop and aiosqlite's thread on one CPU (Linux only)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})  # the connection's thread inherits it
    try:
        return await round_trip_us(path)
    finally:
        os.sched_setaffinity(0, cpus)


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def print_cycle(c: Cycle) -> None:
    r = c.result
    print(
        f"{c.name:<22} parse {c.parse:5.2f}s | prepare {c.prepare:5.2f}s | "
        f"lookup {c.dedup:5.2f}s | write {c.write:5.2f}s (judging {c.match:5.2f}s of it) | "
        f"commit {c.commit:5.2f}s | total {c.total:6.2f}s "
        f"{c.rate:9,.0f} items/s"
    )
    print(
        f"{'':<22} new {r.new:,} updated {r.updated:,} unchanged {r.unchanged:,} "
        f"relevant {r.relevant:,} outbox rows {r.queued:,}"
    )
    print(
        f"{'':<22} CPU {c.cpu:6.2f}s (all threads): {c.cpu_rate:,.0f} items per CPU second; "
        f"the machine gave this process {c.cpu / c.total:.0%} of a CPU meanwhile"
    )


async def seed_and_subscribe(
    store: AlertStore, client: httpx.AsyncClient, seed_urls: list[str]
) -> IngestResult:
    """Seed the source with the seed pages' bills (stored, not posted) and add the ten
    subscriptions, so a cycle's items are really new and have channels to go to."""
    seeded = await store.ingest(GovInfoBills.name, await parse(client, seed_urls))
    for options in SUBSCRIPTIONS:
        await store.subscribe(1, 100, **options)
    return seeded


async def profile_cycle(pages: dict[str, Path], now: datetime, folder: Path, count: int) -> None:
    """An all-new cycle under cProfile, in a fresh database; print the top entries."""
    db = await Database.open(folder / "profile.db")
    store = AlertStore(db)
    seed = feed_pages(10**7, SEED_ITEMS, now, "pseed", folder)
    async with mock_client({**pages, **seed}) as client:
        await seed_and_subscribe(store, client, list(seed))
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        items = await parse(client, list(pages))
        await store.ingest(GovInfoBills.name, items, hash_fields=GovInfoBills.hash_fields)
        profiler.disable()
        elapsed = time.perf_counter() - start
    await db.close()
    print(
        f"\ncProfile of one all-new cycle of {count:,} items ({elapsed:.1f}s under the profiler):"
    )
    for sort in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(25)
        print(f"--- top 25 by {sort}")
        print(out.getvalue().split("\n\n", 1)[-1].rstrip())


async def main(count: int, profile: bool, trace: bool) -> None:
    heap.keep_mmap_threshold()  # the allocator set up as the bot's is when it starts
    now = datetime.now(UTC)
    timer = StageTimer()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        seed_pages = feed_pages(10**7, SEED_ITEMS, now, "seed", folder)
        pages = feed_pages(0, count, now, "", folder)
        made = time.perf_counter() - start
        size = sum(path.stat().st_size for path in pages.values())
        db = await Database.open(folder / "alerts.db")
        store = AlertStore(db)
        async with mock_client({**seed_pages, **pages}) as client:
            seeded = await seed_and_subscribe(store, client, list(seed_pages))
            assert seeded.seeded and seeded.queued == 0
            heap.settle()  # the collector set up as the bot's is once it is ready
            rss_before = max_rss_mb()
            timer.install()
            try:
                if trace:
                    tracemalloc.start()
                first = await cycle("cycle 1 (all new)", client, list(pages), store, timer)
                traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
                if trace:
                    tracemalloc.stop()
                rss_first = max_rss_mb()
                second = await cycle("cycle 2 (unchanged)", client, list(pages), store, timer)
                rss_second = max_rss_mb()
            finally:
                timer.uninstall()
            items = await parse(client, list(pages))
        await db.close()
        baseline = await raw_inserts(items, folder / "raw.db")
        del items
        hop = await round_trip_us(folder / "hop.db")
        pinned = await pinned_round_trip_us(folder / "hop.db")
        fast_rate, feedparser_rate = parser_rates(now)
        capacity, alone, together = parallel_capacity()

        print(f"interpreter:           {describe()}")
        print(
            f"items: {count:,} GovInfo bills in {len(pages)} RSS page(s) of <= {PAGE_SIZE:,} "
            f"({size / 2**20:.1f} MB in all, generated in {made:.1f}s); "
            f"subscriptions: {len(SUBSCRIPTIONS)}; source seeded with {SEED_ITEMS:,} other bills"
        )
        print_cycle(first)
        print_cycle(second)
        print(f"raw aiosqlite:         {baseline:9,.0f} rows/s (executemany, one transaction)")
        print(f"ratio cycle 1:         {first.rate / baseline:9.4f} of the raw insert rate")
        print(f"ratio cycle 2:         {second.rate / baseline:9.4f} of the raw insert rate")
        print(
            f"parser, one {PARSER_SAMPLE:,}-entry page: fast path (lxml) {fast_rate:,.0f} "
            f"entries/s, feedparser {feedparser_rate:,.0f} entries/s, "
            f"ratio x{fast_rate / feedparser_rate:.1f}"
        )
        memory = (
            f"peak RSS (ru_maxrss):  {rss_before:7.1f} MB before, {rss_first:7.1f} MB after "
            f"cycle 1, {rss_second:7.1f} MB after cycle 2"
        )
        print(memory)
        on_one_cpu = f" ({pinned:.1f} us with both threads on one CPU)" if pinned else ""
        print(
            f"aiosqlite round trip:  {hop:7.1f} us per awaited statement{on_one_cpu}; the store "
            f"awaits a few per batch of {store_module.BATCH_SIZE:,} items"
        )
        print(
            f"this machine:          {os.cpu_count()} CPUs; two busy processes at once get "
            f"{capacity:.2f}x the work of one done ({alone:.2f}s alone, {together:.2f}s for the "
            f"slower of two); at that, cycle 1's CPU time alone allows at most "
            f"{first.items * capacity / first.cpu:,.0f} items/s"
        )
        if traced_peak is not None:
            print(f"tracemalloc peak:      {traced_peak:7.1f} MB during cycle 1 (timed with it on)")
        if profile:
            await profile_cycle(pages, now, folder, count)


PARSER_SAMPLE = 2_000


def parser_rates(now: datetime) -> tuple[float, float]:
    """Entries/s of the fast path and of feedparser on the same page, in this run."""
    body = feed_document(range(PARSER_SAMPLE), now)
    start = time.perf_counter()
    fast = parse_fast(body)
    fast_time = time.perf_counter() - start
    assert fast is not None and len(fast.entries) == PARSER_SAMPLE
    start = time.perf_counter()
    slow = feedparser.parse(body)
    slow_time = time.perf_counter() - start
    assert len(slow.entries) == PARSER_SAMPLE
    return PARSER_SAMPLE / fast_time, PARSER_SAMPLE / slow_time


SPINS = 15_000_000
# A pure-Python loop: the same work run alone and then twice at once, in two processes.
_SPIN = (
    "import time\n"
    "start = time.perf_counter()\n"
    "total = 0\n"
    f"for n in range({SPINS}):\n"
    "    total += n\n"
    "print(time.perf_counter() - start)\n"
)


def parallel_capacity() -> tuple[float, float, float]:
    """How much work two busy processes at once get done, in units of one running alone: 2.0 on
    two free cores. Returns (capacity, seconds alone, seconds of the slower of the two)."""

    def spin(count: int) -> list[float]:
        runs = [
            subprocess.Popen([sys.executable, "-c", _SPIN], stdout=subprocess.PIPE, text=True)  # noqa: S603 - our own code
            for _ in range(count)
        ]
        return [float(run.communicate()[0]) for run in runs]

    alone = min(spin(1)[0] for _ in range(2))
    together = spin(2)
    return sum(alone / t for t in together), alone, max(together)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=100_000, help="items per cycle")
    parser.add_argument("--profile", action="store_true", help="profile an all-new cycle")
    parser.add_argument("--tracemalloc", action="store_true", help="trace cycle 1's allocations")
    return parser.parse_args()


if __name__ == "__main__":
    args = arguments()
    asyncio.run(main(args.count, args.profile, args.tracemalloc))
