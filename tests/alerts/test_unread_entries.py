"""Entries the store holds unchanged are recognised by their fingerprint and left unread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.alerts.feeds import MAX_FEED_BYTES
from bot.alerts.health import SourceStates
from bot.alerts.items import AlertItem
from bot.alerts.scheduler import Poller
from bot.alerts.sources import SourceError
from bot.alerts.sources.govinfo import GovInfoBills
from bot.alerts.store import AlertStore
from bot.db import Database, bundled_migrations

URL = "https://www.govinfo.gov/rss/bills.xml"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "govinfo"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
AI_TITLE = "Generative AI Copyright Disclosure Act of 2026"


def entry(number: int, title: str, version: str = "is", minutes: int = 0) -> str:
    package = f"BILLS-119s{number}{version}"
    published = format_datetime(NOW - timedelta(hours=2, minutes=minutes), usegmt=True)
    return (
        f"<item><title>S. {number} ({version.upper()}) - {title}</title>"
        f"<link>https://www.govinfo.gov/app/details/{package}</link>"
        f"<description>Introduced in Senate</description><pubDate>{published}</pubDate>"
        f'<guid isPermaLink="false">{package}</guid></item>'
    )


def feed(*entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Congressional Bills</title>{''.join(entries)}</channel></rss>"
    ).encode()


class CountingBills(GovInfoBills):
    """GovInfoBills that counts the entries it reads into items."""

    def __init__(self) -> None:
        super().__init__(URL)
        self.read: list[str] = []

    def _item(self, entry: Any, entry_hash: str | None = None) -> AlertItem | None:
        self.read.append(entry.get("id") or "")
        return super()._item(entry, entry_hash)


class Served:
    """One feed document at a time, as the source's server would give it."""

    def __init__(self) -> None:
        self.body = b""

    def client(self) -> httpx.AsyncClient:
        def serve(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, content=self.body)

        return httpx.AsyncClient(transport=httpx.MockTransport(serve))


async def polled(db: Database, served: Served, body: bytes, source: CountingBills) -> Any:
    served.body = body
    source.read.clear()
    store = AlertStore(db)
    async with served.client() as client:
        outcome = await Poller(store, SourceStates(db), client).poll(source, now=NOW)
    assert outcome.ok, outcome.error
    return outcome.result


async def seeded(db: Database, served: Served, source: CountingBills, body: bytes) -> None:
    store = AlertStore(db)
    await store.ingest(source.name, [], now=NOW - timedelta(days=1))
    await store.subscribe(1, 10, now=NOW - timedelta(days=1))
    first = await polled(db, served, body, source)
    assert first.new == 3


async def test_an_unchanged_entry_is_not_read_again(db: Database) -> None:
    served, source = Served(), CountingBills()
    body = feed(entry(1, AI_TITLE), entry(2, "A Post Office Act"), entry(3, AI_TITLE + " II"))
    await seeded(db, served, source, body)
    again = await polled(db, served, body, source)
    assert (again.new, again.updated, again.unchanged, again.queued) == (0, 0, 3, 0)
    assert source.read == []  # recognised before normalisation: nothing read into an item


async def test_a_changed_entry_with_the_same_guid_is_read_and_is_an_update(
    db: Database,
) -> None:
    served, source = Served(), CountingBills()
    await seeded(
        db, served, source, feed(entry(1, AI_TITLE), entry(2, "A Post Office Act"), entry(3, "X"))
    )
    edited = feed(entry(1, AI_TITLE + " (amended)"), entry(2, "A Post Office Act"), entry(3, "X"))
    again = await polled(db, served, edited, source)
    assert source.read == ["BILLS-119s1is"]
    assert (again.new, again.updated, again.unchanged, again.queued) == (0, 1, 2, 1)
    assert again.relevant[0].title == AI_TITLE + " (amended)"


async def test_a_changed_entry_whose_content_is_the_same_is_unchanged_and_then_skipped(
    db: Database,
) -> None:
    served, source = Served(), CountingBills()
    await seeded(db, served, source, feed(entry(1, AI_TITLE), entry(2, "B"), entry(3, "C")))
    later = feed(entry(1, AI_TITLE, minutes=30), entry(2, "B"), entry(3, "C"))
    again = await polled(db, served, later, source)
    assert source.read == ["BILLS-119s1is"]  # a new pubDate: read, but nothing worth an update
    assert (again.updated, again.unchanged, again.queued) == (0, 3, 0)
    third = await polled(db, served, later, source)
    assert source.read == [] and third.unchanged == 3  # its new fingerprint was kept


async def test_a_bill_listed_twice_is_always_read(db: Database) -> None:
    served, source = Served(), CountingBills()
    two_versions = feed(entry(1, AI_TITLE), entry(1, AI_TITLE, "rs", minutes=-5), entry(2, "B"))
    await seeded(db, served, source, feed(entry(1, AI_TITLE), entry(2, "B"), entry(3, "C")))
    again = await polled(db, served, two_versions, source)
    assert sorted(source.read) == ["BILLS-119s1is", "BILLS-119s1rs"]
    assert (again.updated, again.unchanged) == (1, 1)
    assert again.relevant[0].status == "Reported in Senate"
    same = await polled(db, served, two_versions, source)
    assert sorted(source.read) == ["BILLS-119s1is", "BILLS-119s1rs"]
    assert (same.updated, same.unchanged) == (0, 2)  # the newest version stays


