"""The /help and /about embeds."""

from __future__ import annotations

from datetime import timedelta

import discord

from bot.catalog import CommandEntry
from bot.ui.text import EMBED_FIELD_VALUE_LIMIT, truncate

COLOUR = discord.Colour.from_rgb(235, 94, 40)

INTRO = (
    "I am the bot of the Creators Coalition on AI: writers, actors, YouTubers, podcasters, "
    "newsletter writers and the crews around them, working for enforceable standards on how "
    "generative AI is trained and used: consent, credit, compensation, likeness and voice "
    "rights, and disclosure."
)


def help_embed(entries: list[CommandEntry], *, show_admin: bool) -> discord.Embed:
    """List the commands a member can use (and the admin ones for server managers)."""
    embed = discord.Embed(title="What I can do", description=INTRO, colour=COLOUR)
    members = [e for e in entries if not e.admin]
    admins = [e for e in entries if e.admin]
    embed.add_field(name="Commands", value=_lines(members) or "None yet.", inline=False)
    if show_admin and admins:
        embed.add_field(name="For server managers", value=_lines(admins), inline=False)
    embed.set_footer(text="Type / in the message box to see each command's options.")
    return embed


def _lines(entries: list[CommandEntry]) -> str:
    text = "\n".join(f"`/{e.path}` — {e.description}" for e in entries)
    return truncate(text, EMBED_FIELD_VALUE_LIMIT)


def about_embed(version: str, uptime_seconds: float, guild_count: int) -> discord.Embed:
    """Version, uptime and reach, for members and operators alike."""
    embed = discord.Embed(title="About coalition-bot", description=INTRO, colour=COLOUR)
    embed.add_field(name="Version", value=version)
    embed.add_field(name="Up for", value=format_uptime(uptime_seconds))
    embed.add_field(name="Servers", value=str(guild_count))
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
