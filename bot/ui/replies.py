"""Answering interactions: one helper picks the first response or a followup."""

from __future__ import annotations

import discord

from bot.ui.text import NO_MENTIONS

_MISSING = discord.utils.MISSING


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
    allowed_mentions: discord.AllowedMentions = NO_MENTIONS,
) -> None:
    """Answer an interaction whether or not it was already responded to or deferred."""
    kwargs = {
        "content": content,
        "embed": embed if embed is not None else _MISSING,
        "view": view if view is not None else _MISSING,
        "ephemeral": ephemeral,
        "allowed_mentions": allowed_mentions,
    }
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def reply_private(interaction: discord.Interaction, content: str) -> None:
    """Tell only the user who acted; used for errors and personal data."""
    await reply(interaction, content, ephemeral=True)
