"""The outbound HTTP clients, and the guard for fetching user-supplied URLs.

Every client the bot builds reads bodies through `CappedTransport`: a whole request, body
included, ends at a total deadline, and a body stops at a cap on the bytes received and on the
bytes after decompression (gzip and deflate are decoded here, in bounded steps, so a small
compressed bomb never expands in memory). The alert sources, pledge verification and admin-added
feeds each get their own client and connection pool, so one class of work can't starve another;
the two that fetch user-supplied addresses connect through `bot.netguard.PinnedBackend`.
"""

from __future__ import annotations

import asyncio
import codecs
import ssl
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from bot import __version__
from bot.config import Settings
from bot.netguard import (
    PRIVATE_MESSAGE,
    AddressGuard,
    PinnedBackend,
    RefusedUrl,
    Resolver,
    parse_host,
    resolve_host,
)

__all__ = [
    "PRIVATE_MESSAGE",
    "BodyLimits",
    "DeadlineExceeded",
    "Fetched",
    "GuardedFetcher",
    "HttpClients",
    "RefusedUrl",
    "ResponseTooLarge",
    "create_http_client",
    "create_http_clients",
    "resolve_host",
]

#: Output of one decompression step: what a bomb can add to memory before it is counted.
DECODE_STEP = 64 * 1024
#: Connections per pool: the alert sources, pledge verification, admin-added feeds.
SOURCE_CONNECTIONS = 20
VERIFY_CONNECTIONS = 10
FEED_CONNECTIONS = 5
VERIFY_MAX_BYTES = 2_000_000


def user_agent(settings: Settings) -> str:
    """Name the project, its version and whom to contact, as polite API clients do."""
    base = f"coalition-bot/{__version__}"
    return f"{base} (+{settings.http_contact})" if settings.http_contact else base


class DeadlineExceeded(httpx.TimeoutException):
    """A request, body included, ran past its total deadline."""


class ResponseTooLarge(httpx.RequestError):
    """A body went over a cap; `wire` and `decoded` say how many bytes were read when it stopped."""

    def __init__(self, message: str, *, wire: int, decoded: int, request: httpx.Request) -> None:
        super().__init__(message, request=request)
        self.wire = wire
        self.decoded = decoded


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """A client's caps: bytes received, bytes after decompression, seconds per whole request."""

    max_bytes: int
    max_wire_bytes: int
    deadline: float

    @classmethod
    def from_settings(cls, settings: Settings, max_bytes: int | None = None) -> BodyLimits:
        cap = min(max_bytes or settings.http_max_bytes, settings.http_max_bytes)
        return cls(cap, min(cap, settings.http_max_wire_bytes), settings.http_deadline_seconds)


