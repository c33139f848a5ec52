"""/ask and /standards: the coalition's standards, answered and cited."""

from __future__ import annotations

import re
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CoalitionBot
from bot.standards.model import Answer
from bot.standards.service import StandardsService, validate_question
from bot.ui.checks import per_user_limit
from bot.ui.paginator import Paginator
from bot.ui.replies import defer_if_late, reply, reply_private
from bot.ui.standards import answer_embed, section_embed, section_list_pages
from bot.ui.views import SentButtons, button_payload, funnel_errors


def _service(interaction: discord.Interaction) -> StandardsService:
    return cast(CoalitionBot, interaction.client).standards


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"std:(?P<action>up|down|full):(?P<qid>\d+):(?P<sid>[a-z0-9-]+)",
):
    """Helpful / Not helpful / Show full section under an answer; survives restarts."""

    ACTIONS = ("full", "up", "down")
    LABELS = {"up": "Helpful", "down": "Not helpful", "full": "Show full section"}

    def __init__(self, action: str, question_id: int, section_id: str) -> None:
        label, style, custom_id = self.looks(action, question_id, section_id)
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))
        self.action, self.question_id, self.section_id = action, question_id, section_id

    @classmethod
    def looks(
        cls, action: str, question_id: int, section_id: str
    ) -> tuple[str, discord.ButtonStyle, str]:
        """(label, style, custom id) of one button: what is sent, and what a click brings."""
        style = discord.ButtonStyle.primary if action == "full" else discord.ButtonStyle.secondary
        return cls.LABELS[action], style, f"std:{action}:{question_id}:{section_id}"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AnswerButton:
        return cls(match["action"], int(match["qid"]), match["sid"])

    @funnel_errors
    async def callback(self, interaction: discord.Interaction) -> Any:
        service = _service(interaction)
        if self.action == "full":
            section = service.section(self.section_id)
            embed = section_embed(section, service.citation(section), service.document)
            await reply(interaction, embed=embed, ephemeral=True)
            return
        counted = await service.feedback(self.question_id, interaction.user.id, self.action == "up")
        text = "Thanks, noted." if counted else "You already rated this answer."
        if self.action == "down" and counted:
            text += " The organisers review unanswered and unhelpful questions."
        await reply_private(interaction, text)


def answer_view(answer: Answer) -> discord.ui.View | None:
    """The buttons under an answer (none under a decline: it is already counted as a gap)."""
    if not answer.covered or answer.question_id is None or answer.top_section_id is None:
        return None
    question_id, section_id = answer.question_id, answer.top_section_id
    return SentButtons(
        *(
            button_payload(*AnswerButton.looks(a, question_id, section_id))
            for a in AnswerButton.ACTIONS
        )
    )


class Standards(commands.Cog):
    """Answers questions from the coalition's standards text."""

    standards = app_commands.Group(name="standards", description="Browse the coalition's standards")

    def __init__(self, bot: CoalitionBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AnswerButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AnswerButton)

    @app_commands.command(name="ask")
    @per_user_limit(4, 60.0)
    async def ask_command(
        self, interaction: discord.Interaction, question: str, private: bool = False
    ) -> None:
        """Ask what the coalition's standards say, in your own words.

        Args:
            question: Your question, up to 300 characters.
            private: Show the answer only to you.
        """
        service = self.bot.standards
        validate_question(question)  # a bad question is told at once, not after "thinking…"
        ahead = service.queue.wait_seconds  # the questions being answered before this one
        if service.generates_answers:
            await interaction.response.defer(ephemeral=private, thinking=True)  # a model composes
        elif ahead or not service.answers_at_once:
            # It waits behind others, or its answer may wait (a large text ranked in a thread, a
            # database round trip): "thinking…" first when it will have waited a second by then.
            # Alone, an answer that waits on nothing is sent as soon as a deferral would be, so
            # it isn't deferred: a deferral would only double its requests.
            await defer_if_late(interaction, ephemeral=private, ahead=ahead)
        answer = await service.answer(question)
        embed = answer_embed(answer, service.document, self.bot.settings.standards_help_channel_id)
        if not answer.covered and not private and interaction.response.is_done():
            # A public "thinking…" can't turn private: remove it, then answer privately.
            await interaction.delete_original_response()
        # A decline is for the asker alone: nothing the channel needs to read.
        private = private or not answer.covered
        await reply(interaction, embed=embed, view=answer_view(answer), ephemeral=private)

    @standards.command(name="list")
    async def list_command(self, interaction: discord.Interaction) -> None:
        """List every section of the standards."""
        pages = section_list_pages(self.bot.standards.document)
        view = Paginator(pages, interaction.user.id) if len(pages) > 1 else None
        await reply(interaction, embed=pages[0], view=view, ephemeral=True)

    @standards.command(name="show")
    async def show_command(self, interaction: discord.Interaction, section: str) -> None:
        """Show one section of the standards in full.

        Args:
            section: Start typing a topic or section id.
        """
        service = self.bot.standards
        found = service.section(section)
        await reply(
            interaction, embed=section_embed(found, service.citation(found), service.document)
        )

    @show_command.autocomplete("section")
    async def section_autocomplete(
        self, _interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=label, value=sid)
            for label, sid in self.bot.standards.autocomplete(current)
        ]


async def setup(bot: CoalitionBot) -> None:
    await bot.add_cog(Standards(bot))
