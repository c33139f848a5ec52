"""Shared pieces for alert tests: a database, a store, and items."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.alerts.items import AlertItem, ItemKind
from bot.db import Database

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.db")
    yield database
    await database.close()


def bill(number: int, title: str | None = None, status: str = "Introduced", **changes) -> AlertItem:
    """A relevant federal bill (its title names AI unless given)."""
    fields = {
        "source": "test-source",
        "external_id": f"bill-{number}",
        "kind": ItemKind.BILL,
        "jurisdiction": "US",
        "identifier": f"S.{number}",
        "title": title or f"Artificial Intelligence Accountability Act No. {number}",
        "url": f"https://www.congress.gov/bill/119th-congress/senate-bill/{number}",
        "status": status,
        "status_date": "2026-11-19",
        "published_at": "2026-11-19T00:00:00+00:00",
        **changes,
    }
    return AlertItem(**fields)
