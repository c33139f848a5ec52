"""The emulator's messages and modals as an HTML page in Discord's dark theme.

What the bot sent (content, embeds, attachments, buttons, select menus) and the forms it opened,
drawn the way Discord's desktop client shows them, so a person can read a reply as a member
would: `GET /_view/channels/{id}` on a running emulator, and the README's screenshots
(tests/e2e/test_screenshots.py). All text is escaped; only http(s) links become anchors.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any

from bot.localdiscord.markdown import Names, inline, markdown, timestamp_text

if TYPE_CHECKING:
    from bot.localdiscord.server import FakeDiscord, InteractionRecord

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

CSS = """
:root { color-scheme: dark; }
* { box-sizing: border-box; }
body { margin: 0; background: #313338; color: #dbdee1;
  font: 16px/1.375 "gg sans", "Helvetica Neue", Helvetica, Arial, "DejaVu Sans", sans-serif,
    "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"; }
main { width: 100%; max-width: 820px; padding: 8px 0 16px; }
.channel { display: flex; align-items: center; gap: 8px; height: 48px; padding: 0 16px;
  border-bottom: 1px solid #26282c; box-shadow: 0 1px 0 rgba(4, 4, 5, .2); color: #f2f3f5;
  font-weight: 600; margin: 16px 0 0; }
