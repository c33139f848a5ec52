"""Through the real bot: a feed's long or off-site links can't break or hijack /alerts latest."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.localdiscord import FakeDiscord
from tests.alertsources import BillsFeed
from tests.e2e.conftest import running_bot

pytestmark = pytest.mark.e2e


@pytest.fixture
async def feed() -> AsyncIterator[BillsFeed]:
    async with BillsFeed() as server:
        yield server


async def test_long_and_crafted_feed_links_leave_latest_working(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    env = {"ALERTS_SOURCES": "feeds", "ALERTS_ALLOW_LOCAL_FEEDS": "true"}
    title = "Generative AI lawsuit over voice actors' likeness " + "and more " * 60
    feed.news = [
        (title + str(n), f"https://example.org/{n}/" + "a" * (950 if n % 2 else 2000))
        for n in range(6)
    ]
    feed.news.append(("Deepfake bill [click](https://phish.example) passes", "https://x.example"))
    async with running_bot(fake, tmp_path, env):
        added = await fake.invoke(
            "admin alerts addfeed", user=fake.admin, url=f"http://127.0.0.1:{feed.port}/news.xml"
        )
        found = re.search(r"Watching feed #(\d+)", (await added.message())["content"])
        assert found is not None
        source = f"feed:{found[1]}"
        polled = await fake.invoke("admin alerts poll", user=fake.admin, source=source)
        assert "first poll" in (await polled.message(timeout=15))["content"]
        latest = await fake.invoke("alerts latest", user=fake.member, kind="news")
        page = (await latest.message())["embeds"][0]
    # The fake Discord refuses an embed over any of Discord's limits, as Discord does.
    assert page["title"] == "Latest alerts" and len(page["fields"]) == 5
    shown = " ".join(f["name"] + f["value"] for f in page["fields"])
    assert "Generative AI lawsuit" in shown or "Deepfake bill" in shown
    assert "aaaa" not in shown and "](https://phish" not in shown
