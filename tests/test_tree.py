"""The error funnel: friendly text for what users can fix, an error id for bugs."""

from __future__ import annotations

from discord import app_commands

from bot.errors import UserFacingError
from bot.tree import friendly_message, new_error_id


class _Invoke(app_commands.CommandInvokeError):
    def __init__(self, original: Exception) -> None:
        Exception.__init__(self)
        self.original = original


def test_user_facing_errors_pass_their_message_through() -> None:
    assert friendly_message(_Invoke(UserFacingError("Questions are 300 characters at most."))) == (
        "Questions are 300 characters at most."
    )


def test_failed_checks_are_explained() -> None:
    assert "Manage Guild" in (
        friendly_message(app_commands.MissingPermissions(["manage_guild"])) or ""
    )
    assert "inside a server" in (friendly_message(app_commands.NoPrivateMessage()) or "")
    cooldown = app_commands.CommandOnCooldown(app_commands.Cooldown(1, 30), 12.2)
    assert "12 seconds" in (friendly_message(cooldown) or "")


def test_bugs_get_no_friendly_text_and_a_short_error_id() -> None:
    assert friendly_message(_Invoke(KeyError("x"))) is None
    error_id = new_error_id()
    assert len(error_id) == 8 and error_id != new_error_id()


class _Response:
    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []

    def is_done(self) -> bool:
        return bool(self.sent)

    async def send_message(self, **kwargs: object) -> None:
        self.sent.append(kwargs)


class _Interaction:
    def __init__(self) -> None:
        self.response = _Response()
        self.data = None
        self.command = type("C", (), {"qualified_name": "ask"})()


async def test_a_bug_is_logged_with_the_id_the_user_sees(caplog) -> None:
    import discord

    from bot.tree import CoalitionTree

    client = discord.Client(intents=discord.Intents.none())
    tree = CoalitionTree(client)
    interaction = _Interaction()
    with caplog.at_level("ERROR"):
        await tree.on_error(interaction, _Invoke(ZeroDivisionError("bug")))  # type: ignore[arg-type]
    (sent,) = interaction.response.sent
    assert sent["ephemeral"] is True
    content = str(sent["content"])
    error_id = content.split("`")[1]
    (record,) = [r for r in caplog.records if r.name == "bot.tree"]
    assert error_id in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError
    await client.close()
