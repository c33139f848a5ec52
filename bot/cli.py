"""Commands that need no Discord token: ask the standards, check them, the demo, healthcheck."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.config import Settings
from bot.db import Database
from bot.errors import UserFacingError
from bot.pledges.service import PLEDGE_SECTION_ID
from bot.standards.loader import StandardsError, load_standards

EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ask, standards check, demo and healthcheck to the command line."""
    ask = sub.add_parser("ask", help="print what /ask answers to a question (no token needed)")
    ask.add_argument("question", help="the question, in quotes")
    ask.set_defaults(handler=ask_command)
    standards = sub.add_parser("standards", help="the standards text").add_subparsers(
        metavar="ACTION"
    )
    standards.required = True
    check = standards.add_parser(
        "check", help="check a standards folder; errors as file:line, exit 1 if any"
    )
    check.add_argument("path", nargs="?", type=Path, help="the folder (default: STANDARDS_PATH)")
    check.set_defaults(handler=standards_check_command)
    sub.add_parser(
        "healthcheck", help="exit 0 if the running bot is connected and its database writable"
    ).set_defaults(handler=healthcheck_command)
    sub.add_parser(
        "demo", help="try the bot in this terminal: a local Discord, no token, no network"
    ).set_defaults(handler=_demo_command)


def healthcheck_command(settings: Settings, _args: argparse.Namespace) -> int:
    """Read the running bot's heartbeat from its database (never writing) and report."""
    from bot.health import check, check_postgres, heartbeat_key

    key = heartbeat_key(settings.shard_ids)  # this process's own, when shards share a database
    if settings.database_url:
        health = asyncio.run(check_postgres(settings.database_url, key=key))
    else:
        health = check(settings.database_path, key=key)
    print(f"{'healthy' if health.healthy else 'unhealthy'}: {health.reason}")
    return EXIT_OK if health.healthy else EXIT_FAILURE


def _demo_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo import demo_command

    return demo_command(settings, args)


def _quiet() -> None:
    """Keep routine start-up lines (migrations, loading) off a command's output."""
    root = logging.getLogger()
    if root.level < logging.WARNING and root.level != logging.DEBUG:
        root.setLevel(logging.WARNING)


def ask_command(settings: Settings, args: argparse.Namespace) -> int:
    """Answer as /ask does, from a throw-away database, and print the reply as text."""
    _quiet()
    try:
        text = asyncio.run(ask_text(settings, args.question))
    except UserFacingError as exc:
        print(f"coalition-bot: {exc.message}", file=sys.stderr)
        return EXIT_FAILURE
    print(text)
    return EXIT_OK


async def ask_text(settings: Settings, question: str) -> str:
    """What /ask replies to question, as plain text (the same embed the cog sends)."""
    from bot.http import create_http_client
    from bot.standards.compose import ChatComposer
    from bot.standards.service import StandardsService
    from bot.ui.plaintext import embed_text
    from bot.ui.standards import answer_embed

    db = await Database.open(Path(":memory:"))
    client = create_http_client(settings) if settings.llm_base_url else None
    composer = None
    if client is not None and settings.llm_base_url is not None:
        composer = ChatComposer(
            client,
            settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout_seconds,
        )
    from bot.demo import default_standards

    # A question from the command line leaves no files: it uses the bot's kept classifier only
    # where the bot has made that folder.
    kept = settings.standards_cache
    service = StandardsService(
        db,
        default_standards(settings),
        min_confidence=settings.standards_min_confidence,
        base_url=settings.citation_base_url,
        composer=composer,
        cache=kept if await asyncio.to_thread(kept.is_dir) else None,
    )
    try:
        await service.load()
        answer = await service.answer(question)
        embed = answer_embed(answer, service.document, settings.standards_help_channel_id)
        help_channel = settings.standards_help_channel_id
        return embed_text(embed, names={str(help_channel): "help"} if help_channel else None)
    finally:
        await service.close()
        if client is not None:
            await client.aclose()
        await db.close()


def standards_check_command(settings: Settings, args: argparse.Namespace) -> int:
    """Load a standards folder as the bot would; print each defect as file:line: problem."""
    folder: Path = args.path or settings.standards_path
    problems = check_standards(folder)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return EXIT_FAILURE
    document = load_standards(folder)
    kind = "example text" if document.example else "adopted text"
    print(
        f"{folder}: OK: {document.title} {document.version} ({document.date}), "
        f"{len(document.sections)} sections, {kind}, "
        f"{len(document.examples)} labelled example questions"
    )
    return EXIT_OK


def check_standards(folder: Path) -> list[str]:
    """Every defect found in the standards folder, as 'file:line: problem' lines."""
    if not folder.is_dir():
        return [f"{folder}:0: not a folder"]
    try:
        document = load_standards(folder)
    except StandardsError as exc:
        file = exc.file if Path(exc.file).is_absolute() else str(folder / exc.file)
        return [f"{file}:{exc.line}: {exc.problem}"]
    except (OSError, UnicodeDecodeError) as exc:
        return [f"{folder}:0: can't read: {exc}"]
    problems = []
    if document.section(PLEDGE_SECTION_ID) is None:
        first = document.sections[0]
        problems.append(
            f"{folder / first.file}:1: no section with id '{PLEDGE_SECTION_ID}' "
            "(the text members sign with /pledge sign)"
        )
    return problems
