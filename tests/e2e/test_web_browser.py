"""The website in headless Chromium (Debian's package; .ci/run installs it): the rendered DOM.

Skipped where Chromium is not installed. Screenshots at phone width are taken too; the ones in
docs/ were made this way.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import httpx
import pytest

from bot.localdiscord import FakeDiscord
from bot.standards.loader import load_standards
from tests.e2e.conftest import running_bot
from tests.e2e.test_web import STANDARDS, free_port, one_verified_one_pending, sign

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)"),
]


async def chromium(*args: str) -> str:
    assert CHROMIUM is not None
    proc = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",  # tests run as root in CI
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0
    return out.decode()


async def test_pages_render_in_chromium(fake: FakeDiscord, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"WEB_PORT": str(port), "WEB_PUBLIC_URL": base}
    async with running_bot(fake, tmp_path / "bot", env):
        await one_verified_one_pending(fake)

        standards = await chromium("--dump-dom", f"{base}/standards")
        for section in load_standards(STANDARDS).sections:
            assert f'id="{section.id}"' in standards, section.id
        assert "Example text — not adopted by the Creators Coalition on AI" in standards

        pledges = await chromium("--dump-dom", f"{base}/pledges")
        assert '<strong id="verified">1</strong>' in pledges
        assert '<strong id="pending">1</strong>' in pledges
        # The hostile name is text on the page, not markup.
        assert '&lt;script&gt;alert("x")&lt;/script&gt; &amp; Jane' in pledges
        assert "<script" not in pledges

        alerts = await chromium("--dump-dom", f"{base}/alerts")
        assert 'href="/alerts.atom"' in alerts

        async with httpx.AsyncClient(base_url=base) as web:
            assert (await web.get("/alerts.atom")).status_code == 200

        for page in ("standards", "pledges", "alerts"):
            shot = tmp_path / f"{page}.png"
            await chromium(f"--screenshot={shot}", "--window-size=412,900", f"{base}/{page}")
            assert shot.read_bytes().startswith(b"\x89PNG")
            if os.environ.get("SCREENSHOTS_TO"):
                shutil.copy(shot, Path(os.environ["SCREENSHOTS_TO"]) / f"web-{page}.png")


async def test_no_serious_accessibility_violations(fake: FakeDiscord, tmp_path: Path) -> None:
    """axe-core in the same Chromium, at phone width, finds nothing serious or critical."""
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    assert CHROMIUM is not None
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with (
        running_bot(fake, tmp_path, {"WEB_PORT": str(port)}),
        async_playwright() as playwright,
    ):
        await sign(fake, fake.member, "https://www.youtube.com/@someone", "Someone")
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            # axe is injected by the test; the site's own CSP allows no script at all.
            context = await browser.new_context(
                viewport={"width": 412, "height": 900}, bypass_csp=True
            )
            page = await context.new_page()
            axe = Axe()
            found = {}
            for path in ("/standards", "/pledges", "/alerts"):
                response = await page.goto(base + path)
                assert response is not None and response.status == 200
                results = await axe.run(page)
                found[path] = [
                    (v["id"], v["impact"])
                    for v in results.response["violations"]
                    if v["impact"] in ("serious", "critical")
                ]
                assert results.response["testEngine"]["name"] == "axe-core"  # it really ran
        finally:
            await browser.close()
    assert found == {"/standards": [], "/pledges": [], "/alerts": []}
