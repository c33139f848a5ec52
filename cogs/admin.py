"""/admin: server managers' commands, hidden from members and checked again at run time."""

from __future__ import annotations

import io
import re
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CoalitionBot
from bot.errors import UserFacingError
from bot.standards.loader import StandardsError
from bot.standards.store import gaps_csv
from bot.ui.actions import announce_milestone, grant_pledge_role, remove_pledge_role
from bot.ui.admin import gaps_text, reload_text
from bot.ui.checks import require_manager
from bot.ui.pledges import review_embed
from bot.ui.replies import reply
from bot.ui.text import plain
from bot.ui.views import funnel_errors, persistent_view


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Admin(commands.GroupCog, group_name="admin", group_description="For server managers"):
    """Commands for the people who run a server."""

    standards = app_commands.Group(name="standards", description="Manage the standards text")
    pledges = app_commands.Group(name="pledges", description="Review and export pledges")

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ReviewButton)
        # Features that loaded before this cog (or survived its reload) keep their subgroups.
        if self.app_command is not None:
            for group in self.bot.admin_groups():
                self.app_command.add_command(group, override=True)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ReviewButton)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Server admins can override default permissions, so check again here.
        require_manager(interaction)
        return True

    @standards.command(name="reload")
    async def standards_reload_command(self, interaction: discord.Interaction) -> None:
        """Reload the standards text from disk; a broken file keeps the current text."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            result = await self.bot.standards.reload()
        except StandardsError as exc:
            raise UserFacingError(
                f"The standards were not reloaded; the current version stays in use.\n"
                f"Problem: `{discord.utils.escape_markdown(str(exc))[:300]}`"
            ) from exc
        await reply(interaction, reload_text(result), ephemeral=True)

    @standards.command(name="gaps")
    async def standards_gaps_command(self, interaction: discord.Interaction) -> None:
        """Questions the standards did not answer, or answered unhelpfully (CSV attached)."""
        gaps = await self.bot.standards.gaps()
        file = discord.File(io.BytesIO(gaps_csv(gaps).encode()), filename="standards-gaps.csv")
        await interaction.response.send_message(
            gaps_text(gaps),
            file=file,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @pledges.command(name="review")
    async def pledges_review_command(self, interaction: discord.Interaction) -> None:
        """Review pledges that could not be verified automatically, one at a time."""
        embed, view = await review_page(self.bot, interaction.guild_id)
        await reply(
            interaction,
            embed=embed,
            view=view,
            content=None if embed else NOTHING_TO_REVIEW,
            ephemeral=True,
        )

    @pledges.command(name="export")
    async def pledges_export_command(self, interaction: discord.Interaction) -> None:
        """Download this server's pledges as a CSV file (only you see it: personal data)."""
        data = await self.bot.pledges.export_csv(interaction.guild_id)
        file = discord.File(io.BytesIO(data.encode()), filename="pledges.csv")
        whose = "All pledges" if self.bot.settings.pledges_bot_wide else "This server's pledges"
        await interaction.response.send_message(
            f"{whose} (personal data: keep it safe).",
            file=file,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @pledges.command(name="remove")
    async def pledges_remove_command(
        self, interaction: discord.Interaction, user: discord.Member
    ) -> None:
        """Remove someone's pledge and their details (for example at their request).

        Args:
            user: The member whose pledge to remove.
        """
        pledge = await self.bot.pledges.remove(user.id, interaction.guild_id)
        await remove_pledge_role(self.bot, self.bot.settings, interaction.guild, pledge.user_id)
        await reply(
            interaction, f"Removed the pledge of {plain(user.display_name, 80)}.", ephemeral=True
        )


NOTHING_TO_REVIEW = "Nothing to review: every pledge is verified or waiting for its signer."


async def review_page(
    bot: CoalitionBot, guild_id: int | None
) -> tuple[discord.Embed | None, discord.ui.View | None]:
    """The server's oldest pledge waiting for review, with its buttons; (None, None) if none."""
    queue = await bot.pledges.review_queue(guild_id)
    if not queue:
        return None, None
    view = persistent_view(
        ReviewButton("approve", queue[0].id), ReviewButton("reject", queue[0].id)
    )
    return review_embed(queue[0], len(queue)), view


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"pledge:review:(?P<action>approve|reject):(?P<pid>\d+)",
):
    """Approve / Reject in the review queue; works after a restart, checks the clicker again."""

    def __init__(self, action: str, pledge_id: int) -> None:
        style = discord.ButtonStyle.success if action == "approve" else discord.ButtonStyle.danger
        super().__init__(
            discord.ui.Button(
                label=action.title(), style=style, custom_id=f"pledge:review:{action}:{pledge_id}"
            )
        )
        self.action, self.pledge_id = action, pledge_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ReviewButton:
        return cls(match["action"], int(match["pid"]))

    @funnel_errors
    async def callback(self, interaction: discord.Interaction) -> Any:
        require_manager(interaction)
        bot = cast(CoalitionBot, interaction.client)
        if self.action == "approve":
            result = await bot.pledges.approve(self.pledge_id, interaction.guild_id)
            note = await grant_pledge_role(
                bot, bot.settings, interaction.guild, result.pledge.user_id
            )
            done = f"Approved {plain(result.pledge.public_name, 80)}.{note}"
            example = bot.pledges.pledge_is_example()
            await announce_milestone(bot, bot.settings, result.milestone, example)
        else:
            pledge = await bot.pledges.reject(self.pledge_id, interaction.guild_id)
            done = f"Rejected {plain(pledge.public_name, 80)}."
        embed, view = await review_page(bot, interaction.guild_id)
        content = done if embed else f"{done}\n{NOTHING_TO_REVIEW}"
        await interaction.response.edit_message(content=content, embed=embed, view=view)


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(Admin(bot))
