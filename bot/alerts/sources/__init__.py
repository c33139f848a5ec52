"""Source adapters: one module per public source, all with the same small interface.

An adapter fetches since a cursor and returns normalized items and the next cursor. It declares
the fields that make its content hash, its default poll interval and its request budget, which
the scheduler enforces. Adding a source touches no other source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

import httpx

from bot.alerts.items import AlertItem


class SourceError(Exception):
    """A poll failed (network, HTTP status, malformed data); the scheduler backs off."""


@dataclass(frozen=True, slots=True)
class Budget:
    """Requests a source may make, per hour and per day."""

    per_hour: int
    per_day: int


@dataclass(frozen=True, slots=True)
class Page:
    """What one poll returned."""

    items: list[AlertItem] = field(default_factory=list)
    cursor: str | None = None
    not_modified: bool = False


class Source(Protocol):
    name: str
    hash_fields: tuple[str, ...]
    poll_interval: timedelta
    budget: Budget

    async def fetch(self, client: httpx.AsyncClient, cursor: str | None) -> Page:
        """Fetch what is new since cursor."""
        ...
