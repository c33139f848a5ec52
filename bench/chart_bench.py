"""Time to draw the /pledge count chart: the first chart (with matplotlib's import) and later ones.

The first chart of a process pays for importing the plotting library; later charts only draw.
Both run in a worker thread after the reply is deferred; the ratio says how much of the first
chart's time is the import.

Run: .venv/bin/python -m bench.chart_bench
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

from bot.ui.chart import pledges_chart

TYPES = ("youtuber", "podcaster", "newsletter", "other")


def timeline(days: int) -> list[tuple[str, str, int]]:
    """A year of verified pledges, a few of each type most days."""
    start = date(2026, 1, 1)
    return [
        ((start + timedelta(days=d)).isoformat(), kind, (d * 7 + n) % 5)
        for d in range(days)
        for n, kind in enumerate(TYPES)
    ]


def main() -> None:
    rows = timeline(365)
    began = time.perf_counter()
    png = pledges_chart(rows)
    first = time.perf_counter() - began
    later = []
    for _ in range(10):
        began = time.perf_counter()
        pledges_chart(rows)
        later.append(time.perf_counter() - began)
    warm = statistics.median(later)
    print(f"first chart (import + draw): {first * 1000:.0f} ms, {len(png):,} bytes")
    print(f"later charts (draw only), median of 10: {warm * 1000:.0f} ms")
    print(f"ratio first / later: {first / warm:.1f}")


if __name__ == "__main__":
    main()
