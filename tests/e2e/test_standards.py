"""/ask, /standards and /admin standards through the emulator, on a small fixture text."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.localdiscord import CHANNEL_MESSAGE, UPDATE_MESSAGE, BotProcess, FakeDiscord
from tests.e2e.conftest import running_bot
from tests.fakellm import FakeLLM

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).parent.parent / "fixtures" / "standards"


@pytest.fixture
async def standards_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "standards"
    shutil.copytree(FIXTURE, folder)
    return folder


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path, standards_dir: Path) -> AsyncIterator[BotProcess]:
    env = {
        "STANDARDS_PATH": str(standards_dir),
        "STANDARDS_BASE_URL": "https://example.org/standards",
        "STANDARDS_HELP_CHANNEL_ID": str(fake.channel("mod-log").id),
    }
    async with running_bot(fake, tmp_path / "bot", env) as process:
        yield process


def button(message: dict, label: str) -> str:
    for row in message["components"]:
        for component in row["components"]:
            if component.get("label") == label:
                return component["custom_id"]
    raise AssertionError(f"no button {label!r}")


async def test_ask_answers_in_public_with_citations_and_buttons(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    result = await fake.invoke(
        "ask", question="Can a company train AI on my videos without asking?"
    )
    assert (await result.responded())["type"] == CHANNEL_MESSAGE
    assert not result.ephemeral
    message = await result.message()
    embed = message["embeds"][0]
    assert embed["title"] == "Consent before training"
    assert embed["url"] == "https://example.org/standards#consent-training"  # linked once
    related = [f["value"] for f in embed.get("fields", []) if f["name"] == "Related"]
    assert all("\n" not in value and "v9.9.9-test" not in value for value in related)
    assert "9.9.9-test" in embed["footer"]["text"]  # the version, in the footer only
    assert "not legal advice" in embed["footer"]["text"]
    assert {"Show full section", "Helpful", "Not helpful"} <= {
        c["label"] for row in message["components"] for c in row["components"]
    }

    full = await fake.click(message, button(message, "Show full section"))
    shown = await full.message()
    assert full.ephemeral and shown["embeds"][0]["description"].startswith("No company should")

    vote = await fake.click(message, button(message, "Helpful"))
    assert "Thanks" in (await vote.message())["content"]
    again = await fake.click(message, button(message, "Helpful"))
    assert "already rated" in (await again.message())["content"]


async def test_answers_from_example_text_carry_the_label(
    fake: FakeDiscord, bot: BotProcess, standards_dir: Path
) -> None:
    label = "Example text — not adopted by the Creators Coalition on AI"
    asked = await fake.invoke("ask", question="do I have to label AI generated content?")
    answer = await asked.message()
    assert answer["embeds"][0]["footer"]["text"].startswith(label)
    full = await fake.click(answer, button(answer, "Show full section"))
    assert (await full.message())["embeds"][0]["footer"]["text"].startswith(label)
    shown = await (await fake.invoke("standards show", section="consent-training")).message()
    assert shown["embeds"][0]["footer"]["text"].startswith(label)
    sources = {f["name"]: f["value"] for f in shown["embeds"][0]["fields"]}["Sources"]
    assert sources == "<https://www.copyright.gov/ai/>"

    # Once the coalition marks its adopted text, the label goes.
    mini = standards_dir / "mini.md"
    mini.write_text(mini.read_text().replace("example: true", "example: false"))
    reload = await fake.invoke("admin standards reload", user=fake.admin)
    await reload.message()
    adopted = await (await fake.invoke("ask", question="do I have to label AI content?")).message()
    assert "Example text" not in adopted["embeds"][0]["footer"]["text"]
    assert "not legal advice" in adopted["embeds"][0]["footer"]["text"]


async def test_an_answer_that_waited_behind_a_burst_is_sent_without_a_deferral(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    await (await fake.invoke("ask", question="should AI content be labelled?")).message()
    # Already 1.5 s old on arrival: the answer waits on nothing, so it is sent at once, in one
    # request, not as "thinking…" and a follow-up.
    late = await fake.invoke("ask", question="can they clone my voice?", waited=1.5)
    assert (await late.responded())["type"] == CHANNEL_MESSAGE
    assert (await late.message())["embeds"][0]["title"]
    assert late.callback_type == CHANNEL_MESSAGE


async def test_private_answer_is_ephemeral(fake: FakeDiscord, bot: BotProcess) -> None:
    result = await fake.invoke("ask", question="should AI content be labelled?", private=True)
    await result.message()
    assert result.ephemeral
    assert fake.channel_messages(fake.channel("general")) == []


async def test_uncovered_question_is_declined_and_points_to_people(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    result = await fake.invoke("ask", question="@everyone what's the best mic for podcasting?")
    embed = (await result.message())["embeds"][0]
    assert result.ephemeral  # a decline is for the asker, not the channel
    assert fake.channel_messages(fake.channel("general")) == []
    assert embed["title"] == "The standards don't cover that"
    assert embed["footer"]["text"] == "Example text — not adopted by the Creators Coalition on AI"
    assert f"<#{fake.channel('mod-log').id}>" in embed["description"]
    assert "everyone" not in str(embed) and "mic" not in embed["description"], "not echoed"
    assert embed["fields"][0]["name"] == "Closest sections"


@pytest.mark.parametrize("question", ["   ", "x" * 301])
async def test_bad_questions_get_a_private_error(
    fake: FakeDiscord, bot: BotProcess, question: str
) -> None:
    result = await fake.invoke("ask", question=question)
    message = await result.message()
    assert result.ephemeral
    assert "question" in message["content"].lower() or "300" in message["content"]


async def test_ask_cooldown(fake: FakeDiscord, bot: BotProcess) -> None:
    for _ in range(4):
        await (await fake.invoke("ask", question="voice clone consent")).message()
    limited = await fake.invoke("ask", question="voice clone consent")
    assert "Slow down" in (await limited.message())["content"]
    assert limited.ephemeral


async def test_standards_show_with_autocomplete(fake: FakeDiscord, bot: BotProcess) -> None:
    choices = await fake.autocomplete("standards show", "section", "voice")
    assert choices[0]["value"] == "digital-replicas"
    assert len(choices) <= 25
    result = await fake.invoke("standards show", section=choices[0]["value"])
    embed = (await result.message())["embeds"][0]
    assert embed["title"] == "Voice and likeness replicas"
    assert embed["url"] == "https://example.org/standards#digital-replicas"
    missing = await fake.invoke("standards show", section="nope")
    assert "no section" in (await missing.message())["content"]


async def test_standards_list_pages(
    fake: FakeDiscord, bot: BotProcess, standards_dir: Path
) -> None:
    one = await fake.invoke("standards list")
    single = await one.message()
    assert not single.get("components")  # one page: no pager
    lines = single["embeds"][0]["description"].splitlines()
    assert all(line.startswith("**") and line.endswith("`") for line in lines)  # title first
    assert "page" not in single["embeds"][0]["footer"]["text"]
    # Grow the text to 24 sections (3 pages) and reload it as an admin.
    extra = "".join(
        f"\n## Extra topic {i} {{#extra-{i}}}\nBody of extra topic {i}.\n" for i in range(20)
    )
    mini = standards_dir / "mini.md"
    mini.write_text(mini.read_text() + extra)
    reload = await fake.invoke("admin standards reload", user=fake.admin)
    assert "24 sections" in (await reload.message())["content"]

    result = await fake.invoke("standards list")
    first = await result.message()
    assert result.ephemeral
    assert "`consent-training`" in first["embeds"][0]["description"]
    assert "page 1 of 3" in first["embeds"][0]["footer"]["text"]
    turned = await fake.click(first, "page:next")
    assert (await turned.responded())["type"] == UPDATE_MESSAGE
    page2 = await turned.message()
    assert "page 2 of 3" in page2["embeds"][0]["footer"]["text"]
    other = await fake.click(page2, "page:next", user=fake.admin)
    assert "yourself" in (await other.message())["content"]


async def test_admin_commands_are_checked_at_run_time(fake: FakeDiscord, bot: BotProcess) -> None:
    admin = fake.command("admin")
    assert admin["default_member_permissions"] == str(1 << 5)
    assert admin.get("contexts") == [0] or admin.get("dm_permission") is False
    denied = await fake.invoke("admin standards gaps", user=fake.member)
    assert "server managers" in (await denied.message())["content"]
    assert denied.ephemeral


async def test_broken_reload_keeps_current_text(
    fake: FakeDiscord, bot: BotProcess, standards_dir: Path
) -> None:
    (standards_dir / "mini.md").write_text("no front matter")
    result = await fake.invoke("admin standards reload", user=fake.admin)
    content = (await result.message())["content"]
    assert "not reloaded" in content and "mini.md:1" in content
    answer = await fake.invoke("ask", question="voice clone consent")
    assert (await answer.message())["embeds"][0]["title"] == "Voice and likeness replicas"


async def test_gaps_report_with_csv(fake: FakeDiscord, bot: BotProcess) -> None:
    for _ in range(2):
        await (await fake.invoke("ask", question="best mic for podcasting?")).message()
    answer = await (await fake.invoke("ask", question="label AI material?")).message()
    await (await fake.click(answer, button(answer, "Not helpful"))).message()
    result = await fake.invoke("admin standards gaps", user=fake.admin)
    message = await result.message()
    assert result.ephemeral
    assert "best mic for podcasting — 2 · 0" in message["content"]
    (attachment,) = message["attachments"]
    rows = list(csv.DictReader(io.StringIO(fake.attachment_bytes(attachment).decode())))
    assert [(r["question"], r["declined"], r["not_helpful"]) for r in rows] == [
        ("best mic for podcasting", "2", "0"),
        ("label ai material", "0", "1"),
    ]
    assert str(fake.member.id) not in fake.attachment_bytes(attachment).decode()


async def test_a_decline_after_a_public_defer_is_still_private(
    fake: FakeDiscord, tmp_path: Path, standards_dir: Path
) -> None:
    # With a model configured, /ask defers in public before it knows the answer is a decline.
    async with FakeLLM() as llm:
        env = {"STANDARDS_PATH": str(standards_dir), "LLM_BASE_URL": llm.base_url}
        async with running_bot(fake, tmp_path / "bot", env):
            result = await fake.invoke("ask", question="what's the best mic for podcasting?")
            await result.responded()
            reply = await result.followup()
            assert reply["flags"] & 64  # ephemeral
            assert reply["embeds"][0]["title"] == "The standards don't cover that"
            assert fake.channel_messages(fake.channel("general")) == []
            deleted = [r for r in fake.requests if r.method == "DELETE"]
            assert [r.path.rsplit("/", 1)[1] for r in deleted] == ["@original"]  # the "thinking…"
            question = "Can a company train AI on my videos without asking?"
            answered = await fake.invoke("ask", question=question)
            assert not answered.ephemeral
            assert (await answered.message())["embeds"][0]["title"] == "Consent before training"
