"""Tracked cases and feeds: bad input gets a clear error and changes nothing."""

from __future__ import annotations

import pytest

from bot.alerts.watchlist import MAX_TRACKED_CASES, Watchlist
from bot.db import Database
from bot.errors import UserFacingError

FEED = "https://chatgptiseatingtheworld.com/feed/"


@pytest.fixture
async def watchlist(db: Database) -> Watchlist:
    found = Watchlist(db)
    await found.load()
    return found


async def test_track_and_untrack_a_case(watchlist: Watchlist) -> None:
    case = await watchlist.track(70000001, "  Doe   v. Voices ", user_id=5)
    assert case.name == "Doe v. Voices"
    assert 70000001 in {c.docket_id for c in watchlist.cases}
    await watchlist.untrack(70000001)
    assert 70000001 not in {c.docket_id for c in watchlist.cases}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda w: w.track(0, "Nothing", None), "positive number"),
        (lambda w: w.untrack(123), "Docket 123 is not tracked"),
        (lambda w: w.add_feed(FEED, "Again", None), "already watched"),
        (lambda w: w.remove_feed(99), "no feed #99"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    watchlist: Watchlist, db: Database, call, message: str
) -> None:
    before = (watchlist.cases, watchlist.feeds)
    with pytest.raises(UserFacingError, match=message):
        await call(watchlist)
    await watchlist.load()
    assert (watchlist.cases, watchlist.feeds) == before


async def test_the_tracked_list_has_a_limit(watchlist: Watchlist) -> None:
    for docket in range(len(watchlist.cases), MAX_TRACKED_CASES):
        await watchlist.track(80000000 + docket, f"Case {docket}", None)
    with pytest.raises(UserFacingError, match=f"At most {MAX_TRACKED_CASES}"):
        await watchlist.track(90000000, "One too many", None)
    assert len(watchlist.cases) == MAX_TRACKED_CASES
    renamed = await watchlist.track(68117049, "NYT v. Microsoft", None)  # known: a rename
    assert renamed.name == "NYT v. Microsoft"