async def test_a_bill_listed_again_beside_its_unchanged_entry_is_read_with_it(
    db: Database,
) -> None:
    served, source = Served(), CountingBills()
    await seeded(db, served, source, feed(entry(1, AI_TITLE), entry(2, "B"), entry(3, "C")))
    # The stored entry of bill 1, unchanged, and an older version of it listed after it.
    older = feed(entry(1, AI_TITLE), entry(1, AI_TITLE, "ih", minutes=60), entry(2, "B"))
    again = await polled(db, served, older, source)
    assert sorted(source.read) == ["BILLS-119s1ih", "BILLS-119s1is"]  # both versions read
    assert (again.updated, again.unchanged) == (0, 2)  # the newer one, as stored, stays


async def test_entries_stored_before_the_fingerprint_column_are_skipped_after_migrating(
    empty_target: Path | str,
) -> None:
    served, source = Served(), CountingBills()
    body = feed(entry(1, AI_TITLE), entry(2, "A Post Office Act"), entry(3, AI_TITLE + " II"))
    served.body = body
    async with served.client() as client:
        items = (await GovInfoBills(URL).fetch(client, None)).items
    stamp = NOW.isoformat()
    older = await Database.open(empty_target, bundled_migrations()[:10])
    try:
        await AlertStore(older).ingest(source.name, [], now=NOW - timedelta(days=1))
        for item in items:  # as 0004-0010 stored it: the fingerprint after the content hash
            stored = f"{item.content_hash(GovInfoBills.hash_fields)}:{item.entry_hash}"
            await older.execute(
                "INSERT INTO alert_items (source, external_id, kind, jurisdiction, identifier, "
                "title, url, tags, content_hash, version, first_seen_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, 1, ?, ?)",
                (
                    item.source,
                    item.external_id,
                    item.kind.value,
                    item.jurisdiction,
                    item.identifier,
                    item.title,
                    item.url,
                    stored,
                    stamp,
                    stamp,
                ),
            )
    finally:
        await older.close()
    db = await Database.open(empty_target)  # 0011 moves the fingerprint to its own column
    try:
        again = await polled(db, served, body, source)
        assert source.read == [] and again.unchanged == 3  # recognised unread
        rows = await db.fetchall("SELECT content_hash, entry_hash FROM alert_items")
        assert [len(row["content_hash"]) for row in rows] == [64, 64, 64]
        assert sorted(row["entry_hash"] for row in rows) == sorted(i.entry_hash for i in items)
    finally:
        await db.close()


async def test_the_store_finds_held_fingerprints_in_pages_all_old_all_new_or_mixed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    served, source = Served(), CountingBills()
    await seeded(db, served, source, feed(entry(1, AI_TITLE), entry(2, "B"), entry(3, "C")))
    store = AlertStore(db)
    stored = await store.entry_fingerprints(source.name, ["BILLS-119s1", "BILLS-119s2"])
    one, two = stored["BILLS-119s1"], stored["BILLS-119s2"]
    ids = ["BILLS-119s1", "BILLS-119s2", "BILLS-119s3"]
    three = (await store.entry_fingerprints(source.name, ids))["BILLS-119s3"]
    new = ["f" * 32, "e" * 32]
    # A page as big as a whole batch (10,000 bound values) on either database.
    page = [one, *new, *(f"{n:032x}" for n in range(9_997)), two]
    assert await store.held_entries(source.name, page) == {one, two}
    monkeypatch.setattr("bot.alerts.store.ENTRY_BATCH_SIZE", 2)
    # Batches of two: mixed (rows fetched), all held (counted only), none held.
    assert await store.held_entries(source.name, [one, new[0], two, three, new[1]]) == {
        one,
        two,
        three,
    }
    assert await store.held_entries("another-source", [one, two]) == set()


async def test_a_feed_only_feedparser_reads_is_read_whole(db: Database) -> None:
    served, source = Served(), CountingBills()
    body = feed(entry(1, AI_TITLE), entry(2, "B"), entry(3, "C"))
    await seeded(db, served, source, body)
    # Markup in a title: the fast path hands the feed to feedparser, which reads every entry.
    marked = body.replace(b"- B</title>", b"- &lt;b&gt;B&lt;/b&gt;</title>")
    again = await polled(db, served, marked, source)
    assert len(source.read) == 3
    assert again.unchanged == 3


async def test_a_hostile_feed_is_refused_before_anything_is_looked_up() -> None:
    served = Served()
    looked_up: list[str] = []

    class Lookup:
        async def held_entries(self, source: str, fingerprints: list[str]) -> set[str]:
            looked_up.append(source)
            return set()

        async def entry_fingerprints(self, source: str, external_ids: list[str]) -> dict[str, str]:
            looked_up.append(source)
            return {}

    lookup = Lookup()

    bomb = (FIXTURES / "entity-bomb.xml").read_bytes()
    oversize = feed(*(entry(n, "A Post Office Act " + "x" * 400) for n in range(10_000)))
    assert len(oversize) > MAX_FEED_BYTES
    for body, refusal in ((bomb, "declares XML entities"), (oversize, "larger than 5 MB")):
        served.body = body
        async with served.client() as client:
            with pytest.raises(SourceError, match=refusal):
                await GovInfoBills(URL).fetch_unread(client, None, lookup)
    assert looked_up == []
