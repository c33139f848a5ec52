"""Database work per sign-up and per alert delivered, on SQLite and on PostgreSQL, same work.

Run: .venv/bin/python -m bench.pg_writes_bench [SIGNUPS] [ALERTS]
Counts, through a counting `Database`, the transactions, write statements and reads the real
services issue; on PostgreSQL also the server's own counters (pg_stat_database: commits and rows
written). Uses DATABASE_URL when it names a PostgreSQL database, else starts a throw-away
cluster from the server binaries (as the tests do). Prints figures, and PostgreSQL/SQLite ratios.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bot.alerts.items import AlertItem, ItemKind
from bot.alerts.outbox import Delivery, Digest, Outbox
from bot.alerts.poster import Poster
from bot.alerts.store import AlertStore
from bot.db import Connection, Database, Result, Row
from bot.http import GuardedFetcher
from bot.pledges.model import PledgeForm
from bot.pledges.service import PledgeService, pledge_text_from
from bot.ratelimit import SlidingWindow

NOW = datetime.now(UTC)


class _Counting:
    def __init__(self, inner: Connection, counts: Counter[str]) -> None:
        self._inner, self._counts = inner, counts

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> Result:
        self._counts["write statements"] += 1
        return await self._inner.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> Result:
        rows = list(rows)
        self._counts["write statements"] += len(rows)
        return await self._inner.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        self._counts[_kind(sql)] += 1
        return await self._inner.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        self._counts[_kind(sql)] += 1
        return await self._inner.fetchall(sql, params)


def _kind(sql: str) -> str:
    """A write that returns rows (INSERT/UPDATE/DELETE … RETURNING) counts as a write."""
    verb = sql.lstrip().split(None, 1)[0].upper()
    return "write statements" if verb in ("INSERT", "UPDATE", "DELETE") else "reads in transactions"


class CountingDatabase(Database):
    """The real database, counting transactions, statements and reads."""

    counts: Counter[str]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        self.counts["transactions"] += 1
        async with super().transaction() as conn:
            yield _Counting(conn, self.counts)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        self.counts["reads"] += 1
        return await super().fetchone(sql, params)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        self.counts["reads"] += 1
        return await super().fetchall(sql, params)


async def server_counters(url: str | None) -> Counter[str]:
    """PostgreSQL's own commit and row-write counters for the database (empty on SQLite)."""
    if url is None:
        return Counter()
    # Server processes report their counters when idle, at the latest after 10 s
    # (PGSTAT_IDLE_INTERVAL); wait that long so every statement of the work is in.
    await asyncio.sleep(11)
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted AS rows, "
            "pg_database_size(current_database()) AS bytes "
            "FROM pg_stat_database WHERE datname = current_database()"
        )
    finally:
        await conn.close()
    assert row is not None
    return Counter(
        {
            "server commits": row["xact_commit"],
            "server rows written": row["rows"],
            "server bytes": row["bytes"],  # tables and indexes, in 8 KB pages: average over many
        }
    )


async def measure(db: CountingDatabase, url: str | None, work: Any) -> Counter[str]:
    db.counts = Counter()
    before = await server_counters(url)
    start = time.perf_counter()
    await work()
    elapsed = time.perf_counter() - start
    after = await server_counters(url)
    counts = Counter(db.counts)
    for key in after:
        # Less the counters' own query (one commit) on the second reading.
        counts[key] = after[key] - before[key]
    counts["ms"] = round(elapsed * 1000)
    return counts


class Sender:
    def __init__(self) -> None:
        self.sent = 0

    async def send_alert(self, delivery: Delivery) -> int:
        self.sent += 1
        return 10_000 + self.sent

    async def find_posted(self, sent: Delivery | Digest) -> int | None:
        return None

    async def send_digest(self, digest: Digest) -> int:
        return 1


def bill(n: int) -> AlertItem:
    return AlertItem(
        source="bench",
        external_id=f"bill-{n}",
        kind=ItemKind.BILL,
        jurisdiction="US",
        identifier=f"S.{n}",
        title=f"Artificial Intelligence Copyright Accountability Act No. {n}",
        url=f"https://www.congress.gov/bill/119th-congress/senate-bill/{n}",
        status="Introduced",
        status_date="2026-11-19",
        published_at="2026-11-19T00:00:00+00:00",
    )


