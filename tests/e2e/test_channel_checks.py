"""/pledge verify per platform through the real bot and the local Discord.

For YouTube (page and Data API), Apple Podcasts, Spotify and newsletters: the code in the right
field verifies, a consent or bot-check page is named as such, and a code only in a comment (or
episode notes, or a recommended video) does not verify. Fixtures: tests/fixtures/pledges.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.localdiscord import BotProcess, FakeDiscord, User
from tests.e2e.conftest import running_bot
from tests.pages import PlatformPages

pytestmark = pytest.mark.e2e

STANDARDS = Path(__file__).parent.parent / "fixtures" / "standards"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "pledges"
CODE = re.compile(r"CCAI-[A-Z0-9]{8}")
KEY = "AIzaSy-e2e-key-never-to-be-seen"


def fixture(name: str, code: str, **fill: str) -> str:
    text = (FIXTURES / name).read_text().replace("{CODE}", code)
    for key, value in fill.items():
        text = text.replace("{" + key + "}", value)
    return text


@pytest.fixture
async def pages() -> AsyncIterator[PlatformPages]:
    async with PlatformPages() as server:
        server.pages["/consent"] = fixture("youtube/consent.html", "")
        yield server


def bot_env(fake: FakeDiscord, pages: PlatformPages) -> dict[str, str]:
    return {
        "STANDARDS_PATH": str(STANDARDS),
        "PLEDGE_ALLOW_LOCAL_URLS": "true",
        "PLEDGE_ROLE_ID": str(fake.pledged_role.id),
        "YOUTUBE_BASE_URL": pages.url("/yt"),
        "YOUTUBE_API_BASE_URL": pages.url("/youtube/v3"),
        "APPLE_LOOKUP_URL": pages.url("/lookup"),
    }


@pytest.fixture
async def bot(fake: FakeDiscord, pages: PlatformPages, tmp_path: Path) -> AsyncIterator[BotProcess]:
    async with running_bot(fake, tmp_path, bot_env(fake, pages)) as process:
        yield process


async def sign(fake: FakeDiscord, user: User, kind: str, link: str) -> tuple[dict[str, Any], str]:
    opened = await fake.invoke("pledge sign", user=user, type=kind)
    await opened.modal()
    submitted = await fake.submit_modal(
        opened, {"pledge:name": "Maker", "pledge:url": link}, user=user
    )
    message = await submitted.message()
    assert submitted.ephemeral
    found = CODE.search(message["content"])
    return message, found[0] if found else ""


async def verify(fake: FakeDiscord, user: User) -> str:
    record = await fake.invoke("pledge verify", user=user)
    message = await record.message()
    assert record.ephemeral
    return message["content"]


def has_role(fake: FakeDiscord, user: User) -> bool:
    return fake.pledged_role.id in fake.guild.members[user.id].role_ids


async def test_youtube_page_with_the_consent_cookie(
    fake: FakeDiscord, bot: BotProcess, pages: PlatformPages
) -> None:
    podcast_form = str(await (await fake.invoke("pledge sign", type="podcaster")).modal())
    assert "Never shown publicly" in podcast_form and "Add your RSS feed on line 2" in podcast_form
    form = str(await (await fake.invoke("pledge sign", type="youtuber")).modal())
    assert "Used only to check the channel is yours; never shown publicly." in form
    assert "Counted only in anonymous totals" in form and "public wall only if you tick" in form
    signed, code = await sign(fake, fake.member, "youtuber", "https://www.youtube.com/@maker")
    text = signed["content"]
    assert text.startswith("**Signed — one step left") and code in text
    assert "YouTube Studio" in text and "few minutes" in text

    about = "/yt/@maker/about"
    pages.consent[about] = "SOCS=CAI"  # without the cookie, YouTube sends visitors to consent
    pages.pages[about] = fixture("youtube/comment-only.html", code)
    checked = await fake.click(signed, "pledge:check")
    failed = (await checked.message())["content"]
    assert checked.ephemeral
    assert "I read https://www.youtube.com/@maker/about and couldn't find your code" in failed
    assert "channel description" in failed and not has_role(fake, fake.member)

    pages.consent[about] = None  # a region where YouTube asks for consent whatever is sent
    assert "YouTube asked for cookie consent" in await verify(fake, fake.member)

    pages.consent[about] = "SOCS=CAI"
    pages.pages[about] = fixture("youtube/channel.html", code)
    assert "verified" in await verify(fake, fake.member)
    assert has_role(fake, fake.member)
    assert all(
        "SOCS=CAI" in headers.get("Cookie", "") for p, _, headers in pages.seen if p == about
    )


async def test_youtube_api_key_is_used_and_never_shown_or_logged(
    fake: FakeDiscord, pages: PlatformPages, tmp_path: Path
) -> None:
    env = {**bot_env(fake, pages), "YOUTUBE_API_KEY": KEY, "LOG_LEVEL": "DEBUG"}
    replies: list[str] = []
    async with running_bot(fake, tmp_path, env) as bot:
        signed, code = await sign(fake, fake.member, "youtuber", "youtube.com/@maker")
        replies.append(str(signed))
        api = "/youtube/v3/channels"
        pages.types[api] = "application/json"
        pages.pages[api] = fixture("youtube/api-none.json", code)
        replies.append(await verify(fake, fake.member))
        assert "YouTube says there is no such channel" in replies[-1]
        pages.pages[api] = fixture("youtube/api-channel.json", code)
        replies.append(await verify(fake, fake.member))
        assert "verified" in replies[-1] and has_role(fake, fake.member)
        calls = [(query, headers) for path, query, headers in pages.seen if path == api]
        assert calls and all(q == {"part": "snippet", "forHandle": "@maker"} for q, _ in calls)
        assert all(h["X-Goog-Api-Key"] == KEY for _, h in calls)
        assert not any(p.startswith("/yt/") for p, _, _ in pages.seen), "the API, not the page"
    replies += [str(m) for m in fake.channel_messages(fake.channel("general"))]
    assert not any(KEY in r for r in replies)
    assert KEY not in bot.log() and "[redacted]" not in bot.log()


async def test_apple_podcasts_are_checked_in_the_feed_apple_lists(
    fake: FakeDiscord, bot: BotProcess, pages: PlatformPages
) -> None:
    apple = "https://podcasts.apple.com/us/podcast/the-maker-podcast/id1234567890"
    signed, code = await sign(fake, fake.member, "podcaster", apple)
    assert "show description" in signed["content"]
    feed = "/feeds/maker.xml"
    pages.types["/lookup"] = "application/json"
    pages.pages["/lookup"] = fixture("apple/lookup.json", code, FEED=pages.url(feed))
    pages.types[feed] = "application/rss+xml"
    pages.pages[feed] = fixture("podcast/episode-only.xml", code)
    failed = await verify(fake, fake.member)
    assert f"I read {pages.url(feed)} and couldn't find your code" in failed

    pages.pages[feed] = fixture("podcast/challenge.html", code)
    pages.status[feed], pages.types[feed] = 403, "text/html"
    assert "asked me to prove I'm not a bot" in await verify(fake, fake.member)

    pages.pages[feed] = fixture("podcast/feed.xml", code)
    pages.status[feed], pages.types[feed] = 200, "application/rss+xml"
    assert "verified" in await verify(fake, fake.member)
    lookups = [q for p, q, _ in pages.seen if p == "/lookup"]
    assert lookups == [{"id": "1234567890", "entity": "podcast"}], "looked up once, then stored"


async def test_spotify_needs_the_feed_and_is_checked_there(
    fake: FakeDiscord, bot: BotProcess, pages: PlatformPages
) -> None:
    spotify = "https://open.spotify.com/show/0123456789abcdefghijkl"
    refused, code = await sign(fake, fake.member, "podcaster", spotify)
    assert "Spotify show pages don't show" in refused["content"] and not code
    feed = "/feeds/spotify.xml"
    signed, code = await sign(fake, fake.member, "podcaster", f"{spotify}\n{pages.url(feed)}")
    assert code
    pages.pages[feed] = fixture("podcast/episode-only.xml", code)
    assert "couldn't find your code" in await verify(fake, fake.member)
    pages.pages[feed] = fixture("podcast/txt.xml", code)
    assert "verified" in await verify(fake, fake.member)


async def test_newsletters_are_checked_in_their_description(
    fake: FakeDiscord, bot: BotProcess, pages: PlatformPages
) -> None:
    _, code = await sign(fake, fake.member, "newsletter", pages.url("/substack"))
    pages.pages["/substack"] = fixture("substack/comment-only.html", code)
    failed = await verify(fake, fake.member)
    assert "couldn't find your code in the publication's description" in failed
    assert "In Substack, open your publication's **Settings**" in failed
    pages.pages["/substack"] = fixture("podcast/challenge.html", code)
    pages.status["/substack"] = 403
    assert "asked me to prove I'm not a bot" in await verify(fake, fake.member)
    pages.pages["/substack"] = fixture("substack/home.html", code)
    pages.status["/substack"] = 200
    assert "verified" in await verify(fake, fake.member)

    writer = fake.add_member("ghost-writer")
    _, code = await sign(fake, writer, "newsletter", pages.url("/ghost"))
    pages.pages["/ghost"] = fixture("ghost/home.html", code)
    assert "verified" in await verify(fake, writer)


async def test_check_buttons_work_after_a_restart_and_a_failed_check_offers_a_review(
    fake: FakeDiscord, pages: PlatformPages, tmp_path: Path
) -> None:
    async with running_bot(fake, tmp_path, bot_env(fake, pages)):
        signed, _ = await sign(fake, fake.member, "newsletter", pages.url("/news"))
    pages.pages["/news"] = "<html><body><p>No code here yet.</p></body></html>"
    # The same database, a new process: the buttons under the sign-up still answer.
    async with running_bot(fake, tmp_path, bot_env(fake, pages)):
        checked = await fake.click(signed, "pledge:check")
        failed = await checked.message()
        assert checked.ephemeral and "couldn't find your code" in failed["content"]
        again = await fake.click(failed, "pledge:check-again")
        assert "couldn't find your code" in (await again.message())["content"]
        review = await fake.click(failed, "pledge:ask-review")
        assert "Sent to the server's reviewers" in (await review.message())["content"]
        status = await (await fake.invoke("pledge status")).message()
        assert "review" in str(status).lower()


async def test_check_buttons_after_a_withdrawal_say_so_and_store_nothing(
    fake: FakeDiscord, bot: BotProcess, pages: PlatformPages
) -> None:
    pages.pages["/news"] = "<html><body><p>No code here yet.</p></body></html>"
    signed, _ = await sign(fake, fake.member, "newsletter", pages.url("/news"))
    failed = await (await fake.click(signed, "pledge:check")).message()
    ask = await (await fake.invoke("pledge withdraw")).message()
    await (await fake.click(ask, "pledge:withdraw:confirm")).message()
    for message, button in ((signed, "pledge:check"), (failed, "pledge:ask-review")):
        clicked = await fake.click(message, button)
        answer = await clicked.message()
        assert clicked.ephemeral and "haven't signed the pledge yet" in answer["content"]
    status = await (await fake.invoke("pledge status")).message()
    assert "haven't signed" in status["content"]
