"""What members see, drawn as Discord draws it: an alert, an answer and the pledge flow.

The real bot answers through the local Discord; bot/localdiscord/pages.py and viewer.py turn
what it holds into a page in Discord's dark theme, the test checks that page, and headless
Chromium (Debian's package; .ci/run installs it) photographs it. `SCREENSHOTS_TO=docs` writes
the README's images:

    SCREENSHOTS_TO=docs .venv/bin/python -m pytest tests/e2e/test_screenshots.py

Emoji need an emoji font (Debian: fonts-noto-color-emoji). Without Chromium the page checks run
and the photograph is skipped.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import httpx
import pytest
from aiohttp import web

from bot.localdiscord import FakeDiscord, InteractionRecord, User
from bot.localdiscord.pages import channel_html, message_html, modal_html
from bot.localdiscord.viewer import channel_header, render_page
from tests.e2e.conftest import running_bot
from tests.localserver import LocalServer
from tests.pages import PlatformPages

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parent.parent / "fixtures" / "pledges"
CODE = re.compile(r"CCAI-[A-Z0-9]{8}")
EXAMPLE = "Example text — not adopted by the Creators Coalition on AI"
WIDTH = 800


# --------------------------------------------------------------------------- photographs
async def photograph(html: str, name: str, tmp_path: Path, part: str = "#chat") -> None:
    """Screenshot a part of the page (the chat column); copy it to $SCREENSHOTS_TO."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (.ci/run installs it): the page was checked only")
    from playwright.async_api import async_playwright

    page_file = tmp_path / f"{name}.html"
    page_file.write_text(html)
    shot = tmp_path / f"screen-{name}.png"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": WIDTH, "height": 600})
            await page.goto(page_file.as_uri())
            # Every image (the pledge chart) loaded, and nothing is wider than the column.
            broken = await page.eval_on_selector_all(
                "img", "imgs => imgs.filter(i => !i.complete || i.naturalWidth === 0).length"
            )
            assert broken == 0
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= WIDTH
            await page.locator(part).screenshot(path=str(shot))
        finally:
            await browser.close()
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG")
    if target := os.environ.get("SCREENSHOTS_TO"):
        (Path(target) / shot.name).write_bytes(optimised(png))


def optimised(png: bytes) -> bytes:
    """A smaller PNG of the same picture: a 256-colour palette (the theme has few colours)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, "PNG", optimize=True
    )
    return out.getvalue()


def checked(html: str) -> str:
    """What every rendered page must be: no raw Discord syntax or markup left over."""
    assert "<t:" not in html and "&lt;t:" not in html, "a timestamp was not drawn as a date"
    assert "&lt;@" not in html and "&lt;#" not in html, "a mention was not drawn as a pill"
    assert "**" not in html and "](" not in html, "markdown was left as text"
    assert "<script" not in html
    return html


def buttons(html: str) -> list[str]:
    return re.findall(r'<span class="button [^"]*" role="button">([^<]*)', html)


# --------------------------------------------------------------------------- an alert
class OpenStatesApi(LocalServer):
    """Open States' /bills search, answering with `results` (shaped as API v3 returns them)."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[dict[str, Any]] = []

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/bills", self._bills)

    async def _bills(self, _request: web.Request) -> web.Response:
        body = {"results": self.results, "pagination": {"page": 1, "max_page": 1}}
        return web.Response(text=json.dumps(body), content_type="application/json")


def state_bill(
    state: str, number: str, title: str, action: str, abstract: str, days_ago: int
) -> dict[str, Any]:
    """A bill as Open States lists it, its latest action `days_ago` days back."""
    now = datetime.now(UTC)
    slug = number.replace(" ", "")
    return {
        "id": f"ocd-bill/{state}-{slug}",
        "jurisdiction": {"id": f"ocd-jurisdiction/country:us/state:{state}/government"},
        "identifier": number,
        "title": title,
        "subject": [],
        "updated_at": now.isoformat(),
        "openstates_url": f"https://openstates.org/{state}/bills/2025/{slug}/",
        "latest_action_date": (now - timedelta(days=days_ago)).date().isoformat(),
        "latest_action_description": action,
        "abstracts": [{"abstract": abstract}],
    }


# Made-up sample bills (the README says so under the picture), worded as state bills are.
BILLS = [
    state_bill(
        "ca",
        "AB 1290",
        "Creative Works Training Transparency Act.",
        "From committee: Do pass and re-refer to Com. on JUD. (Ayes 10. Noes 2.)",
        "This bill would require a developer of a generative artificial intelligence model to "
        "document the copyrighted works it used to train the model. The bill would also "
        "require the developer to publish that documentation.",
        1,
    ),
    state_bill(
        "ny",
        "S 5120",
        "Digital replicas of performers; consent and compensation.",
        "SIGNED CHAP.812",
        "Requires written consent from a performer before a digital replica of the performer's "
        "voice or likeness is created with artificial intelligence.",
        2,
    ),
    state_bill(
        "il",
        "HB 4875",
        "Voice and likeness protection for musicians.",
        "Referred to Rules Committee",
        "Protects a musician's voice from voice cloning technology.",
        3,
    ),
]


