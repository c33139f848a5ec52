"""Each source's stored state: cursor, health, next poll, and the requests it has spent."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.alerts.sources import Budget, HttpGetter, SourceError
from bot.db import Database

_LOAD = "SELECT * FROM alert_sources WHERE name = ?"
_SAVE = """
INSERT INTO alert_sources (name, cursor, last_success_at, last_error_at, last_error, failures,
    unhealthy_since, next_poll_at, budget_hour, budget_hour_used, budget_day, budget_day_used,
    records_skipped, last_skipped_at, last_skipped)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor,
    last_success_at = excluded.last_success_at, last_error_at = excluded.last_error_at,
    last_error = excluded.last_error, failures = excluded.failures,
    unhealthy_since = excluded.unhealthy_since, next_poll_at = excluded.next_poll_at,
    budget_hour = excluded.budget_hour, budget_hour_used = excluded.budget_hour_used,
    budget_day = excluded.budget_day, budget_day_used = excluded.budget_day_used,
    records_skipped = excluded.records_skipped, last_skipped_at = excluded.last_skipped_at,
    last_skipped = excluded.last_skipped
"""


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the scheduler remembers about a source between polls and restarts."""

    name: str
    cursor: str | None = None
    seeded_at: str | None = None
    last_success_at: str | None = None
    last_error_at: str | None = None
    last_error: str | None = None
    failures: int = 0
    unhealthy_since: str | None = None
    next_poll_at: str | None = None
    budget_hour: str | None = None  # "2026-11-26T14": the clock hour the count belongs to
    budget_hour_used: int = 0
    budget_day: str | None = None  # "2026-11-26" (UTC)
    budget_day_used: int = 0
    records_skipped: int = 0  # bad records skipped, in all
    last_skipped_at: str | None = None
    last_skipped: str | None = None  # why the latest one was skipped

    @classmethod
    def from_row(cls, row: Any) -> SourceState:
        return cls(**{name: row[name] for name in cls.__slots__})

    def used(self, now: datetime) -> tuple[int, int]:
        """Requests spent this clock hour and this UTC day (older counts no longer apply)."""
        hour, day = _windows(now)
        used_hour = self.budget_hour_used if self.budget_hour == hour else 0
        used_day = self.budget_day_used if self.budget_day == day else 0
        return used_hour, used_day

    def budget_left(self, budget: Budget, now: datetime) -> tuple[int, int]:
        """Requests left this hour and today."""
        used_hour, used_day = self.used(now)
        return max(0, budget.per_hour - used_hour), max(0, budget.per_day - used_day)


class SourceStates:
    """Owns the alert_sources rows (the store only marks a source seeded)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self, name: str) -> SourceState:
        """The stored state, or a fresh one for a source never polled (nothing is written)."""
        row = await self._db.fetchone(_LOAD, (name,))
        return SourceState(name) if row is None else SourceState.from_row(row)

    async def save(self, state: SourceState) -> None:
        await self._db.execute(
            _SAVE,
            (
                state.name,
                state.cursor,
                state.last_success_at,
                state.last_error_at,
                state.last_error,
                state.failures,
                state.unhealthy_since,
                state.next_poll_at,
                state.budget_hour,
                state.budget_hour_used,
                state.budget_day,
                state.budget_day_used,
                state.records_skipped,
                state.last_skipped_at,
                state.last_skipped,
            ),
        )


class BudgetExhausted(SourceError):
    """The source spent its hourly or daily request budget; wait for the window to turn."""


class MeteredClient:
    """The shared HTTP client as one source sees it: every request counted against its budget."""

    def __init__(
        self, client: HttpGetter, budget: Budget, state: SourceState, now: datetime
    ) -> None:
        self._client = client
        self._budget = budget
        self._now = now
        self.hour, self.day = _windows(now)
        self.used_hour, self.used_day = state.used(now)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        if self.used_day >= self._budget.per_day:
            wait = _next_day(self._now) - self._now
            raise BudgetExhausted("daily request budget spent", retry_after=wait.total_seconds())
        if self.used_hour >= self._budget.per_hour:
            wait = _next_hour(self._now) - self._now
            raise BudgetExhausted("hourly request budget spent", retry_after=wait.total_seconds())
        self.used_hour += 1
        self.used_day += 1
        return await self._client.get(url, **kwargs)

    def spent(self, state: SourceState) -> SourceState:
        """The state with this poll's requests counted."""
        return replace(
            state,
            budget_hour=self.hour,
            budget_hour_used=self.used_hour,
            budget_day=self.day,
            budget_day_used=self.used_day,
        )


def _windows(now: datetime) -> tuple[str, str]:
    return now.strftime("%Y-%m-%dT%H"), now.strftime("%Y-%m-%d")


def _next_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _next_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
