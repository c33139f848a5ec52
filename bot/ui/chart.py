"""A small PNG line chart (cumulative pledges over time, one line per creator type)."""

from __future__ import annotations

import io
from collections import defaultdict
from itertools import accumulate

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT, MARGIN = 800, 400, 50
COLOURS = {
    "youtuber": (230, 33, 23),
    "podcaster": (140, 82, 255),
    "newsletter": (255, 140, 0),
    "other": (60, 160, 120),
}


def pledges_chart(timeline: list[tuple[str, str, int]]) -> bytes:
    """Render (day, type, count) rows as a cumulative line chart; CPU work: run in a thread."""
    days = sorted({day for day, _, _ in timeline})
    per_type: dict[str, dict[str, int]] = defaultdict(dict)
    for day, kind, count in timeline:
        per_type[kind][day] = count
    series = {
        kind: list(accumulate(counts.get(day, 0) for day in days))
        for kind, counts in sorted(per_type.items())
    }
    top = max((values[-1] for values in series.values()), default=1) or 1
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    plot_w, plot_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    draw.line(
        [(MARGIN, MARGIN), (MARGIN, HEIGHT - MARGIN), (WIDTH - MARGIN, HEIGHT - MARGIN)], "black"
    )
    draw.text((MARGIN, 15), "Pledges over time, by creator type", fill="black", font=font)
    draw.text((8, MARGIN - 6), str(top), fill="black", font=font)
    draw.text((8, HEIGHT - MARGIN - 6), "0", fill="black", font=font)
    if days:
        draw.text((MARGIN, HEIGHT - MARGIN + 8), days[0], fill="black", font=font)
        draw.text((WIDTH - MARGIN - 60, HEIGHT - MARGIN + 8), days[-1], fill="black", font=font)
    step = plot_w / max(1, len(days) - 1)
    for index, (kind, values) in enumerate(series.items()):
        colour = COLOURS.get(kind, (90, 90, 90))
        points = [
            (MARGIN + i * step, HEIGHT - MARGIN - plot_h * v / top) for i, v in enumerate(values)
        ]
        if len(points) == 1:
            x, y = points[0]
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
        else:
            draw.line(points, fill=colour, width=3)
        draw.text(
            (WIDTH - MARGIN - 120, MARGIN + 14 * index),
            f"{kind}: {values[-1]}",
            fill=colour,
            font=font,
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