@pytest.fixture
async def openstates() -> AsyncIterator[OpenStatesApi]:
    async with OpenStatesApi() as server:
        yield server


async def poll(fake: FakeDiscord) -> str:
    result = await fake.invoke("admin alerts poll", user=fake.admin, source="openstates")
    return (await result.message(timeout=15))["content"]


async def test_an_alert_and_a_digest(
    fake: FakeDiscord, tmp_path: Path, openstates: OpenStatesApi
) -> None:
    digest_channel = fake.add_channel("alerts-digest")
    env = {
        "ALERTS_SOURCES": "openstates",
        "OPENSTATES_API_URL": f"http://127.0.0.1:{openstates.port}",
        "OPENSTATES_API_KEY": "local-test-key",
        "ALERTS_DIGEST_HOUR": "0",  # passed already today: the digest goes out at once
    }
    alerts = fake.channel("ai-alerts")
    async with running_bot(fake, tmp_path, env):
        for channel, mode in ((alerts, "immediate"), (digest_channel, "daily")):
            subscribed = await fake.invoke(
                "admin alerts subscribe", user=fake.admin, options={"channel": channel}, mode=mode
            )
            await subscribed.message()
        assert "first poll" in await poll(fake)  # seeds silently
        openstates.results = BILLS
        assert "3 new, 0 updated, 0 unchanged; 6 alert(s) queued" in await poll(fake)
        await fake.wait_for(
            lambda: (
                len(fake.channel_messages(alerts)) == 3 and fake.channel_messages(digest_channel)
            ),
            15,
            "three alerts and a digest",
        )
        # The emulator serves the same page to a person at /_view/channels/{id}.
        async with httpx.AsyncClient() as client:
            served = await client.get(f"http://127.0.0.1:{fake.port}/_view/channels/{alerts.id}")
        assert served.status_code == 200
        assert "Creative Works Training Transparency Act. — CA AB 1290" in served.text
        assert "script-src" not in served.headers["Content-Security-Policy"]

    alert = next(m for m in fake.channel_messages(alerts) if "AB 1290" in m["embeds"][0]["title"])
    (digest,) = fake.channel_messages(digest_channel)
    html = checked(
        render_page(
            [
                channel_header("ai-alerts"),
                message_html(fake, alert),
                channel_header("alerts-digest"),
                message_html(fake, digest),
            ]
        )
    )
    assert '<a class="link" href="https://openstates.org/ca/bills/2025/AB1290/">' in html
    assert "Creative Works Training Transparency Act. — CA AB 1290</a>" in html
    assert "This bill would require a developer of a generative artificial intelligence" in html
    assert "Passed committee 10–2" in html
    assert "Creators · generative AI · copyright · training data" in html
    assert "Daily alerts digest" in html and "Digital replicas of performers" in html
    assert "border-left-color:#2b6cb0" in html  # a bill's colour bar
    assert buttons(html) == ["Not relevant"]
    await photograph(html, "alert", tmp_path)


# --------------------------------------------------------------------------- an answer
async def test_an_answer_and_a_private_decline(fake: FakeDiscord, tmp_path: Path) -> None:
    help_channel = fake.add_channel("ask-a-human")
    env = {
        "STANDARDS_BASE_URL": "https://example.org/standards",
        "STANDARDS_HELP_CHANNEL_ID": str(help_channel.id),
    }
    async with running_bot(fake, tmp_path, env):
        asked = await fake.invoke(
            "ask", question="Can a company train AI on my videos without asking?"
        )
        answer = await asked.message()
        declined = await fake.invoke("ask", question="How do I grow my YouTube channel faster?")
        decline = await declined.message()
    assert not asked.ephemeral and declined.ephemeral

    html = checked(
        render_page([message_html(fake, answer), message_html(fake, decline)], channel="general")
    )
    assert 'class="cmd">/ask</span>' in html
    assert "Consent before training</a>" in html
    assert 'href="https://example.org/standards#consent-training"' in html
    assert EXAMPLE in html
    assert "The standards don&#x27;t cover that" in html or "The standards don't cover that" in html
    assert html.count('<div class="note">') == 1  # "Only you can see this": the decline
    assert '<span class="mention">#ask-a-human</span>' in html
    assert {"Show full section", "Helpful", "Not helpful"} <= set(buttons(html))
    await photograph(html, "answer", tmp_path)


