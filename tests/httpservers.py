"""Hostile local servers for the outbound HTTP tests and bench: a gzip bomb, a drip, a hold."""

from __future__ import annotations

import asyncio
import functools
import gzip
import zlib

from aiohttp import web

from tests.localserver import LocalServer

BOMB_MEGABYTES = 300


@functools.cache
def gzip_bomb(megabytes: int = BOMB_MEGABYTES) -> bytes:
    """About 1 KB of gzip per MB of zeros: 300 MB packs into roughly 300 KB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    return b"".join([packer.compress(block) for _ in range(megabytes)] + [packer.flush()])


class HostileServer(LocalServer):
    """Routes: /ok, /gzip (a small gzip page), /bomb, /deflate-bomb, /drip, /hold, /charset/x."""

    def __init__(self, drip_bytes: int = 40) -> None:
        super().__init__()
        self.drip_bytes = drip_bytes
        gzip_bomb()  # made (once per process) before any request's clock starts
        self.release = asyncio.Event()
        self.holding = 0
        self.changed = asyncio.Condition()

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/ok", self._ok)
        app.router.add_get("/gzip", self._gzip)
        app.router.add_get("/bomb", self._bomb)
        app.router.add_get("/deflate-bomb", self._deflate_bomb)
        app.router.add_get("/drip", self._drip)
        app.router.add_get("/big", self._big)
        app.router.add_get("/brotli", self._brotli)
        app.router.add_get("/hold", self._hold)
        app.router.add_get("/charset/{name}", self._charset)

    async def _ok(self, request: web.Request) -> web.Response:
        return web.Response(text=f"hello code-123 host={request.host}")

    async def _gzip(self, _request: web.Request) -> web.Response:
        body = gzip.compress(b"hello code-123 " * 1000)
        return web.Response(body=body, headers={"Content-Encoding": "gzip"})

    async def _bomb(self, _request: web.Request) -> web.Response:
        return web.Response(
            body=gzip_bomb(), headers={"Content-Encoding": "gzip", "Content-Type": "text/xml"}
        )

    async def _deflate_bomb(self, _request: web.Request) -> web.Response:
        body = zlib.compress(bytes(50 << 20), 9)
        return web.Response(body=body, headers={"Content-Encoding": "deflate"})

    async def _drip(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        try:
            for _ in range(self.drip_bytes):
                await response.write(b"<")
                await asyncio.sleep(0.5)
            await response.write_eof()
        except ConnectionResetError:
            pass  # the client gave up: what the deadline is for
        return response

    async def _big(self, request: web.Request) -> web.StreamResponse:
        """3 MB in 64 KB chunks, with no Content-Length to refuse it by."""
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(48):
            await response.write(b"x" * 65_536)
        await response.write_eof()
        return response

    async def _brotli(self, _request: web.Request) -> web.Response:
        return web.Response(body=b"\x0b\x02\x80hello\x03", headers={"Content-Encoding": "br"})

    async def _hold(self, _request: web.Request) -> web.Response:
        async with self.changed:
            self.holding += 1
            self.changed.notify_all()
        await self.release.wait()
        return web.Response(text="released")

    async def wait_holding(self, count: int) -> None:
        """Until `count` requests are held at /hold."""
        async with self.changed:
            await self.changed.wait_for(lambda: self.holding >= count)

    async def _charset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        return web.Response(
            body=b"hello code-123", headers={"Content-Type": f"text/html; charset={name}"}
        )
