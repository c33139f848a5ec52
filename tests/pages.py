"""A local web server standing in for creators' public pages and feeds."""

from __future__ import annotations

from aiohttp import web

from tests.localserver import LocalServer


class CreatorPages(LocalServer):
    """Serves whatever text a test puts at a path; records how often each was fetched."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: dict[str, str] = {}
        self.hits: dict[str, int] = {}

    def url(self, path: str) -> str:
        return f"http://localhost:{self.port}{path}"

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/{tail:.*}", self._serve)

    async def _serve(self, request: web.Request) -> web.Response:
        path = request.path
        self.hits[path] = self.hits.get(path, 0) + 1
        if path not in self.pages:
            return web.Response(status=404, text="not found")
        return web.Response(text=self.pages[path], content_type="text/html")


class PlatformPages(CreatorPages):
    """Creator pages plus what the platforms do around them.

    `types` sets a path's content type, `status` its status, `consent` sends a path to the
    consent page (as YouTube does) unless the request carries that cookie (None: always);
    `seen` records each request's path, query and headers.
    """

    def __init__(self) -> None:
        super().__init__()
        self.types: dict[str, str] = {}
        self.status: dict[str, int] = {}
        self.consent: dict[str, str | None] = {}
        self.seen: list[tuple[str, dict[str, str], dict[str, str]]] = []

    async def _serve(self, request: web.Request) -> web.Response:
        path = request.path
        self.seen.append((path, dict(request.query), dict(request.headers)))
        if path in self.consent:
            cookie = self.consent[path]
            if cookie is None or cookie not in request.headers.get("Cookie", ""):
                raise web.HTTPFound(f"/consent?continue={path}")
        if path not in self.pages:
            return await super()._serve(request)
        self.hits[path] = self.hits.get(path, 0) + 1
        return web.Response(
            text=self.pages[path],
            status=self.status.get(path, 200),
            content_type=self.types.get(path, "text/html"),
        )
