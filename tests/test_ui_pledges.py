"""/pledge status: the state first, dates as Discord timestamps, the record behind Details."""

from __future__ import annotations

import dataclasses

from bot.pledges.model import PledgeStatus
from bot.ui.pledges import details_embed, status_embed
from tests.test_ui_example import PLEDGE


def test_a_verified_pledge_leads_with_its_state_and_hides_the_spent_code() -> None:
    embed = status_embed(PLEDGE)
    assert embed.description == "✅ Verified <t:1796083200:D> — on the public wall as **Maker**."
    assert len(embed.fields) <= 3
    assert PLEDGE.verify_code not in str(embed.to_dict())
    assert PLEDGE.pledge_text_hash not in str(embed.to_dict())
    record = {f.name: f.value for f in details_embed(PLEDGE).fields}
    assert PLEDGE.pledge_text_hash in (record["Pledge text"] or "")
    assert "Verification code" not in record


def test_a_pending_pledge_says_one_step_is_left_and_shows_the_code() -> None:
    pending = dataclasses.replace(
        PLEDGE, status=PledgeStatus.PENDING, verified_at=None, verified_by=None
    )
    embed = status_embed(pending)
    assert (embed.description or "").startswith("⏳ Signed <t:1796083200:D> — one step left")
    steps = {f.name: f.value for f in embed.fields}["Next step"] or ""
    assert pending.verify_code in steps and "/pledge verify" in steps
