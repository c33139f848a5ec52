"""Run-time permission checks shared by the admin commands of every feature."""

from __future__ import annotations

import discord

from bot.errors import NotAllowed


def require_manager(interaction: discord.Interaction) -> None:
    """Fail unless the user may manage this server (default permissions can be overridden)."""
    perms = interaction.permissions
    if interaction.guild is None or not (perms.manage_guild or perms.administrator):
        raise NotAllowed("Only server managers (Manage Server permission) can use /admin.")
