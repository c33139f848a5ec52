"""The pledge service against a real database and a mocked public web: the whole life of a pledge."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.db import Database
from bot.errors import UserFacingError
from bot.http import GuardedFetcher
from bot.pledges.model import PledgeForm, PledgeStatus, next_milestone_reached
from bot.pledges.service import CODE_ALPHABET, PledgeService, new_code, pledge_text_from
from bot.ratelimit import SlidingWindow

PAGES: dict[str, str] = {}


def handler(request: httpx.Request) -> httpx.Response:
    text = PAGES.get(str(request.url))
    return httpx.Response(200, text=text) if text is not None else httpx.Response(404)


async def public_resolver(_host: str, _port: int) -> list[str]:
    return ["93.184.216.34"]


def new_service(db: Database, client: httpx.AsyncClient) -> PledgeService:
    """The service on `db`, reading the web through `client`, with a test pledge text."""
    fetcher = GuardedFetcher(client, resolver=public_resolver)
    text = pledge_text_from("I pledge to ask before training.", "1.0")
    return PledgeService(db, lambda: text, fetcher, verify_limit=SlidingWindow(100, 60))


@pytest.fixture
async def service(db: Database) -> AsyncIterator[PledgeService]:
    PAGES.clear()
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        yield new_service(db, client)


def form(
    url: str = "https://www.youtube.com/@maker", kind: str = "youtuber", **kw: object
) -> PledgeForm:
    values = {"public_name": "Maker", "audience": "1k–10k", "show_on_wall": True, **kw}
    return PledgeForm.validate(kind, channel_url=url, **values)  # type: ignore[arg-type]


async def test_sign_stores_a_consent_record(service: PledgeService) -> None:
    result = await service.sign(1, 99, form())
    pledge = result.pledge
    assert not result.updated
    assert pledge.status is PledgeStatus.PENDING
    assert pledge.channel_url == "https://www.youtube.com/@maker"
    assert pledge.pledge_version == "1.0"
    assert pledge.pledge_text_hash == service.pledge_text().sha256
    assert pledge.verify_code.startswith("CCAI-") and len(pledge.verify_code) == 13


def test_codes_use_every_character_of_the_alphabet_evenly() -> None:
    assert len(set(CODE_ALPHABET)) == 32 and 256 % len(CODE_ALPHABET) == 0  # a byte picks evenly
    codes = [new_code() for _ in range(2000)]
    shape = re.compile(f"CCAI-[{CODE_ALPHABET}]{{8}}")
    assert all(shape.fullmatch(code) for code in codes)
    assert len(set(codes)) == len(codes)
    seen = Counter("".join(code[5:] for code in codes))
    # 16,000 characters, 500 of each expected (a standard deviation of about 22).
    assert set(seen) == set(CODE_ALPHABET)
    assert all(325 <= count <= 675 for count in seen.values())


async def test_signing_again_updates_and_keeps_the_code_for_the_same_channel(
    service: PledgeService,
) -> None:
    first = (await service.sign(1, 99, form())).pledge
    again = await service.sign(1, 99, form(public_name="New Name"))
    assert again.updated and again.pledge.public_name == "New Name"
    assert again.pledge.verify_code == first.verify_code
    moved = await service.sign(1, 99, form("https://www.youtube.com/@other"))
    assert moved.pledge.verify_code != first.verify_code
    assert (await service.counts()).pending == 1


async def test_a_channel_claimed_by_someone_else_goes_to_review(service: PledgeService) -> None:
    await service.sign(1, 99, form())
    second = await service.sign(2, 99, form("youtube.com/@MAKER/videos"))
    assert second.pledge.status is PledgeStatus.REVIEW
    assert second.pledge.review_reason == "channel already claimed by another signer"
    assert [p.user_id for p in await service.review_queue(99)] == [2]


async def test_verify_finds_the_code_on_the_public_page(service: PledgeService) -> None:
    pledge = (await service.sign(1, 99, form())).pledge
    PAGES["https://www.youtube.com/@maker/about"] = "<meta property='og:description' content='Me'>"
    missing = await service.verify(1)
    assert not missing.verified
    PAGES["https://www.youtube.com/@maker/about"] = (
        f"<meta property='og:description' content='Code {pledge.verify_code}'>"
    )
    found = await service.verify(1)
    assert found.verified and found.pledge.status is PledgeStatus.VERIFIED
    assert found.pledge.verified_by == "automatic"
    again = await service.verify(1)
    assert again.verified and again.milestone is None


async def test_verify_is_rate_limited(tmp_path: Path, service: PledgeService) -> None:
    service._verify_limit = SlidingWindow(limit=2, window=600)
    await service.sign(1, 99, form())
    PAGES["https://www.youtube.com/@maker/about"] = "nothing"
    await service.verify(1)
    await service.verify(1)
    with pytest.raises(UserFacingError, match="wait"):
        await service.verify(1)


async def test_review_approve_and_reject(service: PledgeService) -> None:
    await service.sign(1, 99, form())
    await service.sign(2, 99, form("https://www.youtube.com/@maker"))
    queued = (await service.review_queue(99))[0]
    approved = await service.approve(queued.id, 99)
    assert approved.verified and approved.pledge.verified_by == "admin"
    pending = await service.request_review(1)
    assert pending.status is PledgeStatus.REVIEW
    rejected = await service.reject(pending.id, 99)
    assert rejected.status is PledgeStatus.REJECTED
    with pytest.raises(UserFacingError, match="not approved"):
        await service.verify(1)


async def test_withdraw_deletes_personal_data(service: PledgeService, tmp_path: Path) -> None:
    await service.sign(1, 99, form(public_name="Secret Person"))
    await service.withdraw(1)
    assert await service.get(1) is None
    assert "Secret Person" not in await service.export_csv(99)
    with pytest.raises(UserFacingError, match="haven't signed"):
        await service.withdraw(1)


async def test_counts_wall_timeline_and_export(service: PledgeService) -> None:
    for user in range(1, 6):
        kind = "podcaster" if user % 2 else "newsletter"
        url = (
            f"https://feeds.example.com/{user}.xml"
            if kind == "podcaster"
            else f"writer{user}.substack.com"
        )
        await service.sign(
            user, 99, form(url, kind, public_name=f"Creator {user}", show_on_wall=user != 3)
        )
    for user in (1, 2, 3):
        pledge = await service.get(user)
        assert pledge is not None
        await service.approve(pledge.id, 99)
    counts = await service.counts()
    assert (counts.verified, counts.pending) == (3, 2)
    assert counts.by_type == {"newsletter": (1, 1), "podcaster": (2, 1)}
    wall, total = await service.wall(0, 10)
    assert total == 2 and [p.public_name for p in wall] == ["Creator 1", "Creator 2"]
    assert sum(n for _, _, n in await service.timeline()) == counts.verified == 3
    rows = list(csv.DictReader(io.StringIO(await service.export_csv(99))))
    assert len(rows) == 5 and rows[0]["public_name"] == "Creator 1"


def test_milestones() -> None:
    assert next_milestone_reached(9, 10) == 10
    assert next_milestone_reached(10, 11) is None
    assert next_milestone_reached(999, 1000) == 1000
    assert next_milestone_reached(1999, 2000) == 2000
    assert next_milestone_reached(2500, 2501) is None
    assert next_milestone_reached(24, 25) == 25


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.text(max_size=120),
    url=st.text(max_size=120) | st.sampled_from(["https://a.substack.com", "youtube.com/@x"]),
    audience=st.none() | st.text(max_size=12),
    kind=st.sampled_from(["youtuber", "podcaster", "newsletter", "other", "tiktoker"]),
)
async def test_bad_form_input_is_refused_whole_or_stored_whole(
    service: PledgeService, name: str, url: str, audience: str | None, kind: str
) -> None:
    user = abs(hash((name, url, audience, kind))) % 10**12 + 10
    try:
        valid = PledgeForm.validate(kind, name, url, audience, False)
        stored = (await service.sign(user, 1, valid)).pledge
    except UserFacingError as exc:
        assert exc.message
        assert await service.get(user) is None
    else:
        assert stored.public_name == " ".join(name.split())
        assert 0 < len(stored.public_name) <= 80


async def test_tenth_verified_signer_reaches_the_first_milestone_once(
    service: PledgeService,
) -> None:
    milestones = []
    for user in range(1, 12):
        pledge = (
            await service.sign(user, 1, form(f"https://writer{user}.substack.com", "newsletter"))
        ).pledge
        milestones.append((await service.approve(pledge.id, 1)).milestone)
    assert milestones == [None] * 9 + [10, None]
    await service.withdraw(10)
    pledge = (await service.sign(10, 1, form("https://writer10.substack.com", "newsletter"))).pledge
    assert (await service.approve(pledge.id, 1)).milestone is None, "a milestone is celebrated once"


async def test_podcast_feed_with_podcast_txt_verifies(service: PledgeService) -> None:
    pledge = (
        await service.sign(1, 1, form("https://feeds.example.com/show.xml", "podcaster"))
    ).pledge
    PAGES["https://feeds.example.com/show.xml"] = (
        '<rss xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>'
        f'<podcast:txt purpose="verify">{pledge.verify_code}</podcast:txt></channel></rss>'
    )
    assert (await service.verify(1)).verified


async def test_an_error_page_is_explained(service: PledgeService) -> None:
    await service.sign(1, 1, form("https://gone.example.com/", "other"))
    result = await service.verify(1)
    assert not result.verified and result.check is not None
    assert result.check.page == "https://gone.example.com"
    assert "error (404)" in (result.check.problem or "")


async def test_simultaneous_verifies_by_the_ninth_signer_verify_once_and_announce_nothing(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "bot.db")
    page = {"text": ""}
    arrived: list[httpx.Request] = []
    all_arrived = asyncio.Event()

    async def slow_page(request: httpx.Request) -> httpx.Response:
        # Hold every check until all three are in flight, as three quick clicks would be.
        arrived.append(request)
        if len(arrived) == 3:
            all_arrived.set()
        await all_arrived.wait()
        return httpx.Response(200, text=page["text"])

    try:
        async with httpx.AsyncClient(transport=httpx.MockTransport(slow_page)) as client:
            service = new_service(db, client)
            await _three_quick_verifies(service, db, page)
            assert len(arrived) == 3
    finally:
        all_arrived.set()
        await db.close()


async def _three_quick_verifies(service: PledgeService, db: Database, page: dict) -> None:
    for user in range(1, 9):
        url = f"https://writer{user}.substack.com"
        pledge = (await service.sign(user, 1, form(url, "newsletter"))).pledge
        assert (await service.approve(pledge.id, 1)).milestone is None
    ninth = await service.sign(9, 1, form("https://writer9.substack.com", "newsletter"))
    page["text"] = f'<meta name="description" content="pledge {ninth.pledge.verify_code}">'
    results = await asyncio.gather(*(service.verify(9) for _ in range(3)))
    assert all(r.verified for r in results)
    assert [r.milestone for r in results] == [None, None, None]
    assert (await service.counts()).verified == 9
    events = await db.fetchall("SELECT COUNT(*) FROM pledge_events WHERE event = 'verified'")
    assert events[0][0] == 9
    tenth = await service.sign(10, 1, form("https://writer10.substack.com", "newsletter"))
    approvals = await asyncio.gather(*(service.approve(tenth.pledge.id, 1) for _ in range(3)))
    assert sorted(a.milestone or 0 for a in approvals) == [0, 0, 10]
    assert (await service.counts()).verified == 10


async def test_managers_see_and_handle_only_their_own_servers_signers(
    service: PledgeService,
) -> None:
    await service.sign(1, 100, form("https://a.substack.com", "newsletter", public_name="Ours"))
    await service.sign(2, 200, form("https://a.substack.com", "newsletter", public_name="Theirs"))
    await service.sign(3, None, form("https://b.substack.com", "newsletter", public_name="In DM"))
    await service.request_review(3)
    assert [p.public_name for p in await service.review_queue(100)] == []
    (theirs,) = await service.review_queue(200)
    assert theirs.public_name == "Theirs"
    with pytest.raises(UserFacingError, match="not signed in this server"):
        await service.approve(theirs.id, 100)
    with pytest.raises(UserFacingError, match="not signed in this server"):
        await service.reject(theirs.id, 100)
    with pytest.raises(UserFacingError, match="not signed in this server"):
        await service.remove(2, 100)
    ours = list(csv.DictReader(io.StringIO(await service.export_csv(100))))
    assert [r["public_name"] for r in ours] == ["Ours"]
    assert (await service.get(2)) is not None
    removed = await service.remove(1, 100)
    assert removed.public_name == "Ours" and await service.get(1) is None


async def test_bot_wide_is_an_explicit_choice(service: PledgeService) -> None:
    service._bot_wide = True
    await service.sign(1, 100, form("https://a.substack.com", "newsletter", public_name="Ours"))
    await service.sign(2, None, form("https://b.substack.com", "newsletter", public_name="In DM"))
    await service.request_review(2)
    assert [p.public_name for p in await service.review_queue(100)] == ["In DM"]
    rows = list(csv.DictReader(io.StringIO(await service.export_csv(100))))
    assert [r["public_name"] for r in rows] == ["Ours", "In DM"]


class _MeetAfterLookup:
    """A database whose first transaction waits, once it has looked the member up, until the
    other process's has too: two sign-ups by one member that both find no pledge."""

    def __init__(self, db: Database, meet: asyncio.Barrier) -> None:
        self._db = db
        self._meet: asyncio.Barrier | None = meet

    def __getattr__(self, name: str) -> object:
        return getattr(self._db, name)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[object]:
        outer = self

        class Conn:
            def __getattr__(self, name: str) -> object:
                return getattr(conn, name)

            async def fetchone(self, sql: str, params: object = ()) -> object:
                row = await conn.fetchone(sql, params)  # type: ignore[arg-type]
                # The transaction's first read is the member's lookup.
                if outer._meet is not None:
                    meet, outer._meet = outer._meet, None
                    await meet.wait()
                return row

        async with self._db.transaction() as conn:
            yield Conn()


async def test_one_member_signing_on_two_processes_at_once_gets_one_pledge(pg_url: str) -> None:
    """Two shard processes on one PostgreSQL: both sign-ups find no pledge, both insert; the
    later one meets the unique member id, tries again and updates the first."""
    first, second = await Database.open(pg_url), await Database.open(pg_url)
    meet = asyncio.Barrier(2)
    try:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            services = [
                new_service(_MeetAfterLookup(db, meet), client)  # type: ignore[arg-type]
                for db in (first, second)
            ]
            results = await asyncio.gather(
                services[0].sign(7, 1, form(public_name="From server one")),
                services[1].sign(7, 2, form(public_name="From server two")),
            )
        assert sorted(r.updated for r in results) == [False, True]
        rows = await first.fetchall("SELECT public_name FROM pledges WHERE user_id = 7")
        assert len(rows) == 1
        assert rows[0]["public_name"] in ("From server one", "From server two")
    finally:
        await first.close()
        await second.close()
