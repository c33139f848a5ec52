"""A local stand-in for GovInfo's bills feed whose entries a test sets, for end-to-end alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web

from tests.localserver import LocalServer


@dataclass(frozen=True)
class FeedBill:
    """One bill version as an RSS item: S.<number>, with its version code (is, rs, es, …)."""

    number: int
    title: str
    version: str = "is"
    published: datetime | None = None

    def xml(self) -> str:
        package = f"BILLS-119s{self.number}{self.version}"
        when = self.published or datetime.now(UTC) - timedelta(hours=1)
        return (
            f"<item><title>{escape(f'S. {self.number} ({self.version.upper()}) - {self.title}')}"
            f"</title><link>https://www.govinfo.gov/app/details/{package}</link>"
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f'<guid isPermaLink="false">{package}</guid></item>'
        )


def ai_bills(count: int, start: int = 5000) -> list[FeedBill]:
    """`count` distinct relevant bills."""
    return [
        FeedBill(n, f"Artificial Intelligence Creator Protection Act No. {n}")
        for n in range(start, start + count)
    ]


class BillsFeed(LocalServer):
    """Serves /rss/bills.xml from `bills`; `status` other than 200 makes it fail.

    Also /news.xml, a blog's RSS feed of `news` (title, link) posts, and /page.html, which is
    not a feed.
    """

    def __init__(self) -> None:
        super().__init__()
        self.bills: list[FeedBill] = []
        self.news: list[tuple[str, str]] = []
        self.status = 200
        self.hits = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/rss/bills.xml"

    def env(self) -> dict[str, str]:
        """Settings that make the bot read only this feed, polled when asked."""
        return {"ALERTS_SOURCES": "govinfo-bills", "GOVINFO_BILLS_URL": self.url}

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/rss/bills.xml", self._serve)
        app.router.add_get("/news.xml", self._news)
        app.router.add_get("/page.html", self._page)

    async def _news(self, _request: web.Request) -> web.Response:
        now = format_datetime(datetime.now(UTC) - timedelta(hours=1))
        items = "".join(
            f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
            f"<guid>{escape(link)}</guid><pubDate>{now}</pubDate></item>"
            for title, link in self.news
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>AI Lawsuit Tracker</title>{items}</channel></rss>"
        )
        return web.Response(text=body, content_type="application/rss+xml")

    async def _page(self, _request: web.Request) -> web.Response:
        return web.Response(text="<html><body>Hello</body></html>", content_type="text/html")

    async def _serve(self, _request: web.Request) -> web.Response:
        self.hits += 1
        if self.status != 200:
            return web.Response(status=self.status, text="unavailable")
        items = "".join(b.xml() for b in self.bills)
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Congressional Bills</title>{items}</channel></rss>"
        )
        return web.Response(text=body, content_type="application/rss+xml")
