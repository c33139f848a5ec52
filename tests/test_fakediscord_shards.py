"""The emulator shards as Discord does: each server's events go to shard (guild_id >> 22) % count."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot.localdiscord import FakeDiscord
from bot.localdiscord.model import Snowflakes, shard_of
from bot.localdiscord.server import INVALID_SHARD, SHARDING_REQUIRED


def test_a_server_goes_to_the_shard_discord_documents() -> None:
    # 197038439483310086 >> 22 is 46977624770: shard 0 of 2, shard 2 of 3.
    assert shard_of(197038439483310086, 2) == 0
    assert shard_of(197038439483310086, 3) == 2
    assert shard_of(197038439483310086, 1) == 0
    ids = Snowflakes()
    for count in (2, 3, 16):
        for shard_id in range(count):
            assert shard_of(ids.next_on_shard(shard_id, count), count) == shard_id
    made = [ids.next_on_shard(0, 2) for _ in range(50)]
    assert len(set(made)) == 50


class RawShard:
    """A bare gateway client: IDENTIFY as one shard, then read frames."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []

    async def identify(self, fake: FakeDiscord, shard: Any) -> None:
        hello = await self.ws.receive_json(timeout=5)
        assert hello["op"] == 10
        data: dict[str, Any] = {"token": fake.token, "intents": 1, "properties": {}}
        if shard is not None:
            data["shard"] = shard
        await self.ws.send_json({"op": 2, "d": data})

    async def until(self, event: str) -> dict[str, Any]:
        """Read frames until one of this event arrives; return its data."""
        while True:
            frame = await self.ws.receive_json(timeout=5)
            self.frames.append(frame)
            if frame.get("t") == event:
                return frame["d"]

    async def closed_with(self) -> int | None:
        message = await self.ws.receive(timeout=5)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        return self.ws.close_code


@pytest.fixture
async def world() -> AsyncIterator[tuple[FakeDiscord, aiohttp.ClientSession]]:
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
        yield fake, http


def four_servers(fake: FakeDiscord) -> list[Any]:
    """The default server plus three, two on each of two shards."""
    on_first = shard_of(fake.guild.id, 2)
    names = ("Writers Room", "Podcasters", "Crews")
    shards = (on_first, 1 - on_first, 1 - on_first)
    return [fake.guild] + [
        fake.add_guild(n, shard=(s, 2)) for n, s in zip(names, shards, strict=True)
    ]


async def connect(fake: FakeDiscord, http: aiohttp.ClientSession, shard: Any) -> RawShard:
    client = RawShard(await http.ws_connect(fake.gateway_url))
    await client.identify(fake, shard)
    return client


async def test_each_shard_gets_its_servers_and_their_events_only(world) -> None:
    fake, http = world
    servers = four_servers(fake)
    fake.commands[None] = [{"id": "1", "name": "help", "type": 1, "options": []}]
    shards = [await connect(fake, http, [i, 2]) for i in (0, 1)]
    for shard_id, client in enumerate(shards):
        ready = await client.until("READY")
        mine = {str(g.id) for g in servers if shard_of(g.id, 2) == shard_id}
        assert {g["id"] for g in ready["guilds"]} == mine
        assert len(mine) == 2
        assert ready["shard"] == [shard_id, 2]
        created = {(await client.until("GUILD_CREATE"))["id"] for _ in mine}
        assert created == mine
    assert fake.identified == [(0, 2), (1, 2)]

    for server in servers:
        owner = shard_of(server.id, 2)
        record = await fake.invoke("help", channel=fake.channel("general", server))
        got = await shards[owner].until("INTERACTION_CREATE")
        assert got["id"] == str(record.id) and got["guild_id"] == str(server.id)
        other = fake.shard_sessions[1 - owner]
        assert all(e["d"].get("id") != str(record.id) for e in other.events)

    # Channel and message events follow their server; DMs go to shard 0.
    server = servers[3]
    await fake.delete_channel(fake.channel("mod-log", server))
    deleted = await shards[shard_of(server.id, 2)].until("CHANNEL_DELETE")
    assert deleted["guild_id"] == str(server.id)
    message = {"id": "9", "channel_id": "8", "guild_id": str(servers[1].id), "content": "hi"}
    await fake.dispatch("MESSAGE_CREATE", message)
    assert (await shards[shard_of(servers[1].id, 2)].until("MESSAGE_CREATE"))["id"] == "9"
    await fake.dispatch("MESSAGE_CREATE", {"id": "10", "channel_id": "7", "content": "dm"})
    assert (await shards[0].until("MESSAGE_CREATE"))["id"] == "10"