.channel:first-child { margin-top: -8px; }
.channel .hash { color: #80848e; font-size: 24px; font-weight: 400; }
.msg { position: relative; padding: 2px 48px 2px 72px; margin-top: 17px; min-height: 44px; }
.msg.ephemeral { background: rgba(88, 101, 242, .05); }
.avatar { position: absolute; left: 16px; top: 2px; width: 40px; height: 40px;
  border-radius: 50%; display: flex; align-items: center; justify-content: center;
  color: #fff; font-weight: 700; font-size: 18px; }
.reply { position: relative; display: flex; align-items: center; gap: 4px; height: 22px;
  margin-bottom: 4px; font-size: 14px; color: #949ba4; white-space: nowrap; }
.reply::before { content: ""; position: absolute; left: -36px; top: 10px; width: 33px;
  height: 12px; border: 2px solid #4e5058; border-right: 0; border-bottom: 0;
  border-top-left-radius: 6px; }
.reply .mini { width: 16px; height: 16px; border-radius: 50%; display: inline-block; }
.reply .who { color: #f2f3f5; font-weight: 500; }
.reply .cmd { color: #00a8fc; font-weight: 500; }
.reply .quote { overflow: hidden; text-overflow: ellipsis; color: #b5bac1; margin-left: 2px; }
.reply .quote * { font-size: inherit; }
.head { display: flex; align-items: baseline; gap: 4px; }
.name { color: #f2f3f5; font-weight: 500; }
.app { position: relative; top: -1px; display: inline-flex; align-items: center; gap: 1px;
  height: 15px; padding: 0 4px 0 2px; border-radius: 3px; background: #5865f2; color: #fff;
  font-size: 10px; font-weight: 600; line-height: 15px; text-transform: uppercase; }
.app .icon { width: 12px; height: 12px; }
.time { margin-left: 4px; font-size: 12px; color: #949ba4; }
.content { word-wrap: break-word; }
.content, .desc, .value { white-space: normal; }
.thinking { color: #949ba4; font-style: italic; }
a.link { color: #00a8fc; text-decoration: none; }
strong { font-weight: 700; }
code { padding: .1em .25em; border-radius: 4px; background: #2b2d31; border: 1px solid #1e1f22;
  font: .85em/1.125rem Consolas, "Andale Mono WT", "DejaVu Sans Mono", monospace; }
pre { margin: 6px 0 0; max-width: 90%; }
pre code { display: block; padding: .5em; border-radius: 4px; white-space: pre-wrap;
  font-size: .875rem; line-height: 1.125rem; color: #dbdee1; }
.embed pre code, .embed code { background: #1e1f22; border-color: #1e1f22; }
ul, ol { margin: 4px 0 0 0; padding-left: 24px; }
li { margin-bottom: 4px; }
blockquote { margin: 0; padding: 0 8px 0 12px; border-left: 4px solid #4e5058; }
h1, h2, h3 { margin: 8px 0 8px; color: #f2f3f5; line-height: 1.375em; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; } h3 { font-size: 1rem; }
.subtext { font-size: .8125rem; color: #949ba4; }
.mention { padding: 0 2px; border-radius: 3px; background: rgba(88, 101, 242, .3);
  color: #c9cdfb; font-weight: 500; }
.timestamp { padding: 0 2px; border-radius: 3px; background: rgba(255, 255, 255, .06); }
.embed { display: grid; max-width: 516px; margin-top: 4px; padding: 8px 16px 16px 12px;
  border-radius: 4px; border-left: 4px solid #1e1f22; background: #2b2d31;
  font-size: 14px; line-height: 1.125rem; }
.embed.has-image { max-width: 432px; }
.embed > * { margin-top: 8px; min-width: 0; }
.author { font-size: 14px; font-weight: 600; color: #f2f3f5; }
.title { font-size: 16px; font-weight: 600; color: #f2f3f5; line-height: 1.375rem; }
.title a.link { color: #00a8fc; }
.fields { display: grid; gap: 8px; }
.row-fields { display: grid; gap: 8px 16px; }
.field .fname { font-size: 14px; font-weight: 600; color: #f2f3f5; margin-bottom: 2px; }
.field .value { color: #dbdee1; }
.embed-image img { display: block; max-width: 400px; max-height: 300px; border-radius: 4px; }
.thumb { grid-column: 2; grid-row: 1 / 8; justify-self: end; margin-left: 16px; }
.thumb img { max-width: 80px; max-height: 80px; border-radius: 4px; }
.footer { font-size: 12px; font-weight: 500; color: #dbdee1; line-height: 1rem; }
.footer .sep { margin: 0 4px; }
.attachment img { display: block; max-width: 400px; max-height: 350px; margin-top: 8px;
  border-radius: 8px; }
.file { display: inline-flex; gap: 12px; align-items: center; margin-top: 8px;
  padding: 12px 16px; border-radius: 8px; border: 1px solid #26282c; background: #2b2d31; }
.file .fsize { font-size: 12px; color: #949ba4; }
.components { margin-top: 4px; }
.crow { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.button { display: inline-flex; align-items: center; justify-content: center; gap: 6px;
  min-width: 60px; height: 32px; padding: 2px 16px; border-radius: 8px; border: 0;
  color: #fff; font-size: 14px; line-height: 16px;
  font-weight: 500; font-family: inherit; white-space: nowrap; }
.button .icon { width: 16px; height: 16px; }
.button.primary { background: #5865f2; }
.button.secondary, .button.link { background: #4e5058; }
.button.success { background: #248046; }
.button.danger { background: #da373c; }
.button.premium { background: #b473f5; }
.button.disabled { opacity: .5; }
.select { display: flex; align-items: center; justify-content: space-between; width: 100%;
  max-width: 400px; height: 40px; padding: 8px 8px 8px 12px; border-radius: 8px;
  border: 1px solid #1e1f22; background: #1e1f22; color: #949ba4; font-size: 14px; }
.select.chosen { color: #dbdee1; }
.select .icon, .button .icon { flex: none; }
.select .icon { width: 24px; height: 24px; color: #b5bac1; }
.note { display: flex; align-items: center; gap: 4px; margin-top: 4px; font-size: 12px;
  color: #949ba4; }
.note .icon { width: 16px; height: 16px; }
.note a { color: #00a8fc; }
main > .backdrop:first-child { margin-top: -8px; }
main > .backdrop:last-child { margin-bottom: -16px; }
.backdrop { margin-top: 17px; padding: 32px 0; display: flex; justify-content: center;
  background: rgba(0, 0, 0, .6); }
.modal { width: 488px; border-radius: 8px; background: #313338; overflow: hidden;
  box-shadow: 0 0 0 1px rgba(0, 0, 0, .1), 0 8px 24px rgba(0, 0, 0, .35); }
.modal .select { max-width: none; }
.modal-head { display: flex; align-items: center; gap: 12px; padding: 16px 16px 0; }
.modal-head .avatar { position: static; width: 24px; height: 24px; font-size: 12px; }
.modal-head .mtitle { flex: 1; color: #f2f3f5; font-size: 20px; line-height: 24px;
  font-weight: 600; }
.modal-head .close { color: #b5bac1; font-size: 22px; line-height: 24px; }
.modal-body { padding: 16px 16px 8px; }
.modal-body > * { margin-bottom: 20px; }
.modal-text { font-size: 14px; line-height: 1.25rem; }
.mlabel { color: #f2f3f5; font-size: 16px; font-weight: 600; margin-bottom: 2px; }
.mlabel .req { color: #f23f42; margin-left: 2px; }
.mdesc { color: #b5bac1; font-size: 14px; line-height: 1.125rem; margin-bottom: 8px; }
.input { width: 100%; min-height: 40px; padding: 10px; border-radius: 8px;
  border: 1px solid #1e1f22; background: #1e1f22; font-size: 16px; line-height: 20px;
  color: #dbdee1; white-space: pre-wrap; word-wrap: break-word; }
.input.paragraph { min-height: 80px; }
.input.placeholder { color: #6d6f78; }
.checkbox { display: inline-flex; align-items: center; justify-content: center; width: 24px;
  height: 24px; border-radius: 6px; border: 1px solid #80848e; color: #fff; }
.checkbox.on { background: #5865f2; border-color: #5865f2; }
.checkbox .icon { width: 18px; height: 18px; }
.modal-foot { display: flex; justify-content: flex-end; gap: 8px; padding: 16px;
  background: #2b2d31; }
.modal-foot .cancel { background: transparent; }
.icon { display: inline-block; vertical-align: middle; }
"""


def names_of(fake: FakeDiscord) -> dict[str, str]:
    """Channel, role and member names by id, for mentions."""
    names = {str(c.id): c.name for g in fake.guilds.values() for c in g.channels.values()}
    names.update({str(r.id): r.name for g in fake.guilds.values() for r in g.roles.values()})
    names.update(
        {str(m.user.id): m.user.username for g in fake.guilds.values() for m in g.members.values()}
    )
    return names


def inline_images(fake: FakeDiscord) -> ImageSource:
    """Attachments as data: URIs, so a saved page shows them without the emulator running."""

    def source(attachment: Mapping[str, Any]) -> str:
        data = fake.attachment_bytes(attachment)
        kind = attachment.get("content_type") or "application/octet-stream"
        return f"data:{kind};base64,{base64.b64encode(data).decode()}"

    return source


def _hosted(attachment: Mapping[str, Any]) -> str:
    return str(attachment.get("url") or "")


def _avatar(name: str, key: int, *, label: str | None = None, bot: bool = False) -> str:
    colour = BOT_COLOUR if bot else AVATAR_COLOURS[key % len(AVATAR_COLOURS)]
    letter = escape((label or name[:1] or "?").upper())
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
    images: ImageSource = _hosted,
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
        title = inline(str(embed["title"]), names)
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


# --------------------------------------------------------------------------- the emulator's side
def command_path(data: Mapping[str, Any]) -> str:
    """ "/pledge sign" from an application command's data."""
    words = [str(data.get("name", ""))]
    options = data.get("options") or []
    while options and options[0].get("type") in (1, 2):
        words.append(str(options[0].get("name", "")))
        options = options[0].get("options") or []
    return "/" + " ".join(words)


def source_of(fake: FakeDiscord, message: Mapping[str, Any]) -> InteractionRecord | None:
    """The interaction a message answered, if any."""
    for record in fake.interactions.values():
        if record.original is message or any(f is message for f in record.followups):
            return record
    return None


def what_was_done(fake: FakeDiscord, record: InteractionRecord, depth: int = 0) -> str:
    """The command behind an interaction: its own, or the one behind a button or form."""
    kind, data = record.payload["type"], record.payload["data"]
    if kind == 2 or depth > 5:
        return command_path(data)
    if kind == 3:
        parent = source_of(fake, record.payload.get("message") or {})
        if parent is None:
            for candidate in fake.interactions.values():
                stored = candidate.original or {}
                if stored.get("id") == (record.payload.get("message") or {}).get("id"):
                    parent = candidate
        return what_was_done(fake, parent, depth + 1) if parent else "a button"
    if kind == 5:
        for candidate in reversed(list(fake.interactions.values())):
            callback = candidate.callback or {}
            if (
                candidate.id < record.id
                and callback.get("type") == 9
                and callback.get("data", {}).get("custom_id") == data.get("custom_id")
            ):
                return what_was_done(fake, candidate, depth + 1)
    return "a form"


def _invoked(fake: FakeDiscord, record: InteractionRecord | None) -> tuple[str, int, str] | None:
    if record is None or record.payload["type"] == 3:
        return None
    user = record.payload["member"]["user"]
    return str(user["username"]), int(user["id"]) >> 22, what_was_done(fake, record)


def _clicked(record: InteractionRecord | None) -> Mapping[str, Any] | None:
    """The message whose button or menu an interaction came from."""
    if record is None or record.payload["type"] != 3:
        return None
    return record.payload.get("message")


def message_html(
    fake: FakeDiscord, message: Mapping[str, Any], *, inline_files: bool = True
) -> str:
    """A stored message of the emulator, with the interaction it answered."""
    record = source_of(fake, message)
    return render_message(
        message,
        names=names_of(fake),
        images=inline_images(fake) if inline_files else _hosted,
        invoked=_invoked(fake, record),
        replying_to=_clicked(record),
    )


def modal_html(
    fake: FakeDiscord, record: InteractionRecord, values: Mapping[str, Any] | None = None
) -> str:
    """The form the bot opened in answer to record (filled with values, if given)."""
    callback = record.callback or {}
    assert callback.get("type") == 9, "that interaction did not open a form"
    return render_modal(
        callback["data"],
        names=names_of(fake),
        values=values,
        app_name=fake.bot_user.username,
        app_id=fake.bot_user.id,
    )


def submitted_values(fake: FakeDiscord, record: InteractionRecord) -> dict[str, Any] | None:
    """What the user typed into the form record opened, once they submitted it."""
    custom_id = ((record.callback or {}).get("data") or {}).get("custom_id")
    user = record.payload["member"]["user"]["id"]
    for later in fake.interactions.values():
        data = later.payload["data"]
        if (
            later.payload["type"] == 5
            and later.id > record.id
            and data.get("custom_id") == custom_id
            and later.payload["member"]["user"]["id"] == user
        ):
            values: dict[str, Any] = {}
            for row in data.get("components") or []:
                for item in row.get("components") or [row.get("component") or {}]:
                    if "custom_id" in item:
                        values[item["custom_id"]] = item.get("values", item.get("value"))
            return values
    return None


def channel_html(fake: FakeDiscord, channel_id: int, *, inline_files: bool = False) -> str:
    """Everything in a channel, oldest first: messages (ephemeral ones too) and opened forms."""
    entries: list[tuple[int, str]] = [
        (int(m["id"]), message_html(fake, m, inline_files=inline_files))
        for m in fake.channel_messages(channel_id, include_ephemeral=True)
    ]
    for record in fake.interactions.values():
        if record.channel_id == channel_id and (record.callback or {}).get("type") == 9:
            entries.append((record.id, modal_html(fake, record, submitted_values(fake, record))))
    entries.sort(key=lambda entry: entry[0])
    channel = fake._find_channel(channel_id)  # noqa: SLF001 - the emulator's own view
    name = channel.name if channel else str(channel_id)
    return render_page([html for _, html in entries], title=f"#{name}", channel=name)
