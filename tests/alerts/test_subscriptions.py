"""Subscription filters: kinds, jurisdictions, tags, words and patterns with a time limit."""

from __future__ import annotations

import pytest

from bot.alerts.patterns import search_all
from bot.alerts.subscriptions import (
    Subscription,
    parse_jurisdictions,
    parse_pattern,
    parse_tags,
    pattern_matches,
)
from bot.errors import UserFacingError
from tests.alerts.conftest import bill


def subscription(**changes) -> Subscription:
    fields = {
        "id": 1,
        "guild_id": 1,
        "channel_id": 10,
        "kinds": ("all",),
        "jurisdictions": ("all",),
        "tags": (),
        "include_terms": (),
        "exclude_terms": (),
        "mode": "immediate",
        "mention_role_id": None,
        "paused_reason": None,
        "created_at": "2026-11-01T00:00:00+00:00",
        **changes,
    }
    return Subscription(**fields)


def test_a_pattern_selects_items_case_insensitively() -> None:
    sub = subscription(pattern=parse_pattern(r"\bdigital replicas?\b"))
    assert sub.matches(bill(1, title="Digital Replica Protection Act"))
    assert not sub.matches(bill(2, title="Artificial Intelligence Research Act"))


def test_a_runaway_pattern_gives_up_as_no_match() -> None:
    assert not pattern_matches(r"(a|aa)+$", "a" * 60 + "b")
    run = search_all({r"(a|aa)+$": [(0, "a" * 60 + "b")]})
    assert run.over_limit == {r"(a|aa)+$"}  # stopped by its limit, not run to the end
    assert run.matched == {r"(a|aa)+$": frozenset()}


@pytest.mark.parametrize(
    ("raw", "message"),
    [("(unclosed", "not a valid regular expression"), ("x" * 201, "at most 200")],
)
def test_bad_patterns_are_refused_with_a_reason(raw: str, message: str) -> None:
    with pytest.raises(UserFacingError, match=message):
        parse_pattern(raw)


def test_empty_pattern_means_none() -> None:
    assert parse_pattern("  ") is None


def test_tags_and_jurisdictions_are_checked() -> None:
    assert parse_tags("likeness, deepfake") == ("likeness", "deepfake")
    with pytest.raises(UserFacingError, match="Unknown tag 'cats'"):
        parse_tags("cats")
    assert parse_jurisdictions("us, us-ca, US-*") == ("US", "US-CA", "US-*")
    states = subscription(jurisdictions=("US-*",))
    assert states.matches(bill(1, jurisdiction="US-TN"))
    assert not states.matches(bill(2))


def test_words_include_and_exclude() -> None:
    sub = subscription(include_terms=("voice",), exclude_terms=("vote",))
    assert sub.matches(bill(1, title="AI Voice Protection Act"))
    assert not sub.matches(bill(2, title="AI Voice Vote Act"))
    assert not sub.matches(bill(3))
