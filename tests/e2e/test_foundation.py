"""The bot starts, answers, survives a dropped gateway and 429s, and shuts down cleanly."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from bot.localdiscord import CHANNEL_MESSAGE, BotProcess, FakeDiscord

pytestmark = pytest.mark.e2e


async def test_bot_registers_commands_and_answers_help(fake: FakeDiscord, bot: BotProcess) -> None:
    names = {c["name"] for c in fake.commands[None]}
    assert {"help", "about"} <= names
    result = await fake.invoke("help")
    callback = await result.responded()
    assert callback["type"] == CHANNEL_MESSAGE  # the emulator refuses answers after 3 s
    message = await result.message()
    assert result.ephemeral
    listed = "\n".join(f["value"] for f in message["embeds"][0]["fields"])
    assert "</help:" in listed and "</about:" in listed


def leaf_mentions(commands: list[dict]) -> list[str]:
    """`</path:id>` for every invocable command Discord has registered."""
    found = []

    def walk(node: dict, path: str, command_id: str) -> None:
        children = [o for o in node.get("options", []) if o["type"] in (1, 2)]
        if not children:
            found.append(f"</{path}:{command_id}>")
        for child in children:
            walk(child, f"{path} {child['name']}", command_id)

    for command in commands:
        walk(command, command["name"], command["id"])
    return found


async def test_help_for_a_manager_names_every_registered_command(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    result = await fake.invoke("help", user=fake.admin)
    embed = (await result.message())["embeds"][0]
    assert result.ephemeral
    fields = embed["fields"]
    text = "\n".join(f["value"] for f in fields)
    mentions = leaf_mentions(fake.commands[None])
    assert len(mentions) > 20
    missing = [m for m in mentions if m not in text]
    assert missing == [], missing
    # Members' tasks first, /ask leading; one field per admin group, cut at whole lines.
    names = [f["name"] for f in fields]
    assert names[0] == "Ask about the standards"
    assert fields[0]["value"].startswith("</ask:")
    for group in ("Alerts", "Pledges", "Standards"):
        assert f"For server managers · {group}" in names
    for field in fields:
        assert all(line.startswith("</") for line in field["value"].splitlines())
    member = await fake.invoke("help", user=fake.member)
    shown = (await member.message())["embeds"][0]
    assert not any("server managers" in f["name"] for f in shown["fields"])
    assert "</ask:" in shown["fields"][0]["value"]


async def test_bot_resumes_after_a_dropped_gateway_and_still_answers(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    await fake.drop_gateway()
    await fake.wait_for(lambda: fake.resume_count == 1, 15, "RESUME")
    assert fake.identify_count == 1, "a dropped connection must resume, not identify again"
    result = await fake.invoke("about")
    await result.responded()
    message = await result.message()
    assert message["embeds"][0]["title"] == "About coalition-bot"


async def test_bot_reconnects_when_discord_asks(fake: FakeDiscord, bot: BotProcess) -> None:
    await fake.request_reconnect()
    await fake.wait_for(lambda: fake.resume_count == 1, 15, "RESUME after opcode 7")
    result = await fake.invoke("help")
    assert (await result.responded())["type"] == CHANNEL_MESSAGE


async def test_rate_limited_reply_is_retried_and_the_user_gets_the_answer(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    fake.fail_next("POST", r"^/interactions/\d+/[^/]+/callback$", status=429, retry_after=0.3)
    result = await fake.invoke("help")
    await result.responded()
    statuses = [r.status for r in fake.requests if r.path.startswith("/interactions/")]
    assert statuses == [429, 200]  # and the 200 came inside Discord's window


async def test_server_error_on_a_rest_call_is_retried(fake: FakeDiscord, tmp_path: Path) -> None:
    fake.fail_next("PUT", r"^/applications/\d+/commands$", status=502)
    async with BotProcess(fake, tmp_path) as bot:
        await bot.until_ready()
        puts = [r.status for r in fake.requests if r.method == "PUT"]
        assert puts == [502, 200]


async def test_restart_does_not_sync_unchanged_commands(fake: FakeDiscord, tmp_path: Path) -> None:
    for _ in range(2):
        async with BotProcess(fake, tmp_path) as bot:
            await bot.until_ready()
            result = await fake.invoke("help")
            await result.responded()
        assert bot.returncode == 0
    puts = [r for r in fake.requests if r.method == "PUT" and "/commands" in r.path]
    assert len(puts) == 1, "the second start found the same command set and must not re-sync"
    assert fake.identify_count == 2


async def test_guild_ids_sync_commands_to_those_guilds_only(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    env = {"DISCORD_GUILD_IDS": str(fake.guild.id)}
    async with BotProcess(fake, tmp_path, env) as bot:
        await bot.until_ready()
        assert None not in fake.commands
        assert {c["name"] for c in fake.commands[fake.guild.id]} >= {"help", "about"}
        result = await fake.invoke("help")
        assert (await result.responded())["type"] == CHANNEL_MESSAGE


async def test_sigint_shuts_down_cleanly(fake: FakeDiscord, tmp_path: Path) -> None:
    bot = await BotProcess(fake, tmp_path).start()
    await bot.until_ready()
    assert await bot.stop(signal.SIGINT) == 0
    assert "Shut down cleanly" in bot.log()
    assert bot.unclean_lines() == []


async def test_a_rejected_token_exits_with_a_clear_error(fake: FakeDiscord, tmp_path: Path) -> None:
    env = {"DISCORD_TOKEN": "MTIzNDU2Nzg5MDEyMzQ1Njc4.AbCdEf.wrong-token-0123456789"}
    bot = await BotProcess(fake, tmp_path, env).start()
    assert await bot.wait() == 2
    assert "DISCORD_TOKEN: Discord rejected this token" in bot.log()
    assert "wrong-token" not in bot.log()


async def test_an_answer_discord_refuses_is_logged_not_leaked(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    async with BotProcess(fake, tmp_path) as bot:
        await bot.until_ready()
        fake.fail_next("POST", r"/callback$", status=404, times=2)
        result = await fake.invoke("about")
        await fake.wait_for(
            lambda: len([r for r in fake.requests if r.path.endswith("/callback")]) == 2,
            5,
            "two callbacks",
        )
        assert result.callback is None
        assert await bot.stop() == 0
    log = bot.log()
    assert "Could not tell the user about an error" in log
    assert "never retrieved" not in log