class CappedTransport(httpx.AsyncBaseTransport):
    """Wraps a transport: a total deadline per request, and capped, bounded-step decoding."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limits: BodyLimits) -> None:
        self._inner = inner
        self._limits = limits

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        deadline = asyncio.get_running_loop().time() + self._limits.deadline
        request.headers["Accept-Encoding"] = "gzip, deflate"
        try:
            async with asyncio.timeout_at(deadline):
                response = await self._inner.handle_async_request(request)
        except TimeoutError:
            raise _late(request, self._limits) from None
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        decoder = _decoder(encoding)
        if decoder is None:
            await response.aclose()
            raise httpx.DecodingError(f"unsupported content encoding {encoding!r}", request=request)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._limits.max_wire_bytes:
            await response.aclose()
            raise ResponseTooLarge(
                "the response declares a body over the cap", wire=0, decoded=0, request=request
            )
        decoded = (b"content-encoding", b"content-length")  # they described the encoded body
        headers = [
            (name, value)
            for name, value in response.headers.raw
            if encoding == "identity" or name.lower() not in decoded
        ]
        if not isinstance(response.stream, httpx.AsyncByteStream):  # an async transport's own
            raise TypeError("the wrapped transport returned a synchronous stream")
        stream = _CappedStream(response.stream, decoder, self._limits, deadline, request)
        return httpx.Response(
            response.status_code, headers=headers, stream=stream, extensions=response.extensions
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def _late(request: httpx.Request, limits: BodyLimits) -> DeadlineExceeded:
    return DeadlineExceeded(
        f"no complete answer within the {limits.deadline:g} s deadline", request=request
    )


class _CappedStream(httpx.AsyncByteStream):
    def __init__(
        self,
        inner: httpx.AsyncByteStream,
        decoder: _Decoder,
        limits: BodyLimits,
        deadline: float,
        request: httpx.Request,
    ) -> None:
        self._inner = inner
        self._decoder = decoder
        self._limits = limits
        self._deadline = deadline
        self._request = request
        self.wire = 0
        self.decoded = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self._inner.__aiter__()
        while True:
            try:
                async with asyncio.timeout_at(self._deadline):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                break
            except TimeoutError:
                raise _late(self._request, self._limits) from None
            self.wire += len(chunk)
            if self.wire > self._limits.max_wire_bytes:
                raise self._too_large(f"over {self._limits.max_wire_bytes} bytes received")
            for piece in self._decoder.feed(chunk):
                yield self._count(piece)
        for piece in self._decoder.flush():
            yield self._count(piece)

    def _count(self, piece: bytes) -> bytes:
        self.decoded += len(piece)
        if self.decoded > self._limits.max_bytes:
            raise self._too_large(f"over {self._limits.max_bytes} bytes after decompression")
        return piece

    def _too_large(self, what: str) -> ResponseTooLarge:
        return ResponseTooLarge(
            f"response too large ({what})",
            wire=self.wire,
            decoded=self.decoded,
            request=self._request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Decoder:
    """Identity: chunks pass as they are, in pieces of at most DECODE_STEP bytes."""

    def feed(self, data: bytes) -> Iterator[bytes]:
        for start in range(0, len(data), DECODE_STEP):
            yield data[start : start + DECODE_STEP]

    def flush(self) -> Iterator[bytes]:
        return iter(())


class _Inflate(_Decoder):
    """gzip or deflate, decompressed at most DECODE_STEP bytes at a time."""

    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._z = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback  # "deflate" is zlib-wrapped, or raw from some servers
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data and not self._z.eof:
            try:
                out = self._z.decompress(data, DECODE_STEP)
            except zlib.error as exc:
                if self._raw_fallback and not self._started:
                    self._z, self._raw_fallback = zlib.decompressobj(-zlib.MAX_WBITS), False
                    continue
                raise httpx.DecodingError(f"bad compressed body ({exc})") from None
            self._started = True
            data = self._z.unconsumed_tail
            if out:
                yield out
            if not data and len(out) < DECODE_STEP:
                break

    def flush(self) -> Iterator[bytes]:
        out = self._z.flush()
        if out:
            yield from _Decoder().feed(out)


def _decoder(encoding: str) -> _Decoder | None:
    if encoding in ("", "identity"):
        return _Decoder()
    if encoding in ("gzip", "x-gzip"):
        return _Inflate(zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return _Inflate(zlib.MAX_WBITS, raw_fallback=True)
    return None


def create_http_client(
    settings: Settings,
    *,
    guard: AddressGuard | None = None,
    max_connections: int = SOURCE_CONNECTIONS,
    max_bytes: int | None = None,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """A client with the caps and deadline; with a guard, it connects to checked addresses only.

    `verify` is the TLS trust (tests hand in a context that trusts their own certificate).
    """
    timeout = httpx.Timeout(
        settings.http_timeout_seconds, connect=min(10.0, settings.http_timeout_seconds)
    )
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections // 2
    )
    inner = httpx.AsyncHTTPTransport(limits=limits, trust_env=False, verify=verify)
    if guard is not None:
        # httpx has no option for a network backend; its pool holds the default one.
        pool = inner._pool  # noqa: SLF001
        pool._network_backend = PinnedBackend(pool._network_backend, guard)  # noqa: SLF001
    return httpx.AsyncClient(
        transport=CappedTransport(inner, BodyLimits.from_settings(settings, max_bytes)),
        timeout=timeout,
        headers={"User-Agent": user_agent(settings)},
        follow_redirects=False,
        trust_env=False,
    )


@dataclass(frozen=True, slots=True)
class HttpClients:
    """The bot's clients: each class of work has its own pool and limits."""

    sources: httpx.AsyncClient  # the alert sources' configured services and the model server
    verify: httpx.AsyncClient  # /pledge verify: creators' pages, address-guarded
    feeds: httpx.AsyncClient  # feeds admins add, address-guarded

    async def aclose(self) -> None:
        for client in (self.sources, self.verify, self.feeds):
            await client.aclose()


