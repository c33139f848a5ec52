"""Sign-ups per second through the whole path (gateway, modal, service, SQLite) vs raw inserts.

Run: .venv/bin/python -m bench.pledges_bench [N]
The bot runs as a child process against the local Discord emulator, exactly as in the e2e tests.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from bot.db import Database
from bot.localdiscord import BotProcess, FakeDiscord, User

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "standards"


async def signups_through_discord(count: int, workdir: Path) -> tuple[float, list[float]]:
    async with FakeDiscord() as fake:
        fake.modal_submit_delay = 0.1  # discord.py registers a modal after its HTTP call returns
        fake.interaction_window = None  # count late answers below instead of failing on them
        env = {"STANDARDS_PATH": str(FIXTURE), "LOG_LEVEL": "WARNING"}
        async with BotProcess(fake, workdir, env, dev_mode=False) as bot:
            await bot.until_ready()
            users = [fake.add_member(f"creator-{n}") for n in range(count)]

            async def one(n: int, user: User) -> float:
                opened = await fake.invoke("pledge sign", user=user, type="newsletter")
                await opened.responded(timeout=120)
                values = {"pledge:name": f"Creator {n}", "pledge:url": f"w{n}.substack.com"}
                submitted = await fake.submit_modal(opened, values, user=user)
                await submitted.responded(timeout=120)
                return max(opened.response_time or 0.0, submitted.response_time or 0.0)

            start = time.perf_counter()
            acks = await asyncio.gather(*(one(n, u) for n, u in enumerate(users)))
            elapsed = time.perf_counter() - start
            await bot.stop()
    return count / elapsed, acks


async def raw_inserts(count: int, path: Path) -> float:
    db = await Database.open(path)
    await db.close()
    now = datetime.now(UTC).isoformat()
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        start = time.perf_counter()
        for n in range(count):
            await conn.execute("BEGIN IMMEDIATE")
            await conn.execute(
                "INSERT INTO pledges (user_id, creator_type, public_name, channel_url, channel_key,"
                " status, verify_code, pledge_version, pledge_text_hash, signed_at, updated_at)"
                " VALUES (?, 'newsletter', ?, ?, ?, 'pending', 'CCAI-X', '1', 'h', ?, ?)",
                (n, f"Creator {n}", f"https://w{n}.substack.com", f"site:w{n}", now, now),
            )
            await conn.execute("COMMIT")
        return count / (time.perf_counter() - start)


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rate, acks = await signups_through_discord(count, Path(tmp) / "bot")
        baseline = await raw_inserts(count, Path(tmp) / "raw.db")
    ordered = sorted(acks)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000
    print(f"sign-ups fired at once: {count}")
    print(f"through the gateway:    {rate:8.1f} sign-ups/s (modal open + submit + store)")
    print(f"raw aiosqlite inserts:  {baseline:8.1f} rows/s (one transaction each)")
    print(f"ratio:                  {rate / baseline:8.3f} of the raw insert rate")
    late = sum(1 for ack in acks if ack > 3.0)
    print(f"acknowledgement:        p50 {p50:6.1f} ms, p99 {p99:6.1f} ms (Discord allows 3000 ms)")
    print(f"slowest:                {ordered[-1] * 1000:6.1f} ms; {late} of {count} over 3 s")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