async def test_gateway_bot_recommends_the_configured_shard_count(world) -> None:
    fake, http = world
    fake.recommended_shards = 4
    headers = {"Authorization": f"Bot {fake.token}"}
    async with http.get(f"{fake.api_base_url}/gateway/bot", headers=headers) as response:
        body = await response.json()
    assert body["shards"] == 4
    assert body["url"] == fake.gateway_url


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], [-1, 2], ["0", 2], [0]])
async def test_an_invalid_shard_is_closed_with_4010(world, shard: Any) -> None:
    fake, http = world
    client = await connect(fake, http, shard)
    assert await client.closed_with() == INVALID_SHARD
    assert fake.identify_count == 0


async def test_too_many_servers_for_one_shard_is_closed_with_4011(world) -> None:
    fake, http = world
    four_servers(fake)
    fake.max_guilds_per_shard = 2
    unsharded = await connect(fake, http, None)
    assert await unsharded.closed_with() == SHARDING_REQUIRED
    single = await connect(fake, http, [0, 1])
    assert await single.closed_with() == SHARDING_REQUIRED
    sharded = await connect(fake, http, [1, 2])
    assert len((await sharded.until("READY"))["guilds"]) == 2


async def test_an_unsharded_client_gets_every_server_and_no_shard_field(world) -> None:
    fake, http = world
    four_servers(fake)
    client = await connect(fake, http, None)
    ready = await client.until("READY")
    assert len(ready["guilds"]) == 4
    assert "shard" not in ready


class Where(commands.Cog):
    @app_commands.command(name="where", description="Say which shard answers")
    async def where(self, interaction: discord.Interaction) -> None:
        guild = interaction.guild
        assert guild is not None
        await interaction.response.send_message(f"{guild.name} on shard {guild.shard_id}")


async def test_an_auto_sharded_bot_with_two_shards_gets_each_server_on_its_shard(world) -> None:
    fake, _ = world
    servers = four_servers(fake)
    fake.recommended_shards = 2
    old_base, old_gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    intents = discord.Intents.none()
    intents.guilds = True
    bot = commands.AutoShardedBot(
        command_prefix=commands.when_mentioned, intents=intents, guild_ready_timeout=0.05
    )
    shards_ready: set[int] = set()

    async def on_shard_ready(shard_id: int) -> None:
        shards_ready.add(shard_id)

    bot.add_listener(on_shard_ready)
    await bot.add_cog(Where())
    try:
        await bot.login(fake.token)
        await bot.tree.sync()
        task = bot.loop.create_task(bot.connect())
        await fake.wait_ready(shards=[0, 1])
        await bot.wait_until_ready()
        assert bot.shard_count == 2  # as GET /gateway/bot recommended
        assert shards_ready == {0, 1}
        assert sorted(fake.identified) == [(0, 2), (1, 2)]
        assert {g.id for g in bot.guilds} == {g.id for g in servers}
        for server in servers:
            shard_id = shard_of(server.id, 2)
            record = await fake.invoke("where", channel=fake.channel("general", server))
            message = await record.message()
            assert message["content"] == f"{server.name} on shard {shard_id}"
            sent = [e["d"].get("id") for e in fake.shard_sessions[shard_id].events]
            assert str(record.id) in sent
            other = [e["d"].get("id") for e in fake.shard_sessions[1 - shard_id].events]
            assert str(record.id) not in other
    finally:
        await bot.close()
        if "task" in locals():
            await task
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway
