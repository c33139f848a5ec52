"""/pledge count through the emulator: the headline and the chart count the same signers."""

from __future__ import annotations

import struct
import zlib

import pytest

from bot.localdiscord import BotProcess, FakeDiscord

# The pledge fixtures: the bot with the example standards, and local creator pages.
from tests.e2e.test_pledges import bot, pages, sign  # noqa: F401
from tests.pages import CreatorPages

pytestmark = pytest.mark.e2e


def png_text(png: bytes) -> dict[str, str]:
    """The tEXt chunks of a PNG (key → text)."""
    found, at = {}, 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        if kind == b"tEXt":
            key, _, text = body.partition(b"\0")
            found[key.decode("latin-1")] = text.decode("latin-1")
        at += 12 + length
        assert zlib.crc32(kind + body) == struct.unpack(">I", png[at - 4 : at])[0]
    return found


async def test_the_chart_is_drawn_by_matplotlib_and_counts_what_the_headline_counts(
    fake: FakeDiscord,
    bot: BotProcess,  # noqa: F811
    pages: CreatorPages,  # noqa: F811
) -> None:
    _, code = await sign(fake, fake.member, pages.url("/alex"))
    pages.pages["/alex"] = f"<p>Pledge: {code}</p>"
    await (await fake.invoke("pledge verify")).message()
    await sign(fake, fake.add_member("Sam"), pages.url("/sam"), name="Sam")  # stays pending

    count = await (await fake.invoke("pledge count")).message()
    headline = count["embeds"][0]["description"]
    assert headline == "**1** verified creators · +1 this week · 1 waiting to verify"
    (chart,) = count["attachments"]
    png = fake.attachment_bytes(chart)
    assert png.startswith(b"\x89PNG")
    assert struct.unpack(">II", png[16:24]) == (800, 400)  # readable at embed size
    text = png_text(png)
    assert text["Software"].startswith("Matplotlib")
    assert text["Title"] == "Verified pledges over time (1)"  # verified only, as the headline
    assert count["embeds"][0]["image"]["url"] == "attachment://pledges.png"
