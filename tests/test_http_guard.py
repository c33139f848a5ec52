"""The guard for user-supplied URLs: every refusal, redirects re-checked, size and time capped."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.config import Settings
from bot.errors import UserFacingError
from bot.http import GuardedFetcher, RefusedUrl, create_http_client
from bot.netguard import AddressGuard
from tests.httpservers import HostileServer
from tests.localserver import LocalServer


def _respond(make: Callable[[], web.StreamResponse]):  # noqa: ANN202
    async def handler(_request: web.Request) -> web.StreamResponse:
        return make()

    return handler


class Pages(LocalServer):
    def routes(self, app: web.Application) -> None:
        app.router.add_get("/ok", _respond(lambda: web.Response(text="hello code-123")))
        app.router.add_get("/big", _respond(lambda: web.Response(body=b"x" * 3_000_000)))
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/hop/{n}", self._hop)
        app.router.add_get("/to-private", self._to_private)

    async def _slow(self, _request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response(text="late")

    async def _to_private(self, _request: web.Request) -> web.Response:
        raise web.HTTPFound("http://private.test/ok")

    async def _hop(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n == 0:
            return web.Response(text="arrived")
        raise web.HTTPFound(f"/hop/{n - 1}")


HOSTS = {
    "localhost": ["127.0.0.1"],
    "private.test": ["10.1.2.3"],
    "metadata.test": ["169.254.169.254"],
    "multicast.test": ["224.0.0.1"],
    "reserved.test": ["240.0.0.1"],
    "cgnat.test": ["100.64.0.1"],
    "v6-loopback.test": ["::1"],
    "v6-private.test": ["fd00::1"],
    "mapped.test": ["::ffff:10.0.0.1"],
    "mixed.test": ["93.184.216.34", "192.168.1.1"],
    "sixtofour.test": ["2002:a00:1::1"],
    "site-local.test": ["fec0::1"],
    "nat64.test": ["64:ff9b::a9fe:a9fe"],
    "compatible.test": ["::10.0.0.1"],
    "public.test": ["93.184.216.34"],
}


async def fake_resolver(host: str, _port: int) -> list[str]:
    if host not in HOSTS:
        raise OSError("no such host")
    return HOSTS[host]


@pytest.fixture
async def pages() -> AsyncIterator[Pages]:
    async with Pages() as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


def fetcher(client: httpx.AsyncClient, **kwargs: object) -> GuardedFetcher:
    options = {"allow_loopback": True, "allow_http": True, "resolver": fake_resolver, **kwargs}
    return GuardedFetcher(client, **options)  # type: ignore[arg-type]


async def test_fetches_an_allowed_page(client: httpx.AsyncClient, pages: Pages) -> None:
    page = await fetcher(client).fetch(f"http://localhost:{pages.port}/ok")
    assert page.status == 200 and "code-123" in page.text


@pytest.mark.parametrize(
    "host",
    [
        "private.test",
        "metadata.test",
        "multicast.test",
        "reserved.test",
        "cgnat.test",
        "v6-private.test",
        "mapped.test",
        "mixed.test",
        "sixtofour.test",
        "site-local.test",
        "nat64.test",
        "compatible.test",
        "[2002:a00:1::1]",
        "[fec0::1]",
        "[::ffff:10.0.0.1]",
        "[64:ff9b::a9fe:a9fe]",
        "[2002:a9fe:a9fe::]",
    ],
)
async def test_non_public_addresses_are_refused(client: httpx.AsyncClient, host: str) -> None:
    with pytest.raises(RefusedUrl, match="private or reserved"):
        await fetcher(client).fetch(f"http://{host}/page")


async def test_loopback_is_refused_unless_allowed(client: httpx.AsyncClient, pages: Pages) -> None:
    strict = fetcher(client, allow_loopback=False)
    for host in ("localhost", "v6-loopback.test"):
        with pytest.raises(RefusedUrl, match="private or reserved"):
            await strict.fetch(f"http://{host}:{pages.port}/ok")


async def test_plain_http_is_refused_by_default(client: httpx.AsyncClient) -> None:
    with pytest.raises(RefusedUrl, match="Only https"):
        await fetcher(client, allow_http=False).fetch("http://public.test/")
    with pytest.raises(RefusedUrl, match="Only https"):
        await fetcher(client).fetch("ftp://public.test/")


async def test_unknown_host(client: httpx.AsyncClient) -> None:
    with pytest.raises(RefusedUrl, match="could not be found"):
        await fetcher(client).fetch("https://nowhere.test/")


async def test_redirects_are_rechecked_and_capped(client: httpx.AsyncClient, pages: Pages) -> None:
    guard = fetcher(client)
    assert (await guard.fetch(f"http://localhost:{pages.port}/hop/5")).text == "arrived"
    with pytest.raises(RefusedUrl, match="more than 5 times"):
        await guard.fetch(f"http://localhost:{pages.port}/hop/6")
    with pytest.raises(RefusedUrl, match="private or reserved"):
        await guard.fetch(f"http://localhost:{pages.port}/to-private")


async def test_size_and_time_are_capped(client: httpx.AsyncClient, pages: Pages) -> None:
    with pytest.raises(RefusedUrl, match="too large"):
        await fetcher(client).fetch(f"http://localhost:{pages.port}/big")
    with pytest.raises(RefusedUrl, match="too long to answer"):
        await fetcher(client, timeout=0.3).fetch(f"http://localhost:{pages.port}/slow")


@pytest.mark.parametrize(
    ("link", "why"),
    [
        ("https://0177.0.0.1/", "private or reserved"),
        ("https://①②⑦.0.0.1/", "private or reserved"),
        ("https://127.1/", "private or reserved"),
        ("https://0x7f000001/", "private or reserved"),
        ("https://2130706433/", "private or reserved"),
        ("https://0x5d.0xb8.0xd8.0x22/", "unusual form"),
        (f"https://{'a' * 250}.example/", "too long"),
        (f"https://{'a' * 64}.example/", "too long"),
        ("https://exa\u2488mple.com/", "valid link"),
        ("https://exa!mple.com/", "not valid"),
        ("https://1.2.3.4.5/", "not valid"),
        ("https://[::1%25eth0]/", "private or reserved"),
    ],
)
async def test_odd_hosts_get_a_clear_refusal(
    client: httpx.AsyncClient, link: str, why: str
) -> None:
    with pytest.raises(UserFacingError, match=why):
        await fetcher(client, allow_loopback=False).fetch(link)


@pytest.mark.parametrize("charset", ["x-unknown-charset", "rot13", "base64", "utf-8"])
async def test_any_declared_charset_reads_as_text(client: httpx.AsyncClient, charset: str) -> None:
    async with HostileServer() as server:
        page = await fetcher(client).fetch(f"http://localhost:{server.port}/charset/{charset}")
    assert page.text == "hello code-123"


class Rebinding:
    """A resolver that answers a public address first and loopback after: DNS rebinding."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, _host: str, _port: int) -> list[str]:
        self.calls += 1
        return ["93.184.216.34"] if self.calls == 1 else ["127.0.0.1"]


