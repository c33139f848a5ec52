"""Stateless buttons are sent as discord.py would send them, and never kept per message."""

from __future__ import annotations

import discord

from bot.standards.model import Answer, Citation
from bot.ui.views import persistent_view
from cogs.admin import ReviewButton
from cogs.alerts import NotRelevantButton
from cogs.pledges import PledgeButton, pledge_buttons
from cogs.standards import AnswerButton, answer_view


def _as_discord_sends(*items: discord.ui.Item) -> list[dict]:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view.to_components()


async def test_the_payload_is_the_one_a_view_of_the_same_buttons_gives() -> None:
    rows = [
        [AnswerButton(a, 7, "consent-training") for a in ("full", "up", "down")],
        [PledgeButton("check-again"), PledgeButton("ask-review")],
        [ReviewButton("approve", 3), ReviewButton("reject", 3)],
        [NotRelevantButton(12)],
    ]
    for row in rows:
        assert persistent_view(*row).to_components() == _as_discord_sends(*row)
    # The buttons under an answer are built from their looks alone, not from Items.
    cited = (Citation("consent-training", "Consent", "1.0", None),)
    answer = Answer("Who decides?", True, 0.9, "Ask first.", cited, question_id=7)
    view = answer_view(answer)
    assert view is not None
    assert view.to_components() == _as_discord_sends(*rows[0])


async def test_nothing_is_kept_once_sent_and_the_bot_wide_buttons_are_built_once() -> None:
    view = persistent_view(PledgeButton("check"))
    # discord.py stores a view that is not finished; these are answered by the registered
    # DynamicItem templates instead, and a view with no children of its own is not dispatchable.
    assert view.is_finished() and not view.is_dispatchable() and view.timeout is None
    assert pledge_buttons("check") is pledge_buttons("check")
    assert pledge_buttons("check").to_components() == _as_discord_sends(PledgeButton("check"))
