"""The emulator against a real discord.py client: every interaction kind the features rely on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot.localdiscord import (
    AUTOCOMPLETE_RESULT,
    DEFERRED_MESSAGE,
    MODAL,
    UPDATE_MESSAGE,
    FakeDiscord,
)

FRUITS = ["apple", "apricot", "banana", "blueberry", "cherry"]


class Feedback(discord.ui.Modal, title="Tell us"):
    answer = discord.ui.TextInput(label="Your answer", custom_id="answer", max_length=200)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"got {self.answer.value}", ephemeral=True)


class Choices(discord.ui.View):
    @discord.ui.button(label="Press", custom_id="probe:press")
    async def press(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="pressed", view=None)

    @discord.ui.select(
        custom_id="probe:pick", options=[discord.SelectOption(label=f) for f in FRUITS]
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"picked {select.values[0]}")


class Probe(commands.Cog):
    group = app_commands.Group(name="fruit", description="Fruit things")

    @app_commands.command(name="echo", description="Say it back")
    async def echo(self, interaction: discord.Interaction, text: str, times: int = 1) -> None:
        await interaction.response.send_message(" ".join([text] * times))

    @group.command(name="find", description="Find a fruit")
    async def find(self, interaction: discord.Interaction, name: str) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send(f"found {name}")

    @find.autocomplete("name")
    async def find_autocomplete(
        self, _i: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f, value=f) for f in FRUITS if f.startswith(current)]

    @app_commands.command(name="whois", description="Show a member")
    async def whois(self, interaction: discord.Interaction, member: discord.Member) -> None:
        await interaction.response.send_message(f"{member.name} <@&{interaction.guild_id}>")

    @app_commands.command(name="ask", description="Open a modal")
    async def ask(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    @app_commands.command(name="menu", description="Buttons and selects")
    async def menu(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("choose", view=Choices())


@pytest.fixture
async def probe() -> AsyncIterator[tuple[FakeDiscord, commands.Bot]]:
    old_base, old_gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    async with FakeDiscord() as fake:
        discord.http.Route.BASE = fake.api_base_url
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
        bot = commands.Bot(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.none(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
        )
        await bot.add_cog(Probe())
        try:
            await bot.login(fake.token)
            await bot.tree.sync()
            task = bot.loop.create_task(bot.connect())
            await fake.wait_ready()
            await bot.wait_until_ready()
            yield fake, bot
        finally:
            await bot.close()
            if "task" in locals():
                await task
            discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


async def test_options_are_typed_and_checked(probe: tuple[FakeDiscord, commands.Bot]) -> None:
    fake, _ = probe
    result = await fake.invoke("echo", text="hi", times=3)
    assert (await result.message())["content"] == "hi hi hi"
    with pytest.raises(AssertionError, match="needs option 'text'"):
        await fake.invoke("echo")
    with pytest.raises(AssertionError, match="no option"):
        await fake.invoke("echo", text="x", loud=True)


async def test_subcommand_with_deferral_and_followup(
    probe: tuple[FakeDiscord, commands.Bot],
) -> None:
    fake, _ = probe
    result = await fake.invoke("fruit find", name="cherry")
    assert (await result.responded())["type"] == DEFERRED_MESSAGE
    assert (await result.message())["content"] == "found cherry"


async def test_autocomplete(probe: tuple[FakeDiscord, commands.Bot]) -> None:
    fake, _ = probe
    choices = await fake.autocomplete("fruit find", "name", "ap")
    assert [c["value"] for c in choices] == ["apple", "apricot"]
    assert fake.requests[-1].json["type"] == AUTOCOMPLETE_RESULT


async def test_member_option_is_resolved_and_role_pings_are_recorded(
    probe: tuple[FakeDiscord, commands.Bot],
) -> None:
    fake, _ = probe
    result = await fake.invoke("whois", member=fake.admin)
    message = await result.message()
    assert message["content"].startswith("sam-moderator")
    # allowed_mentions none: the role mention is shown but pings nobody.
    assert fake.mention_violations == []


async def test_modal_submit(probe: tuple[FakeDiscord, commands.Bot]) -> None:
    fake, _ = probe
    opened = await fake.invoke("ask")
    assert (await opened.responded())["type"] == MODAL
    submitted = await fake.submit_modal(opened, {"answer": "consent first"})
    assert (await submitted.message())["content"] == "got consent first"
    assert submitted.ephemeral


async def test_button_and_select(probe: tuple[FakeDiscord, commands.Bot]) -> None:
    fake, _ = probe
    menu = await (await fake.invoke("menu")).message()
    picked = await fake.select(menu, "probe:pick", ["banana"])
    assert (await picked.message())["content"] == "picked banana"
    pressed = await fake.click(menu, "probe:press")
    assert (await pressed.responded())["type"] == UPDATE_MESSAGE
    assert fake.channel_messages(fake.channel("general"))[0]["content"] == "pressed"


async def test_limits_are_enforced(probe: tuple[FakeDiscord, commands.Bot]) -> None:
    fake, bot = probe
    channel = bot.get_channel(fake.channel("general").id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send("x" * 2001)
    assert caught.value.code == 50035
    with pytest.raises(discord.HTTPException):
        await channel.send(embed=discord.Embed(title="t" * 257))


async def test_nonce_is_enforced_and_pings_are_audited(
    probe: tuple[FakeDiscord, commands.Bot],
) -> None:
    fake, bot = probe
    channel = bot.get_channel(fake.channel("ai-alerts").id)
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("alert", nonce="outbox-1")
    again = await channel.send("alert", nonce="outbox-1")
    assert first.id == again.id
    assert len(fake.channel_messages(channel.id)) == 1
    await channel.send("@everyone look", allowed_mentions=discord.AllowedMentions(everyone=True))
    assert fake.mention_violations[0]["pings"] == ["@everyone"]
