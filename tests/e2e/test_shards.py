"""Two shard processes against the local Discord: each answers its own servers; one syncs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from bot.localdiscord import BotProcess, FakeDiscord
from bot.localdiscord.model import Guild, shard_of

pytestmark = pytest.mark.e2e

SHARDS = 2

# The database settings of one shard process, given its working folder. Each process has its own
# SQLite file here (SQLite is not shared between processes); with PostgreSQL, every process gets
# the same DATABASE_URL: `database=lambda _: {"DATABASE_URL": url}`.
Database = Callable[[Path], dict[str, str]]


def own_sqlite(workdir: Path) -> dict[str, str]:
    return {"DATABASE_PATH": str(workdir / "data" / "coalition.db")}


def four_servers(fake: FakeDiscord) -> list[Guild]:
    """The default server and three more, two on each shard."""
    first = shard_of(fake.guild.id, SHARDS)
    more = [("Writers Room", 1 - first), ("Podcasters", 1 - first), ("Crews", first)]
    return [fake.guild] + [fake.add_guild(name, shard=(s, SHARDS)) for name, s in more]


@asynccontextmanager
async def shard_processes(
    fake: FakeDiscord,
    tmp_path: Path,
    database: Database = own_sqlite,
    env: dict[str, str] | None = None,
) -> AsyncIterator[list[BotProcess]]:
    """One bot process per shard, started together and READY; each must exit 0 and leak nothing."""
    async with AsyncExitStack() as stack:
        processes = []
        for shard_id in range(SHARDS):
            workdir = tmp_path / f"shard-{shard_id}"
            shard_env = {
                "SHARD_COUNT": str(SHARDS),
                "SHARD_IDS": str(shard_id),
                **database(workdir),
                **(env or {}),
            }
            process = BotProcess(fake, workdir, shard_env, dev_mode=False)
            processes.append(await stack.enter_async_context(process))
        await asyncio.gather(*(p.until_ready() for p in processes))
        yield processes
        for process in processes:
            assert await process.stop() == 0, process.log()
            assert process.unclean_lines() == [], process.log()
    assert fake.mention_violations == []
    assert fake.unhandled == []


async def test_each_shard_process_answers_its_own_servers_and_one_syncs(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    servers = four_servers(fake)
    async with shard_processes(fake, tmp_path) as processes:
        assert sorted(fake.identified) == [(0, SHARDS), (1, SHARDS)]
        for server in servers:
            shard_id = shard_of(server.id, SHARDS)
            about = await fake.invoke("about", channel=fake.channel("general", server))
            fields = {f["name"]: f["value"] for f in (await about.message())["embeds"][0]["fields"]}
            # The process that answered runs this server's shard and knows only its two servers.
            assert fields["Shard"] == f"{shard_id} of {SHARDS}"
            assert fields["Servers (this process)"] == "2"
            help_ = await fake.invoke("help", channel=fake.channel("general", server))
            assert (await help_.message())["embeds"][0]["fields"]
            delivered = {e["d"].get("id") for e in fake.shard_sessions[shard_id].events}
            assert {str(about.id), str(help_.id)} <= delivered

        puts = [r for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands")]
        assert len(puts) == 1, "exactly one process registers the commands"
        first, second = processes
        assert "Synced" in first.log() and "Not syncing commands" not in first.log()
        assert "Not syncing commands: shards 1" in second.log()
        assert "Synced" not in second.log()


async def test_sync_commands_registers_them_from_any_shard_process(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    env = {"SHARD_COUNT": str(SHARDS), "SHARD_IDS": "1"}
    process = await BotProcess(fake, tmp_path, env, ("sync-commands",)).start()
    assert await process.wait() == 0, process.log()
    assert {c["name"] for c in fake.commands[None]} >= {"help", "about", "ask"}
    assert process.unclean_lines() == []
