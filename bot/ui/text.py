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
    # No "](" survives either, so pieces of untrusted text set side by side (a title, then a
    # status) can never join into a markdown link.
    safe = safe.replace("](", "]" + _ZERO_WIDTH_SPACE + "(")
    return truncate(safe, limit) if limit is not None else safe


def trusted(markdown: str) -> str:
    """The coalition's own text: markdown kept, but never able to ping anyone."""
    return discord.utils.escape_mentions(markdown)


EMBED_AUTHOR_LIMIT = 256
EMBED_FIELD_COUNT_LIMIT = 25
_EMPTY = "\u200b"  # Discord refuses an empty field name or value


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Cap every part of an embed to Discord's limits, the 6,000-character total included.

    Fields past the 25th, then fields from the end, go first when the total is over; then the
    description is cut. Returns the same embed, changed in place.
    """
    if embed.title:
        embed.title = truncate(embed.title, EMBED_TITLE_LIMIT)
    if embed.description:
        embed.description = truncate(embed.description, EMBED_DESCRIPTION_LIMIT)
    if embed.author.name:
        embed.set_author(
            name=truncate(embed.author.name, EMBED_AUTHOR_LIMIT),
            url=embed.author.url,
            icon_url=embed.author.icon_url,
        )
    if embed.footer.text:
        embed.set_footer(
            text=truncate(embed.footer.text, EMBED_FOOTER_LIMIT), icon_url=embed.footer.icon_url
        )
    fields = embed.fields[:EMBED_FIELD_COUNT_LIMIT]
    embed.clear_fields()
    for field in fields:
        embed.add_field(
            name=truncate(field.name or _EMPTY, EMBED_FIELD_NAME_LIMIT),
            value=truncate(field.value or _EMPTY, EMBED_FIELD_VALUE_LIMIT),
            inline=bool(field.inline),
        )
    while len(embed) > EMBED_TOTAL_LIMIT and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    excess = len(embed) - EMBED_TOTAL_LIMIT
    if excess > 0 and embed.description:
        embed.description = truncate(embed.description, max(1, len(embed.description) - excess))
    return embed


def markdown_link(label: str, url: str | None) -> str:
    """`[label](url)` for a URL already checked safe to link, else the label alone.

    The label must already be safe text (see `plain`); url must come from a link policy such
    as bot.alerts.links.LinkPolicy, never straight from a feed or a model.
    """
    return f"[{label}]({url})" if url else label
