"""A small in-memory sliding-window limiter, per key (for example per user)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class SlidingWindow:
    """At most `limit` events per key within `window` seconds."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[object, deque[float]] = {}
        self._pruned_at = clock()

    def hit(self, key: object) -> float:
        """Record an event; return 0 when allowed, else the seconds until it would be."""
        now = self._clock()
        self._prune(now)
        events = self._events.setdefault(key, deque())
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) >= self.limit:
            return self.window - (now - events[0])
        events.append(now)
        return 0.0

    def wait(self, key: object) -> float:
        """Seconds until `key` may have another event (0: now), without recording one."""
        events = self._events.get(key)
        if not events or len(events) < self.limit:
            return 0.0
        return max(0.0, self.window - (self._clock() - events[0]))

    def __len__(self) -> int:
        """How many keys are held."""
        return len(self._events)

    def _prune(self, now: float) -> None:
        """Forget keys with no event inside the window, once a window: every key is looked at
        once per window, not on every hit (discord.py's own cooldown looks at every member's
        bucket on every command, which a burst of 1,000 members makes a million looks)."""
        if now - self._pruned_at < self.window:
            return
        self._pruned_at = now
        stale = [
            k for k, events in self._events.items() if not events or now - events[-1] >= self.window
        ]
        for key in stale:
            del self._events[key]
