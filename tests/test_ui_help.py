"""/help: grouped by task, clickable when ids are known, long groups split at whole lines."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.catalog import Catalog, CommandEntry
from bot.ui.help import HelpEmbeds, about_embed, command_mention, help_embed


def entry(path: str, admin: bool = False, description: str = "Does a thing.") -> CommandEntry:
    return CommandEntry(path, description, admin, ())


def test_mentions_are_clickable_with_ids_and_code_without() -> None:
    assert command_mention("admin alerts list", {"admin": 42}) == "</admin alerts list:42>"
    assert command_mention("ask", None) == "`/ask`"


def test_a_long_admin_group_goes_on_in_a_second_field_never_cut_mid_name() -> None:
    admins = [entry(f"admin alerts command{n:02}", True, "x" * 80) for n in range(20)]
    members = [entry("pledge sign"), entry("help"), entry("ask"), entry("standards list")]
    embed = help_embed(members + admins, show_admin=True, ids={"admin": 1, "ask": 2})
    names = [f.name for f in embed.fields]
    assert names[:3] == ["Ask about the standards", "Pledge", "About this bot"]
    assert (embed.fields[0].value or "").startswith("</ask:2>")
    assert "For server managers · Alerts (more)" in names
    admin_text = "\n".join(f.value or "" for f in embed.fields if "managers" in (f.name or ""))
    assert all(f"</admin alerts command{n:02}:1>" in admin_text for n in range(20))
    assert all(len(f.value or "") <= 1024 for f in embed.fields)
    hidden = help_embed(members + admins, show_admin=False)
    assert not any("managers" in (f.name or "") for f in hidden.fields)


def test_when_every_command_would_not_fit_the_introduction_gives_way() -> None:
    admins = [entry(f"admin alerts command{n:02}", True, "x" * 90) for n in range(50)]
    embed = help_embed(admins, show_admin=True, ids={"admin": 1})
    assert embed.description is None and len(embed) <= 6000
    text = "\n".join(f.value or "" for f in embed.fields)
    assert all(f"</admin alerts command{n:02}:1>" in text for n in range(50))


def test_about_names_the_shard_only_when_there_are_several() -> None:
    single = {f.name: f.value for f in about_embed("1.0", 65, 3).fields}
    assert single["Servers"] == "3"
    assert "Shard" not in single
    sharded = {f.name: f.value for f in about_embed("1.0", 65, 2, (1, 4)).fields}
    assert sharded["Shard"] == "1 of 4"
    assert sharded["Servers (this process)"] == "2"


def _tree() -> app_commands.CommandTree:
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)

    @tree.command(name="ask", description="Ask a question.")
    async def ask(interaction: discord.Interaction, question: str) -> None: ...

    return tree


def test_help_is_built_once_and_again_when_the_commands_change() -> None:
    tree = _tree()
    embeds = HelpEmbeds(Catalog(tree))
    first = embeds.embed(show_admin=False, ids={"ask": 7})
    assert embeds.embed(show_admin=False, ids={"ask": 7}) is first
    assert "</ask:7>" in (first.fields[0].value or "")
    # Another view or other ids are other embeds.
    assert embeds.embed(show_admin=True, ids={"ask": 7}) is not first
    assert "`/ask`" in (embeds.embed(show_admin=False).fields[0].value or "")

    group = app_commands.Group(name="pledge", description="The pledge")

    @group.command(name="sign", description="Sign it.")
    async def sign(interaction: discord.Interaction) -> None: ...

    tree.add_command(group)
    after = embeds.embed(show_admin=False, ids={"ask": 7})
    assert after is not first
    assert any("/pledge sign" in (f.value or "") for f in after.fields)
    group.remove_command("sign")
    assert not any("/pledge sign" in (f.value or "") for f in embeds.embed(show_admin=False).fields)


def test_the_catalog_reads_the_tree_again_only_when_it_changes() -> None:
    tree = _tree()
    catalog = Catalog(tree)
    entries = catalog.entries()
    assert [e.path for e in entries] == ["ask"] and entries[0].options == ("question",)
    assert catalog.entries() is entries
    tree.remove_command("ask")
    assert catalog.entries() == ()
