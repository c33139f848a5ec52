"""The `/pledge count` chart: verified pledges over time, one line per creator type.

Drawn with matplotlib, imported on first use (it takes a moment to load and most runs never draw
a chart) and through its object-oriented API (a Figure with an Agg canvas, no pyplot), so charts
drawn in worker threads share no global state. The colours follow Discord's dark theme.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date, timedelta
from itertools import accumulate

# 800 × 400 pixels: Discord shows an embed image at up to 400 pixels wide, so text drawn at
# 13–16 points here still reads at about 7–8 points on a phone.
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.0, 100
BACKGROUND = "#2b2d31"  # Discord's dark embed background
TEXT = "#dbdee1"
GRID = "#4e5058"
COLOURS = {
    "youtuber": "#ff5c5c",
    "podcaster": "#b18cff",
    "newsletter": "#ffb347",
    "other": "#57d9a3",
}
LABELS = {"youtuber": "YouTubers", "podcaster": "Podcasters", "newsletter": "Newsletters"}


def cumulative(timeline: list[tuple[str, str, int]]) -> tuple[list[str], dict[str, list[int]]]:
    """(day, type, count) rows as the days and each type's running total on each day."""
    days = sorted({day for day, _, _ in timeline})
    per_type: dict[str, dict[str, int]] = defaultdict(dict)
    for day, kind, count in timeline:
        per_type[kind][day] = per_type[kind].get(day, 0) + count
    series = {
        kind: list(accumulate(counts.get(day, 0) for day in days))
        for kind, counts in sorted(per_type.items())
    }
    return days, series


def added_since(timeline: list[tuple[str, str, int]], today: date, days: int = 7) -> int:
    """How many were added in the last `days` days, today included ("+N this week")."""
    first = (today - timedelta(days=days - 1)).isoformat()
    return sum(count for day, _, count in timeline if first <= day <= today.isoformat())


def pledges_chart(timeline: list[tuple[str, str, int]]) -> bytes:
    """Render (day, type, verified that day) rows as a cumulative step chart, PNG bytes.

    CPU work (and a slow first import): call it in a worker thread.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - on first use
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    days, series = cumulative(timeline)
    x = [float(date2num(date.fromisoformat(day))) for day in days]
    figure = Figure(
        figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor=BACKGROUND, layout="constrained"
    )
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_facecolor(BACKGROUND)
    total = sum(values[-1] for values in series.values())
    for kind, values in series.items():
        label = f"{LABELS.get(kind, kind.title())}: {values[-1]}"
        colour = COLOURS.get(kind, TEXT)
        axes.step(x, values, where="post", color=colour, linewidth=2.5, label=label)
        axes.plot(x[-1:], values[-1:], "o", color=colour, markersize=6)
    axes.set_title(f"Verified pledges over time ({total})", color=TEXT, fontsize=16, loc="left")
    axes.tick_params(colors=TEXT, labelsize=13)
    axes.grid(True, color=GRID, linewidth=0.8, alpha=0.8)
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(GRID)
    if x:
        locator = AutoDateLocator(maxticks=6)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        if len(x) == 1:
            axes.set_xlim(x[0] - 3, x[0] + 3)  # date numbers count days
    figure.legend(
        loc="outside right upper",
        frameon=False,
        fontsize=13,
        labelcolor=TEXT,
        title="Creator type",
        title_fontsize=13,
    ).get_title().set_color(TEXT)
    out = io.BytesIO()
    # The title also goes in the PNG's metadata: screen readers and tests can read what it says.
    title = f"Verified pledges over time ({total})"
    figure.savefig(out, format="png", facecolor=BACKGROUND, metadata={"Title": title})
    return out.getvalue()
