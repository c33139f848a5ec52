"""The per-key sliding window and the per-member slash-command limit built on it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from discord import app_commands

from bot.ratelimit import SlidingWindow
from bot.ui.checks import per_user_limit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_gets_limit_events_per_window_and_is_told_how_long_to_wait() -> None:
    clock = Clock()
    window = SlidingWindow(2, 60, clock)
    assert window.hit("a") == window.hit("a") == 0
    clock.now += 15
    assert window.hit("a") == pytest.approx(45)
    assert window.hit("b") == 0  # other keys are counted apart
    clock.now += 45
    assert window.hit("a") == 0


def test_keys_quiet_for_a_window_are_forgotten() -> None:
    clock = Clock()
    window = SlidingWindow(1, 60, clock)
    for member in range(1000):
        window.hit(member)
    assert len(window) == 1000
    clock.now += 30
    window.hit("late")
    assert len(window) == 1001  # nothing is a window old yet
    clock.now += 31
    window.hit("later")
    # The first thousand are a window old and forgotten; "late" still counts.
    assert len(window) == 2
    assert window.hit("late") > 0


async def test_the_command_check_lets_limit_uses_through_then_says_when_to_retry() -> None:
    def command() -> None: ...

    checked = per_user_limit(2, 60.0)(command)
    predicate = checked.__discord_app_commands_checks__[0]  # type: ignore[attr-defined]
    member = SimpleNamespace(user=SimpleNamespace(id=7))
    other = SimpleNamespace(user=SimpleNamespace(id=8))
    assert predicate(member) and predicate(member)
    with pytest.raises(app_commands.CommandOnCooldown) as raised:
        predicate(member)
    assert 59 < raised.value.retry_after <= 60
    assert predicate(other)
