"""What a signer reads after signing and after a failed check, per platform."""

from __future__ import annotations

import dataclasses

import pytest

from bot.pledges.extract import Blocked
from bot.pledges.model import Pledge, PledgeStatus
from bot.pledges.urls import CreatorType
from bot.pledges.verify import CheckResult
from bot.ratelimit import SlidingWindow
from bot.ui.pledges import signed_text, verify_failed_text

PLEDGE = Pledge(
    id=1,
    user_id=5,
    guild_id=None,
    creator_type=CreatorType.YOUTUBER,
    public_name="Maker",
    channel_url="https://www.youtube.com/@maker",
    channel_key="yt:@maker",
    audience=None,
    show_on_wall=False,
    status=PledgeStatus.PENDING,
    review_reason=None,
    verify_code="CCAI-AAAAAAAA",
    pledge_version="1",
    pledge_text_hash="0" * 64,
    signed_at="2026-12-01T00:00:00+00:00",
    updated_at="2026-12-01T00:00:00+00:00",
    verified_at=None,
    verified_by=None,
)


@pytest.mark.parametrize(
    ("kind", "url", "step"),
    [
        (CreatorType.YOUTUBER, "https://www.youtube.com/@maker", "YouTube Studio"),
        (CreatorType.PODCASTER, "https://podcasts.apple.com/podcast/id1", "show description"),
        (CreatorType.NEWSLETTER, "https://maker.substack.com", "In Substack"),
        (CreatorType.NEWSLETTER, "https://maker.ghost.io", "Ghost Admin"),
        (CreatorType.OTHER, "https://maker.example", "visible text"),
    ],
)
def test_signing_says_one_step_is_left_with_the_code_and_the_platforms_steps(
    kind: CreatorType, url: str, step: str
) -> None:
    pledge = dataclasses.replace(PLEDGE, creator_type=kind, channel_url=url)
    text = signed_text(pledge, updated=False, example=False)
    assert text.startswith("**Signed — one step left")
    assert "```\nCCAI-AAAAAAAA\n```" in text and step in text
    assert "Check my channel" in text and "few minutes" in text


def test_a_failed_check_names_the_page_it_read_and_when_to_try_again() -> None:
    check = CheckResult(
        False, "youtube", "https://www.youtube.com/@maker/about", "the channel description"
    )
    text = verify_failed_text(PLEDGE, check, 0)
    assert text.startswith(
        "I read https://www.youtube.com/@maker/about and couldn't find your code in the channel"
    )
    assert "YouTube Studio" in text and text.endswith("You can check again now.")
    assert verify_failed_text(PLEDGE, check, 290).endswith("check again in 5 minute(s).")


def test_consent_and_bot_checks_are_named_with_the_page() -> None:
    consent = CheckResult(
        False, "youtube", "https://www.youtube.com/@maker/about", "", blocked=Blocked.CONSENT
    )
    assert verify_failed_text(PLEDGE, consent, 0).startswith("YouTube asked for cookie consent")
    page = "https://maker.example/about"
    bot = CheckResult(False, "site", page, "the page", blocked=Blocked.BOT_CHECK)
    text = verify_failed_text(PLEDGE, bot, 0)
    assert text.startswith("The site asked me to prove I'm not a bot instead of showing " + page)


def test_the_limiter_says_when_the_next_check_is_allowed_without_spending_one() -> None:
    now = [0.0]
    limit = SlidingWindow(limit=2, window=600, clock=lambda: now[0])
    assert limit.wait("u") == 0
    limit.hit("u")
    now[0] = 100
    limit.hit("u")
    assert limit.wait("u") == 500 and limit.wait("u") == 500
    now[0] = 600
    assert limit.wait("u") == 0
