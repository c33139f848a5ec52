"""`coalition-bot healthcheck` tells a live, connected bot from a stopped or missing one."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.health import HEARTBEAT_KEY, STALE_AFTER_SECONDS, check, heartbeat_key
from bot.localdiscord import FakeDiscord
from bot.state import BotState
from tests.e2e.conftest import running_bot

pytestmark = pytest.mark.e2e


async def healthcheck(workdir: Path, database: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "healthcheck",
        cwd=workdir,
        env={"PATH": os.environ["PATH"], "DATABASE_PATH": str(database)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode().strip()


async def test_live_bot_is_healthy_and_a_stopped_one_is_not(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    database = tmp_path / "data" / "coalition.db"
    async with running_bot(fake, tmp_path) as bot:
        # The first heartbeat is written as soon as the bot is READY.
        for _ in range(100):
            code, out = await healthcheck(tmp_path, database)
            if code == 0:
                break
            await asyncio.sleep(0.1)
        assert code == 0, f"{out}\n{bot.log()}"
        assert out.startswith("healthy: connected to Discord")
    code, out = await healthcheck(tmp_path, database)
    assert code == 1
    assert out.startswith("unhealthy: the bot stopped")


async def test_no_database_is_unhealthy_and_nothing_is_created(tmp_path: Path) -> None:
    database = tmp_path / "data" / "coalition.db"
    code, out = await healthcheck(tmp_path, database)
    assert code == 1
    assert "no database" in out
    assert not database.parent.exists()


async def beat(database: Path, key: str = HEARTBEAT_KEY, **fields: object) -> None:
    db = await Database.open(database)
    try:
        await BotState(db).put(key, json.dumps(fields))
    finally:
        await db.close()


async def test_stale_or_disconnected_heartbeat_is_unhealthy(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    now = datetime.now(UTC)
    await beat(database, at=now.isoformat(), gateway=True, stopped=False)
    assert check(database, now + timedelta(seconds=5)).healthy
    stale = check(database, now + timedelta(seconds=STALE_AFTER_SECONDS + 1))
    assert not stale.healthy and "no heartbeat" in stale.reason
    await beat(database, at=now.isoformat(), gateway=False, stopped=False)
    down = check(database, now)
    assert not down.healthy and "not connected to Discord" in down.reason
    await beat(database, at="yesterday")
    assert "unreadable" in check(database, now).reason


async def test_each_shard_process_is_judged_by_its_own_heartbeat(tmp_path: Path) -> None:
    # Shard processes share one database; a live shard 0 must not make a dead shard 1 look healthy.
    database = tmp_path / "bot.db"
    now = datetime.now(UTC)
    first, second = heartbeat_key((0,)), heartbeat_key((1,))
    assert len({HEARTBEAT_KEY, first, second, heartbeat_key((0, 1))}) == 4
    assert heartbeat_key(()) == HEARTBEAT_KEY  # one process keeps the key it always had
    await beat(database, first, at=now.isoformat(), gateway=True, stopped=False)
    await beat(database, second, at=now.isoformat(), gateway=False, stopped=True)
    assert check(database, now, key=first).healthy
    assert not check(database, now, key=second).healthy
    assert not check(database, now).healthy  # nothing under the single-process key
