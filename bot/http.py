"""The one shared outbound HTTP client, and the guard for fetching user-supplied URLs."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from bot import __version__
from bot.config import Settings
from bot.errors import UserFacingError


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


class RefusedUrl(UserFacingError):
    """An outbound fetch of a user-supplied URL was refused; the message says why."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A page or feed fetched through the guard."""

    url: str
    status: int
    content_type: str
    text: str


Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address a host name resolves to, without blocking the event loop."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


class GuardedFetcher:
    """GETs user-supplied URLs safely: public addresses only, re-checked on every redirect.

    Refuses loopback, private, link-local, multicast, reserved and other non-global addresses
    (loopback only when allowed, for tests), plain http unless allowed, more than
    `max_redirects` redirects, and bodies over `max_bytes`.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        allow_loopback: bool = False,
        allow_http: bool = False,
        max_bytes: int = 2_000_000,
        max_redirects: int = 5,
        timeout: float = 10.0,
        resolver: Resolver = resolve_host,
    ) -> None:
        self._client = client
        self._allow_loopback = allow_loopback
        self._allow_http = allow_http
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._timeout = timeout
        self._resolve = resolver

    async def fetch(self, url: str) -> Fetched:
        """Fetch url (following safe redirects) and return its text."""
        for _ in range(self._max_redirects + 1):
            await self.check(url)
            try:
                async with self._client.stream(
                    "GET", url, timeout=self._timeout, follow_redirects=False
                ) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = str(response.url.join(response.headers["location"]))
                        continue
                    body = await self._read_capped(response)
                    return Fetched(
                        str(response.url),
                        response.status_code,
                        response.headers.get("content-type", ""),
                        body.decode(response.encoding or "utf-8", errors="replace"),
                    )
            except httpx.TimeoutException:
                raise RefusedUrl("That page took too long to answer. Try again later.") from None
            except httpx.HTTPError:
                raise RefusedUrl("That page could not be reached. Check the link.") from None
        raise RefusedUrl(f"That link redirects more than {self._max_redirects} times.")

    async def check(self, url: str) -> None:
        """Refuse a URL whose scheme or resolved addresses are not allowed."""
        parts = httpx.URL(url)
        allowed = ("https", "http") if self._allow_http else ("https",)
        if parts.scheme not in allowed:
            raise RefusedUrl("Only https links can be checked.")
        if not parts.host:
            raise RefusedUrl("That link has no host name.")
        try:
            addresses = await self._resolve(parts.host, parts.port or 443)
        except OSError:
            raise RefusedUrl(f"The name {parts.host} could not be found.") from None
        if not addresses:
            raise RefusedUrl(f"The name {parts.host} could not be found.")
        for address in addresses:
            if not self._address_allowed(ipaddress.ip_address(address.split("%")[0])):
                raise RefusedUrl("That link points to a private or reserved network address.")

    def _address_allowed(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_loopback:
            return self._allow_loopback
        return ip.is_global and not (ip.is_multicast or ip.is_reserved)

    async def _read_capped(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self._max_bytes:
            raise RefusedUrl("That page is too large to check.")
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise RefusedUrl("That page is too large to check.")
            chunks.append(chunk)
        return b"".join(chunks)