def create_http_clients(settings: Settings, resolver: Resolver = resolve_host) -> HttpClients:
    """Build the three clients; the bot closes them on shutdown."""
    verify_guard = AddressGuard(allow_loopback=settings.pledge_allow_local_urls, resolver=resolver)
    feed_guard = AddressGuard(allow_loopback=settings.alerts_allow_local_feeds, resolver=resolver)
    return HttpClients(
        sources=create_http_client(settings),
        verify=create_http_client(
            settings,
            guard=verify_guard,
            max_connections=VERIFY_CONNECTIONS,
            max_bytes=VERIFY_MAX_BYTES,
        ),
        feeds=create_http_client(settings, guard=feed_guard, max_connections=FEED_CONNECTIONS),
    )


@dataclass(frozen=True, slots=True)
class Fetched:
    """A page or feed fetched through the guard."""

    url: str
    status: int
    content_type: str
    text: str


class GuardedFetcher:
    """GETs user-supplied URLs safely: public addresses only, re-checked on every redirect.

    Refuses odd host spellings, loopback, private, link-local, multicast, reserved and other
    non-global addresses, IPv6 forms wrapping such an address (loopback only when allowed, for
    tests), plain http unless allowed, more than `max_redirects` redirects, and bodies over
    `max_bytes`. `check` is the early, friendly refusal; a client built with an AddressGuard
    (`create_http_clients`) enforces the same rules on the address it actually connects to.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        allow_loopback: bool = False,
        allow_http: bool = False,
        max_bytes: int = VERIFY_MAX_BYTES,
        max_redirects: int = 5,
        timeout: float = 10.0,
        resolver: Resolver = resolve_host,
    ) -> None:
        self._client = client
        self._guard = AddressGuard(allow_loopback=allow_loopback, resolver=resolver)
        self._allow_http = allow_http
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._timeout = timeout

    async def fetch(self, url: str, headers: dict[str, str] | None = None) -> Fetched:
        """Fetch url (following safe redirects) and return its text.

        `headers` (an API key, a consent cookie) go to url's own origin only: a redirect to
        another scheme, host or port drops them, as browsers drop credentials.
        """
        origin = _origin(url)
        for _ in range(self._max_redirects + 1):
            await self.check(url)
            sent = headers if headers and _origin(url) == origin else None
            try:
                async with self._client.stream(
                    "GET", url, headers=sent, timeout=self._timeout, follow_redirects=False
                ) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = str(response.url.join(response.headers["location"]))
                        continue
                    body = await self._read_capped(response)
                    return Fetched(
                        str(response.url),
                        response.status_code,
                        response.headers.get("content-type", ""),
                        decode_text(body, response.charset_encoding),
                    )
            except httpx.TimeoutException:
                raise RefusedUrl("That page took too long to answer. Try again later.") from None
            except ResponseTooLarge:
                raise RefusedUrl("That page is too large to check.") from None
            except (httpx.HTTPError, httpx.InvalidURL):
                raise RefusedUrl("That page could not be reached. Check the link.") from None
        raise RefusedUrl(f"That link redirects more than {self._max_redirects} times.")

    async def check(self, url: str) -> None:
        """Refuse a URL whose scheme, host or resolved addresses are not allowed."""
        try:
            parts = httpx.URL(url)
        except (httpx.InvalidURL, ValueError, UnicodeError):
            raise RefusedUrl(_bad_link(url)) from None
        allowed = ("https", "http") if self._allow_http else ("https",)
        if parts.scheme not in allowed:
            raise RefusedUrl("Only https links can be checked.")
        if not parts.host:
            raise RefusedUrl("That link has no host name.")
        await self._guard.addresses(parts.host, parts.port or 443)

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


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        return ("", "", None)
    return (parts.scheme, parts.host, parts.port)


def _bad_link(url: str) -> str:
    """Why httpx could not read a link: an odd host gets parse_host's own explanation."""
    try:
        host = urlsplit(url).hostname or ""
        parse_host(host)
    except RefusedUrl as exc:
        return exc.message
    except ValueError:
        pass
    return "That doesn't look like a valid link."


def decode_text(body: bytes, charset: str | None) -> str:
    """A body as text in its declared charset; UTF-8 when that is unknown or not a text codec."""
    encoding = "utf-8"
    if charset:
        try:
            if codecs.lookup(charset)._is_text_encoding:  # noqa: SLF001 - rot13, zlib, base64…
                encoding = charset
        except LookupError:
            pass
    return body.decode(encoding, errors="replace")
