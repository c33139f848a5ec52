"""Fixtures for end-to-end tests: a fresh emulator and the real bot connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakediscord import BotProcess, FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as emulator:
        yield emulator


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[BotProcess]:
    """The bot, started and READY, stopped cleanly (exit 0, nothing leaked) after the test."""
    process = await BotProcess(fake, tmp_path).start()
    await process.until_ready()
    yield process
    code = await process.stop()
    assert code == 0, process.log()
    assert process.unclean_lines() == [], process.log()
    assert fake.mention_violations == []
    assert fake.unhandled == []
