"""The public website: standards, pledge counts and wall, alerts and their Atom feed, health.

Read-only; it shows nothing personal beyond what signers chose to show (public name and creator
type of verified signers who opted in to the wall). Pages are rendered with Jinja2 with
autoescaping; every response carries security headers (a CSP with no inline script or style).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jinja2
from aiohttp import web
from markupsafe import Markup

from bot import __version__
from bot.alerts.service import AlertService
from bot.pledges.service import PledgeService
from bot.standards.service import StandardsService
from bot.ui.example import example_label

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
CACHE_SECONDS = 30.0
WALL_LIMIT = 500
ALERTS_LIMIT = 50
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self'; style-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-site",
}


@dataclass(frozen=True, slots=True)
class HealthReport:
    """What /healthz says: gateway, database, and each alert source."""

    gateway: bool
    database: bool
    sources: dict[str, bool]

    @property
    def ok(self) -> bool:
        return self.gateway and self.database


class _Cache:
    """A value per key, recomputed at most every CACHE_SECONDS."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._values: dict[str, tuple[float, Any]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, key: str, make: Callable[[], Awaitable[Any]]) -> Any:
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            hit = self._values.get(key)
            if hit is not None and time.monotonic() - hit[0] < self.seconds:
                return hit[1]
            value = await make()
            self._values[key] = (time.monotonic(), value)
            return value


class Site:
    """The website's pages over the bot's services."""

    def __init__(
        self,
        standards: StandardsService,
        pledges: PledgeService,
        alerts: AlertService,
        health: Callable[[], Awaitable[HealthReport]],
        *,
        public_url: str | None = None,
    ) -> None:
        self.standards = standards
        self.pledges = pledges
        self.alerts = alerts
        self.health = health
        self.public_url = (public_url or "").rstrip("/")
        self.cache = _Cache()
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # ------------------------------------------------------------------ serving
    def app(self) -> web.Application:
        app = web.Application(middlewares=[_headers])
        app.router.add_get("/", self._home)
        app.router.add_get("/standards", self.standards_page)
        app.router.add_get("/pledges", self.pledges_page)
        app.router.add_get("/pledges.json", self.pledges_json)
        app.router.add_get("/pledges/badge.svg", self.badge)
        app.router.add_get("/pledges/chart.png", self.chart)
        app.router.add_get("/alerts", self.alerts_page)
        app.router.add_get("/alerts.atom", self.alerts_atom)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/static/site.css", self._css)
        return app

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0 picks a free port); returns the port."""
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        bound = sockets[0].getsockname()[1] if sockets else port
        log.info("Website on http://%s:%d/", host, bound)
        return int(bound)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _render(self, name: str, **context: Any) -> web.Response:
        context.setdefault("example_label", "")
        text = self.templates.get_template(name).render(version=__version__, **context)
        return web.Response(text=text, content_type="text/html", charset="utf-8")

    async def _home(self, _request: web.Request) -> web.Response:
        raise web.HTTPFound("/standards")

    async def _css(self, _request: web.Request) -> web.Response:
        css = await asyncio.to_thread((HERE / "static" / "site.css").read_text, "utf-8")
        response = web.Response(text=css, content_type="text/css", charset="utf-8")
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    # ------------------------------------------------------------------ pages
    async def standards_page(self, _request: web.Request) -> web.Response:
        document = self.standards.document
        sections = [
            {
                "id": s.id,
                "title": s.title,
                "html": markdown_html(s.body),
                "sources": s.sources,
            }
            for s in document.sections
        ]
        return self._render(
            "standards.html",
            title=document.title,
            document=document,
            sections=sections,
            example_label=example_label(document.example),
        )

    async def _pledge_data(self) -> dict[str, Any]:
        async def make() -> dict[str, Any]:
            counts = await self.pledges.counts()
            wall, total = await self.pledges.wall(0, WALL_LIMIT)
            timeline = await self.pledges.timeline()
            return {"counts": counts, "wall": wall, "wall_total": total, "timeline": timeline}

        return await self.cache.get("pledges", make)

    async def pledges_page(self, _request: web.Request) -> web.Response:
        data = await self._pledge_data()
        return self._render(
            "pledges.html",
            title="The creators' pledge",
            counts=data["counts"],
            wall=data["wall"],
            wall_total=data["wall_total"],
            has_chart=bool(data["timeline"]),
            example_label=example_label(self.pledges.pledge_is_example(), signatures=True),
        )

    async def pledges_json(self, _request: web.Request) -> web.Response:
        counts = (await self._pledge_data())["counts"]
        body = {
            "verified": counts.verified,
            "pending": counts.pending,
            "by_type": {k: {"verified": v, "pending": p} for k, (v, p) in counts.by_type.items()},
            "example": self.pledges.pledge_is_example(),
        }
        label = example_label(self.pledges.pledge_is_example(), signatures=True)
        if label:
            body["label"] = label
        return web.json_response(body, headers={"Cache-Control": "public, max-age=30"})

    async def badge(self, _request: web.Request) -> web.Response:
        verified = (await self._pledge_data())["counts"].verified
        text = f"{verified} creator{'s' if verified != 1 else ''} pledged"
        if self.pledges.pledge_is_example():
            text += " (example pledge)"
        return web.Response(
            text=badge_svg(text),
            content_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=60"},
        )

    async def chart(self, _request: web.Request) -> web.Response:
        from bot.ui.chart import pledges_chart

        timeline = (await self._pledge_data())["timeline"]
        png = await self.cache.get("chart", lambda: asyncio.to_thread(pledges_chart, timeline))
        return web.Response(
            body=png, content_type="image/png", headers={"Cache-Control": "public, max-age=60"}
        )

    async def _latest(self) -> list[Any]:
        async def make() -> list[Any]:
            return (await self.alerts.latest())[:ALERTS_LIMIT]

        return await self.cache.get("alerts", make)

    async def alerts_page(self, _request: web.Request) -> web.Response:
        return self._render(
            "alerts.html", title="Alerts: AI bills and lawsuits", items=await self._latest()
        )

    async def alerts_atom(self, _request: web.Request) -> web.Response:
        items = await self._latest()
        return web.Response(
            text=atom_feed(items, self.public_url or "http://localhost"),
            content_type="application/atom+xml",
            charset="utf-8",
            headers={"Cache-Control": "public, max-age=60"},
        )

    async def healthz(self, _request: web.Request) -> web.Response:
        report = await self.health()
        body = {
            "ok": report.ok,
            "gateway": report.gateway,
            "database": report.database,
            "sources": report.sources,
        }
        return web.json_response(
            body, status=200 if report.ok else 503, headers={"Cache-Control": "no-store"}
        )


@web.middleware
async def _headers(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if isinstance(response, web.HTTPException):
        raise response
    return response


# ---------------------------------------------------------------------- rendering helpers
_LINK = re.compile(r"\[([^\]]+)\]\((https://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*]+?)(?<!\s)\*(?![\w*])")


def _inline(text: str) -> str:
    safe = html.escape(text, quote=True)
    safe = _LINK.sub(lambda m: f'<a href="{m[2]}">{m[1]}</a>', safe)
    safe = _BOLD.sub(r"<strong>\1</strong>", safe)
    return _ITALIC.sub(r"<em>\1</em>", safe)


def markdown_html(text: str) -> Markup:
    """The standards' markdown (paragraphs, lists, bold, italics, https links) as safe HTML."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        items = [re.match(r"\s*(?:[-*]|\d+\.)\s+(.*)", line) for line in lines]
        if lines and all(items):
            tag = "ol" if re.match(r"\s*\d+\.", lines[0]) else "ul"
            lis = "".join(f"<li>{_inline(m[1])}</li>" for m in items if m)
            out.append(f"<{tag}>{lis}</{tag}>")
        elif lines and all(line.startswith(">") for line in lines):
            quoted = " ".join(line.lstrip("> ") for line in lines)
            out.append(f"<blockquote><p>{_inline(quoted)}</p></blockquote>")
        elif lines:
            out.append(f"<p>{_inline(' '.join(lines))}</p>")
    return Markup("\n".join(out))  # noqa: S704 - every piece of text above is escaped first


