"""Embeds for answers, sections and the section list."""

from __future__ import annotations

import discord

from bot.standards.model import Answer, Citation, Section, StandardsDocument
from bot.ui.example import labelled
from bot.ui.help import COLOUR
from bot.ui.paginator import chunk
from bot.ui.text import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    EMBED_TITLE_LIMIT,
    plain,
    truncate,
    trusted,
)

# Only for adopted text: every footer starts with disclaimer(document), never with this alone.
ADOPTED_DISCLAIMER = "The coalition's position, not legal advice."
DECLINED_COLOUR = discord.Colour.light_grey()
CLOSEST_NOTE = (
    "*The standards don't answer this directly. This is the closest section; "
    "check that it fits your question.*"
)
SECTIONS_PER_PAGE = 10


def disclaimer(document: StandardsDocument) -> str:
    """What a reply's footer starts with: the example label while the text is an example."""
    if document.example:
        return labelled("not legal advice.", True)
    return ADOPTED_DISCLAIMER


def answer_embed(
    answer: Answer, document: StandardsDocument, help_channel_id: int | None
) -> discord.Embed:
    """An answer with its citations, or an honest decline with the closest sections."""
    if not answer.covered:
        return _declined_embed(answer, document, help_channel_id)
    top = answer.citations[0] if answer.citations else None
    title = top.title if top else "From the standards"
    # A model's words are untrusted like a member's: escaped, so they can't plant links.
    description = plain(answer.passage) if answer.generated else trusted(answer.passage)
    if answer.closest:
        title = f"Closest match: {title}"
        description = f"{CLOSEST_NOTE}\n\n{description}"
    embed = discord.Embed(
        title=truncate(title, EMBED_TITLE_LIMIT),
        description=truncate(description, EMBED_DESCRIPTION_LIMIT),
        colour=COLOUR,
    )
    embed.set_author(name=truncate(f"Q: {answer.question}", 256))
    field = "Closest section" if answer.closest else "From the standards"
    embed.add_field(name=field, value=_citations(answer.citations), inline=False)
    footer = f"{disclaimer(document)} Standards {document.version} ({document.date})."
    if answer.generated:
        footer += " Summary written by a language model from the cited sections."
    embed.set_footer(text=footer)
    return embed


def _declined_embed(
    answer: Answer, document: StandardsDocument, help_channel_id: int | None
) -> discord.Embed:
    people = (
        f"Ask the people who can help in <#{help_channel_id}>."
        if help_channel_id
        else "Ask the organisers in this server."
    )
    # The question is not repeated: the member knows what they asked.
    description = f"The standards don't cover this question. {people}"
    embed = discord.Embed(
        title="The standards don't cover that",
        description=description,
        colour=DECLINED_COLOUR,
    )
    if answer.suggestions:
        embed.add_field(name="Closest sections", value=_citations(answer.suggestions), inline=False)
    embed.set_footer(text=f"{disclaimer(document)} Standards {document.version} ({document.date}).")
    return embed


def _citations(citations: tuple[Citation, ...]) -> str:
    lines = []
    for c in citations:
        title = f"[{c.title}]({c.url})" if c.url else f"**{c.title}**"
        lines.append(f"§ {title} · `{c.section_id}` · v{c.version}")
    return truncate("\n".join(lines), EMBED_FIELD_VALUE_LIMIT)


def section_embed(
    section: Section, citation: Citation, document: StandardsDocument
) -> discord.Embed:
    """A whole section, for /standards show and Show full section."""
    embed = discord.Embed(
        title=truncate(section.title, EMBED_TITLE_LIMIT),
        description=truncate(trusted(section.body), EMBED_DESCRIPTION_LIMIT),
        colour=COLOUR,
        url=citation.url,
    )
    if section.sources:
        sources = "\n".join(f"<{url}>" for url in section.sources)
        embed.add_field(
            name="Sources", value=truncate(sources, EMBED_FIELD_VALUE_LIMIT), inline=False
        )
    version = f"Standards {document.version} ({document.date})"
    embed.set_footer(text=f"{disclaimer(document)} § {section.id} · {version}.")
    return embed


def section_list_pages(document: StandardsDocument) -> list[discord.Embed]:
    """Every section id and title, ten to a page."""
    pages = []
    groups = chunk(list(document.sections), SECTIONS_PER_PAGE)
    for number, group in enumerate(groups, start=1):
        lines = "\n".join(f"`{s.id}` — {s.title}" for s in group)
        embed = discord.Embed(
            title=truncate(document.title, EMBED_TITLE_LIMIT), description=lines, colour=COLOUR
        )
        embed.set_footer(
            text=labelled(
                f"Standards {document.version} ({document.date}) · page {number} of"
                f" {len(groups)}. Open one with /standards show.",
                document.example,
            )
        )
        pages.append(embed)
    return pages
