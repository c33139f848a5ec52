"""Run the real bot the way users do (`python -m bot`) as a child process, for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.localdiscord.server import FakeDiscord

REPO = Path(__file__).resolve().parents[2]
# Shared by the bots this starts (tests, benchmarks): the classifier is learned once per text.
SHARED_CACHE = Path(tempfile.gettempdir()) / "coalition-bot-standards-cache"

# What the bot logs (at INFO) on discord.py's READY event, which comes after IDENTIFY and command
# registration (`until_ready`): discord.py waits 2 s (guild_ready_timeout) for more guilds first.
CONNECTED = "Connected as"
# Lines that mean the bot did not shut down (or run) cleanly.
UNCLEAN_MARKERS = (
    "Task was destroyed but it is pending",
    "Unclosed client session",
    "Unclosed connector",
    "was never awaited",
    "ResourceWarning",
    "Traceback (most recent call last)",
)


class BotProcess:
    """The bot as a child process with its own working directory, env and log file."""

    def __init__(
        self,
        fake: FakeDiscord,
        workdir: Path,
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
        *,
        dev_mode: bool = True,
        prefix: tuple[str, ...] = (),
    ) -> None:
        # Python's dev mode catches unawaited coroutines and leaks, but asyncio debug makes
        # every task slower: load tests and benchmarks turn it off.
        self.dev_mode = dev_mode
        self.fake = fake
        self.identified_before = 0
        self.workdir = workdir
        self.env = {**fake.bot_env(), **(env or {})}
        self.args = args
        self.prefix = prefix  # a command that runs the bot, e.g. in its own mount namespace
        self.log_path = workdir / "bot.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.returncode: int | None = None

    async def start(self) -> BotProcess:
        self.identified_before = self.fake.identify_count
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONWARNINGS": "default",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_PATH": str(self.workdir / "data" / "coalition.db"),
            "LOG_LEVEL": "INFO",
            "STANDARDS_PATH": str(REPO / "content" / "standards"),
            # One folder for every run's learned classifier: a start need not train it again.
            "STANDARDS_CACHE_PATH": str(SHARED_CACHE),
            # Tests never reach the real public sources; alert tests point them at local ones.
            "ALERTS_POLL": "false",
            **self.env,
        }
        log = self.log_path.open("ab")
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *self.prefix,
                sys.executable,
                *(("-X", "dev") if self.dev_mode else ()),
                "-m",
                "bot",
                *self.args,
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        finally:
            log.close()
        return self

    async def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Signal the bot to stop and wait for it; returns its exit code."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
                raise AssertionError(
                    f"the bot did not stop within {timeout}s:\n{self.log()}"
                ) from None
        self.returncode = self.proc.returncode
        return self.returncode

    async def until_ready(self, timeout: float = 20.0) -> BotProcess:
        """Wait for READY and command registration; fail at once if the bot exits first."""
        assert self.proc is not None
        ready = asyncio.ensure_future(
            self.fake.wait_ready(timeout, after=self.identified_before, shards=self.shard_ids)
        )
        exited = asyncio.ensure_future(self.proc.wait())
        await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
        exited.cancel()
        if not ready.done():
            ready.cancel()
            raise AssertionError(f"the bot exited before READY:\n{self.log()}")
        try:
            ready.result()
        except AssertionError:
            await self.stop()
            raise AssertionError(f"the bot never became ready:\n{self.log()}") from None
        return self

    async def until_logged(self, text: str, timeout: float = 30.0) -> None:
        """Wait for a line of the bot's log (read every 50 ms); fail if it never comes."""
        for _ in range(int(timeout / 0.05)):
            if text in self.log():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the bot never logged {text!r}:\n{self.log()}")

    async def kill(self) -> None:
        """End the bot abruptly (SIGKILL), as a crash or power loss would."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    async def wait(self, timeout: float = 30.0) -> int:
        """Wait for the bot to exit by itself."""
        assert self.proc is not None
        return await asyncio.wait_for(self.proc.wait(), timeout)

    @property
    def shard_ids(self) -> list[int] | None:
        """The shards this process runs when SHARD_IDS says (None: whatever it opens first)."""
        raw = self.env.get("SHARD_IDS", "")
        return [int(part) for part in raw.split(",") if part.strip()] or None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def unclean_lines(self) -> list[str]:
        """Log lines that show a leak, an unawaited coroutine or an unexpected traceback."""
        return [line for line in self.log().splitlines() if any(m in line for m in UNCLEAN_MARKERS)]

    async def __aenter__(self) -> BotProcess:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.returncode is None:
            await self.stop()
