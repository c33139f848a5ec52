"""Replies as plain terminal text: embeds framed, markdown undone, buttons numbered.

The command line (`coalition-bot ask`) and the terminal demo show the very embeds the cogs
build, so what they print is what Discord would show.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

import discord

WIDTH = 78
EPHEMERAL_NOTE = "Only you can see this"

_LINK = re.compile(r"\[([^\]]+)\]\(<?(https?://[^)>\s]+)>?\)")
_ANGLE_URL = re.compile(r"<(https?://[^>\s]+)>")
_CHANNEL = re.compile(r"<#(\d+)>")
_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
_COMMAND = re.compile(r"</([\w -]+):\d+>")
_TIMESTAMP = re.compile(r"<t:(\d+)(?::[tTdDfFR])?>")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__", re.S)
_ITALIC = re.compile(r"(?<![\\\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_ESCAPED = re.compile(r"\\([\\*_~`|>#\[\]()-])")
_HEADING = re.compile(r"^#{1,3} ", re.M)


def unmark(text: str, names: Mapping[str, str] | None = None) -> str:
    """Discord markdown as plain text: links as 'title (url)', mentions by name, no markup.

    names maps a mentioned id (channel, user or role) to its name, when known.
    """
    names = names or {}
    text = text.replace("\u200b", "")
    text = _LINK.sub(lambda m: f"{m[1]} ({m[2]})", text)
    text = _ANGLE_URL.sub(r"\1", text)
    text = _CHANNEL.sub(lambda m: "#" + names.get(m[1], "channel"), text)
    text = _ROLE.sub(lambda m: "@" + names.get(m[1], "role"), text)
    text = _USER.sub(lambda m: "@" + names.get(m[1], "someone"), text)
    text = _COMMAND.sub(r"/\1", text)
    text = _TIMESTAMP.sub(lambda m: _timestamp(int(m[1])), text)
    text = _BOLD.sub(lambda m: m[1] or m[2], text)
    text = _ITALIC.sub(r"\1", text)
    text = _HEADING.sub("", text)
    text = text.replace("`", "")
    return _ESCAPED.sub(r"\1", text)


def _timestamp(seconds: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        indent = re.match(r"\s*(?:[-*•]|\d+\.)?\s*", paragraph)
        hang = " " * len(indent[0]) if indent else ""
        lines.extend(
            textwrap.wrap(paragraph, width, subsequent_indent=hang, break_on_hyphens=False) or [""]
        )
    return lines


def embed_text(
    embed: discord.Embed | Mapping[str, Any],
    *,
    width: int = WIDTH,
    names: Mapping[str, str] | None = None,
) -> str:
    """One embed as a framed block of plain text."""
    data: Mapping[str, Any] = dict(embed.to_dict()) if isinstance(embed, discord.Embed) else embed
    inner = width - 4
    body: list[str] = []

    def block(text: str) -> None:
        if body:
            body.append("")
        body.extend(wrap(unmark(text, names), inner))

    author = (data.get("author") or {}).get("name")
    if author:
        body.extend(wrap(unmark(author, names), inner))
    title = data.get("title")
    if title:
        if body:
            body.append("")
        body.extend(wrap(unmark(title, names), inner))
        if data.get("url"):
            body.append(str(data["url"]))
    if data.get("description"):
        block(data["description"])
    for item in data.get("fields") or ():
        name = unmark(str(item.get("name", "")), names).strip()
        value = str(item.get("value", ""))
        if body:
            body.append("")
        if name:
            body.extend(wrap(name + ":", inner))
        body.extend("  " + line for line in wrap(unmark(value, names), inner - 2))
    image = str((data.get("image") or {}).get("url") or "")
    if image:
        block(f"[image: {image.removeprefix('attachment://')}]")
    footer = (data.get("footer") or {}).get("text")
    if footer:
        if body:
            body.append("─" * min(inner, 20))
        body.extend(wrap(unmark(footer, names), inner))
    top = "┌" + "─" * (width - 2) + "┐"
    bottom = "└" + "─" * (width - 2) + "┘"
    return "\n".join([top, *(f"│ {line.ljust(inner)} │" for line in body), bottom])


def components_text(rows: Iterable[Mapping[str, Any]], start: int = 1) -> tuple[str, list[dict]]:
    """Buttons and selects, numbered from start; returns the text and the items in order."""
    items: list[dict] = []
    parts: list[str] = []
    for row in rows:
        for component in row.get("components") or ():
            if component.get("type") == 2:  # button
                if component.get("disabled"):
                    parts.append(f"   ({component.get('label', '')}, disabled)")
                    continue
                items.append(dict(component))
                target = f" → {component['url']}" if component.get("url") else ""
                parts.append(f"  [{start + len(items) - 1}] {component.get('label', '')}{target}")
            elif component.get("type") in (3, 5, 6, 7, 8):  # selects
                items.append(dict(component))
                options = ", ".join(o.get("label", "") for o in component.get("options") or ())
                label = component.get("placeholder") or "Choose"
                parts.append(
                    f"  [{start + len(items) - 1}] {label}" + (f": {options}" if options else "")
                )
    return "\n".join(parts), items


def message_text(
    message: Mapping[str, Any],
    *,
    ephemeral: bool = False,
    width: int = WIDTH,
    names: Mapping[str, str] | None = None,
    number_from: int = 1,
) -> tuple[str, list[dict]]:
    """A whole message: content, embeds, attachments and numbered components."""
    out: list[str] = []
    if ephemeral:
        out.append(f"({EPHEMERAL_NOTE})")
    if message.get("content"):
        out.extend(wrap(unmark(str(message["content"]), names), width))
    for embed in message.get("embeds") or ():
        out.append(embed_text(embed, width=width, names=names))
    for attachment in message.get("attachments") or ():
        out.append(f"[attached file: {attachment.get('filename', 'file')}]")
    buttons, items = components_text(message.get("components") or (), number_from)
    if buttons:
        out.append(buttons)
    return "\n".join(out), items
