"""The command line: clear one-line errors with exit code 2, database commands that work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TOKEN = "MTAwMDAwMDAwMDAwMDAwMDA.GfAkEd.cli-test-token-00000000000000000"


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


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
    assert "schema version 5" in migrated.stdout
    backup = run_cli(tmp_path, "db", "backup", str(tmp_path / "backup.db"), **env)
    assert backup.returncode == 0, backup.stderr
    assert (tmp_path / "backup.db").stat().st_size > 0
    again = run_cli(tmp_path, "db", "backup", str(tmp_path / "backup.db"), **env)
    assert again.returncode == 1
    assert "already exists" in again.stderr
