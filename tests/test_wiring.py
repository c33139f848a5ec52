"""The command tree is wired explicitly: every command exists whatever order the cogs load in."""

from __future__ import annotations

import logging
import pkgutil
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from discord import app_commands

import cogs
from bot.app import EXTENSIONS, CoalitionBot
from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent

EXPECTED_COMMANDS = {
    "about",
    "help",
    "ask",
    "standards",
    "standards list",
    "standards show",
    "pledge",
    "pledge sign",
    "pledge verify",
    "pledge status",
    "pledge withdraw",
    "pledge count",
    "pledge wall",
    "alerts",
    "alerts latest",
    "admin",
    "admin standards",
    "admin standards reload",
    "admin standards gaps",
    "admin pledges",
    "admin pledges review",
    "admin pledges export",
    "admin pledges remove",
    "admin alerts",
    "admin alerts subscribe",
    "admin alerts list",
    "admin alerts unsubscribe",
    "admin alerts resume",
    "admin alerts preview",
    "admin alerts sources",
    "admin alerts poll",
    "admin alerts track",
    "admin alerts untrack",
    "admin alerts addfeed",
    "admin alerts removefeed",
    "admin alerts tracked",
    "admin alerts misses",
}
ADMIN_ALERTS = {name for name in EXPECTED_COMMANDS if name.startswith("admin alerts ")}


def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_PATH": str(tmp_path / "bot.db"),
            "STANDARDS_PATH": str(ROOT / "content" / "standards"),
            "ALERTS_POLL": "false",
        }
    )


@asynccontextmanager
async def offline_bot(
    tmp_path: Path, order: Iterable[str] = EXTENSIONS
) -> AsyncIterator[CoalitionBot]:
    """The real bot with its services and cogs, never connected to Discord."""
    bot = CoalitionBot(settings(tmp_path))
    async with bot:
        await bot.open_services()
        await bot.load_cogs(order)
        yield bot


def command_names(bot: CoalitionBot) -> set[str]:
    return {command.qualified_name for command in bot.tree.walk_commands()}


def test_every_cog_module_is_listed_once() -> None:
    modules = {f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.ispkg}
    assert sorted(EXTENSIONS) == sorted(modules)


async def test_the_tree_holds_every_expected_command(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as bot:
        assert command_names(bot) == EXPECTED_COMMANDS


@pytest.mark.parametrize(
    "order",
    [
        tuple(reversed(EXTENSIONS)),
        ("cogs.alerts", "cogs.help", "cogs.pledges", "cogs.standards", "cogs.admin"),
    ],
)
async def test_admin_alerts_exists_whatever_order_the_cogs_load_in(
    tmp_path: Path, order: tuple[str, ...]
) -> None:
    async with offline_bot(tmp_path, order) as bot:
        assert command_names(bot) == EXPECTED_COMMANDS


async def test_reloading_either_cog_keeps_admin_alerts(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as bot:
        await bot.reload_extension("cogs.alerts")
        assert command_names(bot) == EXPECTED_COMMANDS
        await bot.reload_extension("cogs.admin")
        assert command_names(bot) == EXPECTED_COMMANDS
        admin = bot.tree.get_command("admin")
        assert isinstance(admin, app_commands.Group)
        alerts = admin.get_command("alerts")
        assert isinstance(alerts, app_commands.Group) and alerts.parent is admin
        assert {f"admin alerts {c.name}" for c in alerts.commands} == ADMIN_ALERTS


async def test_unloading_alerts_takes_only_its_own_subgroup(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as bot:
        await bot.unload_extension("cogs.alerts")
        names = command_names(bot)
        assert not {n for n in names if n.startswith("alerts") or n.startswith("admin alerts")}
        assert {"admin standards reload", "admin pledges review"} <= names
        await bot.load_extension("cogs.alerts")
        assert command_names(bot) == EXPECTED_COMMANDS


async def test_a_database_that_refuses_writes_is_reported_to_admins_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with offline_bot(tmp_path) as bot:
        async with bot.db.transaction() as tx:
            (pages,) = await tx.fetchone("PRAGMA page_count") or (0,)
            await tx.execute(f"PRAGMA max_page_count = {pages}")  # the disk is now "full"
        with caplog.at_level(logging.WARNING, logger="bot.ui.actions"):
            for attempt in range(3):
                with pytest.raises(sqlite3.OperationalError, match="full"):
                    await bot.state.put(f"big-{attempt}", "x" * 100_000)
            await bot.tasks.close()  # wait for the notices sent so far
            notices = [r.getMessage() for r in caplog.records if r.name == "bot.ui.actions"]
            assert len(notices) == 1
            assert "refuses writes (the disk is full" in notices[0]
            async with bot.db.transaction() as tx:
                await tx.execute("PRAGMA max_page_count = 1073741823")
            await bot.state.put("after", "fixed")
            await bot.state.put("after", "still fine")
            await bot.tasks.close()
            notices = [r.getMessage() for r in caplog.records if r.name == "bot.ui.actions"]
            assert notices[1:] == ["Admin notice: The database takes writes again."]
        assert await bot.state.get("after") == "still fine"
