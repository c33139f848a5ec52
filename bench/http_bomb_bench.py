"""Peak memory of reading a gzip bomb, and the time a drip-fed request is held, per reader.

Run: .venv/bin/python -m bench.http_bomb_bench [MEGABYTES]

A local server sends a gzip body of MEGABYTES (default 300) of zeros, some 300 KB on the wire,
and a body that drips one byte every half second. Each reader runs in its own process, which
reports how far its peak resident memory rose over what it held before the request (ru_maxrss).
The baseline is a bare httpx.AsyncClient, as every outbound read was before the caps; the others
are the bot's clients (bot.http.create_http_clients) as the alert sources, the admin feeds
(fetch_feed) and /pledge verify (GuardedFetcher) use them. The drip is read with
HTTP_DEADLINE_SECONDS=2; without the deadline it lasts 20 s.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

import httpx

from bot.alerts.feeds import fetch_feed
from bot.alerts.sources import SourceError
from bot.config import Settings
from bot.http import GuardedFetcher, ResponseTooLarge, create_http_clients
from tests.httpservers import HostileServer, gzip_bomb

READERS = ("bare-httpx", "sources", "feeds", "verify")
SETTINGS = {
    "PLEDGE_ALLOW_LOCAL_URLS": "true",
    "ALERTS_ALLOW_LOCAL_FEEDS": "true",
    "HTTP_DEADLINE_SECONDS": "2",
}


def rss_now() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


async def read(reader: str, url: str) -> str:
    """Fetch url as the reader would; the outcome in a few words."""
    clients = create_http_clients(Settings.from_env(SETTINGS))
    bare = httpx.AsyncClient(timeout=30)
    try:
        if reader == "bare-httpx":
            response = await bare.get(url)
            return f"read {len(response.content):,} bytes"
        if reader == "sources":
            response = await clients.sources.get(url)
            return f"read {len(response.content):,} bytes"
        if reader == "feeds":
            await fetch_feed(clients.feeds, url, None)
            return "parsed"
        fetcher = GuardedFetcher(clients.verify, allow_loopback=True, allow_http=True)
        return f"read {len((await fetcher.fetch(url)).text):,} characters"
    except (ResponseTooLarge, SourceError, httpx.HTTPError) as exc:
        return f"refused: {exc}"
    except Exception as exc:  # noqa: BLE001 - the bench reports whatever ended the read
        return f"refused: {type(exc).__name__}: {exc}"
    finally:
        await bare.aclose()
        await clients.aclose()


def child(reader: str, url: str) -> None:
    before = rss_now()
    started = time.perf_counter()
    outcome = asyncio.run(read(reader, url))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"outcome": outcome, "rise": peak - before, "seconds": seconds}))  # noqa: T201


async def run_child(reader: str, url: str) -> dict:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.http_bomb_bench",
        "--child",
        reader,
        url,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    return json.loads(out.decode().strip().splitlines()[-1])


async def main(megabytes: int) -> None:
    bomb = gzip_bomb(megabytes)
    print(f"gzip bomb: {len(bomb):,} bytes on the wire, {megabytes} MB expanded")  # noqa: T201
    async with HostileServer() as server:
        base = f"http://127.0.0.1:{server.port}"
        results = {reader: await run_child(reader, f"{base}/bomb") for reader in READERS}
        baseline = results["bare-httpx"]["rise"]
        for reader, result in results.items():
            rise = result["rise"] / 1e6
            print(  # noqa: T201
                f"{reader:>10}: peak memory +{rise:7.1f} MB ({result['rise'] / baseline:.3f} of "
                f"bare httpx) in {result['seconds']:.2f} s: {result['outcome'][:90]}"
            )
        for reader in READERS[1:]:
            result = await run_child(reader, f"{base}/drip")
            print(  # noqa: T201
                f"drip via {reader:>7}: ended after {result['seconds']:.2f} s "
                f"(deadline 2 s, drip 20 s): {result['outcome'][:70]}"
            )


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
