"""What each part of the bot costs in memory: the RSS a fresh process gains importing it.

Run: .venv/bin/python -m bench.memory_bench

Each part is imported in its own new process after discord.py, aiosqlite and httpx (which every
bot, the bare one included, loads), so a part's figure is what it adds on top of that baseline;
parts share dependencies, so the figures overlap and don't add up exactly. The last line is the
whole bot (bot.app and every cog) the same way.
"""

from __future__ import annotations

import subprocess
import sys

PARTS = (
    ("chart drawing (Pillow, bot.ui.chart)", "bot.ui.chart"),
    ("CSV export (bot.csvfile)", "bot.csvfile"),
    ("feed parsing (feedparser, lxml, defusedxml)", "bot.alerts.feeds"),
    ("alert source adapters (bot.alerts.registry)", "bot.alerts.registry"),
    ("alert matcher (bot.alerts.matcher)", "bot.alerts.matcher"),
    ("standards engine (FTS5, stemmer, rapidfuzz)", "bot.standards.service"),
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
    importlib.import_module(name)
print(f"{base:.1f} {rss() - base:.1f}")
"""


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
