"""Alert items: new, updated, unchanged; silent seeding; max age; one outbox row per delivery."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.alerts.items import AlertItem, ItemKind
from bot.alerts.outbox import Outbox
from bot.alerts.store import KEEP_FOR, MAX_SUBSCRIPTIONS_PER_GUILD, AlertStore, prune
from bot.alerts.subscriptions import parse_jurisdictions, parse_kinds, parse_terms
from bot.db import Database, bundled_migrations
from bot.errors import UserFacingError

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NO_FAKES = AlertItem(
    source="govinfo",
    external_id="BILLS-119s1367is",
    kind=ItemKind.BILL,
    jurisdiction="US",
    identifier="S.1367",
    title="NO FAKES Act of 2025",
    url="https://www.govinfo.gov/app/details/BILLS-119s1367is",
    status="Read twice and referred to the Committee on the Judiciary.",
    status_date="2026-11-19",
    published_at="2026-11-19T00:00:00+00:00",
    tags=("likeness",),
)
CA_BILL = replace(
    NO_FAKES,
    source="openstates",
    external_id="ca-ab-412",
    jurisdiction="US-CA",
    identifier="CA AB 412",
    title="AI Copyright Transparency Act",
    tags=("copyright",),
)
POST_OFFICE = replace(
    NO_FAKES,
    external_id="BILLS-119hr9",
    identifier="H.R.9",
    title="To designate the facility of the United States Postal Service",
)


@pytest.fixture
async def store(db: Database) -> AlertStore:
    return AlertStore(db)


async def outbox(store: AlertStore) -> list[tuple[int, str, int, str | None]]:
    rows = await store._db.fetchall(
        "SELECT subscription_id, change, item_version, previous_status FROM alert_outbox ORDER BY id"
    )
    return [tuple(r) for r in rows]


async def seeded(store: AlertStore) -> None:
    """Subscriptions exist and the source has been polled once (silently)."""
    first = await store.ingest("govinfo", [], now=T0)
    assert first.seeded


async def test_first_poll_of_a_source_seeds_silently(store: AlertStore) -> None:
    await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    result = await store.ingest("govinfo", [NO_FAKES], now=T0)
    assert (result.new, result.queued, result.seeded) == (1, 0, True)
    assert await outbox(store) == []


async def test_new_then_updated_then_unchanged(store: AlertStore) -> None:
    sub = await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    await seeded(store)
    new = await store.ingest("govinfo", [NO_FAKES], now=T0 + timedelta(hours=1))
    assert (new.new, new.queued) == (1, 1)
    moved = replace(NO_FAKES, status="Committee hearing held.", status_date="2026-11-21")
    updated = await store.ingest("govinfo", [moved], now=T0 + timedelta(hours=2))
    assert (updated.updated, updated.queued) == (1, 1)
    same = await store.ingest("govinfo", [moved], now=T0 + timedelta(hours=3))
    assert (same.unchanged, same.queued) == (1, 0)
    assert await outbox(store) == [
        (sub.id, "new", 1, None),
        (sub.id, "updated", 2, "Read twice and referred to the Committee on the Judiciary."),
    ]


async def test_overlap_window_never_queues_twice(store: AlertStore) -> None:
    await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    await seeded(store)
    for hour in (1, 2, 3):  # the same item comes back in every overlapping poll
        await store.ingest("govinfo", [NO_FAKES], now=T0 + timedelta(hours=hour))
    assert len(await outbox(store)) == 1


async def test_late_item_in_the_overlap_window_is_caught(store: AlertStore) -> None:
    await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    await seeded(store)
    await store.ingest("govinfo", [NO_FAKES], now=T0 + timedelta(hours=1))
    late = replace(
        NO_FAKES,
        external_id="BILLS-119s1368is",
        identifier="S.1368",
        published_at="2026-11-18T00:00:00+00:00",
        title="Generative AI Copyright Disclosure Act",
    )
    result = await store.ingest("govinfo", [NO_FAKES, late], now=T0 + timedelta(hours=2))
    assert (result.new, result.unchanged, result.queued) == (1, 1, 1)


async def test_old_and_off_topic_items_are_stored_but_not_posted(store: AlertStore) -> None:
    await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    await seeded(store)
    old = replace(
        NO_FAKES,
        external_id="old",
        status_date="2026-10-01",
        published_at="2026-10-01T00:00:00+00:00",
    )
    result = await store.ingest("govinfo", [old, POST_OFFICE], now=T0 + timedelta(hours=1))
    assert (result.new, result.queued) == (2, 0)
    tracked = replace(POST_OFFICE, external_id="docket-1", always_relevant=True)
    assert (await store.ingest("govinfo", [tracked], now=T0 + timedelta(hours=2))).queued == 1


async def test_age_is_judged_by_the_bills_own_latest_action(store: AlertStore) -> None:
    await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    await seeded(store)
    # The source re-saved a 2024 law today: its own last action is what counts.
    enacted = replace(
        CA_BILL,
        external_id="tn-hb-2091",
        jurisdiction="US-TN",
        identifier="TN HB 2091",
        title="ELVIS Act: voice and likeness protection from artificial intelligence",
        status="Effective date(s) 07/01/2024",
        status_date="2024-07-01",
        published_at=T0.isoformat(),
    )
    fresh = replace(CA_BILL, status_date="2026-11-19", published_at=T0.isoformat())
    result = await store.ingest("govinfo", [enacted, fresh], now=T0 + timedelta(hours=1))
    assert (result.new, result.queued) == (2, 1)


async def test_a_new_subscription_hears_only_of_later_changes(store: AlertStore) -> None:
    await seeded(store)
    await store.ingest("govinfo", [NO_FAKES], now=T0 + timedelta(hours=1))
    late_sub = await store.subscribe(1, 11, now=T0 + timedelta(hours=2))
    assert (await store.ingest("govinfo", [NO_FAKES], now=T0 + timedelta(hours=3))).queued == 0
    moved = replace(NO_FAKES, status="Passed Senate.")
    await store.ingest("govinfo", [moved], now=T0 + timedelta(hours=4))
    assert [row[0] for row in await outbox(store)] == [late_sub.id]


async def test_subscription_filters(store: AlertStore) -> None:
    federal = await store.subscribe(1, 10, jurisdictions=("US",), now=T0 - timedelta(days=1))
    states = await store.subscribe(1, 11, jurisdictions=("US-*",), now=T0 - timedelta(days=1))
    copyright_only = await store.subscribe(1, 12, tags=("copyright",), now=T0 - timedelta(days=1))
    no_fakes_out = await store.subscribe(
        1, 13, exclude_terms=("no fakes",), now=T0 - timedelta(days=1)
    )
    cases = await store.subscribe(1, 14, kinds=("case",), now=T0 - timedelta(days=1))
    for source in ("govinfo", "openstates"):
        await store.ingest(source, [], now=T0)
    await store.ingest("govinfo", [NO_FAKES], now=T0 + timedelta(hours=1))
    await store.ingest("openstates", [CA_BILL], now=T0 + timedelta(hours=1))
    delivered = {row[0] for row in await outbox(store)}
    assert federal.id in delivered and states.id in delivered and copyright_only.id in delivered
    assert no_fakes_out.id in delivered  # it still gets the CA bill
    assert cases.id not in delivered
    rows = await store._db.fetchall("SELECT subscription_id, item_id FROM alert_outbox")
    assert (no_fakes_out.id, 1) not in {tuple(r) for r in rows}


async def test_a_failing_poll_stores_nothing(
    store: AlertStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    await seeded(store)

    def broken_nonce(*_: object) -> str:
        raise RuntimeError("disk trouble while queueing")

    monkeypatch.setattr("bot.alerts.store._nonce", broken_nonce)
    with pytest.raises(RuntimeError):
        await store.ingest("govinfo", [NO_FAKES, CA_BILL], now=T0 + timedelta(hours=1))
    assert await store._db.fetchall("SELECT * FROM alert_items") == []


async def test_one_bad_record_is_skipped_and_the_rest_stored(store: AlertStore) -> None:
    sub = await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    await seeded(store)
    zero_date = replace(NO_FAKES, external_id="zero-date", published_at="0000-00-00")
    no_title = replace(NO_FAKES, external_id="no-title", title=None)
    bad_status_date = replace(NO_FAKES, external_id="bad-status", status_date="2026-13-45")
    items = [zero_date, NO_FAKES, no_title, CA_BILL, bad_status_date]
    result = await store.ingest("govinfo", items, now=T0 + timedelta(hours=1))
    assert (result.new, result.queued, result.skipped) == (2, 2, 3)
    assert result.skip_reason == "published_at '0000-00-00' is not a date"
    stored = await store._db.fetchall("SELECT external_id FROM alert_items ORDER BY id")
    assert [r[0] for r in stored] == [NO_FAKES.external_id, CA_BILL.external_id]
    assert {r[0] for r in await outbox(store)} == {sub.id}


async def test_a_record_whose_text_is_not_text_is_skipped(store: AlertStore) -> None:
    await seeded(store)
    odd_status = replace(NO_FAKES, external_id="odd-status", status=7)
    odd_summary = replace(NO_FAKES, external_id="odd-summary", summary=["a", "list"])
    odd_tags = replace(NO_FAKES, external_id="odd-tags", tags=("likeness", 3))
    items = [odd_status, odd_summary, odd_tags, CA_BILL]
    result = await store.ingest("govinfo", items, now=T0 + timedelta(hours=1))
    assert (result.new, result.skipped) == (1, 3)
    assert result.skip_reason == "it could not be read (status is a int, not text)"


def test_filter_parsing() -> None:
    assert parse_kinds("") == ("all",)
    assert parse_kinds("Bill, case") == ("bill", "case")
    assert parse_jurisdictions("us, us-ca, US-*") == ("US", "US-CA", "US-*")
    assert parse_terms(" Voice , likeness,voice") == ("voice", "likeness")
    with pytest.raises(UserFacingError, match="Unknown kind"):
        parse_kinds("tweet")
    with pytest.raises(UserFacingError, match="Unknown jurisdiction"):
        parse_jurisdictions("California")
    with pytest.raises(UserFacingError, match="at most 10"):
        parse_terms(",".join(f"t{i}" for i in range(11)))


async def test_two_versions_in_one_poll_post_the_newest_once(store: AlertStore) -> None:
    await store.ingest("govinfo", [], now=T0)
    await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    reported = replace(
        NO_FAKES, status="Reported in Senate", published_at="2026-11-19T18:00:00+00:00"
    )
    result = await store.ingest("govinfo", [reported, NO_FAKES], now=T0 + timedelta(hours=1))
    assert (result.new, result.updated, result.queued) == (1, 0, 1)
    (row,) = await store._db.fetchall("SELECT status, version FROM alert_items")
    assert tuple(row) == ("Reported in Senate", 1)


async def test_many_items_are_stored_and_queued_in_batches(store: AlertStore) -> None:
    await store.ingest("govinfo", [], now=T0)
    await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    bills = [
        replace(NO_FAKES, external_id=f"BILLS-119s{n}", identifier=f"S.{n}") for n in range(1234)
    ]
    first = await store.ingest("govinfo", bills, now=T0 + timedelta(hours=1))
    assert (first.new, first.queued) == (1234, 1234)
    moved = [replace(b, status="Passed Senate") if i % 2 else b for i, b in enumerate(bills)]
    second = await store.ingest("govinfo", moved, now=T0 + timedelta(hours=2))
    assert (second.updated, second.unchanged, second.queued) == (617, 617, 617)
    assert len(await outbox(store)) == 1234 + 617


async def test_prune_keeps_what_is_pending_recent_or_relevant(store: AlertStore) -> None:
    old = T0 - KEEP_FOR - timedelta(days=1)
    await store.ingest("govinfo", [], now=old - timedelta(days=1))
    await store.subscribe(1, 10, now=old - timedelta(days=1))
    await store.ingest("govinfo", [NO_FAKES, POST_OFFICE], now=old)
    await store._db.execute("UPDATE alert_outbox SET delivered_at = ?", (old.isoformat(),))
    recent = replace(NO_FAKES, external_id="BILLS-119s2", identifier="S.2", published_at=None)
    await store.ingest("govinfo", [recent], now=T0)  # queued, not delivered yet
    assert await prune(store._db, now=T0) == (1, 1)  # the old delivery, the post office bill
    items = await store._db.fetchall("SELECT identifier FROM alert_items ORDER BY id")
    assert [r[0] for r in items] == ["S.1367", "S.2"]
    assert len(await outbox(store)) == 1


async def test_a_server_has_at_most_25_subscriptions(store: AlertStore) -> None:
    for channel in range(MAX_SUBSCRIPTIONS_PER_GUILD):
        await store.subscribe(1, 100 + channel, now=T0)
    with pytest.raises(UserFacingError, match="already has 25 alert subscriptions"):
        await store.subscribe(1, 999, now=T0)
    assert len(await store.subscriptions(1)) == MAX_SUBSCRIPTIONS_PER_GUILD
    assert (await store.subscribe(2, 999, now=T0)).guild_id == 2  # another server is separate


VA_BACKLOG = replace(
    NO_FAKES,
    external_id="BILLS-119hr77",
    identifier="H.R.77",
    title="To use artificial intelligence to reduce the disability claims backlog",
    tags=(),
)


async def test_default_subscriptions_hear_creator_items_and_all_ai_hears_both(
    store: AlertStore,
) -> None:
    default = await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    wide = await store.subscribe(1, 11, now=T0 - timedelta(days=1), scope="all-ai")
    assert (default.scope, wide.scope) == ("creators", "all-ai")
    await seeded(store)
    result = await store.ingest("govinfo", [NO_FAKES, VA_BACKLOG], now=T0 + timedelta(hours=1))
    assert {(i.identifier, i.tier) for i in result.relevant} == {
        ("S.1367", "creators"),
        ("H.R.77", "ai-policy"),
    }
    rows = await store._db.fetchall(
        "SELECT o.subscription_id, i.identifier FROM alert_outbox o "
        "JOIN alert_items i ON i.id = o.item_id ORDER BY o.subscription_id, i.identifier"
    )
    assert [tuple(r) for r in rows] == [
        (default.id, "S.1367"),
        (wide.id, "H.R.77"),
        (wide.id, "S.1367"),
    ]
    latest = {s.item.identifier: s.item for s in await store.latest()}
    assert latest["S.1367"].tier == "creators"
    assert latest["S.1367"].reasons == ("NO FAKES Act",)
    assert latest["H.R.77"].reasons == ("AI",)
    assert [s.item.identifier for s in await store.preview(default, now=T0)] == ["S.1367"]


async def test_a_tracked_docket_is_in_the_creators_tier_whatever_its_words(
    store: AlertStore,
) -> None:
    await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    await seeded(store)
    tracked = replace(POST_OFFICE, external_id="docket-1", always_relevant=True)
    result = await store.ingest("govinfo", [tracked], now=T0 + timedelta(hours=1))
    assert result.queued == 1
    assert (result.relevant[0].tier, result.relevant[0].reasons) == ("creators", ("tracked case",))


async def test_items_stored_before_tiers_are_judged_again(store: AlertStore) -> None:
    await seeded(store)
    await store.ingest("govinfo", [NO_FAKES, VA_BACKLOG, POST_OFFICE], now=T0)
    await store._db.execute("UPDATE alert_items SET tier = NULL, reasons = ''")
    assert await store.judge_untiered() == 2  # the post office bill was never relevant
    assert await store.judge_untiered() == 0
    rows = await store._db.fetchall("SELECT identifier, tier, reasons FROM alert_items")
    assert {tuple(r) for r in rows} == {
        ("S.1367", "creators", "NO FAKES Act"),
        ("H.R.77", "ai-policy", "AI"),
        ("H.R.9", None, ""),
    }


async def test_subscriptions_made_before_tiers_become_creators(tmp_path: Path) -> None:
    before = [m for m in bundled_migrations() if m.number < 6]
    db = await Database.open(tmp_path / "old.db", before)
    try:
        await db.execute(
            "INSERT INTO alert_subscriptions (guild_id, channel_id, kinds, jurisdictions, tags, "
            "include_terms, exclude_terms, mode, created_at) "
            "VALUES (1, 10, 'all', 'all', '', '', '', 'immediate', '2026-11-01T00:00:00+00:00')"
        )
        await db.migrate(bundled_migrations())
        (sub,) = await AlertStore(db).subscriptions(1)
        assert sub.scope == "creators"
    finally:
        await db.close()


async def test_an_abstract_is_stored_and_delivered_with_its_item(store: AlertStore) -> None:
    await store.subscribe(1, 10, now=T0 - timedelta(days=1))
    await seeded(store)
    described = replace(CA_BILL, abstract="Requires developers to document training data.")
    await store.ingest("govinfo", [described], now=T0 + timedelta(hours=1))
    (delivery,) = await Outbox(store._db).due(T0 + timedelta(hours=2))
    assert delivery.item.item.abstract == "Requires developers to document training data."
    (latest,) = await store.latest()
    assert latest.item.abstract == described.abstract


def test_delivery_nonces_are_unique_fit_discord_and_rise_with_the_rows() -> None:
    from bot.alerts.store import _nonce

    grid = [(s, i, v) for s in (1, 2, 15, 16, 4095) for i in (1, 9, 10, 255, 256) for v in (1, 2)]
    nonces = [_nonce(s, i, v) for s, i, v in grid]
    assert len(set(nonces)) == len(grid)
    assert all(len(n) <= 25 for n in nonces)
    # Rows a poll writes (item by item, each item's subscriptions in turn) get rising nonces,
    # so the unique index on them grows at its end.
    written = [_nonce(s, i, 1) for i in range(1, 300) for s in range(1, 12)]
    assert written == sorted(written)
    # Item id, subscription id and version in hex, 11, 7 and 5 digits wide.
    assert _nonce(7, 0x2A, 3) == "0000000002a" + "0000007" + "00003"
    # Past the fixed widths a 25-character hash, never equal to a fixed-width nonce.
    huge = _nonce(16**7, 1, 1)
    assert len(huge) == 25 != len(_nonce(1, 1, 1))
    assert _nonce(16**7, 1, 1) == huge  # fixed: a retry sends the same nonce


async def test_subscriptions_with_equal_filters_each_hear_of_an_item_once(
    store: AlertStore,
) -> None:
    day_before = T0 - timedelta(days=1)
    alike = [await store.subscribe(g, 10 + g, now=day_before) for g in (1, 2, 3)]
    states = await store.subscribe(4, 14, jurisdictions=("US-*",), now=day_before)
    # Same filters as the first three, but made after the poll: it hears of later changes only.
    later = await store.subscribe(5, 15, now=T0 + timedelta(hours=2))
    await seeded(store)
    result = await store.ingest("govinfo", [NO_FAKES, CA_BILL], now=T0 + timedelta(hours=1))
    rows = await outbox(store)
    heard = sorted((sub_id, change) for sub_id, change, _, _ in rows)
    per_bill = [(s.id, "new") for s in alike]  # the federal bill and the California one
    assert heard == sorted([*per_bill, *per_bill, (states.id, "new")])
    assert result.queued == len(rows) == 7
    assert later.id not in {sub_id for sub_id, *_ in rows}
    nonces = await store._db.fetchall("SELECT nonce FROM alert_outbox")
    assert len({r["nonce"] for r in nonces}) == 7
