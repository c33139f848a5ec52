"""The bounded map of recent values that the caches share."""

from __future__ import annotations

from bot.recent import Recent


def test_reading_keeps_a_value_and_the_least_recently_used_goes_first() -> None:
    recent: Recent[str, int] = Recent()
    recent.put("a", 1, keep=2)
    recent.put("b", 2, keep=2)
    assert recent.get("a") == 1  # now the newest
    recent.put("c", 3, keep=2)
    assert recent.get("b") is None and recent.get("a") == 1 and recent.get("c") == 3
    recent.put("a", 4, keep=1)  # a smaller bound at the next put holds at once
    assert len(recent) == 1 and recent.get("a") == 4
    recent.clear()
    assert len(recent) == 0 and recent.get("a") is None
