"""Safe text for Discord: escaped markdown, no mentions, lengths within Discord's limits."""

from __future__ import annotations

import discord

# Discord's limits, from its API reference.
CONTENT_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000

#: The bot's default: a reply pings nobody unless a caller opts in explicitly.
NO_MENTIONS = discord.AllowedMentions.none()

_ZERO_WIDTH_SPACE = "\u200b"


def truncate(text: str, limit: int, marker: str = "…") -> str:
    """Cut text to at most limit characters, marking the cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))].rstrip() + marker


def plain(text: str, limit: int | None = None) -> str:
    """Show untrusted text literally: markdown escaped, mentions defused, length capped."""
    safe = discord.utils.escape_mentions(discord.utils.escape_markdown(text))
    # escape_mentions covers @everyone/@here and user/role mentions; channel links and
    # slash-command mentions are harmless but stay literal too.
    safe = safe.replace("<#", "<" + _ZERO_WIDTH_SPACE + "#").replace(
        "</", "<" + _ZERO_WIDTH_SPACE + "/"
    )
    return truncate(safe, limit) if limit is not None else safe


def trusted(markdown: str) -> str:
    """The coalition's own text: markdown kept, but never able to ping anyone."""
    return discord.utils.escape_mentions(markdown)
