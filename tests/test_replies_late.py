"""Interactions that waited in a burst are deferred before the work, inside Discord's window."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import discord

from bot.ui.replies import LATE_AFTER_SECONDS, defer_if_late


class Response:
    def __init__(self, done: bool = False) -> None:
        self.done = done
        self.deferred: dict[str, Any] | None = None

    def is_done(self) -> bool:
        return self.done

    async def defer(self, **kwargs: Any) -> None:
        self.deferred = kwargs
        self.done = True


def interaction(age: float, done: bool = False) -> Any:
    created = discord.utils.utcnow() - timedelta(seconds=age)
    return SimpleNamespace(created_at=created, response=Response(done))


async def test_a_fresh_interaction_is_answered_directly() -> None:
    fresh = interaction(age=0.05)
    assert not await defer_if_late(fresh)
    assert fresh.response.deferred is None


async def test_one_that_waited_is_deferred_first_as_asked() -> None:
    late = interaction(age=LATE_AFTER_SECONDS + 0.5)
    assert await defer_if_late(late, ephemeral=True)
    assert late.response.deferred == {"ephemeral": True, "thinking": True}


async def test_one_already_answered_is_left_alone() -> None:
    answered = interaction(age=5, done=True)
    assert not await defer_if_late(answered)
    assert answered.response.deferred is None


async def test_one_that_will_have_waited_behind_others_is_deferred_now() -> None:
    queued = interaction(age=0.4)
    assert not await defer_if_late(queued, ahead=LATE_AFTER_SECONDS - 0.5)
    assert queued.response.deferred is None
    assert await defer_if_late(queued, ahead=LATE_AFTER_SECONDS - 0.3)
    assert queued.response.deferred == {"ephemeral": False, "thinking": True}
