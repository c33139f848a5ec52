"""The emulator's world: ids, users, guilds, channels, roles, messages, shaped as Discord does."""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

# Permission bits (Discord API reference: permissions).
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_GUILD = 1 << 5
MANAGE_ROLES = 1 << 28
ADMINISTRATOR = 1 << 3
MEMBER_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
) | USE_APPLICATION_COMMANDS
BOT_PERMISSIONS = MEMBER_PERMISSIONS | MANAGE_ROLES | MENTION_EVERYONE


class Snowflakes:
    """Monotonic, unique Discord ids."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self, ago: float = 0.0) -> int:
        """A new id; `ago` seconds back-dates its time (an interaction that waited in a queue)."""
        ms = int((time.time() - ago) * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """A new id of a server that lands on this shard (its timestamp moved up to a few ms)."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        ms += (shard_id - ms) % shard_count
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a server's events to."""
    return (guild_id >> 22) % shard_count


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class User:
    id: int
    username: str
    bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.username,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class Role:
    id: int
    name: str
    permissions: int = 0
    position: int = 1
    managed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": True,
            "flags": 0,
            "icon": None,
            "unicode_emoji": None,
        }


@dataclass
class Channel:
    id: int
    guild_id: int
    name: str
    type: int = 0  # GUILD_TEXT
    position: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "parent_id": None,
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }


@dataclass
class Member:
    user: User
    role_ids: list[int] = field(default_factory=list)
    joined_at: str = field(default_factory=iso_now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "user": self.user.to_dict(),
            "roles": [str(r) for r in self.role_ids],
            "joined_at": self.joined_at,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "pending": False,
        }


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    channels: dict[int, Channel] = field(default_factory=dict)
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def permissions_of(self, user_id: int) -> int:
        if user_id == self.owner_id:
            return (1 << 50) - 1
        member = self.members.get(user_id)
        perms = self.everyone.permissions
        for role_id in member.role_ids if member else []:
            perms |= self.roles[role_id].permissions
        if perms & ADMINISTRATOR:
            return (1 << 50) - 1
        return perms

    def to_create_payload(self, bot_member: Member) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.to_dict() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "nsfw_level": 0,
            "joined_at": bot_member.joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "members": [bot_member.to_dict()],
            "channels": [c.to_dict() for c in self.channels.values()],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


def message_payload(
    *,
    message_id: int,
    channel_id: int,
    guild_id: int | None,
    author: User,
    body: dict[str, Any],
    webhook_id: int | None = None,
) -> dict[str, Any]:
    """A message object as Discord returns it, built from a create-message body."""
    payload = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author.to_dict(),
        "content": body.get("content") or "",
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": body.get("attachments", []),
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "pinned": False,
        "type": 0,
        "flags": int(body.get("flags") or 0),
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    if webhook_id is not None:
        payload["webhook_id"] = str(webhook_id)
        payload["application_id"] = str(webhook_id)
    if body.get("nonce") is not None:
        payload["nonce"] = body["nonce"]
    return payload


def apply_edit(message: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Apply a PATCH body to a stored message, as Discord does."""
    for key in ("content", "embeds", "components", "attachments", "flags"):
        if key in body:
            message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
    message["edited_timestamp"] = iso_now()
    return message


_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_USER_MENTION = re.compile(r"<@!?(\d+)>")


def pings(
    body: dict[str, Any], *, default_parse: tuple[str, ...] = ("everyone", "users", "roles")
) -> list[str]:
    """What a message body would ping given its allowed_mentions: @everyone/@here and roles."""
    content = body.get("content") or ""
    allowed = body.get("allowed_mentions")
    parse = tuple(allowed.get("parse", ())) if allowed is not None else default_parse
    allowed_roles = {int(r) for r in (allowed or {}).get("roles", ())}
    found = []
    if "everyone" in parse:
        found += [f"@{w}" for w in ("everyone", "here") if f"@{w}" in content]
    for role_id in map(int, _ROLE_MENTION.findall(content)):
        if "roles" in parse or role_id in allowed_roles:
            found.append(f"<@&{role_id}>")
    return found


def user_pings(body: dict[str, Any]) -> list[int]:
    """The users a message body would ping."""
    content = body.get("content") or ""
    allowed = body.get("allowed_mentions")
    parse = tuple(allowed.get("parse", ())) if allowed is not None else ("users",)
    allowed_users = {int(u) for u in (allowed or {}).get("users", ())}
    return [
        int(u)
        for u in _USER_MENTION.findall(content)
        if "users" in parse or int(u) in allowed_users
    ]
