"""Embeds for answers, sections and the section list."""

from __future__ import annotations

import discord

from bot.standards.model import Answer, Citation, Section, StandardsDocument
from bot.ui.example import example_label, labelled
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

# Only for adopted text: answers and sections start their footer with disclaimer(document),
# never with this alone; a decline states no position at all.
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
    """An answer under its section's title (linked once), or an honest decline.

    Related sections go on one line; the standards' version is in the footer only.
    """
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
        url=top.url if top else None,
        description=truncate(description, EMBED_DESCRIPTION_LIMIT),
        colour=COLOUR,
    )
    embed.set_author(name=truncate(f"Q: {answer.question}", 256))
    if related := _one_line(answer.citations[1:]):
        embed.add_field(name="Related", value=related, inline=False)
    section = f" § {top.section_id} ·" if top else ""
    footer = f"{disclaimer(document)}{section} Standards {document.version} ({document.date})."
    if answer.generated:
        footer += " Summary written by a language model from the cited sections."
    embed.set_footer(text=footer)
    return embed


def _declined_embed(
    answer: Answer, document: StandardsDocument, help_channel_id: int | None
) -> discord.Embed:
    """A decline: no position and no version, only the example label while the text is one."""
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
    if closest := _one_line(answer.suggestions):
        embed.add_field(name="Closest sections", value=closest, inline=False)
    if label := example_label(document.example):
        embed.set_footer(text=label)
    return embed


def _one_line(citations: tuple[Citation, ...]) -> str:
    """Sections as links on one line, whole links only, within a field's limit."""
    parts: list[str] = []
    size = 0
    for c in citations:
        title = trusted(c.title).replace("[", "(").replace("]", ")")
        link = f"[{title}]({c.url})" if c.url else f"**{title}**"
        if size + len(link) + 3 > EMBED_FIELD_VALUE_LIMIT:
            break
        parts.append(link)
        size += len(link) + 3
    return " · ".join(parts)


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
        lines = "\n".join(f"**{trusted(s.title)}** · `{s.id}`" for s in group)
        embed = discord.Embed(
            title=truncate(document.title, EMBED_TITLE_LIMIT), description=lines, colour=COLOUR
        )
        page = f" · page {number} of {len(groups)}" if len(groups) > 1 else ""
        embed.set_footer(
            text=labelled(
                f"Standards {document.version} ({document.date}){page}. Open one with"
                " /standards show.",
                document.example,
            )
        )
        pages.append(embed)
    return pages
