"""The /help and /about embeds."""

from __future__ import annotations

from datetime import timedelta

import discord

from bot.catalog import Catalog, CommandEntry
from bot.recent import Recent
from bot.ui.text import EMBED_FIELD_VALUE_LIMIT, EMBED_TOTAL_LIMIT, truncate

COLOUR = discord.Colour.from_rgb(235, 94, 40)

INTRO = (
    "I am the bot of the Creators Coalition on AI: writers, actors, YouTubers, podcasters, "
    "newsletter writers and the crews around them, working for enforceable standards on how "
    "generative AI is trained and used: consent, credit, compensation, likeness and voice "
    "rights, and disclosure."
)


# Members' commands by task, in the order a member reaches for them; /ask leads.
TASKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Ask about the standards", ("ask", "standards")),
    ("Pledge", ("pledge",)),
    ("Alerts on AI bills and lawsuits", ("alerts",)),
    ("About this bot", ("help", "about")),
)
ADMIN_GROUP_NAMES = {"alerts": "Alerts", "pledges": "Pledges", "standards": "Standards"}


def command_mention(path: str, ids: dict[str, int] | None) -> str:
    """A clickable `</ask:id>` when the command's id is known, else `/ask` as code."""
    root = path.split(" ", 1)[0]
    if ids and root in ids:
        return f"</{path}:{ids[root]}>"
    return f"`/{path}`"


def help_embed(
    entries: list[CommandEntry], *, show_admin: bool, ids: dict[str, int] | None = None
) -> discord.Embed:
    """The commands a member can use, grouped by task (and, for managers, one field per admin
    group), each a clickable mention with its description; fields end at whole lines.

    Every command is always named: if they don't all fit Discord's 6,000 characters, the
    introduction goes first, then the descriptions of the admin commands.
    """
    embed = _help(entries, show_admin, ids, brief=False)
    if len(embed) > EMBED_TOTAL_LIMIT:
        embed.description = None
    if len(embed) > EMBED_TOTAL_LIMIT:
        embed = _help(entries, show_admin, ids, brief=True)
        embed.description = None
    return embed


class HelpEmbeds:
    """/help's embeds, built once for each view (member or manager) and set of command ids, and
    built again when the command tree changes; sent as they are (nothing changes a sent embed).
    """

    KEPT = 64

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._entries: tuple[CommandEntry, ...] = ()
        self._built: Recent[tuple[object, ...], discord.Embed] = Recent()

    def embed(self, *, show_admin: bool, ids: dict[str, int] | None = None) -> discord.Embed:
        entries = self._catalog.entries()
        if entries is not self._entries:
            self._entries = entries
            self._built.clear()
        key = (show_admin, tuple(ids.items()) if ids else ())
        embed = self._built.get(key)
        if embed is None:
            embed = help_embed(list(entries), show_admin=show_admin, ids=ids)
            self._built.put(key, embed, keep=self.KEPT)
        return embed


def _help(
    entries: list[CommandEntry], show_admin: bool, ids: dict[str, int] | None, *, brief: bool
) -> discord.Embed:
    embed = discord.Embed(title="What I can do", description=INTRO, colour=COLOUR)
    members = [e for e in entries if not e.admin]
    for name, roots in _member_groups(members):
        group = [e for e in members if e.path.split(" ", 1)[0] in roots]
        group.sort(key=lambda e: (e.path != "ask", roots.index(e.path.split(" ", 1)[0])))
        _add_fields(embed, name, group, ids)
    if show_admin:
        admins = [e for e in entries if e.admin]
        groups: dict[str, list[CommandEntry]] = {}
        for entry in admins:
            words = entry.path.split(" ")
            key = words[1] if len(words) > 2 else ""
            groups.setdefault(key, []).append(entry)
        for key in sorted(groups, key=lambda k: (k == "", k)):
            label = ADMIN_GROUP_NAMES.get(key, key.title()) if key else "Server"
            _add_fields(embed, f"For server managers · {label}", groups[key], ids, brief=brief)
    embed.set_footer(text="Click a command to start it; Discord shows its options.")
    return embed


def _member_groups(members: list[CommandEntry]) -> list[tuple[str, tuple[str, ...]]]:
    """The task groups, with any command not in one under "More"."""
    known = {root for _, roots in TASKS for root in roots}
    others = tuple(sorted({e.path.split(" ", 1)[0] for e in members} - known))
    return [*TASKS, ("More", others)] if others else list(TASKS)


def _add_fields(
    embed: discord.Embed,
    name: str,
    entries: list[CommandEntry],
    ids: dict[str, int] | None,
    *,
    brief: bool = False,
) -> None:
    """One field per group; a group too long for one field goes on in the next, whole lines."""
    if not entries:
        return
    if brief:
        lines = [command_mention(e.path, ids) for e in entries]
    else:
        lines = [f"{command_mention(e.path, ids)} — {e.description}" for e in entries]
    chunk: list[str] = []
    for line in lines:
        line = truncate(line, EMBED_FIELD_VALUE_LIMIT)
        if chunk and len("\n".join([*chunk, line])) > EMBED_FIELD_VALUE_LIMIT:
            embed.add_field(name=name, value="\n".join(chunk), inline=False)
            name, chunk = f"{name} (more)", []
        chunk.append(line)
    embed.add_field(name=name, value="\n".join(chunk), inline=False)


def about_embed(
    version: str, uptime_seconds: float, guild_count: int, shard: tuple[int, int] | None = None
) -> discord.Embed:
    """Version, uptime and reach, for members and operators alike.

    `shard` is (this server's shard, how many) when the bot runs more than one: the servers
    counted are then those of the process that answered.
    """
    embed = discord.Embed(title="About coalition-bot", description=INTRO, colour=COLOUR)
    embed.add_field(name="Version", value=version)
    embed.add_field(name="Up for", value=format_uptime(uptime_seconds))
    if shard is None:
        embed.add_field(name="Servers", value=str(guild_count))
    else:
        embed.add_field(name="Servers (this process)", value=str(guild_count))
        embed.add_field(name="Shard", value=f"{shard[0]} of {shard[1]}")
    return embed


def format_uptime(seconds: float) -> str:
    """Say how long, in the two largest units: '3d 4h', '5m 2s'."""
    delta = timedelta(seconds=int(seconds))
    days, rest = delta.days, delta.seconds
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    shown = [f"{n}{unit}" for n, unit in parts if n][:2]
    return " ".join(shown) or "0s"
