"""Discord's message markdown as escaped HTML, for the viewer: the subset the bot writes.

Bold, italics, underline, strikethrough, inline code and code blocks, masked and bare links,
headings, bullet and numbered lists, quotes, mentions as pills and `<t:…>` timestamps as dates.
Every piece of text is HTML-escaped; only http(s) links become anchors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape

# Placeholders for finished HTML while the rest of a line is still being read.
_OPEN, _CLOSE = "\ue000", "\ue001"
_KEPT = re.compile(f"{_OPEN}(\\d+){_CLOSE}")

_ESCAPED = re.compile(r"\\([\\*_~`|>#\[\]()<:@!.\-])")
_CODE = re.compile(r"(`+)(.+?)\1", re.S)
_MASKED = re.compile(r"\[((?:[^\[\]]|\\[\[\]])+)\]\(\s*<?(https?://[^\s)>]+)>?\s*\)")
_ANGLE_URL = re.compile(r"<(https?://[^\s>]+)>")
_BARE_URL = re.compile(r"https?://[^\s<]+[^\s<.,:;\"')\]!?*_~]")
_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
_CHANNEL = re.compile(r"<#(\d+)>")
_COMMAND = re.compile(r"</([\w -]{1,100}):(\d+)>")
_TIMESTAMP = re.compile(r"<t:(-?\d{1,13})(?::([tTdDfFR]))?>")
_EVERYONE = re.compile(r"(?<![\w.])@(everyone|here)\b")
_STYLES = (
    (re.compile(r"\*\*(?!\s)(.+?)(?<!\s)\*\*", re.S), "strong"),
    (re.compile(r"__(?!\s)(.+?)(?<!\s)__", re.S), "u"),
    (re.compile(r"~~(?!\s)(.+?)(?<!\s)~~", re.S), "s"),
    (re.compile(r"(?<![\w*])\*(?![\s*])(.+?)(?<![\s*])\*(?![\w*])", re.S), "em"),
    (re.compile(r"(?<![\w_])_(?![\s_])(.+?)(?<![\s_])_(?![\w_])", re.S), "em"),
)
_BULLET = re.compile(r"^(\s*)[-*] (.*)$")
_NUMBERED = re.compile(r"^\s*(\d{1,9})\. (.*)$")
_HEADING = re.compile(r"^(#{1,3}) (.+)$")
_SUBTEXT = re.compile(r"^-# (.+)$")
_QUOTE = re.compile(r"^> ?(.*)$")
_FENCE = re.compile(r"```(?:[\w+-]{1,20}\n|\n)?(.*?)```", re.S)

Names = Mapping[str, str]


def timestamp_text(seconds: int, style: str | None, now: datetime | None = None) -> str:
    """A `<t:…>` timestamp as Discord shows it in English (US), in UTC."""
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return str(seconds)
    clock = f"{moment:%I:%M}".lstrip("0") + f" {moment:%p}"
    day = f"{moment:%B} {moment.day}, {moment.year}"
    if style == "t":
        return clock
    if style == "T":
        return f"{moment:%I:%M:%S}".lstrip("0") + f" {moment:%p}"
    if style == "d":
        return f"{moment.month}/{moment.day}/{moment.year}"
    if style == "D":
        return day
    if style == "F":
        return f"{moment:%A}, {day} {clock}"
    if style == "R":
        return _relative(moment, now or datetime.now(UTC))
    return f"{day} {clock}"


def _relative(moment: datetime, now: datetime) -> str:
    seconds = (moment - now).total_seconds()
    unit, count = "minute", max(1, int(abs(seconds) // 60))
    for name, size in (("year", 31536000), ("month", 2592000), ("day", 86400), ("hour", 3600)):
        if abs(seconds) >= size:
            unit, count = name, round(abs(seconds) / size)
            break
    words = f"{count} {unit}{'s' if count != 1 else ''}"
    return f"in {words}" if seconds > 0 else f"{words} ago"


def _link(url: str, label_html: str) -> str:
    return (
        f'<a class="link" href="{escape(url, quote=True)}" rel="noopener noreferrer">'
        f"{label_html}</a>"
    )


def _pill(text: str, kind: str = "mention") -> str:
    return f'<span class="{kind}">{escape(text)}</span>'


class _Line:
    """One pass over inline text: finished pieces are kept aside as placeholders."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self.kept: list[str] = []

    def keep(self, html: str) -> str:
        self.kept.append(html)
        return f"{_OPEN}{len(self.kept) - 1}{_CLOSE}"

    def render(self, text: str, *, links: bool = True) -> str:
        names, keep = self.names, self.keep
        text = _ESCAPED.sub(lambda m: keep(escape(m[1])), text)
        text = _CODE.sub(lambda m: keep(f"<code>{escape(m[2])}</code>"), text)
        if links:
            text = _MASKED.sub(lambda m: keep(_link(m[2], self.render(m[1], links=False))), text)
            text = _ANGLE_URL.sub(lambda m: keep(_link(m[1], escape(m[1]))), text)
        text = _USER.sub(lambda m: keep(_pill("@" + names.get(m[1], "unknown-user"))), text)
        text = _ROLE.sub(lambda m: keep(_pill("@" + names.get(m[1], "deleted-role"))), text)
        text = _CHANNEL.sub(lambda m: keep(_pill("#" + names.get(m[1], "unknown-channel"))), text)
        text = _COMMAND.sub(lambda m: keep(_pill("/" + m[1])), text)
        text = _TIMESTAMP.sub(
            lambda m: keep(_pill(timestamp_text(int(m[1]), m[2]), "timestamp")), text
        )
        text = _EVERYONE.sub(lambda m: keep(_pill("@" + m[1])), text)
        if links:
            text = _BARE_URL.sub(lambda m: keep(_link(m[0], escape(m[0]))), text)
        html = escape(text, quote=False)
        for pattern, tag in _STYLES:
            html = pattern.sub(lambda m, tag=tag: f"<{tag}>{m[1]}</{tag}>", html)
        return html

    def finish(self, html: str) -> str:
        while _KEPT.search(html):
            html = _KEPT.sub(lambda m: self.kept[int(m[1])], html)
        return html


