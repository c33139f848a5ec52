"""The public website, served by the real bot when WEB_PORT is set, read over HTTP.

Pages are checked as served (status, headers, the HTML and feed they contain); a real browser
and axe-core are not run here (no browser on the test machine).
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest
from defusedxml import ElementTree as ET

from bot.localdiscord import FakeDiscord
from bot.standards.loader import load_standards
from tests.e2e.conftest import running_bot

pytestmark = pytest.mark.e2e

STANDARDS = Path(__file__).resolve().parents[2] / "content" / "standards"
HOSTILE = '<script>alert("x")</script> & Jane'
ATOM = "{http://www.w3.org/2005/Atom}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def sign(fake: FakeDiscord, user, url: str, name: str) -> None:
    opened = await fake.invoke("pledge sign", user=user, type="youtuber")
    submitted = await fake.submit_modal(
        opened,
        {"pledge:name": name, "pledge:url": url, "pledge:audience": [], "pledge:wall": True},
        user=user,
    )
    await submitted.message()


async def one_verified_one_pending(fake: FakeDiscord) -> None:
    """Two members sign for the same channel (the second with a hostile public name); an admin
    approves the first, so one pledge is verified and one pending."""
    await sign(fake, fake.member, "https://www.youtube.com/@shared", "First")
    other = fake.add_member("second-creator")
    await sign(fake, other, "https://www.youtube.com/@shared", HOSTILE)
    review = await (await fake.invoke("admin pledges review", user=fake.admin)).message()
    approve = next(
        c["custom_id"] for c in review["components"][0]["components"] if c["label"] == "Approve"
    )
    await (await fake.click(review, approve, user=fake.admin)).message()


async def test_pages_with_a_signed_and_an_approved_pledge(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    port = free_port()
    env = {"WEB_PORT": str(port), "WEB_PUBLIC_URL": "https://bot.coalition.example"}
    async with (
        running_bot(fake, tmp_path, env),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as web,
    ):
        # /standards: every section id has its anchor, and the example label shows.
        page = await web.get("/standards")
        assert page.status_code == 200
        assert "script-src" not in page.headers["content-security-policy"]
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-content-type-options"] == "nosniff"
        for section in load_standards(STANDARDS).sections:
            assert f'id="{section.id}"' in page.text, section.id
        assert "Example text — not adopted by the Creators Coalition on AI" in page.text
        assert "<script" not in page.text

        # Citations in /ask link to the site when STANDARDS_BASE_URL is empty.
        asked = await fake.invoke("ask", question="can they train on my videos without asking")
        cited = str((await asked.message())["embeds"][0])
        assert "https://bot.coalition.example/standards#consent-training" in cited

        # A sign-up shows in the counts; a hostile public name is escaped on the wall.
        await one_verified_one_pending(fake)

        counts = (await web.get("/pledges.json")).json()
        assert counts["verified"] == 1 and counts["pending"] == 1
        assert counts["by_type"]["youtuber"] == {"verified": 1, "pending": 1}
        pledges = await web.get("/pledges")
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Jane" in pledges.text
        assert "<script>alert" not in pledges.text
        assert "First" not in pledges.text  # not verified, so not on the wall
        badge = await web.get("/pledges/badge.svg")
        assert badge.headers["content-type"].startswith("image/svg+xml")
        assert "1 creator pledged" in badge.text
        chart = await web.get("/pledges/chart.png")
        assert chart.content.startswith(b"\x89PNG")

        # /alerts and its Atom feed.
        assert (await web.get("/alerts")).status_code == 200
        feed = await web.get("/alerts.atom")
        root = ET.fromstring(feed.content)
        assert root.tag == f"{ATOM}feed"
        assert root.find(f"{ATOM}id") is not None and root.find(f"{ATOM}updated") is not None

        # /healthz: a live bot is healthy once discord.py is ready (it waits for the guilds).
        for _ in range(100):
            health = await web.get("/healthz")
            if health.status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert health.status_code == 200, health.text
        assert health.json()["gateway"] is True and health.json()["database"] is True


async def test_healthz_is_503_when_something_is_down() -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.web.site import HealthReport, Site

    async def down() -> HealthReport:
        return HealthReport(gateway=False, database=True, sources={"govinfo-bills": False})

    site = Site(None, None, None, down)  # type: ignore[arg-type]  # /healthz reads only health
    async with TestClient(TestServer(site.app())) as client:
        response = await client.get("/healthz")
        assert response.status == 503
        assert await response.json() == {
            "ok": False,
            "gateway": False,
            "database": True,
            "sources": {"govinfo-bills": False},
        }
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
