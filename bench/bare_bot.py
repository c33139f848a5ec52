"""The baseline of bench.interactions_bench: a bare discord.py bot with the same three commands.

Run: python -m bench.bare_bot (with DISCORD_TOKEN, DISCORD_API_BASE_URL, DISCORD_GATEWAY_URL and
DATABASE_PATH set, as bench.interactions_bench sets them for the local Discord emulator).

/ask replies with one short embed, /help with one embed, and /pledge sign opens a modal with two
text inputs whose submission is stored with one aiosqlite insert before the reply: the least a
bot can do for each of the three lines. It syncs its commands at start, like coalition-bot does.
"""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Literal

import aiosqlite
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route


class SignModal(discord.ui.Modal, title="Sign the pledge"):
    name = discord.ui.TextInput(label="Public name", custom_id="pledge:name", max_length=80)
    url = discord.ui.TextInput(label="Link", custom_id="pledge:url", max_length=300)

    def __init__(self, db: aiosqlite.Connection, creator_type: str) -> None:
        super().__init__()
        self.db, self.creator_type = db, creator_type

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.db.execute(
            "INSERT INTO pledges (user_id, creator_type, public_name, channel_url)"
            " VALUES (?, ?, ?, ?)",
            (interaction.user.id, self.creator_type, self.name.value, self.url.value),
        )
        await self.db.commit()
        await interaction.response.send_message("Signed.", ephemeral=True)


class BareBot(discord.Client):
    def __init__(self, db_path: str) -> None:
        super().__init__(intents=discord.Intents.none())
        self.tree = app_commands.CommandTree(self)
        self.db_path = db_path
        self.db: aiosqlite.Connection | None = None
        pledge = app_commands.Group(name="pledge", description="The pledge")

        @self.tree.command(name="ask", description="Ask a question")
        async def ask(interaction: discord.Interaction, question: str, private: bool = False):
            embed = discord.Embed(title="Answer", description=question[:200])
            await interaction.response.send_message(embed=embed, ephemeral=private)

        @self.tree.command(name="help", description="What this bot does")
        async def help_(interaction: discord.Interaction):
            embed = discord.Embed(title="Help", description="/ask, /pledge sign")
            await interaction.response.send_message(embed=embed, ephemeral=True)

        @pledge.command(name="sign", description="Sign the pledge")
        async def sign(
            interaction: discord.Interaction,
            type: Literal["youtuber", "podcaster", "newsletter", "other"],  # noqa: A002
        ):
            assert self.db is not None
            await interaction.response.send_modal(SignModal(self.db, type))

        self.tree.add_command(pledge)

    async def setup_hook(self) -> None:
        self.db = await aiosqlite.connect(self.db_path)
        await self.db.execute("PRAGMA journal_mode = WAL")
        await self.db.execute("PRAGMA synchronous = NORMAL")
        await self.db.execute(
            "CREATE TABLE IF NOT EXISTS pledges (user_id INTEGER PRIMARY KEY, creator_type TEXT,"
            " public_name TEXT, channel_url TEXT)"
        )
        await self.tree.sync()

    async def on_ready(self) -> None:
        # As coalition-bot logs it (bot.localdiscord.CONNECTED; not imported, so this bot loads
        # nothing of coalition-bot's): the bench waits for it before the first burst.
        print(f"Connected as {self.user}")

    async def close(self) -> None:
        await super().close()
        if self.db is not None:
            await self.db.close()


async def main() -> None:
    Route.BASE = os.environ["DISCORD_API_BASE_URL"]
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    os.makedirs(os.path.dirname(os.environ["DATABASE_PATH"]), exist_ok=True)
    client = BareBot(os.environ["DATABASE_PATH"])
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: loop.create_task(client.close()))
    async with client:
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
