"""The emulator's channels, messages and forms as viewer pages: who did what, and what it drew.

`GET /_view/channels/{id}` on a running emulator, and tests/e2e/test_screenshots.py (the
README's pictures), render through here.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.localdiscord.viewer import ImageSource, hosted, render_message, render_modal, render_page

if TYPE_CHECKING:
    from bot.localdiscord.server import FakeDiscord, InteractionRecord


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
        images=inline_images(fake) if inline_files else hosted,
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