# --------------------------------------------------------------------------- the pledge flow
@pytest.fixture
async def pages() -> AsyncIterator[PlatformPages]:
    async with PlatformPages() as server:
        yield server


def youtube_page(code: str) -> str:
    return (FIXTURES / "youtube" / "channel.html").read_text().replace("{CODE}", code)


async def sign(
    fake: FakeDiscord, user: User, kind: str, name: str, link: str
) -> tuple[InteractionRecord, dict[str, Any], dict[str, Any]]:
    """Sign as user: the opened form, the values typed, and the reply."""
    opened = await fake.invoke("pledge sign", user=user, type=kind)
    values = {
        "pledge:name": name,
        "pledge:url": link,
        "pledge:audience": ["10k–100k"],
        "pledge:wall": True,
    }
    submitted = await fake.submit_modal(opened, values, user=user)
    return opened, values, await submitted.message()


async def earlier_signers(fake: FakeDiscord, pages: PlatformPages) -> list[int]:
    """Eleven other creators sign and verify, so the count has a history to draw."""
    signers = []
    for n in range(11):
        user = fake.add_member(f"creator-{n}")
        if n % 3:
            handle = f"maker{n}"
            _, _, reply = await sign(
                fake, user, "youtuber", f"Maker {n}", f"https://www.youtube.com/@{handle}"
            )
            found = CODE.search(reply["content"])
            assert found is not None
            pages.pages[f"/yt/@{handle}/about"] = youtube_page(found[0])
        else:
            _, _, reply = await sign(fake, user, "other", f"Writer {n}", pages.url(f"/w{n}"))
            found = CODE.search(reply["content"])
            assert found is not None
            pages.pages[f"/w{n}"] = f"<p>I signed the pledge: {found[0]}</p>"
        verified = await fake.invoke("pledge verify", user=user)
        assert "verified" in (await verified.message())["content"]
        signers.append(user.id)
    return signers


async def spread_over_weeks(database: Path, user_ids: list[int]) -> None:
    """Date the earlier signers' verifications over the past six weeks, as a real count grows."""
    now = datetime.now(UTC)
    async with aiosqlite.connect(database) as db:
        await db.execute("PRAGMA busy_timeout = 5000")
        for n, user_id in enumerate(user_ids):
            when = (now - timedelta(days=42 - 4 * n)).isoformat()
            await db.execute(
                "UPDATE pledges SET verified_at = ? WHERE user_id = ?", (when, user_id)
            )
        await db.commit()


async def test_the_pledge_flow(fake: FakeDiscord, tmp_path: Path, pages: PlatformPages) -> None:
    env = {
        "PLEDGE_ALLOW_LOCAL_URLS": "true",
        "PLEDGE_ROLE_ID": str(fake.pledged_role.id),
        "YOUTUBE_BASE_URL": pages.url("/yt"),
    }
    async with running_bot(fake, tmp_path, env):
        others = await earlier_signers(fake, pages)
        await spread_over_weeks(tmp_path / "data" / "coalition.db", others)

        opened, typed, signed = await sign(
            fake, fake.member, "youtuber", "Alex Makes Videos", "https://www.youtube.com/@alexmakes"
        )
        found = CODE.search(signed["content"])
        assert found is not None
        pages.pages["/yt/@alexmakes/about"] = youtube_page(found[0])
        checked_channel = await fake.click(signed, "pledge:check")
        verified = await checked_channel.message()
        status = await (await fake.invoke("pledge status")).message()
        count = await (await fake.invoke("pledge count")).message()

    form = checked(render_page([modal_html(fake, opened, typed)]))
    assert "Sign the creators&#x27; pledge" in form or "Sign the creators' pledge" in form
    assert EXAMPLE in form and "never shown publicly" in form
    assert "Alex Makes Videos" in form and 'class="checkbox on"' in form

    flow = [message_html(fake, m) for m in (signed, verified, status, count)]
    html = checked(render_page(flow, channel="general"))
    assert "Signed — one step left" in html and found[0] in html
    assert "Check my channel" in buttons(html) and "Details" in buttons(html)
    assert "✅ Verified" in html and '<span class="timestamp">' in html
    assert "verified creators" in html
    assert '<div class="fname">YouTubers</div>' in html  # as the chart's legend says
    assert 'src="data:image/png;base64,' in html  # the chart, inside the embed
    assert html.count('<div class="note">') == 3  # "Only you can see this": all but the count

    # The channel's own view (GET /_view/channels/{id}) shows the form as it was submitted,
    # just before the reply to it.
    channel = checked(channel_html(fake, fake.channel("general").id))
    submitted = channel.index('<div class="input">https://www.youtube.com/@alexmakes</div>')
    assert submitted < channel.index(found[0]) < channel.index("Your pledge")

    await photograph(form, "pledge-form", tmp_path, ".backdrop")
    await photograph(html, "pledge", tmp_path)
