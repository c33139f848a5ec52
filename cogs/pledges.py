"""/pledge: creators sign, verify their channel, see or withdraw what is stored, and count."""

from __future__ import annotations

import asyncio
import functools
import io
import re
from datetime import UTC, datetime
from typing import Any, Literal, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CoalitionBot
from bot.pledges.model import AUDIENCE_RANGES, Pledge, PledgeForm, PledgeStatus
from bot.pledges.service import PledgeService
from bot.ui.actions import announce_milestone, grant_pledge_role, remove_pledge_role
from bot.ui.chart import added_since, pledges_chart
from bot.ui.paginator import Paginator
from bot.ui.pledges import (
    StatusView,
    counts_embed,
    pledge_modal_intro,
    signed_text,
    status_embed,
    verify_failed_text,
    wall_pages,
)
from bot.ui.replies import reply, reply_private
from bot.ui.text import NO_MENTIONS
from bot.ui.views import SafeModal, SafeView, funnel_errors, persistent_view

WALL_LIMIT = 2500
URL_HINTS = {
    "youtuber": "https://www.youtube.com/@yourhandle",
    "podcaster": "RSS feed or Apple Podcasts link; Spotify link + RSS feed on line 2",
    "newsletter": "https://yourname.substack.com",
    "other": "https://your-public-page.example",
}
# Who sees what (Discord allows 100 characters in a field's description).
_AUDIENCE_NOTE = "Optional. Counted only in anonymous totals, never shown with your name."
_PRIVATE_LINK = "Used only to check the channel is yours; never shown publicly."
LINK_NOTES = {
    "youtuber": _PRIVATE_LINK,
    "podcaster": (
        "Never shown publicly. Spotify? Add your RSS feed on line 2: "
        "Spotify pages hide descriptions."
    ),
    "newsletter": _PRIVATE_LINK,
    "other": _PRIVATE_LINK,
}


