"""/pledge and /admin pledges through the emulator: sign, verify, role, status, wall, withdraw."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bot.localdiscord import MODAL, BotProcess, FakeDiscord, InteractionRecord, User
from tests.e2e.conftest import running_bot
from tests.pages import CreatorPages

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).parent.parent / "fixtures" / "standards"
CODE = re.compile(r"CCAI-[A-Z0-9]{8}")
# The fixture text says example: true, so every pledge surface must say so.
EXAMPLE_TEXT = "Example text — not adopted by the Creators Coalition on AI"
EXAMPLE_PLEDGE = "Signatures to an example pledge — not adopted by the Creators Coalition on AI"


@pytest.fixture
async def pages() -> AsyncIterator[CreatorPages]:
    async with CreatorPages() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[BotProcess]:
    env = {
        "STANDARDS_PATH": str(FIXTURE),
        "PLEDGE_ALLOW_LOCAL_URLS": "true",
        "PLEDGE_ROLE_ID": str(fake.pledged_role.id),
        "PLEDGE_ANNOUNCE_CHANNEL_ID": str(fake.channel("general").id),
        "ADMIN_LOG_CHANNEL_ID": str(fake.channel("mod-log").id),
    }
    async with running_bot(fake, tmp_path, env) as process:
        yield process


async def sign(
    fake: FakeDiscord,
    user: User,
    url: str,
    name: str = "Alex",
    wall: bool = True,
    kind: str = "other",
) -> tuple[dict, str | None]:
    opened = await fake.invoke("pledge sign", user=user, type=kind)
    submitted = await fake.submit_modal(
        opened,
        {
            "pledge:name": name,
            "pledge:url": url,
            "pledge:audience": ["1k–10k"],
            "pledge:wall": wall,
        },
        user=user,
    )
    message = await submitted.message()
    assert submitted.ephemeral
    found = CODE.search(message["content"])
    return message, found[0] if found else None


def has_role(fake: FakeDiscord, user: User) -> bool:
    return fake.pledged_role.id in fake.guild.members[user.id].role_ids


async def test_sign_verify_status_wall_count_withdraw(
    fake: FakeDiscord, bot: BotProcess, pages: CreatorPages
) -> None:
    opened = await fake.invoke("pledge sign", type="other")
    modal = await opened.modal()
    assert (await opened.responded())["type"] == MODAL
    assert "I pledge to ask before my work trains AI" in str(modal["components"][0])
    assert EXAMPLE_TEXT in str(modal["components"][0])
    message, code = await sign(
        fake, fake.member, pages.url("/alex"), name="Alex **bold** @everyone"
    )
    assert code is not None and "/pledge verify" in message["content"]

    pages.pages["/alex"] = "<p>About Alex</p>"
    failed = await fake.invoke("pledge verify")
    assert "couldn't find your code" in (await failed.message())["content"]
    assert not has_role(fake, fake.member)

    pages.pages["/alex"] = f"<p>About Alex. Pledge: {code}</p>"
    verified = await fake.invoke("pledge verify")
    text = (await verified.message())["content"]
    assert "verified" in text and verified.ephemeral
    assert has_role(fake, fake.member)

    status = await (await fake.invoke("pledge status")).message()
    lead = status["embeds"][0]["description"]
    assert lead.startswith("✅ Verified <t:") and ":D> — on the public wall as **Alex" in lead
    assert code not in str(status["embeds"][0])  # no longer needed, so not shown
    details = await (await fake.click(status, "pledge:status:details")).message()
    fields = {f["name"]: f["value"] for f in details["embeds"][0]["fields"]}
    assert fields["Status"] == "verified"
    assert fields["Public name"] == "Alex \\*\\*bold\\*\\* @\u200beveryone"
    assert fields["Audience size"] == "1k–10k"

    wall = await (await fake.invoke("pledge wall")).message()
    assert "Alex \\*\\*bold\\*\\* @\u200beveryone" in wall["embeds"][0]["description"]
    assert wall["embeds"][0]["footer"]["text"].startswith(EXAMPLE_PLEDGE)

    count_result = await fake.invoke("pledge count")
    count = await count_result.message()
    assert "**1** verified" in count["embeds"][0]["description"]
    assert count["embeds"][0]["footer"]["text"] == EXAMPLE_PLEDGE
    (chart,) = count["attachments"]
    assert fake.attachment_bytes(chart).startswith(b"\x89PNG")

    ask = await (await fake.invoke("pledge withdraw")).message()
    confirm = await fake.click(ask, "pledge:withdraw:confirm")
    assert "deleted" in (await confirm.message())["content"]
    assert not has_role(fake, fake.member)
    gone = await fake.invoke("pledge status")
    assert "haven't signed" in (await gone.message())["content"]


async def test_signing_again_updates(
    fake: FakeDiscord, bot: BotProcess, pages: CreatorPages
) -> None:
    await sign(fake, fake.member, pages.url("/alex"))
    message, _ = await sign(fake, fake.member, pages.url("/alex"), name="Alex Two")
    assert message["content"].startswith("**Updated — one step left")


async def test_bad_input_is_refused_and_nothing_is_stored(
    fake: FakeDiscord, bot: BotProcess, pages: CreatorPages
) -> None:
    for url, error in [
        ("https://www.youtube.com/watch?v=abc", "YouTube link"),
        ("javascript:alert(1)", "Only http"),
        ("https://user:pw@example.org/", "password"),
        # Not a public host, even with local links allowed for the test server.
        ("https://127.1/channel", "private or reserved"),
        ("https://0177.0.0.1/channel", "private or reserved"),
        ("https://①②⑦.0.0.1/channel", "private or reserved"),
    ]:
        message, code = await sign(fake, fake.member, url)
        assert error in message["content"] and code is None
    blank, _ = await sign(fake, fake.member, pages.url("/x"), name="   ")
    assert "public name" in blank["content"]
    status = await fake.invoke("pledge status")
    assert "haven't signed" in (await status.message())["content"]


async def test_claimed_channel_goes_to_review_and_admin_approves(
    fake: FakeDiscord, bot: BotProcess, pages: CreatorPages
) -> None:
    await sign(fake, fake.member, pages.url("/shared"))
    other = fake.add_member("second-creator")
    message, _ = await sign(fake, other, pages.url("/shared"), name="Impostor?")
    assert "already linked to another signer" in message["content"]

    denied = await fake.invoke("admin pledges review", user=fake.member)
    assert "server managers" in (await denied.message())["content"]

    review = await (await fake.invoke("admin pledges review", user=fake.admin)).message()
    assert "Impostor?" in str(review["embeds"][0])
    stolen = await fake.click(
        review,
        next(
            c["custom_id"] for c in review["components"][0]["components"] if c["label"] == "Approve"
        ),
        user=fake.member,
    )
    assert "server managers" in (await stolen.message())["content"]
    approve = await fake.click(
        review, review["components"][0]["components"][0]["custom_id"], user=fake.admin
    )
    done = await approve.message()
    assert "Approved Impostor?" in done["content"]
    assert "Nothing to review" in done["content"]
    assert has_role(fake, other)


async def test_admin_export_and_remove(
    fake: FakeDiscord, bot: BotProcess, pages: CreatorPages
) -> None:
    await sign(fake, fake.member, pages.url("/alex"), name="=cmd|' /C calc'!A0")
    export = await fake.invoke("admin pledges export", user=fake.admin)
    message = await export.message()
    assert export.ephemeral
    rows = list(
        csv.DictReader(io.StringIO(fake.attachment_bytes(message["attachments"][0]).decode()))
    )
    assert len(rows) == 1 and rows[0]["public_name"].startswith("'=")
    assert rows[0]["user_id"] == str(fake.member.id)
    removed = await fake.invoke(
        "admin pledges remove", user=fake.admin, options={"user": fake.member}
    )
    assert "Removed" in (await removed.message())["content"]
    status = await fake.invoke("pledge status")
    assert "haven't signed" in (await status.message())["content"]


async def test_missing_role_permission_is_reported_to_admins(
    fake: FakeDiscord, bot: BotProcess, pages: CreatorPages
) -> None:
    fake.bot_role.position = 0  # below the pledge role: Discord refuses to assign it
    _, code = await sign(fake, fake.member, pages.url("/alex"))
    pages.pages["/alex"] = f"code {code}"
    verified = await (await fake.invoke("pledge verify")).message()
    assert "admins were told" in verified["content"]
    notices = fake.channel_messages(fake.channel("mod-log"))
    assert "Manage Roles" in notices[-1]["content"]


async def test_thousand_concurrent_signups_are_stored_once_each(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    env = {"STANDARDS_PATH": str(FIXTURE)}
    async with BotProcess(fake, tmp_path, env, dev_mode=False) as bot:
        await bot.until_ready()
        await thousand_signups(fake)
        assert await bot.stop() == 0
    assert bot.unclean_lines() == [], bot.log()


async def thousand_signups(fake: FakeDiscord) -> None:
    users = [fake.add_member(f"creator-{n}") for n in range(1000)]
    # Every sign-up answered and stored once is checked here; how fast is bench/pledges_bench.py's
    # job, so a busy machine can't fail this test by answering late.
    fake.interaction_window = None
    fake.modal_submit_delay = 0

    async def open_form(user: User) -> InteractionRecord:
        opened = await fake.invoke("pledge sign", user=user, type="newsletter")
        await opened.modal(timeout=120)
        return opened

    forms = await asyncio.gather(*(open_form(u) for u in users))
    # discord.py registers a modal only after its callback request returns, and a person takes
    # seconds to type. A later command's answer marks that the bot has caught up: the loop
    # ran those registrations, queued before that command arrived, first.
    await (await fake.invoke("help", user=fake.member)).responded(timeout=120)

    async def one(n: int, user: User, opened: InteractionRecord) -> str:
        submitted = await fake.submit_modal(
            opened,
            {"pledge:name": f"Creator {n}", "pledge:url": f"writer{n}.substack.com"},
            user=user,
        )
        await submitted.responded(timeout=120)
        return (await submitted.message(timeout=120))["content"]

    answers = await asyncio.gather(
        *(one(n, u, f) for n, (u, f) in enumerate(zip(users, forms, strict=True)))
    )
    assert all("CCAI-" in answer for answer in answers)
    export = await (await fake.invoke("admin pledges export", user=fake.admin)).message()
    rows = list(
        csv.DictReader(io.StringIO(fake.attachment_bytes(export["attachments"][0]).decode()))
    )
    assert len(rows) == 1000
    assert len({r["user_id"] for r in rows}) == 1000


async def test_wall_pages_and_the_tenth_signer_is_celebrated(
    fake: FakeDiscord, bot: BotProcess, pages: CreatorPages
) -> None:
    signers = [fake.add_member(f"writer-{n}") for n in range(12)]
    for n, user in enumerate(signers):
        await sign(fake, user, pages.url(f"/w{n}"), name=f"Writer {n:02d}", wall=n != 5)
    for n, user in enumerate(signers):
        code = CODE.search(str(await (await fake.invoke("pledge status", user=user)).message()))
        assert code is not None
        pages.pages[f"/w{n}"] = f"pledge code {code[0]}"
        verified = await fake.invoke("pledge verify", user=user)
        assert "verified" in (await verified.message())["content"]

    celebrations = [
        m for m in fake.channel_messages(fake.channel("general")) if "🎉" in m["content"]
    ]
    assert [m["content"].split("**")[1] for m in celebrations] == ["10"]
    assert EXAMPLE_PLEDGE in celebrations[0]["content"]

    first = await (await fake.invoke("pledge wall")).message()
    assert "page 1 of 2" in first["embeds"][0]["footer"]["text"]
    assert "11 verified creators chose to be listed" in first["embeds"][0]["footer"]["text"]
    second = await (await fake.click(first, "page:next")).message()
    assert "Writer 11" in second["embeds"][0]["description"]
    assert "Writer 05" not in first["embeds"][0]["description"] + second["embeds"][0]["description"]


async def test_managers_see_only_the_signers_of_their_own_server(
    fake: FakeDiscord, bot: BotProcess, pages: CreatorPages, tmp_path: Path
) -> None:
    await sign(fake, fake.member, pages.url("/alex"), name="Signed here")
    # A signer from another server the bot is in, waiting for that server's review.
    async with aiosqlite.connect(tmp_path / "data" / "coalition.db") as db:
        await db.execute(
            "INSERT INTO pledges (user_id, guild_id, creator_type, public_name, channel_url,"
            " channel_key, status, verify_code, pledge_version, pledge_text_hash, signed_at,"
            " updated_at) VALUES (?, ?, 'other', 'Signed elsewhere', 'https://x.example/',"
            " 'site:x.example', 'review', 'CCAI-XXXXXXXX', '1', 'h', ?, ?)",
            (fake.member.id + 1, fake.guild.id + 1, "2026-11-30T00:00:00", "2026-11-30T00:00:00"),
        )
        await db.commit()
    export = await fake.invoke("admin pledges export", user=fake.admin)
    message = await export.message()
    assert message["content"].startswith("This server's pledges")
    rows = csv.DictReader(io.StringIO(fake.attachment_bytes(message["attachments"][0]).decode()))
    assert [r["public_name"] for r in rows] == ["Signed here"]
    review = await fake.invoke("admin pledges review", user=fake.admin)
    assert "Nothing to review" in (await review.message())["content"]
