"""Liveness for `coalition-bot healthcheck` (Docker's HEALTHCHECK, systemd, monitoring).

While it runs, the bot writes a heartbeat to its database every HEARTBEAT_SECONDS: the time and
whether it is connected to Discord's gateway; on a clean shutdown it writes that it stopped.
The healthcheck reads the heartbeat from another process, read-only, so it works wherever the
database file is visible (the same container, host or volume).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "heartbeat"


def heartbeat_key(shard_ids: tuple[int, ...] = ()) -> str:
    """The bot_state key of one process's heartbeat: shard processes sharing a database each
    keep their own ("heartbeat:shards=1"), so one live process can't hide a dead one."""
    if not shard_ids:
        return HEARTBEAT_KEY
    return f"{HEARTBEAT_KEY}:shards={','.join(map(str, shard_ids))}"


HEARTBEAT_SECONDS = 30.0
# Missing three heartbeats in a row means the bot is stuck or gone.
STALE_AFTER_SECONDS = 3 * HEARTBEAT_SECONDS


class _Client(Protocol):
    def is_ready(self) -> bool: ...
    def is_closed(self) -> bool: ...
    async def wait_until_ready(self) -> None: ...


class _State(Protocol):
    async def put(self, key: str, value: str) -> None: ...


def gateway_connected(client: _Client) -> bool:
    """Whether the client is ready and its gateway websocket (each shard's, if sharded) is open."""
    if not client.is_ready() or client.is_closed():
        return False
    shards = getattr(client, "shards", None)  # an AutoShardedClient keeps one socket per shard
    if shards:
        return all(not shard.is_closed() for shard in shards.values())
    ws = getattr(client, "ws", None)
    return bool(ws is not None and ws.open)


async def heartbeat(
    client: _Client, state: _State, interval: float = HEARTBEAT_SECONDS, key: str = HEARTBEAT_KEY
) -> None:
    """Write the heartbeat every interval seconds until cancelled; then write 'stopped'."""
    await client.wait_until_ready()
    try:
        while True:
            await state.put(key, _beat(gateway=gateway_connected(client)))
            await asyncio.sleep(interval)
    except asyncio.CancelledError:
        try:
            await state.put(key, _beat(gateway=False, stopped=True))
        except Exception:  # the database may be why we are stopping; the beat just goes stale
            log.warning("Could not record the shutdown in the heartbeat", exc_info=True)
        raise


def _beat(*, gateway: bool, stopped: bool = False) -> str:
    return json.dumps({"at": datetime.now(UTC).isoformat(), "gateway": gateway, "stopped": stopped})


@dataclass(frozen=True, slots=True)
class Health:
    healthy: bool
    reason: str


def check(database: Path, now: datetime | None = None, key: str = HEARTBEAT_KEY) -> Health:
    """Whether the bot using this database is alive, connected and can write; never writes."""
    now = now or datetime.now(UTC)
    if not database.is_file():
        return Health(False, f"no database at {database} (has the bot started?)")
    try:
        conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute("SELECT value FROM bot_state WHERE key = ?", (key,)).fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return Health(False, f"can't read the database {database}: {exc}")
    value: str | None = None if row is None else row[0]
    unhealthy = _judge(value, now)
    if unhealthy is not None or value is None:
        return unhealthy or Health(False, "no heartbeat")
    if not (os.access(database, os.W_OK) and os.access(database.parent, os.W_OK)):
        return Health(False, f"the database {database} is not writable")
    return Health(True, f"connected to Discord, heartbeat {_age(value, now):.0f} s ago")


async def check_postgres(url: str, now: datetime | None = None, key: str = HEARTBEAT_KEY) -> Health:
    """The same check against a PostgreSQL database (DATABASE_URL), in a read-only session."""
    import asyncpg

    from bot.db_pg import redact

    now = now or datetime.now(UTC)
    try:
        conn = await asyncpg.connect(
            url, timeout=5, server_settings={"default_transaction_read_only": "on"}
        )
        try:
            value = await conn.fetchval(
                "SELECT value FROM bot_state WHERE key = $1", key, timeout=5
            )
        finally:
            await conn.close()
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return Health(False, f"can't read the database {redact(url)}: {exc}")
    unhealthy = _judge(value, now)
    if unhealthy is not None:
        return unhealthy
    return Health(True, f"connected to Discord, heartbeat {_age(value, now):.0f} s ago")


def _age(value: str, now: datetime) -> float:
    return (now - datetime.fromisoformat(json.loads(value)["at"])).total_seconds()


def _judge(value: str | None, now: datetime) -> Health | None:
    """Why a stored heartbeat says the bot is unhealthy, or None when it is fine."""
    if value is None:
        return Health(False, "no heartbeat yet (the bot has not connected to Discord)")
    try:
        beat = json.loads(value)
        age = _age(value, now)
    except (ValueError, KeyError, TypeError):
        return Health(False, "the heartbeat in the database is unreadable")
    if beat.get("stopped"):
        return Health(False, f"the bot stopped {age:.0f} s ago")
    if age > STALE_AFTER_SECONDS:
        return Health(False, f"no heartbeat for {age:.0f} s (the bot is stuck or gone)")
    if not beat.get("gateway"):
        return Health(False, f"not connected to Discord (heartbeat {age:.0f} s ago)")
    return None
