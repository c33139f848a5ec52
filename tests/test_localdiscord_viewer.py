"""The local Discord's viewer: Discord markdown as escaped HTML, embeds, components and forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.localdiscord.markdown import inline, markdown, timestamp_text
from bot.localdiscord.viewer import field_rows, render_message, render_modal, render_page

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
NAMES = {"1": "general", "2": "Moderator", "3": "alex-creator"}
BOT = {"id": "99", "username": "coalition-bot", "bot": True}


def tags(html: str) -> set[str]:
    return set(re.findall(r"<([a-z0-9]+)[\s>]", html))


def test_untrusted_text_is_escaped_everywhere_it_can_appear() -> None:
    message = {
        "author": {**BOT, "username": HOSTILE},
        "content": HOSTILE,
        "embeds": [
            {
                "title": HOSTILE,
                "url": 'https://example.org/"><script>',
                "author": {"name": HOSTILE},
                "description": HOSTILE,
                "fields": [{"name": HOSTILE, "value": HOSTILE, "inline": True}],
                "footer": {"text": HOSTILE},
                "color": 0x2B6CB0,
            }
        ],
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 1, "label": HOSTILE, "custom_id": "a"},
                    {"type": 3, "custom_id": "b", "placeholder": HOSTILE, "options": []},
                ],
            }
        ],
        "attachments": [{"id": "5", "filename": HOSTILE, "size": 10, "url": "javascript:x"}],
    }
    modal = {
        "title": HOSTILE,
        "components": [
            {"type": 10, "content": HOSTILE},
            {
                "type": 18,
                "label": HOSTILE,
                "description": HOSTILE,
                "component": {"type": 4, "custom_id": "c", "placeholder": HOSTILE},
            },
        ],
    }
    page = render_page([render_message(message), render_modal(modal)], title=HOSTILE)
    assert "<script" not in page and "<img src=x" not in page and "javascript:" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page or (
        '&lt;script&gt;alert("x")&lt;/script&gt;' in page
    )
    assert 'href="https://example.org/&quot;&gt;&lt;script&gt;"' in page
    titled = render_message(
        {"embeds": [{"title": "[x](https://a.example)", "url": "https://b.example"}]}
    )
    assert titled.count("<a ") == 1  # a title is one link; no link inside it
    assert tags(page) <= {
        "html", "head", "meta", "title", "style", "body", "main", "article", "div", "span",
        "svg", "path", "a", "section",
    }  # fmt: skip


def test_markdown_subset() -> None:
    html = markdown(
        "**Bold** *it* _also_ __under__ ~~gone~~ `co<de>`\n"
        "- one\n- [two](https://example.org/a?b=1&c=2)\n"
        "1. first\n2. second\n"
        "> quoted\n"
        "<#1> <@&2> <@3> <@404> </ask:123> @everyone <https://example.org/x>\n"
        "```\nCCAI-<CODE>\n```\n"
        "\\*not italic\\* [bad](javascript:alert(1))"
    )
    assert "<strong>Bold</strong> <em>it</em> <em>also</em> <u>under</u> <s>gone</s>" in html
    assert "<code>co&lt;de&gt;</code>" in html
    assert '<ul><li>one</li><li><a class="link" href="https://example.org/a?b=1&amp;c=2"' in html
    assert "<ol><li>first</li><li>second</li></ol>" in html
    assert "<blockquote>quoted</blockquote>" in html
    assert '<span class="mention">@everyone</span>' in html
    assert markdown("write to me@here.com") == "write to me@here.com"  # an address, no pill
    assert '<a class="link" href="https://example.org/x"' in html
    assert "<pre><code>CCAI-&lt;CODE&gt;</code></pre>" in html
    assert "*not italic*" in html  # escaped stars stay stars
    assert 'href="javascript' not in html


def test_mentions_are_named_pills() -> None:
    html = markdown("<#1> <@&2> <@3> <@404> </pledge sign:9>", NAMES)
    assert re.findall(r'<span class="mention">([^<]+)</span>', html) == [
        "#general",
        "@Moderator",
        "@alex-creator",
        "@unknown-user",
        "/pledge sign",
    ]


def test_timestamps_read_as_dates_in_every_style() -> None:
    moment = int(datetime(2026, 11, 28, 16, 5, 9, tzinfo=UTC).timestamp())
    assert timestamp_text(moment, "D") == "November 28, 2026"
    assert timestamp_text(moment, "d") == "11/28/2026"
    assert timestamp_text(moment, "t") == "4:05 PM"
    assert timestamp_text(moment, "T") == "4:05:09 PM"
    assert timestamp_text(moment, None) == "November 28, 2026 4:05 PM"
    assert timestamp_text(moment, "F") == "Saturday, November 28, 2026 4:05 PM"
    now = datetime(2026, 11, 30, 16, 5, tzinfo=UTC)
    assert timestamp_text(moment, "R", now) == "2 days ago"
    html = inline(f"✅ Verified <t:{moment}:D> — <t:{moment}:R>")
    assert "<t:" not in html and "&lt;t:" not in html
    assert '<span class="timestamp">November 28, 2026</span>' in html


def test_fields_share_rows_as_discord_lays_them_out() -> None:
    fields = [
        {"name": "a", "inline": True},
        {"name": "b", "inline": True},
        {"name": "c", "inline": True},
        {"name": "d", "inline": True},
        {"name": "e", "inline": False},
        {"name": "f", "inline": True},
    ]
    rows = [[f["name"] for f in row] for row in field_rows(fields)]
    assert rows == [["a", "b", "c"], ["d"], ["e"], ["f"]]
    assert [[f["name"] for f in row] for row in field_rows(fields, 2)] == [
        ["a", "b"],
        ["c", "d"],
        ["e"],
        ["f"],
    ]


def test_an_ephemeral_reply_with_buttons_and_an_embed_image() -> None:
    message = {
        "id": "7",
        "author": BOT,
        "flags": 64,
        "content": "Signed",
        "embeds": [
            {"title": "Count", "image": {"url": "attachment://chart.png"}, "color": 0xE67E22}
        ],
        "attachments": [
            {"id": "1", "filename": "chart.png", "content_type": "image/png", "url": "u"}
        ],
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 1, "label": "Check my channel", "custom_id": "x"},
                    {"type": 2, "style": 5, "label": "Open", "url": "https://example.org"},
                    {"type": 2, "style": 4, "label": "Delete", "custom_id": "y", "disabled": True},
                ],
            }
        ],
    }
    html = render_message(
        message, images=lambda a: f"data:image/png;base64,{a['id']}", invoked=("alex", 3, "/pledge")
    )
    assert 'class="button primary" role="button">Check my channel' in html
    assert 'class="button link" role="button">Open<svg' in html
    assert 'class="button danger disabled"' in html
    assert "border-left-color:#e67e22" in html
    assert html.count('src="data:image/png;base64,1"') == 1  # in the embed, not again below
    assert "Only you can see this" in html
    assert '<span class="who">alex</span> used <span class="cmd">/pledge</span>' in html
