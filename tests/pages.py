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
