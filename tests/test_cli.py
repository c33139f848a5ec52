"""The command line: clear one-line errors with exit code 2, database commands that work."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiosqlite

from bot.db import Database, bundled_migrations, scalar
from tests.alertsources import BillsFeed, FeedBill
from tests.clirun import run_cli
from tests.pgserver import PgServer

TOKEN = "MTAwMDAwMDAwMDAwMDAwMDA.GfAkEd.cli-test-token-00000000000000000"


def test_missing_token_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "coalition-bot: configuration error: DISCORD_TOKEN: is required to run the bot; it is not "
        "set (see config.example.env for every setting and its default)"
    ]


def test_malformed_setting_exits_2_naming_it_without_traceback(tmp_path: Path) -> None:
    result = run_cli(tmp_path, DISCORD_TOKEN=TOKEN, DISCORD_GUILD_IDS="my-server")
    assert result.returncode == 2
    assert "DISCORD_GUILD_IDS" in result.stderr
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr + result.stdout


def test_malformed_token_is_not_echoed(tmp_path: Path) -> None:
    result = run_cli(tmp_path, DISCORD_TOKEN="secret value with spaces")
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr
    assert "secret value" not in result.stderr


def test_env_file_in_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=NOISY\n")
    result = run_cli(tmp_path)
    assert result.returncode == 2
    assert "LOG_LEVEL" in result.stderr


def test_db_migrate_and_backup(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "data" / "bot.db")}
    migrated = run_cli(tmp_path, "db", "migrate", **env)
    assert migrated.returncode == 0, migrated.stderr
    assert f"schema version {len(bundled_migrations())}" in migrated.stdout
    backup = run_cli(tmp_path, "db", "backup", str(tmp_path / "backup.db"), **env)
    assert backup.returncode == 0, backup.stderr
    assert (tmp_path / "backup.db").stat().st_size > 0
    again = run_cli(tmp_path, "db", "backup", str(tmp_path / "backup.db"), **env)
    assert again.returncode == 1
    assert "already exists" in again.stderr


async def test_db_migrate_and_backup_on_postgresql(tmp_path: Path, pg_server: PgServer) -> None:
    url = await pg_server.new_database(empty=True)
    # The test server trusts local connections; the password must still never be shown.
    env = {"DATABASE_URL": url.replace("postgres@", "postgres:hunter2-secret@")}
    migrated = await run_cli_async(tmp_path, "db", "migrate", **env)
    assert migrated[0] == 0, migrated[2]
    assert f"schema version {len(bundled_migrations())}" in migrated[1]
    assert "postgres:***@127.0.0.1" in migrated[1]
    dump = tmp_path / "backup.dump"
    code, out, err = await run_cli_async(tmp_path, "db", "backup", str(dump), **env)
    assert code == 0, err
    assert "hunter2" not in out + err + migrated[1] + migrated[2]
    # The dump restores into an empty database with the same rows.
    copy = await pg_server.new_database(empty=True)
    restore = await asyncio.create_subprocess_exec(
        str(pg_server.bin_dir / "pg_restore"), f"--dbname={copy}", str(dump)
    )
    assert await restore.wait() == 0
    db = await Database.open(copy)
    try:
        assert await db.schema_version() == len(bundled_migrations())
        assert await scalar(db, "SELECT COUNT(*) FROM alert_tracked_cases") == 4
    finally:
        await db.close()
    missing = await run_cli_async(
        tmp_path, "db", "backup", str(tmp_path / "b2.dump"), PG_BIN=str(tmp_path), **env
    )
    assert missing[0] == 1
    assert (
        missing[2]
        .strip()
        .splitlines()[-1]
        .endswith("postgresql-client; or set PG_BIN to its folder)")
    )


async def run_cli_async(tmp_path: Path, *args: str, **env: str) -> tuple[int, str, str]:
    """The CLI as a child process while this test's event loop serves a local source."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_alerts_poll_dry_run_prints_what_would_be_posted_and_stores_nothing(
    tmp_path: Path,
) -> None:
    async with BillsFeed() as feed:
        env = {"DATABASE_PATH": str(tmp_path / "bot.db"), **feed.env()}
        feed.bills = [FeedBill(1367, "NO FAKES Act of 2026")]
        code, out, _ = await run_cli_async(tmp_path, "alerts", "poll", **env)
        assert code == 0 and "first poll" in out  # a real poll seeds the source
        feed.bills += [
            FeedBill(7913, "Generative AI Copyright Disclosure Act of 2026"),
            FeedBill(8012, "To designate the Jane Doe Post Office"),
        ]
        code, out, _ = await run_cli_async(
            tmp_path, "alerts", "poll", "--source", "govinfo-bills", "--dry-run", **env
        )
        assert code == 0, out
        assert "govinfo-bills: 2 new, 0 updated, 1 unchanged" in out
        assert "bill US S.7913: Generative AI Copyright Disclosure Act of 2026" in out
        assert "creators: generative AI · copyright" in out  # the tier and why
        assert "https://www.govinfo.gov/app/details/BILLS-119s7913is" in out
        assert "Post Office" not in out
        async with (
            aiosqlite.connect(tmp_path / "bot.db") as db,
            db.execute("SELECT COUNT(*) FROM alert_items") as cursor,
        ):
            assert (await cursor.fetchone())[0] == 1  # the dry run stored nothing
        feed.status = 503
        code, out, _ = await run_cli_async(tmp_path, "alerts", "poll", "--dry-run", **env)
        assert code == 1 and "govinfo-bills: FAILED: GovInfo bills feed: HTTP 503" in out
        code, _, err = await run_cli_async(tmp_path, "alerts", "poll", "--source", "nope", **env)
        assert code == 2 and "no alert source named 'nope'" in err
