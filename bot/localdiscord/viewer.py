"""Messages and forms as HTML in Discord's dark theme (styles in viewer.css).

What the bot sent (content, embeds, attachments, buttons, select menus) and the forms it opened,
drawn the way Discord's desktop client shows them, so a person can read a reply as a member
would; bot/localdiscord/pages.py feeds it what the emulator holds. All text is escaped; only
http(s) links become anchors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from bot.localdiscord.markdown import Names, inline, markdown, timestamp_text

EPHEMERAL = 1 << 6
LOADING = 1 << 7
BUTTON_STYLES = {1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link", 6: "premium"}
SELECTS = (3, 5, 6, 7, 8)
SELECT_HINTS = {5: "Select a user", 6: "Select a role", 7: "Select a mentionable", 8: "Channels"}
BOT_COLOUR = "#5865f2"
AVATAR_COLOURS = ("#5865f2", "#3ba55c", "#faa61a", "#ed4245", "#eb459e", "#747f8d")

# An image source for an attachment (its URL on the emulator, or the bytes inlined).
ImageSource = Callable[[Mapping[str, Any]], str]

EYE_ICON = (
    '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" '
    'd="M12 5C5.6 5 2 12 2 12s3.6 7 10 7 10-7 10-7-3.6-7-10-7Zm0 11.5a4.5 4.5 0 1 1 0-9 4.5 '
    '4.5 0 0 1 0 9Zm0-2.3a2.2 2.2 0 1 0 0-4.4 2.2 2.2 0 0 0 0 4.4Z"/></svg>'
)
LINK_ICON = (
    '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" '
    'd="M15 2a1 1 0 1 0 0 2h3.6l-7.3 7.3a1 1 0 0 0 1.4 1.4L20 5.4V9a1 1 0 1 0 2 0V3a1 1 0 0 '
    "0-1-1h-6ZM5 4a3 3 0 0 0-3 3v12a3 3 0 0 0 3 3h12a3 3 0 0 0 3-3v-5a1 1 0 1 0-2 0v5a1 1 0 0 "
    '1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5a1 1 0 1 0 0-2H5Z"/></svg>'
)
CHEVRON = (
    '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" '
    'd="M5.3 9.3a1 1 0 0 1 1.4 0L12 14.6l5.3-5.3a1 1 0 1 1 1.4 1.4l-6 6a1 1 0 0 1-1.4 0l-6-6a1 '
    '1 0 0 1 0-1.4Z"/></svg>'
)
CHECK = (
    '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" '
    'd="M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4L9 16.2Z"/></svg>'
)

CSS = (Path(__file__).parent / "viewer.css").read_text(encoding="utf-8")


def hosted(attachment: Mapping[str, Any]) -> str:
    return str(attachment.get("url") or "")


def _avatar(name: str, key: int, *, bot: bool = False) -> str:
    colour = BOT_COLOUR if bot else AVATAR_COLOURS[key % len(AVATAR_COLOURS)]
    letter = escape((name[:1] or "?").upper())
    return f'<div class="avatar" style="background:{colour}" aria-hidden="true">{letter}</div>'


def _time(stamp: str | None) -> str:
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp).astimezone(UTC)
    except ValueError:
        return ""
    clock = timestamp_text(int(moment.timestamp()), "t")
    today = datetime.now(UTC).date() == moment.date()
    return f"Today at {clock}" if today else f"{moment.month}/{moment.day}/{moment.year} {clock}"


def render_message(
    message: Mapping[str, Any],
    *,
    names: Names | None = None,
    images: ImageSource = hosted,
    invoked: tuple[str, int, str] | None = None,
    replying_to: Mapping[str, Any] | None = None,
    ephemeral: bool | None = None,
) -> str:
    """One message as HTML: the reply line, author, content, embeds, files, components.

    Above it, as Discord shows them: invoked is (user name, user id, command) for an answer to
    a command ("alex used /ask"); replying_to is the message whose button was pressed.
    """
    names = names or {}
    flags = int(message.get("flags") or 0)
    private = bool(flags & EPHEMERAL) if ephemeral is None else ephemeral
    author = message.get("author") or {}
    author_name = str(author.get("global_name") or author.get("username") or "unknown")
    classes = "msg ephemeral" if private else "msg"
    parts = [f'<article class="{classes}" id="m{escape(str(message.get("id", "")))}">']
    if invoked:
        who, who_id, what = invoked
        colour = AVATAR_COLOURS[who_id % len(AVATAR_COLOURS)]
        parts.append(
            f'<div class="reply"><span class="mini" style="background:{colour}"></span>'
            f'<span class="who">{escape(who)}</span> used <span class="cmd">{escape(what)}</span>'
            "</div>"
        )
    elif replying_to is not None:
        parts.append(_reply_line(replying_to, names))
    parts.append(
        _avatar(author_name, int(author.get("id") or 0) >> 22, bot=bool(author.get("bot")))
    )
    badge = f'<span class="app">{CHECK}App</span>' if author.get("bot") else ""
    parts.append(
        f'<div class="head"><span class="name">{escape(author_name)}</span>{badge}'
        f'<span class="time">{escape(_time(message.get("timestamp")))}</span></div>'
    )
    if flags & LOADING:
        parts.append(f'<div class="thinking">{escape(author_name)} is thinking…</div>')
    if message.get("content"):
        parts.append(f'<div class="content">{markdown(str(message["content"]), names)}</div>')
    attachments = list(message.get("attachments") or [])
    shown_in_embeds: set[str] = set()
    for embed in message.get("embeds") or []:
        parts.append(_embed(embed, names, attachments, images, shown_in_embeds))
    for attachment in attachments:
        if str(attachment.get("filename")) not in shown_in_embeds:
            parts.append(_attachment(attachment, images))
    if message.get("components"):
        parts.append(_components(message["components"], names))
    if private:
        parts.append(
            f'<div class="note">{EYE_ICON}Only you can see this<span class="sep">•</span>'
            "<a>Dismiss message</a></div>"
        )
    parts.append("</article>")
    return "".join(parts)


def _reply_line(message: Mapping[str, Any], names: Names) -> str:
    """The clicked message, quoted in one line: its author and the start of its text."""
    author = message.get("author") or {}
    name = str(author.get("global_name") or author.get("username") or "unknown")
    embeds = message.get("embeds") or [{}]
    text = str(
        message.get("content") or embeds[0].get("title") or embeds[0].get("description") or ""
    )
    first = text.strip().split("\n", 1)[0]
    colour = BOT_COLOUR if author.get("bot") else AVATAR_COLOURS[0]
    return (
        f'<div class="reply"><span class="mini" style="background:{colour}"></span>'
        f'<span class="who">@{escape(name)}</span><span class="quote">{inline(first, names)}</span>'
        "</div>"
    )


def _image_for(
    url: str, attachments: list[Mapping[str, Any]], images: ImageSource, used: set[str]
) -> str | None:
    if url.startswith("attachment://"):
        filename = url.removeprefix("attachment://")
        for attachment in attachments:
            if attachment.get("filename") == filename:
                used.add(filename)
                return images(attachment)
        return None
    return url if url.startswith(("https://", "http://")) else None


def _embed(
    embed: Mapping[str, Any],
    names: Names,
    attachments: list[Mapping[str, Any]],
    images: ImageSource,
    used: set[str],
) -> str:
    colour = embed.get("color")
    style = f' style="border-left-color:#{int(colour):06x}"' if colour is not None else ""
    image = _image_for(str((embed.get("image") or {}).get("url") or ""), attachments, images, used)
    thumb = _image_for(
        str((embed.get("thumbnail") or {}).get("url") or ""), attachments, images, used
    )
    body: list[str] = []
    author = embed.get("author") or {}
    if author.get("name"):
        body.append(f'<div class="author">{escape(str(author["name"]))}</div>')
    if embed.get("title"):
        title = inline(str(embed["title"]), names, links=False)
        url = str(embed.get("url") or "")
        if url.startswith(("https://", "http://")):
            title = f'<a class="link" href="{escape(url, quote=True)}">{title}</a>'
        body.append(f'<div class="title">{title}</div>')
    if embed.get("description"):
        body.append(f'<div class="desc">{markdown(str(embed["description"]), names)}</div>')
    if embed.get("fields"):
        body.append(_fields(embed["fields"], names, wide=thumb is None))
    if image:
        body.append(
            f'<div class="embed-image"><img src="{escape(image, quote=True)}" alt=""></div>'
        )
    if thumb:
        body.append(f'<div class="thumb"><img src="{escape(thumb, quote=True)}" alt=""></div>')
    footer = _footer(embed)
    if footer:
        body.append(footer)
    classes = "embed has-image" if image else "embed"
    return f'<div class="{classes}"{style}>{"".join(body)}</div>'


def field_rows(
    fields: Iterable[Mapping[str, Any]], per_row: int = 3
) -> list[list[Mapping[str, Any]]]:
    """Fields laid out as Discord does: up to per_row inline fields share a row."""
    rows: list[list[Mapping[str, Any]]] = []
    current: list[Mapping[str, Any]] = []
    for field in fields:
        if field.get("inline") and len(current) < per_row:
            current.append(field)
            continue
        if current:
            rows.append(current)
            current = []
        if field.get("inline"):
            current.append(field)
        else:
            rows.append([field])
    if current:
        rows.append(current)
    return rows


def _fields(fields: list[Mapping[str, Any]], names: Names, *, wide: bool) -> str:
    rows = []
    for row in field_rows(fields, 3 if wide else 2):
        cells = "".join(
            f'<div class="field"><div class="fname">{inline(str(f.get("name", "")), names)}</div>'
            f'<div class="value">{markdown(str(f.get("value", "")), names)}</div></div>'
            for f in row
        )
        columns = f"grid-template-columns:repeat({len(row)},minmax(0,1fr))"
        rows.append(f'<div class="row-fields" style="{columns}">{cells}</div>')
    return f'<div class="fields">{"".join(rows)}</div>'


def _footer(embed: Mapping[str, Any]) -> str:
    text = str((embed.get("footer") or {}).get("text") or "")
    stamp = _time(embed.get("timestamp")) if embed.get("timestamp") else ""
    if not text and not stamp:
        return ""
    sep = '<span class="sep">•</span>' if text and stamp else ""
    return f'<div class="footer">{escape(text)}{sep}{escape(stamp)}</div>'


def _attachment(attachment: Mapping[str, Any], images: ImageSource) -> str:
    name = str(attachment.get("filename") or "file")
    if str(attachment.get("content_type") or "").startswith("image/"):
        src = escape(images(attachment), quote=True)
        return f'<div class="attachment"><img src="{src}" alt="{escape(name, quote=True)}"></div>'
    size = int(attachment.get("size") or 0)
    shown = f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} bytes"
    return (
        f'<div class="file"><div><a class="link">{escape(name)}</a>'
        f'<div class="fsize">{shown}</div></div></div>'
    )


def _components(rows: list[Mapping[str, Any]], names: Names) -> str:
    out = []
    for row in rows:
        items = row.get("components") or ([row] if row.get("type") != 1 else [])
        out.append(f'<div class="crow">{"".join(_component(c, names) for c in items)}</div>')
    return f'<div class="components">{"".join(out)}</div>'


def _component(component: Mapping[str, Any], names: Names) -> str:
    kind = component.get("type")
    if kind == 2:
        style = BUTTON_STYLES.get(int(component.get("style") or 2), "secondary")
        disabled = " disabled" if component.get("disabled") else ""
        emoji = (component.get("emoji") or {}).get("name") or ""
        label = escape(f"{emoji} " if emoji else "") + escape(str(component.get("label") or ""))
        icon = LINK_ICON if style == "link" else ""
        return f'<span class="button {style}{disabled}" role="button">{label}{icon}</span>'
    if kind in SELECTS:
        return _select(component)
    if kind == 10:
        return (
            f'<div class="modal-text">{markdown(str(component.get("content") or ""), names)}</div>'
        )
    return ""


def _select(component: Mapping[str, Any], chosen: list[str] | None = None) -> str:
    options = component.get("options") or []
    picked = (
        chosen if chosen is not None else [str(o.get("value")) for o in options if o.get("default")]
    )
    labels = [str(o.get("label")) for o in options if str(o.get("value")) in picked]
    hint = component.get("placeholder") or SELECT_HINTS.get(
        int(component.get("type") or 3), "Make a selection"
    )
    text, cls = (", ".join(labels), "select chosen") if labels else (str(hint), "select")
    return f'<div class="{cls}" role="listbox"><span>{escape(text)}</span>{CHEVRON}</div>'


def render_modal(
    modal: Mapping[str, Any],
    *,
    names: Names | None = None,
    values: Mapping[str, Any] | None = None,
    app_name: str = "coalition-bot",
    app_id: int = 0,
) -> str:
    """A form the bot opened, as Discord draws it over the chat; values fill its fields."""
    names = names or {}
    values = values or {}
    body = []
    for row in modal.get("components") or []:
        kind = row.get("type")
        if kind == 10:
            body.append(
                f'<div class="modal-text">{markdown(str(row.get("content") or ""), names)}</div>'
            )
        elif kind == 18:
            body.append(
                _labelled(
                    str(row.get("label") or ""),
                    row.get("description"),
                    row.get("component") or {},
                    values,
                    names,
                )
            )
        elif kind == 1:
            for item in row.get("components") or []:
                body.append(_labelled(str(item.get("label") or ""), None, item, values, names))
    avatar = _avatar(app_name, app_id >> 22, bot=True)
    return (
        '<div class="backdrop"><section class="modal" role="dialog">'
        f'<div class="modal-head">{avatar}<div class="mtitle">'
        f'{escape(str(modal.get("title") or ""))}</div><div class="close">×</div></div>'
        f'<div class="modal-body">{"".join(body)}</div>'
        '<div class="modal-foot"><span class="button cancel">Cancel</span>'
        '<span class="button primary">Submit</span></div></section></div>'
    )


def _labelled(
    label: str,
    description: Any,
    component: Mapping[str, Any],
    values: Mapping[str, Any],
    names: Names,
) -> str:
    kind = component.get("type")
    custom_id = str(component.get("custom_id") or "")
    required = component.get("required", kind == 4)
    head = (
        f'<div class="mlabel">{escape(label)}{"<span class=req>*</span>" if required else ""}</div>'
    )
    desc = f'<div class="mdesc">{inline(str(description), names)}</div>' if description else ""
    given = values.get(custom_id)
    if kind == 4:
        text = str(given if given is not None else component.get("value") or "")
        shown = text or str(component.get("placeholder") or "")
        classes = "input" + (" paragraph" if component.get("style") == 2 else "")
        classes += "" if text else " placeholder"
        field = f'<div class="{classes}">{escape(shown)}</div>'
    elif kind == 23:
        on = bool(given) if given is not None else bool(component.get("default"))
        field = f'<span class="checkbox{" on" if on else ""}">{CHECK if on else ""}</span>'
    elif kind in (*SELECTS, 22):
        field = _select(component, [str(v) for v in given] if given is not None else None)
    else:
        field = ""
    return f"<div>{head}{desc}{field}</div>"


def channel_header(name: str) -> str:
    """The bar at the top of a channel: "# general"."""
    return f'<header class="channel"><span class="hash">#</span>{escape(name)}</header>'


def render_page(parts: Iterable[str], *, title: str = "", channel: str | None = None) -> str:
    """A whole HTML page around rendered messages and modals (and channel bars)."""
    top = channel_header(channel) if channel else ""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width">'
        f"<title>{escape(title or 'localdiscord')}</title><style>{CSS}</style></head>"
        f'<body><main id="chat">{top}{"".join(parts)}</main></body></html>'
    )
