"""Run-time checks on slash commands: the managers-only check shared by the admin commands of
every feature, and the per-member limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.errors import NotAllowed
from bot.ratelimit import SlidingWindow

T = TypeVar("T")


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


def per_user_limit(limit: int, window: float) -> Callable[[T], T]:
    """A slash-command check: at most `limit` uses per member in `window` seconds; past it the
    command fails with app_commands.CommandOnCooldown, which the error funnel words for the
    member ("try again in N seconds")."""
    events = SlidingWindow(limit, window)
    cooldown = app_commands.Cooldown(limit, window)

    def predicate(interaction: discord.Interaction[Any]) -> bool:
        wait = events.hit(interaction.user.id)
        if wait > 0:
            raise app_commands.CommandOnCooldown(cooldown, wait)
        return True

    return app_commands.check(predicate)