async def run(target: Path | str, url: str | None, signups: int, alerts: int) -> dict[str, Any]:
    db = await CountingDatabase.open(target)
    try:
        async with httpx.AsyncClient(
            transport=httpx.MockTransport(lambda r: httpx.Response(404))
        ) as client:
            text = pledge_text_from("I pledge to ask before training.", "1.0")
            pledges = PledgeService(
                db, lambda: text, GuardedFetcher(client), verify_limit=SlidingWindow(100, 60)
            )

            async def sign_up() -> None:
                for n in range(signups):
                    form = PledgeForm.validate(
                        "newsletter",
                        channel_url=f"w{n}.substack.com",
                        public_name=f"Creator {n}",
                        audience=None,
                        show_on_wall=True,
                    )
                    await pledges.sign(1_000_000 + n, 99, form)

            signed = await measure(db, url, sign_up)

        store = AlertStore(db)
        await store.ingest("bench", [], now=NOW - timedelta(hours=2))
        subscriptions = 10
        for channel in range(subscriptions):
            await store.subscribe(1, 500 + channel, now=NOW - timedelta(hours=1))
        items = max(1, alerts // subscriptions)

        async def ingest() -> None:
            await store.ingest("bench", [bill(n) for n in range(items)], now=NOW)

        ingested = await measure(db, url, ingest)
        sender = Sender()

        async def deliver() -> None:
            await Poster(Outbox(db), sender, rate=100_000, digest_hour=23, notify=_quiet).drain(NOW)

        delivered = await measure(db, url, deliver)
        return {
            "signups": signups,
            "signed": signed,
            "alerts": sender.sent,
            "ingested": ingested,
            "delivered": delivered,
        }
    finally:
        await db.close()


async def _quiet(_text: str) -> None:
    return None


def per(counts: Counter[str], n: int, key: str) -> str:
    return f"{counts[key] / n:.3f}" if n else "-"


def report(name: str, r: dict[str, Any]) -> None:
    rows = [
        ("per sign-up", r["signed"], r["signups"]),
        ("per alert queued (ingest)", r["ingested"], r["alerts"]),
        ("per alert delivered", r["delivered"], r["alerts"]),
    ]
    print(f"\n{name}: {r['signups']} sign-ups, {r['alerts']} alerts (10 channels)")
    keys = ["transactions", "write statements", "reads in transactions", "reads"]
    if "server commits" in r["signed"]:
        keys += ["server commits", "server rows written", "server bytes"]
    print(f"  {'':28}" + "".join(f"{k:>22}" for k in [*keys, "ms each"]))
    for label, counts, n in rows:
        cells = [per(counts, n, k) for k in keys] + [f"{counts['ms'] / n:.2f}"]
        print(f"  {label:28}" + "".join(f"{c:>22}" for c in cells))


async def main(signups: int, alerts: int) -> None:
    url = os.environ.get("DATABASE_URL", "")
    server = None
    if not url.startswith(("postgresql://", "postgres://")):
        from tests.pgserver import PgServer, find_bin

        bin_dir = find_bin()
        if bin_dir is None:
            sys.exit("no PostgreSQL: set DATABASE_URL or install postgresql-15 (or set PG_BIN)")
        server = PgServer(bin_dir)
        await asyncio.to_thread(server.start)
        url = await server.new_database(empty=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = await run(Path(tmp) / "bench.db", None, signups, alerts)
        postgres = await run(url, url, signups, alerts)
    finally:
        if server is not None:
            await asyncio.to_thread(server.stop)
    report("SQLite", sqlite)
    report("PostgreSQL", postgres)
    print("\nPostgreSQL / SQLite, time per operation:")
    for label, key, n in (
        ("sign-up", "signed", "signups"),
        ("alert delivered", "delivered", "alerts"),
    ):
        ratio = (postgres[key]["ms"] / postgres[n]) / max(sqlite[key]["ms"] / sqlite[n], 1e-9)
        print(f"  {label}: {ratio:.2f}x")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*(args + [200, 500][len(args) :])))
