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


class SentButtons(discord.ui.View):
    """Stateless buttons as they are sent: DynamicItems the bot registered (`add_dynamic_items`)
    answer their clicks, after a restart too, so nothing of the view is kept once it is sent.

    Built from the buttons' payloads (`button_payload`), not from Item objects, and never put in
    discord.py's view store: a View of DynamicItems went there for every answer, only to be looked
    up by nothing, and building the three buttons under an answer cost more than the rest of
    its rendering.
    """

    def __init__(self, *buttons: dict[str, Any]) -> None:
        super().__init__(timeout=None)
        self._components = [{"type": 1, "components": list(buttons)}]

    def to_components(self) -> list[dict[str, Any]]:
        return self._components

    def is_finished(self) -> bool:
        return True  # never to be stored: the registered DynamicItems dispatch the clicks


def button_payload(label: str, style: discord.ButtonStyle, custom_id: str) -> dict[str, Any]:
    """A button as discord.py sends it (`Button.to_component_dict`), without building one."""
    return {
        "type": 2,
        "style": style.value,
        "disabled": False,
        "label": label,
        "custom_id": custom_id,
    }


def persistent_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A row of stateless buttons (DynamicItems, which answer after a restart too): no
    timeout, and nothing about it is kept once it is sent."""
    return SentButtons(*(item.to_component_dict() for item in items))


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
