"""Run-time permission checks shared by the admin commands of every feature."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.errors import NotAllowed


def is_manager(interaction: discord.Interaction) -> bool:
    """Whether the user may manage this server."""
    perms = interaction.permissions
    return interaction.guild is not None and (perms.manage_guild or perms.administrator)


def require_manager(interaction: discord.Interaction) -> None:
    """Fail unless the user may manage this server (default permissions can be overridden)."""
    if not is_manager(interaction):
        raise NotAllowed("Only server managers (Manage Server permission) can use /admin.")


# discord.py runs no interaction_check before an autocomplete callback, only the checks put on
# the callback itself: every /admin autocomplete carries this one, so members are offered nothing.
managers_only_autocomplete = app_commands.check(is_manager)
