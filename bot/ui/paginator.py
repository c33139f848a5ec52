"""Pages of embeds with Previous / Next buttons that only the person who asked can turn."""

from __future__ import annotations

import discord

from bot.ui.replies import reply_private
from bot.ui.views import SafeView


class Paginator(SafeView):
    """A view over a list of embeds; buttons edit the message in place."""

    def __init__(self, pages: list[discord.Embed], owner_id: int, *, timeout: float = 600) -> None:
        super().__init__(timeout=timeout)
        if not pages:
            raise ValueError("a paginator needs at least one page")
        self.pages = pages
        self.owner_id = owner_id
        self.index = 0
        self._sync_buttons()

    @property
    def page(self) -> discord.Embed:
        return self.pages[self.index]

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await reply_private(interaction, "Run the command yourself to page through it.")
            return False
        return True

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1
        self.counter.label = f"{self.index + 1} / {len(self.pages)}"

    async def _show(self, interaction: discord.Interaction, index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.page, view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, custom_id="page:prev")
    async def previous(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(
        label="1 / 1", style=discord.ButtonStyle.secondary, disabled=True, custom_id="page:count"
    )
    async def counter(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await interaction.response.defer()

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary, custom_id="page:next")
    async def next(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await self._show(interaction, self.index + 1)


def chunk(items: list, size: int) -> list[list]:
    """Split items into pages of at most size."""
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]
