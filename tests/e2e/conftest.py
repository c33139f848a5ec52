"""Fixtures for end-to-end tests: a fresh emulator and the real bot connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.localdiscord import BotProcess, FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as emulator:
        yield emulator


@asynccontextmanager
async def running_bot(
    fake: FakeDiscord, workdir: Path, env: dict[str, str] | None = None
) -> AsyncIterator[BotProcess]:
    """The bot, READY; afterwards it must exit 0, leak nothing, ping nobody, call no unknown route."""
    async with BotProcess(fake, workdir, env) as process:
        await process.until_ready()
        yield process
        assert await process.stop() == 0
        assert process.unclean_lines() == [], process.log()
    assert fake.mention_violations == []
    assert fake.unhandled == []


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[BotProcess]:
    async with running_bot(fake, tmp_path) as process:
        yield process