async def test_rebinding_between_check_and_connect_is_refused() -> None:
    resolver = Rebinding()
    guarded = create_http_client(Settings(), guard=AddressGuard(resolver=resolver))
    try:
        async with HostileServer() as server:
            guard = GuardedFetcher(guarded, allow_http=True, resolver=resolver)
            with pytest.raises(RefusedUrl, match="private or reserved"):
                await guard.fetch(f"http://rebind.test:{server.port}/ok")
    finally:
        await guarded.aclose()
    assert resolver.calls == 2  # the check saw a public address; the connection did not


async def test_the_connection_goes_to_the_checked_address_with_the_name_kept() -> None:
    answers: list[str] = []

    async def resolver(host: str, _port: int) -> list[str]:
        answers.append(host)
        return ["127.0.0.1"]

    guard = AddressGuard(allow_loopback=True, resolver=resolver)
    guarded = create_http_client(Settings(), guard=guard)
    try:
        async with HostileServer() as server:
            response = await guarded.get(f"http://pinned.test:{server.port}/ok")
    finally:
        await guarded.aclose()
    # The name was resolved once, by the guard, and never by anyone else; the server saw it.
    assert answers == ["pinned.test"]
    assert response.text == f"hello code-123 host=pinned.test:{server.port}"


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the name pinned.test only (made with the openssl tool)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=pinned.test",
            "-addext",
            "subjectAltName=DNS:pinned.test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_tls_names_the_host_while_connecting_to_the_checked_address(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    calls: list[str] = []

    async def resolver(host: str, _port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    server = HostileServer()
    server.ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.ssl_context.load_cert_chain(cert, key)
    trust = ssl.create_default_context(cafile=str(cert))
    guarded = create_http_client(
        Settings(), guard=AddressGuard(allow_loopback=True, resolver=resolver), verify=trust
    )
    try:
        async with server:
            # The certificate names pinned.test, not 127.0.0.1: it verifies only because TLS
            # (SNI and the certificate check) still uses the link's name.
            response = await guarded.get(f"https://pinned.test:{server.port}/ok")
            assert response.text == f"hello code-123 host=pinned.test:{server.port}"
            with pytest.raises(httpx.ConnectError):
                await guarded.get(f"https://other.test:{server.port}/ok")
    finally:
        await guarded.aclose()
    assert calls == ["pinned.test", "other.test"]
