"""`coalition-bot demo` driven through a pseudo-terminal, the way a person uses it."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ANSWER_TIMEOUT = 60.0


class Terminal:
    """The demo in a pseudo-terminal: type lines, wait for text to appear."""

    def __init__(self, cwd: Path, **env: str) -> None:
        master, slave = pty.openpty()
        self.master = master
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "demo"],
            cwd=cwd,
            # No token and no network settings: the demo needs neither.
            env={"PATH": os.environ["PATH"], "TERM": "dumb", **env},
            stdin=slave,
            stdout=slave,
            stderr=slave,
            close_fds=True,
        )
        os.close(slave)
        self.seen = ""
        self.mark = 0

    def type(self, line: str) -> None:
        self.mark = len(self.seen)
        os.write(self.master, line.encode() + b"\r")

    def expect(self, pattern: str, timeout: float = ANSWER_TIMEOUT) -> str:
        """Wait for pattern in what appeared since the last line typed; return that output."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while not regex.search(self.seen, self.mark):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and not self._read(0):
                raise AssertionError(f"never saw {pattern!r}; the terminal shows:\n{self.seen}")
            self._read(min(left, 1.0))
        return self.seen[self.mark :]

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the demo has exited and closed the terminal
            return False
        self.seen += chunk.decode(errors="replace").replace("\r\n", "\n")
        return bool(chunk)

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            os.close(self.master)


@pytest.fixture
def terminal(tmp_path: Path):
    # Settings for a real server (and a token) are ignored: the demo plays its own server.
    term = Terminal(
        tmp_path,
        DISCORD_TOKEN="MTAwMDAwMDAwMDAwMDAwMDA.GfAkEd.not-a-real-token-00000000000000000",
        DISCORD_GUILD_IDS="123456789012345678",
        ADMIN_LOG_CHANNEL_ID="123456789012345679",
    )
    try:
        yield term
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
            term.proc.wait()


def test_a_person_asks_signs_and_leaves(terminal: Terminal, tmp_path: Path) -> None:
    banner = terminal.expect(r"in a browser")
    view = re.search(r"http://127\.0\.0\.1:\d+/_view", banner)
    assert view is not None
    terminal.expect(r"\n> $")

    terminal.type("/ask question: can an AI company train on my videos without asking")
    answer = terminal.expect(r"\[3\] Not helpful")
    assert "Consent before training" in answer
    assert "┌" in answer and "└" in answer  # the embed, framed
    assert "consent-training" in answer  # the citation's section id
    assert "Example text" in answer  # the example label, as in Discord

    terminal.type("1")  # Show full section
    full = terminal.expect(r"Only you can see this[\s\S]*└")
    assert "Consent before training" in full

    terminal.type("/ask question: what is the weather on mars")
    assert "The standards don't cover that" in terminal.expect(r"don't cover[\s\S]*└")

    terminal.type("/ask")
    assert "needs question:" in terminal.expect(r"needs question:")

    terminal.type("/pledge sign type: youtuber")
    terminal.expect(r"Public name[^\n]*: $")
    terminal.type("<b>Jane</b> @everyone")
    terminal.expect(r"link[^\n]*: $")
    terminal.type("https://www.youtube.com/@jane")
    terminal.expect(r"choose a number: $")
    terminal.type("2")
    terminal.expect(r"public wall \[y/N\]: $")
    terminal.type("y")
    signed = terminal.expect(r"/pledge verify[\s\S]*> $")
    assert "Only you can see this" in signed
    assert "Signed — one step left" in signed
    assert re.search(r"CCAI-[A-Z0-9]{8}", signed)

    terminal.type("/pledge count")
    count = terminal.expect(r"waiting to verify")
    assert "1 waiting to verify" in count

    # The same conversation, as Discord draws it, in the browser view of #general.
    index = httpx.get(view[0]).text
    general = re.search(r'href="(/_view/channels/\d+)">#general', index)
    assert general is not None
    page = httpx.get(view[0].removesuffix("/_view") + general[1]).text
    assert "Signed — one step left" in page and "Only you can see this" in page
    assert "&lt;b&gt;Jane&lt;/b&gt;" in page and "<b>Jane" not in page

    terminal.type("/alerts latest")
    latest = terminal.expect(r"Latest alerts[\s\S]*└")
    assert "Sample bill (demo data)" in latest

    terminal.type("help")
    listing = terminal.expect(r"quit ")
    assert "/pledge sign type: youtuber|podcaster|newsletter|other" in listing
    assert "/ask question: QUESTION" in listing

    terminal.type("quit")
    terminal.expect(r"Bye\.")
    assert terminal.close() == 0
    assert "Traceback" not in terminal.seen
    # The throw-away database went with the demo; nothing was left in the working directory.
    assert list(tmp_path.iterdir()) == []


def test_end_of_input_leaves_cleanly(terminal: Terminal) -> None:
    terminal.expect(r"\n> $")
    terminal.type("/nonsense")
    assert "there is no /nonsense" in terminal.expect(r"no /nonsense")
    os.write(terminal.master, b"\x04")  # Ctrl-D
    assert terminal.close() == 0
    assert "Traceback" not in terminal.seen
