"""Discord side effects several features share: roles, announcements, notices to admins."""

from __future__ import annotations

import logging

import discord

from bot.config import Settings
from bot.ui.pledges import milestone_text
from bot.ui.text import NO_MENTIONS

log = logging.getLogger(__name__)


async def tell_admins(client: discord.Client, settings: Settings, text: str) -> None:
    """Post to the admin log channel (when set) and log it; pings nobody."""
    log.warning("Admin notice: %s", text)
    channel_id = settings.admin_log_channel_id
    channel = client.get_channel(channel_id) if channel_id else None
    if isinstance(channel, discord.abc.Messageable):
        try:
            await channel.send(text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.warning("Could not post to the admin log channel", exc_info=True)


async def member_of(guild: discord.Guild, user_id: int) -> discord.Member | None:
    """A member from the cache or, without the members intent, from the API."""
    member = guild.get_member(user_id)
    if member is not None:
        return member
    try:
        return await guild.fetch_member(user_id)
    except discord.HTTPException:
        return None


def pledge_role(guild: discord.Guild | None, settings: Settings) -> discord.Role | None:
    role_id = settings.pledge_role_id
    return guild.get_role(role_id) if guild and role_id else None


async def grant_pledge_role(
    client: discord.Client, settings: Settings, guild: discord.Guild | None, user_id: int
) -> str:
    """Give the pledge role; return a note for the reply when it could not be given."""
    role = pledge_role(guild, settings)
    member = await member_of(guild, user_id) if guild and role else None
    if role is None or member is None:
        return ""
    try:
        await member.add_roles(role, reason="Verified the creators' pledge")
    except discord.Forbidden:
        await tell_admins(
            client,
            settings,
            f"I couldn't give the {role.mention} role to <@{user_id}>: I need the Manage Roles "
            "permission, and my role must be above that role.",
        )
        return " (I couldn't give the pledge role: the bot lacks permission; admins were told.)"
    return f" The {role.name} role is given."


async def remove_pledge_role(
    client: discord.Client, settings: Settings, guild: discord.Guild | None, user_id: int
) -> None:
    """Take the pledge role away (on withdrawal or removal)."""
    role = pledge_role(guild, settings)
    member = await member_of(guild, user_id) if guild and role else None
    if role is None or member is None or role not in member.roles:
        return
    try:
        await member.remove_roles(role, reason="Pledge withdrawn or removed")
    except discord.Forbidden:
        await tell_admins(
            client, settings, f"I couldn't remove the {role.mention} role from <@{user_id}>."
        )


async def announce_milestone(
    client: discord.Client, settings: Settings, milestone: int | None, example: bool
) -> None:
    """Celebrate a milestone in the announce channel, once; labelled while the pledge is example."""
    channel_id = settings.pledge_announce_channel_id
    channel = client.get_channel(channel_id) if channel_id else None
    if milestone is None or not isinstance(channel, discord.abc.Messageable):
        return
    try:
        await channel.send(milestone_text(milestone, example), allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.warning("Could not announce pledge milestone %d", milestone, exc_info=True)