def badge_svg(text: str) -> str:
    """A flat badge with the text, sized to it; the text is escaped."""
    label = "Creators Coalition on AI"
    left = 8 + 6 * len(label)
    right = 10 + 6 * len(text)
    width = left + right
    esc_label, esc_text = html.escape(label), html.escape(text)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{esc_label}: {esc_text}"><title>{esc_label}: {esc_text}</title>'
        f'<rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="#0b4f9c"/>'
        '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="4" y="14">{esc_label}</text>'
        f'<text x="{left + 5}" y="14">{esc_text}</text></g></svg>'
    )


ATOM = "http://www.w3.org/2005/Atom"


def atom_feed(items: list[Any], base_url: str) -> str:
    """The latest alerts as an Atom feed."""
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "title", "Creators Coalition on AI: alerts on AI bills and lawsuits")
    sub(feed, "id", f"{base_url}/alerts.atom")
    sub(feed, "link", href=f"{base_url}/alerts.atom", rel="self")
    sub(feed, "link", href=f"{base_url}/alerts", rel="alternate")
    updated = max((s.updated_at for s in items), default=None)
    sub(feed, "updated", _rfc3339(updated))
    author = sub(feed, "author")
    sub(author, "name", "coalition-bot")
    for stored in items:
        item = stored.item
        entry = sub(feed, "entry")
        sub(entry, "title", f"{item.identifier}: {item.title}")
        sub(entry, "id", f"{base_url}/alerts#{stored.id}-{stored.version}")
        sub(entry, "link", href=item.url)
        sub(entry, "updated", _rfc3339(stored.updated_at))
        summary = " · ".join(
            p for p in (item.kind.value, item.jurisdiction, item.status, *item.reasons) if p
        )
        sub(entry, "summary", summary)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True)


def _rfc3339(stamp: str | None) -> str:
    if not stamp:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def bot_health(bot: Any) -> HealthReport:
    """The running bot's health: gateway, database accepting writes, and each alert source."""
    from bot.health import gateway_connected

    sources = {h.name: h.state.failures == 0 for h in await bot.alerts.health()}
    return HealthReport(
        gateway=gateway_connected(bot),
        database=bot.db.writes_refused is None,
        sources=sources,
    )


async def start_site(bot: Any) -> Site:
    """Serve the website for a running bot on WEB_HOST:WEB_PORT."""
    settings = bot.settings
    site = Site(
        bot.standards,
        bot.pledges,
        bot.alerts,
        lambda: bot_health(bot),
        public_url=settings.web_public_url,
    )
    site.port = await site.start(settings.web_host, settings.web_port)
    return site