class PledgeModal(SafeModal):
    """The signing form: the pledge text, then the signer's details."""

    def __init__(self, cog: Pledges, creator_type: str, existing: Pledge | None) -> None:
        super().__init__(title="Sign the creators' pledge", timeout=900)
        self.cog, self.creator_type = cog, creator_type
        text = cog.service.pledge_text()
        intro = pledge_modal_intro(text.version, text.text, text.example)
        self.add_item(discord.ui.TextDisplay(intro))
        self.name = discord.ui.TextInput(
            custom_id="pledge:name",
            max_length=80,
            placeholder="The name you create under",
            default=existing.public_name if existing else None,
        )
        podcaster = creator_type == "podcaster"
        link = existing.channel_url if existing else None
        if existing and existing.feed_url and podcaster:
            link = f"{existing.channel_url}\n{existing.feed_url}"
        self.url = discord.ui.TextInput(
            custom_id="pledge:url",
            max_length=610 if podcaster else 300,
            style=discord.TextStyle.paragraph if podcaster else discord.TextStyle.short,
            placeholder=URL_HINTS[creator_type],
            default=link,
        )
        self.audience = discord.ui.Select(
            custom_id="pledge:audience",
            required=False,
            min_values=0,
            max_values=1,
            placeholder="Optional",
            options=[discord.SelectOption(label=r, value=r) for r in AUDIENCE_RANGES],
        )
        self.wall = discord.ui.Checkbox(custom_id="pledge:wall", default=False)
        self.add_item(
            discord.ui.Label(
                text="Public name",
                description="Shown on the public wall only if you tick the box below.",
                component=self.name,
            )
        )
        self.add_item(
            discord.ui.Label(
                text="Channel, show or newsletter link",
                description=LINK_NOTES[creator_type],
                component=self.url,
            )
        )
        self.add_item(
            discord.ui.Label(
                text="Audience size",
                description=_AUDIENCE_NOTE,
                component=self.audience,
            )
        )
        self.add_item(
            discord.ui.Label(
                text="Show my name on the public wall",
                description="Off by default. You can change this by signing again.",
                component=self.wall,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        form = PledgeForm.validate(
            self.creator_type,
            self.name.value,
            self.url.value,
            self.audience.values[0] if self.audience.values else None,
            bool(self.wall.value),
        )
        result = await self.cog.service.sign(interaction.user.id, interaction.guild_id, form)
        example = self.cog.service.pledge_is_example()
        text = signed_text(result.pledge, result.updated, example)
        pending = result.pledge.status is PledgeStatus.PENDING
        await reply(
            interaction, text, view=pledge_buttons("check") if pending else None, ephemeral=True
        )


class ConfirmWithdraw(SafeView):
    """Withdraw only after the signer confirms."""

    def __init__(self, cog: Pledges, owner_id: int) -> None:
        super().__init__(timeout=120)
        self.cog, self.owner_id = cog, owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.owner_id

    @discord.ui.button(
        label="Yes, withdraw and delete my data",
        style=discord.ButtonStyle.danger,
        custom_id="pledge:withdraw:confirm",
    )
    async def confirm(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        pledge = await self.cog.service.withdraw(interaction.user.id)
        bot = self.cog.bot
        await remove_pledge_role(bot, bot.settings, interaction.guild, pledge.user_id)
        self.stop()
        await interaction.response.edit_message(
            content="Your pledge is withdrawn and your details are deleted.", view=None
        )

    @discord.ui.button(
        label="Keep my pledge",
        style=discord.ButtonStyle.secondary,
        custom_id="pledge:withdraw:cancel",
    )
    async def cancel(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(content="Nothing changed.", view=None)


class PledgeButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"pledge:(?P<action>check|check-again|ask-review)",
):
    """Check my channel / Check again / Ask a person to review it, under the sign-up and a
    failed check. Each acts on the pledge of the member who clicks, so a button needs no state:
    it keeps working after a restart, and no view is kept per message."""

    LABELS = {
        "check": "Check my channel",
        "check-again": "Check again",
        "ask-review": "Ask a person to review it",
    }

    def __init__(self, action: str) -> None:
        style = (
            discord.ButtonStyle.secondary if action == "ask-review" else discord.ButtonStyle.primary
        )
        super().__init__(
            discord.ui.Button(label=self.LABELS[action], style=style, custom_id=f"pledge:{action}")
        )
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PledgeButton:
        return cls(match["action"])

    @funnel_errors
    async def callback(self, interaction: discord.Interaction) -> Any:
        cog = cast(Pledges, cast(CoalitionBot, interaction.client).get_cog("Pledges"))
        if self.action != "ask-review":
            await cog.run_verify(interaction)
            return
        await cog.service.request_review(interaction.user.id)
        await interaction.response.edit_message(
            content="Sent to the server's reviewers. You'll get the role once it's approved.",
            view=None,
        )


@functools.cache
def pledge_buttons(*actions: str) -> discord.ui.View:
    """A view of PledgeButtons (the same for every signer: built once, sent as often as
    needed)."""
    return persistent_view(*(PledgeButton(action) for action in actions))


class Pledges(commands.Cog):
    """The creators' pledge."""

    pledge = app_commands.Group(name="pledge", description="The creators' pledge on AI")

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot
        self.service: PledgeService = bot.pledges

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PledgeButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PledgeButton)

    @pledge.command(name="sign")
    async def sign_command(
        self,
        interaction: discord.Interaction,
        type: Literal["youtuber", "podcaster", "newsletter", "other"],  # noqa: A002
    ) -> None:
        """Sign the creators' pledge (or update your signature).

        Args:
            type: What you create.
        """
        existing = await self.service.get(interaction.user.id)
        await interaction.response.send_modal(PledgeModal(self, type, existing))

    @pledge.command(name="verify")
    async def verify_command(self, interaction: discord.Interaction) -> None:
        """Check that your verification code is on your channel, show or newsletter."""
        await self.run_verify(interaction)

    async def run_verify(self, interaction: discord.Interaction) -> None:
        """Check the signer's channel: from /pledge verify or a Check button."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.service.verify(interaction.user.id)
        if not result.verified:
            text = verify_failed_text(result.pledge, result.check, result.retry_in)
            view = pledge_buttons("check-again", "ask-review")
            await reply(interaction, text, view=view, ephemeral=True)
            return
        settings = self.bot.settings
        note = await grant_pledge_role(self.bot, settings, interaction.guild, interaction.user.id)
        await reply_private(interaction, "Your channel is verified. Thank you for pledging!" + note)
        example = self.service.pledge_is_example()
        await announce_milestone(self.bot, settings, result.milestone, example)

    @pledge.command(name="status")
    async def status_command(self, interaction: discord.Interaction) -> None:
        """See exactly what is stored about your pledge (only you see it)."""
        pledge = await self.service.require(interaction.user.id)
        view = StatusView(pledge)
        await reply(interaction, embed=status_embed(pledge), view=view, ephemeral=True)

    @pledge.command(name="withdraw")
    async def withdraw_command(self, interaction: discord.Interaction) -> None:
        """Withdraw your pledge and delete your details."""
        await self.service.require(interaction.user.id)
        await reply(
            interaction,
            "Withdraw your pledge? Your details are deleted; only an anonymous count remains.",
            view=ConfirmWithdraw(self, interaction.user.id),
            ephemeral=True,
        )

    @pledge.command(name="count")
    async def count_command(self, interaction: discord.Interaction) -> None:
        """How many creators have pledged, by type, with a chart."""
        counts = await self.service.counts()
        timeline = await self.service.timeline()
        this_week = added_since(timeline, datetime.now(UTC).date())
        embed = counts_embed(counts, self.service.pledge_is_example(), this_week)
        if not timeline:
            await reply(interaction, embed=embed)
            return
        # Drawing (and the plotting library's first import) can take longer than Discord waits.
        await interaction.response.defer(thinking=True)
        png = await asyncio.to_thread(pledges_chart, timeline)
        embed.set_image(url="attachment://pledges.png")
        file = discord.File(io.BytesIO(png), filename="pledges.png")
        await interaction.followup.send(embed=embed, file=file, allowed_mentions=NO_MENTIONS)

    @pledge.command(name="wall")
    async def wall_command(self, interaction: discord.Interaction) -> None:
        """The verified creators who chose to be listed."""
        pledges, total = await self.service.wall(0, WALL_LIMIT)
        pages = wall_pages(pledges, total, self.service.pledge_is_example())
        view = Paginator(pages, interaction.user.id) if len(pages) > 1 else None
        await reply(interaction, embed=pages[0], view=view)


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(Pledges(bot))
