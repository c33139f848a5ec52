"""Views, modals and persistent buttons whose errors reach the user through the one funnel."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

from bot.tree import report_error

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


class SafeView(discord.ui.View):
    """A view whose callback errors are answered like command errors."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await report_error(interaction, error)


class SafeModal(discord.ui.Modal):
    """A modal whose submit errors are answered like command errors (nothing is stored)."""

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_error(interaction, error)


def persistent_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view of stateless buttons (DynamicItems, which answer after a restart too): no
    timeout, and nothing about it is kept once it is sent."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def funnel_errors(callback: F) -> F:
    """For DynamicItem callbacks, which discord.py runs in a throwaway view."""

    @functools.wraps(callback)
    async def wrapper(self: Any, interaction: discord.Interaction) -> Any:
        try:
            return await callback(self, interaction)
        except Exception as exc:  # noqa: BLE001 - everything goes to the funnel, bugs logged there
            await report_error(interaction, exc)
            return None

    return wrapper  # type: ignore[return-value]
