"""A local OpenAI-compatible /chat/completions endpoint that answers from a script."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from tests.localserver import LocalServer


class FakeLLM(LocalServer):
    """Replies with `reply` (or a status, or a delay) and records every request body."""

    def __init__(self) -> None:
        super().__init__()
        self.reply = "Ask first, always [consent-training]."
        self.status = 200
        self.delay = 0.0
        self.requests: list[dict[str, Any]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._complete)

    async def _complete(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return web.Response(status=self.status, text="upstream error")
        body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": self.reply}}]}
        return web.Response(text=json.dumps(body), content_type="application/json")
