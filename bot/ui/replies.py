"""Answering interactions: one helper picks the first response or a followup."""

from __future__ import annotations

import discord

from bot.ui.text import NO_MENTIONS

_MISSING = discord.utils.MISSING
# An interaction that has waited this long when its handler starts (a burst of members queued
# it behind others), or will have once the work queued ahead of it is done, is deferred before
# the work: Discord fails an interaction that is neither answered nor deferred within 3 seconds,
# and at 1,000 members at once the last /ask answers arrived 3.6 s after the first question.
LATE_AFTER_SECONDS = 1.0


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


def waited_seconds(interaction: discord.Interaction) -> float:
    """Seconds since Discord created the interaction (its id carries the time)."""
    return (discord.utils.utcnow() - interaction.created_at).total_seconds()


async def defer_if_late(
    interaction: discord.Interaction, *, ephemeral: bool = False, ahead: float = 0.0
) -> bool:
    """Defer ("thinking…") an interaction that has waited LATE_AFTER_SECONDS, or will have once
    the work queued ahead of it is done (`ahead`: an estimate in seconds), so the work after it
    can't run past Discord's window; True when it was deferred."""
    if interaction.response.is_done():
        return False
    if waited_seconds(interaction) + ahead < LATE_AFTER_SECONDS:
        return False
    await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    return True
