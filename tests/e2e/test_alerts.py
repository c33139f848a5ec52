"""Alerts end to end: subscribe, poll a local feed, posts in the emulator, exactly once."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.localdiscord import BotProcess, FakeDiscord
from tests.alertsources import BillsFeed, FeedBill, ai_bills
from tests.e2e.conftest import running_bot

pytestmark = pytest.mark.e2e


@pytest.fixture
async def feed() -> AsyncIterator[BillsFeed]:
    async with BillsFeed() as server:
        yield server


def alert_env(fake: FakeDiscord, feed: BillsFeed, **extra: str) -> dict[str, str]:
    return {**feed.env(), "ADMIN_LOG_CHANNEL_ID": str(fake.channel("mod-log").id), **extra}


async def subscribe(fake: FakeDiscord, channel: str, **options: str) -> dict:
    result = await fake.invoke(
        "admin alerts subscribe",
        user=fake.admin,
        options={"channel": fake.channel(channel)},
        **options,
    )
    message = await result.message()
    assert result.ephemeral
    return message


async def poll(fake: FakeDiscord) -> str:
    result = await fake.invoke("admin alerts poll", user=fake.admin, source="govinfo-bills")
    message = await result.message(timeout=15)
    return message["content"]


def titles(fake: FakeDiscord, channel: str) -> list[str]:
    return [m["embeds"][0]["title"] for m in fake.channel_messages(fake.channel(channel))]


def number(message: dict) -> str:
    """The item's number, from an alert's title "Name — number"."""
    return message["embeds"][0]["title"].rsplit(" — ", 1)[1]


async def wait_for_messages(fake: FakeDiscord, channel: str, count: int, timeout: float) -> None:
    ch = fake.channel(channel)
    await fake.wait_for(
        lambda: len(fake.channel_messages(ch)) >= count, timeout, f"{count} alerts in #{channel}"
    )


async def until_delivered(path: Path, count: int, timeout: float = 10) -> None:
    """Wait until `count` outbox rows are recorded as delivered."""
    query = "SELECT COUNT(*) FROM alert_outbox WHERE delivered_at IS NOT NULL"
    async with asyncio.timeout(timeout), aiosqlite.connect(path) as db:
        while True:
            async with db.execute(query) as rows:
                row = await rows.fetchone()
            if row is not None and row[0] >= count:
                return
            await asyncio.sleep(0.05)  # polling for a state to be reached, not for time to pass


async def test_new_then_updated_then_unchanged_each_posted_once(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    feed.bills = [FeedBill(1367, "NO FAKES Act of 2026")]
    async with running_bot(fake, tmp_path, alert_env(fake, feed)):
        reply = await subscribe(fake, "ai-alerts", jurisdictions="US")
        assert "Subscribed" in reply["content"]
        assert "first poll" in await poll(fake)  # seeds silently
        feed.bills += [
            FeedBill(7913, "Generative AI Copyright Disclosure Act of 2026"),
            FeedBill(8012, 'To designate the "Jane Doe Post Office" @everyone'),
        ]
        assert "1 alert(s) queued" in await poll(fake)
        await wait_for_messages(fake, "ai-alerts", 1, 10)
        message = fake.channel_messages(fake.channel("ai-alerts"))[0]
        embed = message["embeds"][0]
        # The title is the bill's name with its number, linked; kind and place sit above it.
        assert embed["title"] == "Generative AI Copyright Disclosure Act of 2026 — S.7913"
        assert embed["author"]["name"] == "Bill · United States"
        assert embed["url"] == "https://www.govinfo.gov/app/details/BILLS-119s7913is"
        assert "GovInfo" in embed["footer"]["text"]
        assert message["content"] in (None, "")
        feed.bills[1] = FeedBill(7913, "Generative AI Copyright Disclosure Act of 2026", "rs")
        await poll(fake)
        await wait_for_messages(fake, "ai-alerts", 2, 10)
        update = fake.channel_messages(fake.channel("ai-alerts"))[1]["embeds"][0]
        assert update["author"]["name"].startswith("Update · ")
        changed = {f["name"]: f["value"] for f in update["fields"]}
        assert changed["Stage"].startswith("Passed committee · ")
        assert changed["Stage"].endswith("*Reported in Senate*")
        assert changed["What changed"] == "Was: Introduced"
        assert "0 alert(s) queued" in await poll(fake)
        latest = await fake.invoke("alerts latest", user=fake.member, kind="bill")
        page = (await latest.message())["embeds"][0]
        assert [f["name"] for f in page["fields"]] == [
            "Generative AI Copyright Disclosure Act of 2026",
            "NO FAKES Act of 2026",
        ]
        assert not (await latest.message()).get("components")  # one page: no pager
        assert len(fake.channel_messages(fake.channel("ai-alerts"))) == 2
        preview = await fake.invoke("admin alerts preview", user=fake.admin, subscription=1)
        shown = await preview.message()
        assert preview.ephemeral and number(shown) == "S.7913"
        other = await subscribe(fake, "general", kinds="case")
        assert "#2" in other["content"]
        empty = await fake.invoke("admin alerts preview", user=fake.admin, subscription=2)
        assert "Nothing stored" in (await empty.message())["content"]
        gone = await fake.invoke("admin alerts unsubscribe", user=fake.admin, subscription=2)
        assert "Removed subscription #2" in (await gone.message())["content"]
        missing = await fake.invoke("admin alerts preview", user=fake.admin, subscription=2)
        assert "no subscription #2" in (await missing.message())["content"]


async def test_members_cannot_use_admin_alerts_and_bad_input_changes_nothing(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    async with running_bot(fake, tmp_path, alert_env(fake, feed)):
        refused = await fake.invoke("admin alerts list", user=fake.member)
        assert "Only server managers" in (await refused.message())["content"]
        bad = await subscribe(fake, "ai-alerts", jurisdictions="Narnia")
        assert "Unknown jurisdiction" in bad["content"]
        bad = await subscribe(fake, "ai-alerts", pattern="(unclosed")
        assert "not a valid regular expression" in bad["content"]
        listed = await fake.invoke("admin alerts list", user=fake.admin)
        assert "No alert subscriptions" in (await listed.message())["content"]


async def test_killed_while_delivering_every_alert_arrives_exactly_once(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    env = alert_env(fake, feed, ALERTS_POST_RATE="4")
    async with running_bot(fake, tmp_path, env):
        await subscribe(fake, "ai-alerts")
        await subscribe(fake, "general")
        await poll(fake)
        feed.bills = ai_bills(15)
        assert "30 alert(s) queued" in await poll(fake)
        await wait_for_messages(fake, "ai-alerts", 3, 15)
    # running_bot stopped it cleanly; now do it the hard way, mid-delivery.
    async with BotProcess(fake, tmp_path, {**fake.bot_env(), **env}) as bot:
        await bot.until_ready()
        before = len(fake.channel_messages(fake.channel("ai-alerts")))
        await wait_for_messages(fake, "ai-alerts", before + 2, 15)
        await bot.kill()
    delivered = len(fake.channel_messages(fake.channel("ai-alerts")))
    assert delivered < 15, "the kill should land in the middle of delivery"
    async with running_bot(fake, tmp_path, env):
        await wait_for_messages(fake, "ai-alerts", 15, 30)
        await wait_for_messages(fake, "general", 15, 30)
    for channel in ("ai-alerts", "general"):
        counts = Counter(titles(fake, channel))
        assert len(counts) == 15 and set(counts.values()) == {1}, counts


async def test_rate_limits_and_server_errors_during_fan_out_lose_nothing(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    async with running_bot(fake, tmp_path, alert_env(fake, feed)):
        for channel in ("ai-alerts", "general"):
            await subscribe(fake, channel)
        await poll(fake)
        fake.fail_next("POST", r"/channels/\d+/messages", status=429, times=3, retry_after=0.3)
        fake.fail_next("POST", r"/channels/\d+/messages", status=502, times=1)
        feed.bills = ai_bills(6)
        await poll(fake)
        await wait_for_messages(fake, "ai-alerts", 6, 30)
        await wait_for_messages(fake, "general", 6, 30)
    statuses = Counter(r.status for r in fake.requests if r.path.endswith("/messages"))
    assert statuses[429] == 3 and statuses[502] == 1
    for channel in ("ai-alerts", "general"):
        assert sorted(Counter(titles(fake, channel)).values()) == [1] * 6


async def test_a_deleted_channel_pauses_once_and_other_channels_go_on(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    async with running_bot(fake, tmp_path, alert_env(fake, feed)):
        await subscribe(fake, "ai-alerts")
        await subscribe(fake, "general")
        await poll(fake)
        await fake.delete_channel(fake.channel("ai-alerts"))
        feed.bills = ai_bills(3)
        await poll(fake)
        await wait_for_messages(fake, "general", 3, 15)
        feed.bills = ai_bills(5)
        await poll(fake)
        await wait_for_messages(fake, "general", 5, 15)
        notices = fake.channel_messages(fake.channel("mod-log"))
        assert len(notices) == 1 and "paused" in notices[0]["content"]
        listed = await fake.invoke("admin alerts list", user=fake.admin)
        assert "**paused**: the channel was deleted" in (await listed.message())["content"]


async def test_only_the_subscriptions_chosen_role_is_pinged(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    async with running_bot(fake, tmp_path, alert_env(fake, feed)):
        await subscribe(fake, "ai-alerts", mention_role=fake.pledged_role)
        await subscribe(fake, "general")
        await poll(fake)
        feed.bills = [FeedBill(42, "Deepfake @everyone <@&1> **Act**")]
        await poll(fake)
        await wait_for_messages(fake, "ai-alerts", 1, 10)
        await wait_for_messages(fake, "general", 1, 10)
        pinged = fake.channel_messages(fake.channel("ai-alerts"))[0]
        assert pinged["content"] == f"<@&{fake.pledged_role.id}>"
        assert [v["pings"] for v in fake.mention_violations] == [[f"<@&{fake.pledged_role.id}>"]]
        fake.mention_violations.clear()  # the one ping the admin asked for
        quiet = fake.channel_messages(fake.channel("general"))[0]
        assert quiet["content"] in (None, "")
        assert "@\u200beveryone" in quiet["embeds"][0]["title"]


async def test_admins_add_a_feed_track_a_case_and_see_source_health(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    env = alert_env(
        fake, feed, ALERTS_SOURCES="govinfo-bills,feeds", ALERTS_ALLOW_LOCAL_FEEDS="true"
    )
    base = f"http://127.0.0.1:{feed.port}"
    async with running_bot(fake, tmp_path, env):
        await subscribe(fake, "ai-alerts", kinds="news")
        refused = await fake.invoke(
            "admin alerts addfeed", user=fake.admin, url=f"{base}/page.html"
        )
        assert "not an RSS or Atom feed" in (await refused.message())["content"]
        feed.news = [("Judge rules on fair use in Bartz v. Anthropic", "https://example.org/1")]
        added = await fake.invoke("admin alerts addfeed", user=fake.admin, url=f"{base}/news.xml")
        assert "Watching feed #2: AI Lawsuit Tracker" in (await added.message())["content"]
        first = await fake.invoke("admin alerts poll", user=fake.admin, source="feed:2")
        assert "first poll" in (await first.message())["content"]
        feed.news.append(
            ("New lawsuit says generative AI copied voice actors", "https://example.org/2")
        )
        await fake.invoke("admin alerts poll", user=fake.admin, source="feed:2")
        await wait_for_messages(fake, "ai-alerts", 1, 10)
        embed = fake.channel_messages(fake.channel("ai-alerts"))[0]["embeds"][0]
        assert embed["author"]["name"] == "News · United States"
        assert embed["title"].startswith("New lawsuit says generative AI copied voice actors")
        # The item links off the feed's own site (the feed is on 127.0.0.1): posted, not linked.
        assert "url" not in embed
        assert all("example.org" not in f["value"] for f in embed.get("fields", []))
        tracked = await fake.invoke(
            "admin alerts track", user=fake.admin, case=70000001, name="Doe v. Voices"
        )
        assert "Tracking docket 70000001" in (await tracked.message())["content"]
        listing = await fake.invoke("admin alerts tracked", user=fake.admin)
        text = (await listing.message())["content"]
        assert "70000001 · Doe v. Voices" in text and "68117049" in text
        assert "AI Lawsuit Tracker" in text
        choices = await fake.autocomplete("admin alerts untrack", "case", "doe", user=fake.admin)
        assert [c["value"] for c in choices] == [70000001]
        assert await fake.autocomplete("admin alerts untrack", "case", "doe") == []
        untracked = await fake.invoke("admin alerts untrack", user=fake.admin, case=70000001)
        assert "No longer tracking Doe v. Voices" in (await untracked.message())["content"]
        feed.status = 503
        failing = await fake.invoke("admin alerts poll", user=fake.admin, source="govinfo-bills")
        assert "HTTP 503" in (await failing.message())["content"]
        health = await fake.invoke("admin alerts sources", user=fake.admin)
        text = (await health.message())["content"]
        assert "**govinfo-bills**" in text and "last error" in text
        assert "🟢 **feed:2 (AI Lawsuit Tracker)**" in text and "budget left" in text
        assert "feed:1" in text and "🟠 **feed:1" not in text  # not polled: ALERTS_POLL=false
        removed = await fake.invoke("admin alerts removefeed", user=fake.admin, feed=2)
        assert "Stopped watching AI Lawsuit Tracker" in (await removed.message())["content"]


async def test_a_daily_subscription_gets_one_digest(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    # Digest hour 0 (UTC) has always passed, so the digest goes out at the next drain.
    env = alert_env(fake, feed, ALERTS_DIGEST_HOUR="0")
    async with running_bot(fake, tmp_path, env):
        await subscribe(fake, "ai-alerts", mode="daily")
        await poll(fake)
        feed.bills = ai_bills(4)
        assert "4 alert(s) queued" in await poll(fake)
        await wait_for_messages(fake, "ai-alerts", 1, 10)
        digest = fake.channel_messages(fake.channel("ai-alerts"))[0]["embeds"][0]
        assert digest["title"].startswith("Daily alerts digest")
        assert digest["description"].startswith("**Bills**\n- ")
        assert digest["description"].count("\n- ") == 4  # four lines under one heading
        assert (
            "[Artificial Intelligence Creator Protection Act No. 5000 — S.5000]"
            "(https://www.govinfo.gov/app/details/BILLS-119s5000is)"
        ) in digest["description"]
        assert digest["footer"]["text"].startswith("Sources: GovInfo")
        feed.bills = ai_bills(5)
        await poll(fake)  # today's digest is out: the next waits for tomorrow
        listed = await fake.invoke("admin alerts list", user=fake.admin)
        assert "1 waiting" in (await listed.message())["content"]
        assert len(fake.channel_messages(fake.channel("ai-alerts"))) == 1


async def test_a_digest_of_25_items_ends_with_and_n_more_and_loses_none(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    env = alert_env(fake, feed, ALERTS_DIGEST_HOUR="0")
    async with running_bot(fake, tmp_path, env):
        await subscribe(fake, "ai-alerts", mode="daily")
        await poll(fake)
        feed.bills = ai_bills(25)
        assert "25 alert(s) queued" in await poll(fake)
        await wait_for_messages(fake, "ai-alerts", 1, 10)
        await until_delivered(tmp_path / "data" / "coalition.db", 25)
    (message,) = fake.channel_messages(fake.channel("ai-alerts"))
    lines = message["embeds"][0]["description"].splitlines()
    shown = [line for line in lines if line.startswith("- ")]
    assert lines[-1] == f"…and {25 - len(shown)} more: see `/alerts latest`."
    assert len(shown) + int(lines[-1].split()[1]) == 25
    assert len({line.split(" — ")[1].split("]")[0] for line in shown}) == len(shown)


async def test_after_discord_forgot_the_nonce_a_posted_alert_is_found_not_repeated(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    env = alert_env(fake, feed)
    async with running_bot(fake, tmp_path, env):
        await subscribe(fake, "ai-alerts")
        await poll(fake)
        feed.bills = ai_bills(2)
        await poll(fake)
        await wait_for_messages(fake, "ai-alerts", 2, 10)
    # As if the bot died twice mid-send and came back after Discord forgot the nonces: the
    # first alert had reached the channel, the second had not.
    channel = fake.channel("ai-alerts")
    lost = fake.channel_messages(channel)[1]
    fake.messages[channel.id].remove(lost)
    fake.remember_nonces = False
    long_ago = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    async with aiosqlite.connect(tmp_path / "data" / "coalition.db") as db:
        await db.execute(
            "UPDATE alert_outbox SET delivered_at = NULL, message_id = NULL, sending_at = ?",
            (long_ago,),
        )
        await db.commit()
    async with running_bot(fake, tmp_path, env):
        await wait_for_messages(fake, "ai-alerts", 2, 10)
        # Once both deliveries are recorded the poster never sends them again: a wrong
        # second copy would have been posted before that.
        await until_delivered(tmp_path / "data" / "coalition.db", 2)
    assert sorted(Counter(titles(fake, "ai-alerts")).values()) == [1, 1]
    assert titles(fake, "ai-alerts")[1] == lost["embeds"][0]["title"]


MIXED_FEED = [
    # Creator bills, as bills are really worded.
    FeedBill(9101, "Materially deceptive AI-generated audio or video of candidates"),
    FeedBill(9102, "To protect a musician's voice from voice cloning technology"),
    FeedBill(9103, "Digital replicas of performers: consent and compensation"),
    # General AI bills: AI, but nothing about creators.
    FeedBill(9201, "Department of Energy artificial intelligence research at national labs"),
    FeedBill(9202, "Artificial intelligence to reduce the VA disability claims backlog"),
    FeedBill(9203, "A tax credit for AI data centers"),
]


def why(message: dict) -> str:
    return next(f["value"] for f in message["embeds"][0]["fields"] if f["name"] == "Why")


async def test_default_subscriptions_post_creator_bills_and_all_ai_posts_both(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    async with running_bot(fake, tmp_path, alert_env(fake, feed)):
        default = await subscribe(fake, "ai-alerts")
        assert "scope creators" in default["content"]
        wide = await subscribe(fake, "general", scope="all-ai")
        assert "scope all AI" in wide["content"]
        await poll(fake)
        feed.bills = list(MIXED_FEED)
        assert "9 alert(s) queued" in await poll(fake)
        await wait_for_messages(fake, "ai-alerts", 3, 15)
        await wait_for_messages(fake, "general", 6, 15)
        creators = fake.channel_messages(fake.channel("ai-alerts"))
        assert sorted(number(m) for m in creators) == ["S.9101", "S.9102", "S.9103"]
        everything = fake.channel_messages(fake.channel("general"))
        assert len(everything) == 6
        whys = {number(m): why(m) for m in creators + everything}
        assert whys["S.9101"] == "Creators · AI-generated · images and media · elections"
        assert whys["S.9102"] == "Creators · voice cloning"
        assert whys["S.9103"].startswith("Creators · digital replica")
        assert whys["S.9202"] == "AI policy · AI"
        latest = await fake.invoke("alerts latest", user=fake.member, kind="bill")
        values = [f["value"] for f in (await latest.message())["embeds"][0]["fields"]]
        assert any("*AI policy · AI*" in v for v in values)
        assert any("*Creators · voice cloning*" in v for v in values)

        # A member can't mark an alert; a manager can, once per server, and sees it listed.
        alert = next(m for m in everything if number(m) == "S.9203")
        (button,) = [c for row in alert["components"] for c in row["components"]]
        assert button["label"] == "Not relevant"
        refused = await fake.click(alert, button["custom_id"], user=fake.member)
        assert "Only server managers" in (await refused.message())["content"]
        marked = await fake.click(alert, button["custom_id"], user=fake.admin)
        assert "Marked not relevant" in (await marked.message())["content"]
        assert refused.ephemeral and marked.ephemeral
        again = await fake.click(alert, button["custom_id"], user=fake.admin)
        assert "already marked" in (await again.message())["content"]
        misses = await fake.invoke("admin alerts misses", user=fake.admin)
        shown = await misses.message()
        assert misses.ephemeral
        assert "S.9203: A tax credit for AI data centers — AI policy · AI" in shown["content"]
        (attachment,) = shown["attachments"]
        rows = list(csv.DictReader(io.StringIO(fake.attachment_bytes(attachment).decode())))
        assert [(r["identifier"], r["tier"], r["matched"]) for r in rows] == [
            ("S.9203", "ai-policy", "AI")
        ]


SLOW_PATTERN = r"(?:\S+\s*){1,30}\d{20}"


async def test_slow_patterns_never_stall_members_and_are_switched_off_once(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    env = alert_env(fake, feed)
    async with running_bot(fake, tmp_path, env):
        for n in range(25):
            await subscribe(fake, "ai-alerts", pattern=f"act no\\. {n}\\b")
        refused = await subscribe(fake, "general", pattern=SLOW_PATTERN)
        assert "too slow" in refused["content"]
        await poll(fake)  # seeds
    # Twenty-five slow patterns, as if saved before `subscribe` tried patterns out.
    async with aiosqlite.connect(tmp_path / "data" / "coalition.db") as db:
        await db.execute(
            "UPDATE alert_subscriptions SET pattern = ? || '|zz' || id", (SLOW_PATTERN,)
        )
        await db.commit()
    async with running_bot(fake, tmp_path, env):
        for start in (6000, 7000, 8000):
            feed.bills = ai_bills(200, start=start)
            polling = await fake.invoke(
                "admin alerts poll", user=fake.admin, source="govinfo-bills"
            )
            answered_meanwhile = 0
            while not polling.followups:
                help_ = await fake.invoke("help", user=fake.member)
                await help_.responded()  # the emulator refuses answers after Discord's 3 s
                answered_meanwhile += not polling.followups
            assert answered_meanwhile >= 1
            reply = (await polling.message())["content"]
            assert "0 alert(s) queued" in reply
        assert "Switched off subscription(s) #1, #2, #3" in reply
        notices = fake.channel_messages(fake.channel("mod-log"))
        assert len(notices) == 1
        assert "#1 (<#" in notices[0]["content"] and "#25 (<#" in notices[0]["content"]
        assert "switched off" in notices[0]["content"]
        listed = await fake.invoke("admin alerts list", user=fake.admin)
        assert "**paused**: its pattern ran over" in (await listed.message())["content"]
    query = "SELECT paused_reason FROM alert_subscriptions"
    async with (
        aiosqlite.connect(tmp_path / "data" / "coalition.db") as db,
        db.execute(query) as rows,
    ):
        reasons = {row[0] async for row in rows}
    assert reasons == {"its pattern ran over its time limit in 3 polls in a row"}


def autocompleted_options(node: dict, path: str = "") -> list[tuple[str, str]]:
    """(command path, option name) of every autocompleted option under a registered command."""
    here = f"{path} {node['name']}".strip()
    found = []
    for option in node.get("options", []):
        if option["type"] in (1, 2):  # subcommand, subcommand group
            found += autocompleted_options(option, here)
        elif option.get("autocomplete"):
            found.append((here, option["name"]))
    return found


async def test_admin_autocomplete_offers_members_nothing(
    fake: FakeDiscord, tmp_path: Path, feed: BillsFeed
) -> None:
    async with running_bot(fake, tmp_path, alert_env(fake, feed)):
        (admin,) = [c for c in fake.commands[None] if c["name"] == "admin"]
        options = autocompleted_options(admin)
        assert ("admin alerts poll", "source") in options
        for path, option in options:
            assert await fake.autocomplete(path, option, "", user=fake.member) == [], path
            offered = await fake.autocomplete(path, option, "", user=fake.admin)
            assert offered, f"{path} offers managers nothing"