def inline(text: str, names: Names | None = None, *, links: bool = True) -> str:
    """One piece of text with inline markdown, as HTML (no line or list structure).

    links=False leaves link syntax as text, for places that are a link already (embed titles).
    """
    line = _Line(names or {})
    clean = text.replace(_OPEN, "").replace(_CLOSE, "")
    return line.finish(line.render(clean, links=links))


def markdown(text: str, names: Names | None = None) -> str:
    """A message's or embed's text as HTML: code blocks, lists, headings, quotes, lines."""
    names = names or {}
    text = text.replace(_OPEN, "").replace(_CLOSE, "")
    out: list[str] = []
    at = 0
    for fence in _FENCE.finditer(text):
        out.append(_blocks(text[at : fence.start()], names))
        out.append(f"<pre><code>{escape(fence[1].strip(chr(10)))}</code></pre>")
        at = fence.end()
    out.append(_blocks(text[at:], names))
    return "".join(out)


def _blocks(text: str, names: Names) -> str:
    """Lines of text: runs of list items and quotes become blocks, other lines keep breaks."""
    if not text.strip("\n"):
        return ""
    lines = text.strip("\n").split("\n")
    pieces: list[tuple[str, str]] = []  # ("line", html) or ("block", html)
    index = 0
    while index < len(lines):
        line = lines[index]
        for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
            if pattern.match(line):
                items = []
                while index < len(lines) and (found := pattern.match(lines[index])):
                    items.append(found)
                    index += 1
                start = f' start="{int(items[0][1])}"' if tag == "ol" and items[0][1] != "1" else ""
                body = "".join(f"<li>{inline(m.groups()[-1], names)}</li>" for m in items)
                pieces.append(("block", f"<{tag}{start}>{body}</{tag}>"))
                break
        else:
            if _QUOTE.match(line):
                quoted = []
                while index < len(lines) and (found := _QUOTE.match(lines[index])):
                    quoted.append(found[1])
                    index += 1
                inner = "<br>".join(inline(q, names) for q in quoted)
                pieces.append(("block", f"<blockquote>{inner}</blockquote>"))
            elif found := _SUBTEXT.match(line):
                pieces.append(("block", f'<div class="subtext">{inline(found[1], names)}</div>'))
                index += 1
            elif found := _HEADING.match(line):
                level = len(found[1])
                pieces.append(("block", f"<h{level}>{inline(found[2], names)}</h{level}>"))
                index += 1
            else:
                pieces.append(("line", inline(line, names)))
                index += 1
    html = ""
    previous = None
    for kind, piece in pieces:
        if kind == "line" and previous == "line":
            html += "<br>"
        html += piece
        previous = kind
    return html
