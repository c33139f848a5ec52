"""/help and /about: what the bot does, built from the live command tree."""

from __future__ import annotations

import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CoalitionBot
from bot.catalog import Catalog
from bot.ui.help import HelpEmbeds, about_embed
from bot.ui.replies import reply


class Help(commands.Cog):
    """Explains the bot to the people using it."""

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.embeds = HelpEmbeds(Catalog(bot.tree))

    @app_commands.command(name="help")
    async def help_command(self, interaction: discord.Interaction) -> None:
        """See what this bot does and every command you can use."""
        perms = interaction.permissions
        ids = self.bot.command_ids.get(interaction.guild_id) or self.bot.command_ids.get(None)
        embed = self.embeds.embed(show_admin=perms.manage_guild, ids=ids)
        await reply(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="about")
    async def about_command(self, interaction: discord.Interaction) -> None:
        """Show the bot's version and how long it has been running."""
        uptime = time.monotonic() - self.bot.started_at
        count, guild = self.bot.shard_count or 1, interaction.guild
        shard = (guild.shard_id, count) if guild is not None and count > 1 else None
        embed = about_embed(self.bot.version, uptime, len(self.bot.guilds), shard)
        await reply(interaction, embed=embed, ephemeral=True)


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(Help(bot))
