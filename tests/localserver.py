"""Start an aiohttp app on 127.0.0.1 with a random port, for test doubles of public services."""

from __future__ import annotations

import ssl

from aiohttp import web


class LocalServer:
    """Subclasses add routes in `routes(app)`; `async with` starts and stops the server."""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.ssl_context: ssl.SSLContext | None = None  # set before starting to serve https

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def __aenter__(self):  # noqa: ANN204 - returns the subclass
        app = web.Application(client_max_size=30 * 1024 * 1024)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.ssl_context)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
