"""Which hosts and addresses the bot may reach for a user-supplied link, checked one way everywhere.

`parse_host` reads a link's host as a browser would (numeric forms such as `0177.0.0.1`,
`127.1` or `①②⑦.0.0.1` included) and refuses anything odd with a clear message. `address_allowed`
says whether an address is public, looking inside the IPv6 forms that wrap an IPv4 address.
`PinnedBackend` is the httpcore network backend of the guarded clients: it resolves a name once,
checks every address, and connects to exactly the address it checked (TLS still names the host).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import unicodedata
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore

from bot.errors import UserFacingError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

MAX_HOST_LENGTH = 253
MAX_LABEL_LENGTH = 63
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$")
_NUMBER = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")
# Dots that browsers and IDNA read as ".".
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})

_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")

PRIVATE_MESSAGE = "That link points to a private or reserved network address."
NOT_PUBLIC_MESSAGE = "That link needs a public website name, like example.com."
# Names that never lead to a public site (RFC 6761, RFC 6762, RFC 8375 and common private use).
_SPECIAL_USE = ("localhost", "local", "internal", "intranet", "lan", "home", "corp", "invalid")


class RefusedUrl(UserFacingError):
    """An outbound fetch of a user-supplied URL was refused; the message says why."""


def parse_host(host: str) -> IPAddress | str:
    """A link's host as an IP address or a lower-case ASCII name; RefusedUrl when it is odd."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        return _ipv6(text[1:-1])
    if ":" in text:
        return _ipv6(text)
    name = unicodedata.normalize("NFKC", text).translate(_DOTS).lower()
    name = name[:-1] if name.endswith(".") else name
    if not name:
        raise RefusedUrl("That link has no site name in it.")
    labels = name.split(".")
    if _NUMBER.match(labels[-1]):
        # Ends in a number: browsers read the whole host as an IPv4 address, in any base.
        return _ipv4(name, labels, original=text)
    ascii_name = _ascii(name)
    if len(ascii_name) > MAX_HOST_LENGTH:
        raise RefusedUrl("That link's site name is too long to be real.")
    for label in ascii_name.split("."):
        if len(label) > MAX_LABEL_LENGTH:
            raise RefusedUrl("That link's site name has a part too long to be real.")
        if not _LABEL.match(label):
            raise RefusedUrl("That link's site name is not valid.")
    return ascii_name


def public_host(host: str) -> IPAddress | str:
    """parse_host, then refuse what can't be a public site without asking DNS: non-public
    addresses, and names with no dot or under a private-use suffix (localhost, .internal…)."""
    parsed = parse_host(host)
    if isinstance(parsed, str):
        last = parsed.rsplit(".", 1)[-1]
        if "." not in parsed or last in _SPECIAL_USE or parsed.endswith(".home.arpa"):
            raise RefusedUrl(NOT_PUBLIC_MESSAGE)
    elif not address_allowed(parsed):
        raise RefusedUrl(PRIVATE_MESSAGE)
    return parsed


def _ascii(name: str) -> str:
    if name.isascii():
        return name
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        raise RefusedUrl(
            "That link's site name has characters that can't be part of a web address."
        ) from None


def _ipv6(text: str) -> ipaddress.IPv6Address:
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        raise RefusedUrl("That link's address is not valid.") from None


def _ipv4(name: str, labels: list[str], *, original: str) -> ipaddress.IPv4Address:
    """Read a numeric host the way browsers do (WHATWG URL), then refuse unusual spellings."""
    if len(labels) > 4 or any(not _NUMBER.match(label) for label in labels):
        raise RefusedUrl("That link's address is not valid.")
    try:
        numbers = [_number(label) for label in labels]
        value = 0
        for number in numbers[:-1]:
            if number > 255:
                raise ValueError(name)
            value = value * 256 + number
        rest = 5 - len(numbers)
        if numbers[-1] >= 256**rest:
            raise ValueError(name)
        address = ipaddress.IPv4Address(value * 256**rest + numbers[-1])
    except ValueError:
        raise RefusedUrl("That link's address is not valid.") from None
    if str(address) == original:
        return address
    if not address_allowed(address):
        raise RefusedUrl(PRIVATE_MESSAGE)
    raise RefusedUrl(
        "That link's address is written in an unusual form; use the site's name instead."
    )


def _number(label: str) -> int:
    if label.startswith("0x"):
        return int(label[2:] or "0", 16)
    if len(label) > 1 and label.startswith("0"):
        return int(label, 8)
    return int(label)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64, Teredo)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _NAT64) or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_allowed(ip: IPAddress, *, allow_loopback: bool = False) -> bool:
    """Whether an address is public (or loopback, when allowed for tests)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id or ip.is_site_local:
            return False
        inner = embedded_ipv4(ip)
        if inner is not None:
            return address_allowed(inner, allow_loopback=allow_loopback)
    if ip.is_loopback:
        return allow_loopback
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address a host name resolves to, looked up in a worker thread."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class AddressGuard:
    """Resolves a host once and returns the addresses it may connect to, or refuses."""

    def __init__(self, *, allow_loopback: bool = False, resolver: Resolver = resolve_host) -> None:
        self.allow_loopback = allow_loopback
        self._resolve = resolver

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """Every address of host, all of them checked; RefusedUrl if any is not allowed."""
        parsed = parse_host(host)
        if isinstance(parsed, str):
            if parsed == "localhost" and self.allow_loopback:
                return [ipaddress.IPv4Address("127.0.0.1")]
            try:
                found = await self._resolve(parsed, port)
            except (OSError, UnicodeError):
                raise RefusedUrl(f"The name {parsed} could not be found.") from None
            if not found:
                raise RefusedUrl(f"The name {parsed} could not be found.")
            checked = [_address(a) for a in found]
        else:
            checked = [parsed]
        if not all(address_allowed(ip, allow_loopback=self.allow_loopback) for ip in checked):
            raise RefusedUrl(PRIVATE_MESSAGE)
        return checked


def _address(text: str) -> IPAddress:
    try:
        return ipaddress.ip_address(text)
    except ValueError:  # a scoped address ("fe80::1%eth0") is never public
        raise RefusedUrl(PRIVATE_MESSAGE) from None


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the guard checked, and to exactly those.

    httpcore asks the backend to connect to the URL's host and then starts TLS with the host as
    server name; this backend swaps the name for the checked address, so the certificate is still
    verified against the name, and the Host header is untouched.
    """

    def __init__(self, inner: httpcore.AsyncNetworkBackend, guard: AddressGuard) -> None:
        self._inner = inner
        self._guard = guard

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.addresses(host, port)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # noqa: S101 - addresses() never returns an empty list
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedUrl("Unix sockets are never reached for a link.")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
