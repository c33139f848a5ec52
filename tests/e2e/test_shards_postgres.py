"""Two shard processes, four servers, one PostgreSQL: sign-ups and alerts each counted once.

Both processes share one database. One of them holds the leader's advisory lock and alone polls
and posts; killing it in the middle of a delivery must leave every alert posted exactly once in
every subscribed channel after the other process takes the lock over.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.localdiscord import BotProcess, FakeDiscord
from bot.localdiscord.model import Guild, User, shard_of
from tests.alertsources import BillsFeed, ai_bills
from tests.e2e.test_pledges import FIXTURE
from tests.e2e.test_shards import SHARDS, four_servers

pytestmark = pytest.mark.e2e

LEADS = "This process now leads"
BILLS = 6  # each posted in four channels, four posts a second: the kill lands mid-delivery


@pytest.fixture
async def feed() -> AsyncIterator[BillsFeed]:
    async with BillsFeed() as server:
        yield server


async def until_leader(processes: list[BotProcess], timeout: float) -> BotProcess:
    """The one process whose log says it leads."""
    async with asyncio.timeout(timeout):
        while True:
            leading = [p for p in processes if LEADS in p.log()]
            if leading:
                assert len(leading) == 1, "two processes lead at once"
                return leading[0]
            await asyncio.sleep(0.05)  # polling for a state to be reached, not for time to pass


async def sign(fake: FakeDiscord, server: Guild, user: User, n: int) -> str:
    opened = await fake.invoke(
        "pledge sign", user=user, channel=fake.channel("general", server), type="newsletter"
    )
    submitted = await fake.submit_modal(
        opened,
        {"pledge:name": f"Creator {n}", "pledge:url": f"writer{n}.substack.com"},
        user=user,
    )
    answer = (await submitted.message(timeout=15))["content"]
    assert submitted.ephemeral
    return answer


async def admin(fake: FakeDiscord, server: Guild, command: str, **options: Any) -> str:
    result = await fake.invoke(
        command, user=fake.admin, channel=fake.channel("general", server), **options
    )
    message = await result.message(timeout=15)
    assert result.ephemeral
    return message["content"]


def alert_titles(fake: FakeDiscord, server: Guild) -> list[str]:
    channel = fake.channel("ai-alerts", server)
    return [m["embeds"][0]["title"] for m in fake.channel_messages(channel)]


def posted(fake: FakeDiscord, servers: list[Guild]) -> int:
    return sum(len(alert_titles(fake, s)) for s in servers)


async def test_two_shards_on_one_postgres_count_once_and_survive_the_leaders_death(
    fake: FakeDiscord, tmp_path: Path, pg_url: str, feed: BillsFeed
) -> None:
    servers = four_servers(fake)
    signers = [fake.add_member(f"creator-{n}", guild=s) for n, s in enumerate(servers)]
    env = {
        **feed.env(),
        "DATABASE_URL": pg_url,
        "STANDARDS_PATH": str(FIXTURE),
        "LEADER_RETRY_SECONDS": "0.5",
        "ALERTS_POST_RATE": "4",
    }
    async with AsyncExitStack() as stack:
        processes: list[BotProcess] = []
        for shard_id in range(SHARDS):
            shard_env = {"SHARD_COUNT": str(SHARDS), "SHARD_IDS": str(shard_id), **env}
            process = BotProcess(fake, tmp_path / f"shard-{shard_id}", shard_env, dev_mode=False)
            processes.append(await stack.enter_async_context(process))
        await asyncio.gather(*(p.until_ready() for p in processes))
        leader = await until_leader(processes, 30)
        follower = next(p for p in processes if p is not leader)
        shard = processes.index(leader)
        led = next(s for s in servers if shard_of(s.id, SHARDS) == shard)
        other = next(s for s in servers if shard_of(s.id, SHARDS) != shard)

        # 1. A sign-up from every server, answered by its own shard, stored once in the one database.
        answers = await asyncio.gather(
            *(sign(fake, s, u, n) for n, (s, u) in enumerate(zip(servers, signers, strict=True)))
        )
        assert all("CCAI-" in answer for answer in answers), answers
        for server in servers:
            count = await fake.invoke("pledge count", channel=fake.channel("general", server))
            headline = (await count.message(timeout=15))["embeds"][0]["description"]
            assert "4 waiting to verify" in headline, headline
        conn = await asyncpg.connect(pg_url)
        try:
            rows = await conn.fetch("SELECT user_id, guild_id FROM pledges ORDER BY user_id")
        finally:
            await conn.close()
        assert [(r["user_id"], r["guild_id"]) for r in rows] == sorted(
            (u.id, s.id) for u, s in zip(signers, servers, strict=True)
        )

        # 2. An alert channel in every server, on both shards; one alert reaches each once.
        for server in servers:
            reply = await admin(
                fake,
                server,
                "admin alerts subscribe",
                options={"channel": fake.channel("ai-alerts", server)},
            )
            assert "Subscribed" in reply, reply
        assert "first poll" in await admin(fake, led, "admin alerts poll", source="govinfo-bills")
        # Asked for in a server of the other shard: that process polls, and the leader posts.
        feed.bills = ai_bills(1)
        assert "4 alert(s) queued" in await admin(
            fake, other, "admin alerts poll", source="govinfo-bills"
        )
        await fake.wait_for(
            lambda: all(alert_titles(fake, s) for s in servers), 30, "the alert in every server"
        )

        # 3. The leader dies in the middle of posting; the other process takes over and finishes.
        feed.bills = ai_bills(1 + BILLS)
        queued = await admin(fake, led, "admin alerts poll", source="govinfo-bills")
        assert f"{4 * BILLS} alert(s) queued" in queued, queued
        await fake.wait_for(lambda: posted(fake, servers) >= 4 + 3, 30, "a few new alerts")
        await leader.kill()
        assert posted(fake, servers) < 4 * (1 + BILLS), "the kill should land mid-delivery"
        await until_leader([follower], 30)
        await fake.wait_for(
            lambda: all(len(alert_titles(fake, s)) >= 1 + BILLS for s in servers),
            45,
            "every alert in every server",
        )
        for server in servers:
            counts = Counter(alert_titles(fake, server))
            assert len(counts) == 1 + BILLS and set(counts.values()) == {1}, counts
        # The survivor still answers its own servers.
        about = await fake.invoke("about", channel=fake.channel("general", other))
        assert (await about.message())["embeds"]
        assert await follower.stop() == 0, follower.log()
        assert follower.unclean_lines() == [], follower.log()
    assert fake.mention_violations == []
    assert fake.unhandled == []
