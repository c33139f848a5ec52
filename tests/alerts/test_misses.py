"""'Not relevant' marks: one per server and item, with the terms that matched, listed and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.alerts.misses import Misses, misses_csv
from bot.alerts.service import AlertService, SubscriptionRequest
from bot.alerts.store import AlertStore
from bot.config import Settings
from bot.db import Database
from bot.errors import UserFacingError
from tests.alerts.conftest import bill

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def test_marks_are_kept_per_server_with_the_matched_terms(db: Database) -> None:
    store, misses = AlertStore(db), Misses(db)
    await store.ingest("test-source", [bill(1, title="=Deepfake voice cloning in ads")], now=T0)
    (item_id,) = await db.fetchone("SELECT id FROM alert_items")
    assert await misses.mark(1, item_id, 77, now=T0)
    assert not await misses.mark(1, item_id, 78, now=T0 + timedelta(minutes=1))  # once per server
    assert await misses.mark(2, item_id, 90, now=T0)
    (miss,) = await misses.listed(1)
    assert (miss.identifier, miss.tier, miss.marked_by) == ("S.1", "creators", 77)
    assert miss.reasons == ("deepfake", "voice cloning")
    rows = list(csv.reader(io.StringIO(misses_csv([miss]))))
    assert rows[0] == ["marked_at", "identifier", "title", "tier", "matched", "url", "marked_by"]
    assert rows[1][2] == "'=Deepfake voice cloning in ads"  # never a spreadsheet formula
    assert rows[1][4] == "deepfake · voice cloning"
    with pytest.raises(UserFacingError, match="no longer stored"):
        await misses.mark(1, 999, 77)


async def test_the_service_checks_the_scope_and_records_marks(db: Database) -> None:
    async with httpx.AsyncClient() as client:
        service = AlertService(db, client, Settings.from_env({"ALERTS_SOURCES": ""}))
        with pytest.raises(UserFacingError, match="Scope must be one of: creators, all-ai"):
            await service.subscribe(1, 10, SubscriptionRequest(scope="everything"))
        assert await service.subscriptions(1) == []
        sub = await service.subscribe(1, 10, SubscriptionRequest(scope="all-ai"))
        assert sub.scope == "all-ai"
        await service.store.ingest("test-source", [bill(2)], now=T0)
        (item_id,) = await db.fetchone("SELECT id FROM alert_items")
        assert await service.mark_not_relevant(1, item_id, 5)
        assert [m.item_id for m in await service.missed(1)] == [item_id]
        assert await service.missed(2) == []
