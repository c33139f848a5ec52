"""How long a slow admin pattern holds the event loop: on the loop, in a thread, GIL held or not.

Run: .venv/bin/python -m bench.alerts_patterns_bench
Matches a catastrophically backtracking pattern against poll-sized batches of titles while a
ticker task measures how late the event loop wakes it (what a member's /help would wait).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from bot.alerts import patterns

SLOW = r"(?:\S+\s*){1,30}\d{20}"
TITLES = [
    (n, f"S. {n} (IS) - Artificial Intelligence Creator Protection Act No. {n}\nIntroduced\nS.{n}")
    for n in range(200)
]
SECONDS = 1.0


def on_this_thread(concurrent: bool) -> Callable[[], None]:
    """Search until SECONDS have passed, each search stopped at the per-item timeout."""

    def run() -> None:
        compiled = patterns.compiled(SLOW)
        end = time.perf_counter() + SECONDS
        for _, text in TITLES:
            if time.perf_counter() >= end:
                return
            with contextlib.suppress(TimeoutError):
                compiled.search(text, timeout=patterns.ITEM_TIMEOUT_SECONDS, concurrent=concurrent)

    return run


async def loop_lag(work: Callable[[], Awaitable[object]]) -> tuple[float, int]:
    """(worst delay of a 10 ms ticker, ticks) while `work` runs."""
    lags: list[float] = []
    done = False

    async def ticker() -> None:
        while not done:
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - start - 0.01)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    await work()
    done = True
    await task
    return max(lags), len(lags)


async def main() -> None:
    async def idle() -> None:
        await asyncio.sleep(SECONDS)

    async def blocking() -> None:
        on_this_thread(concurrent=False)()

    async def thread_gil_held() -> None:
        await asyncio.to_thread(on_this_thread(concurrent=False))

    async def thread_gil_released() -> None:
        await asyncio.to_thread(on_this_thread(concurrent=True))

    async def as_the_store_does() -> None:
        jobs = {f"{SLOW}|zz{n}": TITLES for n in range(25)}
        await patterns.search(jobs)

    baseline, _ = await loop_lag(idle)
    print(
        f"slow pattern on {len(TITLES)} titles, per-item timeout {patterns.ITEM_TIMEOUT_SECONDS}s"
    )
    print(f"{'idle loop (baseline)':38} worst lag {baseline * 1000:7.1f} ms")
    for name, work in [
        ("on the event loop", blocking),
        ("worker thread, GIL held", thread_gil_held),
        ("worker thread, GIL released", thread_gil_released),
        ("store: 25 patterns, poll budget", as_the_store_does),
    ]:
        lag, ticks = await loop_lag(work)
        ratio = lag / baseline if baseline else float("inf")
        print(f"{name:38} worst lag {lag * 1000:7.1f} ms ({ratio:6.1f}x baseline), {ticks} ticks")


if __name__ == "__main__":
    asyncio.run(main())
