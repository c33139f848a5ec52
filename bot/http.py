"""The one shared outbound HTTP client: timeouts, connection limits, an honest user agent."""

from __future__ import annotations

import httpx

from bot import __version__
from bot.config import Settings


def user_agent(settings: Settings) -> str:
    """Name the project, its version and whom to contact, as polite API clients do."""
    base = f"coalition-bot/{__version__}"
    return f"{base} (+{settings.http_contact})" if settings.http_contact else base


def create_http_client(settings: Settings) -> httpx.AsyncClient:
    """Build the client every service shares; the bot closes it on shutdown."""
    timeout = httpx.Timeout(
        settings.http_timeout_seconds, connect=min(10.0, settings.http_timeout_seconds)
    )
    return httpx.AsyncClient(
        timeout=timeout,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        headers={"User-Agent": user_agent(settings)},
        follow_redirects=False,
        trust_env=False,
    )
