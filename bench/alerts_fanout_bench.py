"""Fan-out of one alert to 1,000 subscribed channels through the emulator, vs Discord's limit.

Run: .venv/bin/python -m bench.alerts_fanout_bench [CHANNELS]

The bot runs as a child process against the local Discord emulator, as in the e2e tests, reading
a local GovInfo-shaped feed. The emulator's guild gets CHANNELS extra text channels; the
subscriptions are written before the bot starts, with AlertStore.subscribe on the bot's own
database (<workdir>/data/coalition.db). The store allows 25 subscriptions per server, so they are
spread over server ids 25 at a time (the first 25 in the emulator's guild): as a bot in 40
servers would hold them. Only the channel id decides where the poster posts.

A first poll seeds the source; then one relevant bill is added and `/admin alerts poll` is run
as the admin. Delivery time runs from the poll's answer until every channel has its alert; each
channel must have exactly one. This runs at the default ALERTS_POST_RATE (40/s) and at 50/s, the
most the settings allow and Discord's global limit of 50 requests per second.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.alerts.store import MAX_SUBSCRIPTIONS_PER_GUILD, AlertStore
from bot.db import Database
from bot.localdiscord import CONNECTED, BotProcess, FakeDiscord
from tests.alertsources import BillsFeed, FeedBill

DISCORD_GLOBAL_LIMIT = 50.0  # requests per second, per bot
RATES = ("40", "50")  # the default ALERTS_POST_RATE, and the most it allows
_POST_MESSAGE = re.compile(r"/channels/(\d+)/messages")


@dataclass
class Run:
    rate: str
    channels: int
    queued_reply: str
    poll_answer: float  # seconds from invoking the poll to its answer
    delivery: float  # seconds from the poll's answer until every channel had its alert
    before_answer: int  # alerts already posted when the answer came
    first_to_last: float  # seconds from the first alert request to the last
    max_per_second: int  # most bot requests in any one-second window while delivering
    statuses: Counter[int]
    per_channel: Counter[int]
    setup: float
    exit_code: int
    unclean: list[str]


async def subscribe_all(db_path: Path, guild_id: int, channel_ids: list[int]) -> None:
    db = await Database.open(db_path)
    try:
        store = AlertStore(db)
        for n, channel_id in enumerate(channel_ids):
            server = n // MAX_SUBSCRIPTIONS_PER_GUILD
            await store.subscribe(guild_id if server == 0 else 10**17 + server, channel_id)
    finally:
        await db.close()


def busiest_second(stamps: list[float]) -> int:
    """The most stamps in any window of one second (sliding)."""
    most, first = 0, 0
    for last, stamp in enumerate(stamps):
        while stamp - stamps[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def one_run(rate: str, count: int, workdir: Path) -> Run:
    async with FakeDiscord() as fake, BillsFeed() as feed:
        start = time.perf_counter()
        channels = [fake.add_channel(f"alerts-{n:04d}") for n in range(count)]
        wanted = {c.id for c in channels}
        await subscribe_all(workdir / "data" / "coalition.db", fake.guild.id, sorted(wanted))
        setup = time.perf_counter() - start
        env = {
            **feed.env(),
            "ADMIN_LOG_CHANNEL_ID": str(fake.channel("mod-log").id),
            "ALERTS_POST_RATE": rate,
            "LOG_LEVEL": "INFO",  # for "Connected as", logged when discord.py is ready
        }
        feed.bills = [FeedBill(8012, 'To designate the "Jane Doe Post Office"')]
        async with BotProcess(fake, workdir, env, dev_mode=False) as bot:
            await bot.until_ready(timeout=60)
            seeded = await poll(fake)
            assert "first poll" in seeded, seeded
            # Slash commands work from IDENTIFY on, but the poster starts at discord.py's READY
            # event, which waits 2 s (guild_ready_timeout) for more guilds: wait for it here.
            await bot.until_logged(CONNECTED)
            feed.bills.append(FeedBill(7913, "Artificial Intelligence Creator Protection Act"))
            asked = time.monotonic()
            queued = await poll(fake)
            answered = time.monotonic()
            before_answer = len(wanted & fake.messages.keys())
            assert f"{count} alert(s) queued" in queued, queued
            await fake.wait_for(
                lambda: len(wanted & fake.messages.keys()) >= count,
                timeout=count / float(rate) * 3 + 30,
                what=f"an alert in each of {count} channels",
            )
            done = time.monotonic()
            exit_code = await bot.stop()
        sends = [
            r
            for r in fake.requests
            if r.method == "POST" and (m := _POST_MESSAGE.fullmatch(r.path)) and int(m[1]) in wanted
        ]
        ok = [r.at for r in sends if r.status == 200]
        during = sorted(r.at for r in fake.requests if ok and ok[0] <= r.at <= ok[-1])
        return Run(
            rate=rate,
            channels=count,
            queued_reply=queued,
            poll_answer=answered - asked,
            delivery=done - answered,
            before_answer=before_answer,
            first_to_last=ok[-1] - ok[0],
            max_per_second=busiest_second(during),
            statuses=Counter(r.status for r in fake.requests),
            per_channel=Counter(len(fake.channel_messages(c)) for c in channels),
            setup=setup,
            exit_code=exit_code,
            unclean=bot.unclean_lines(),
        )


async def poll(fake: FakeDiscord) -> str:
    result = await fake.invoke("admin alerts poll", user=fake.admin, source="govinfo-bills")
    return (await result.message(timeout=30))["content"]


def report(run: Run) -> None:
    rate = run.channels / run.delivery
    steady = (run.channels - 1) / run.first_to_last
    exactly_one = run.per_channel == Counter({1: run.channels})
    print(f"ALERTS_POST_RATE={run.rate}: {run.channels} channels")
    print(f"  subscriptions written:     {run.setup:6.2f}s (AlertStore.subscribe, before the bot)")
    print(f"  poll answered in:          {run.poll_answer:6.2f}s ({run.queued_reply!r})")
    print(
        f"  delivered in:              {run.delivery:6.2f}s after the answer "
        f"({run.before_answer} already posted before it)"
    )
    print(
        f"  messages/second:           {rate:6.1f} after the answer; {steady:6.1f} first to last "
        "alert"
    )
    print(
        f"  vs Discord's global limit: {rate / DISCORD_GLOBAL_LIMIT:6.3f} "
        f"({steady / DISCORD_GLOBAL_LIMIT:.3f} first to last) of 50 requests/s; busiest second "
        f"{run.max_per_second} requests"
    )
    print(
        f"  every channel exactly one: {exactly_one} (messages per channel: "
        f"{dict(sorted(run.per_channel.items()))})"
    )
    statuses = dict(sorted(run.statuses.items()))
    print(f"  429s: {run.statuses[429]}; all statuses: {statuses}; bot exit {run.exit_code}")
    if run.unclean:
        print(f"  unclean log lines: {run.unclean[:5]}")


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for rate in RATES:
            report(await one_run(rate, count, Path(tmp) / f"bot-{rate}"))
    print(
        "note: the emulator computes no rate limits (429s only when injected); "
        "'busiest second' is what Discord's 50/s global limit would see."
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
