"""What each part of the bot costs in memory: the RSS a fresh process gains importing it (and,
for one line, loading the bundled standards as the bot does at start).

Run: .venv/bin/python -m bench.memory_bench

Each part is imported in its own new process after discord.py, aiosqlite and httpx (which every
bot, the bare one included, loads), so a part's figure is what it adds on top of that baseline;
parts share dependencies, so the figures overlap and don't add up exactly. The last line is the
whole bot (bot.app and every cog) the same way.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

PARTS = (
    ("chart drawing (Pillow, bot.ui.chart)", "bot.ui.chart"),
    ("CSV export (bot.csvfile)", "bot.csvfile"),
    ("feed parsing (feedparser, lxml, defusedxml)", "bot.alerts.feeds"),
    ("alert source adapters (bot.alerts.registry)", "bot.alerts.registry"),
    ("alert matcher (bot.alerts.matcher)", "bot.alerts.matcher"),
    ("standards engine (FTS5, stemmer, rapidfuzz)", "bot.standards.service"),
    (
        "standards engine, model loaded, bundled text embedded",
        "bot.standards.service,bench.memory_bench:load_bundled_standards",
    ),
    ("pledges (bot.pledges.service)", "bot.pledges.service"),
    (
        "the whole bot (bot.app and every cog)",
        "bot.app,cogs.admin,cogs.standards,cogs.pledges,cogs.alerts,cogs.help",
    ),
)

PROBE = """
import importlib, os, sys
def rss():
    for line in open(f"/proc/{os.getpid()}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
import discord, aiosqlite, httpx
base = rss()
for name in sys.argv[1].split(","):
    module, _, call = name.partition(":")
    loaded = importlib.import_module(module)
    if call:
        getattr(loaded, call)()
print(f"{base:.1f} {rss() - base:.1f}")
"""


ROOT = Path(__file__).resolve().parents[1]
_kept: list[object] = []


def load_bundled_standards() -> None:
    """Load the bundled standards as the bot does at start (model, index, every section embedded)
    and keep them, so the probe's RSS counts them."""
    from bot.standards.engine import Engine
    from bot.standards.loader import load_standards

    _kept.append(asyncio.run(Engine.build(load_standards(ROOT / "content" / "standards"))))


def main() -> None:
    baseline = None
    for label, modules in PARTS:
        out = subprocess.run(  # noqa: S603 (this interpreter, fixed module names)
            [sys.executable, "-c", PROBE, modules], capture_output=True, text=True, check=True
        ).stdout.split()
        baseline = float(out[0])
        print(f"{label:<48} +{float(out[1]):5.1f} MB")
    print(f"{'baseline: python + discord.py + aiosqlite + httpx':<48} {baseline:6.1f} MB")


if __name__ == "__main__":
    main()
