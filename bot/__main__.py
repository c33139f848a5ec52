"""Command line: `coalition-bot` (or `python -m bot`) runs the bot; subcommands for operators."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import aiohttp
import discord

from bot import __version__, heap
from bot.alerts.scheduler import PollOutcome
from bot.cli import add_commands
from bot.config import ConfigError, Settings, load_settings
from bot.db import Database, DatabaseError, DatabaseLocationError, backup_file
from bot.errors import UserFacingError
from bot.logs import setup_logging
from bot.standards.loader import StandardsError
from bot.tasks import Tasks

log = logging.getLogger("bot")

EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, load settings, and run the chosen command."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        setup_logging(settings.log_level, settings.secrets())
        return args.handler(settings, args)
    except ConfigError as exc:
        print(f"coalition-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except DatabaseLocationError as exc:
        print(f"coalition-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except DatabaseError as exc:
        print(f"coalition-bot: database error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except StandardsError as exc:
        print(f"coalition-bot: the standards text is broken: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The command line: run (default), sync-commands, db migrate, db backup PATH."""
    parser = argparse.ArgumentParser(prog="coalition-bot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"coalition-bot {__version__}")
    parser.set_defaults(handler=_run_command)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    sub.add_parser("run", help="run the bot (the default)").set_defaults(handler=_run_command)
    sub.add_parser(
        "sync-commands", help="log in, register the slash commands now even if unchanged, exit"
    ).set_defaults(handler=_sync_command)
    db = sub.add_parser("db", help="database maintenance").add_subparsers(metavar="ACTION")
    db.required = True
    db.add_parser("migrate", help="apply pending migrations and exit").set_defaults(
        handler=_migrate_command
    )
    backup = db.add_parser("backup", help="copy the database consistently, even while running")
    backup.add_argument("path", type=Path, help="the new backup file (must not exist)")
    backup.set_defaults(handler=_backup_command)
    alerts = sub.add_parser("alerts", help="alert sources").add_subparsers(metavar="ACTION")
    alerts.required = True
    poll = alerts.add_parser("poll", help="poll the alert sources now and print what they found")
    poll.add_argument("--source", action="append", metavar="NAME", help="only this source")
    poll.add_argument(
        "--dry-run", action="store_true", help="store nothing: print what would be posted"
    )
    poll.set_defaults(handler=_alerts_poll_command)
    add_commands(sub)
    return parser


def _run_command(settings: Settings, _args: argparse.Namespace) -> int:
    token = settings.require_token()
    return asyncio.run(_serve(settings, token, force_sync=False))


def _sync_command(settings: Settings, _args: argparse.Namespace) -> int:
    token = settings.require_token()
    return asyncio.run(_serve(settings, token, force_sync=True, stay_connected=False))


def _migrate_command(settings: Settings, _args: argparse.Namespace) -> int:
    async def migrate() -> int:
        db = await Database.open(settings.database)
        try:
            version = await db.schema_version()
        finally:
            await db.close()
        print(f"{settings.database_shown}: schema version {version}")
        return EXIT_OK

    return asyncio.run(migrate())


def _backup_command(settings: Settings, args: argparse.Namespace) -> int:
    if settings.database_url:
        from bot.db_pg import pg_dump

        asyncio.run(pg_dump(settings.database_url, args.path))
        print(f"Dumped {settings.database_shown} to {args.path} (pg_restore reads it back)")
        return EXIT_OK
    asyncio.run(backup_file(settings.database_path, args.path))
    print(f"Backed up {settings.database_path} to {args.path}")
    return EXIT_OK


def _alerts_poll_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.alerts.service import AlertService
    from bot.http import create_http_clients

    async def poll() -> int:
        with tempfile.TemporaryDirectory(prefix="coalition-dry-run-") as scratch:
            return await poll_with(await _poll_database(settings, args.dry_run, Path(scratch)))

    async def poll_with(db: Database) -> int:
        clients = create_http_clients(settings)
        try:
            service = AlertService(db, clients.sources, settings, feed_client=clients.feeds)
            await service.load()
            if args.dry_run:
                outcomes = await service.dry_run(args.source)
            else:
                names = args.source or sorted(service.sources())
                outcomes = [await service.poll_now(name) for name in names]
        finally:
            await clients.aclose()
            await db.close()
        for outcome in outcomes:
            print(poll_report(outcome, dry_run=args.dry_run))
        return EXIT_OK if all(o.ok for o in outcomes) else EXIT_FAILURE

    try:
        return asyncio.run(poll())
    except UserFacingError as exc:
        print(f"coalition-bot: {exc.message}", file=sys.stderr)
        return EXIT_CONFIG


async def _poll_database(settings: Settings, dry_run: bool, scratch: Path) -> Database:
    """The database a poll works in: for a dry run, a throw-away copy (the real one untouched)."""
    if not dry_run:
        return await Database.open(settings.database)
    if settings.database_url:
        # No file to copy: a dry run against a PostgreSQL deployment starts from empty.
        return await Database.open(Path(":memory:"))
    if not await asyncio.to_thread(settings.database_path.is_file):
        return await Database.open(Path(":memory:"))
    copy = scratch / "dry-run.db"
    await backup_file(settings.database_path, copy)
    return await Database.open(copy)


def poll_report(outcome: PollOutcome, *, dry_run: bool) -> str:
    """A poll's outcome as plain text for the operator."""
    if not outcome.ok or outcome.result is None:
        return f"{outcome.source}: FAILED: {outcome.error}"
    r = outcome.result
    verb = "would queue" if dry_run else "queued"
    lines = [
        f"{outcome.source}: {r.new} new, {r.updated} updated, {r.unchanged} unchanged; "
        f"{verb} {r.queued} alert(s)"
        + (
            f" (first poll: {'would be ' if dry_run else ''}stored silently, nothing posted)"
            if r.seeded
            else ""
        )
    ]
    for item in r.relevant:
        status = f" [{item.status}]" if item.status else ""
        why = " · ".join(item.reasons) or "-"
        lines.append(
            f"  {item.kind.value} {item.jurisdiction} {item.identifier}: {item.title}{status}\n"
            f"    {item.tier or 'untiered'}: {why}\n"
            f"    {item.url}"
        )
    return "\n".join(lines)


async def _serve(
    settings: Settings, token: str, *, force_sync: bool, stay_connected: bool = True
) -> int:
    from bot.app import CoalitionBot, point_discord_at

    heap.keep_mmap_threshold()  # before start-up's big temporaries (bot/heap.py)
    # A broken database is the operator's to fix before anything talks to Discord.
    await (await Database.open(settings.database)).close()
    point_discord_at(settings)
    bot = CoalitionBot(settings, force_sync=force_sync)
    try:
        async with bot:
            await bot.login(token)
            if not stay_connected:
                return EXIT_OK
            return await _run_until_signalled(bot)
    except (aiohttp.ClientConnectionError, discord.DiscordServerError) as exc:
        print(
            f"coalition-bot: can't reach Discord at {settings.discord_api_base_url} "
            f"({_reason(exc)}); check the network, or DISCORD_API_BASE_URL if you set it",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    except discord.LoginFailure:
        print(
            "coalition-bot: configuration error: DISCORD_TOKEN: Discord rejected this token; "
            "reset it in the Developer Portal and update .env",
            file=sys.stderr,
        )
        return EXIT_CONFIG


def _reason(exc: BaseException) -> str:
    """The short cause of a failed connection, without aiohttp's host:port preamble."""
    cause = getattr(exc, "os_error", None)
    if isinstance(cause, OSError) and cause.errno:
        return os.strerror(cause.errno).lower()
    return str(exc) or type(exc).__name__


async def _run_until_signalled(bot: discord.Client) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = Tasks("main")
    runner = tasks.spawn(bot.connect(), name="discord-client")
    waiter = tasks.spawn(stop.wait(), name="stop-signal")
    try:
        await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await tasks.cancel(waiter)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    if stop.is_set():
        log.info("Stop signal received; shutting down")
        await bot.close()
    await runner
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
