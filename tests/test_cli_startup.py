"""Start-up failures an operator can meet end in one clear line and an exit code, no traceback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_cli import TOKEN

QUIET = {"LOG_LEVEL": "WARNING"}  # the normal log is quiet: what is left is the error line


def run_bot(
    cwd: Path, *args: str, env: dict[str, str], prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={"PATH": os.environ["PATH"], **QUIET, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port that refuses connections (bound, never listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_a_corrupt_database_file_is_one_line_and_exit_1(tmp_path: Path, closed_port: int) -> None:
    garbage = os.urandom(16384)
    (tmp_path / "bot.db").write_bytes(garbage)
    env = {
        "DISCORD_TOKEN": TOKEN,
        "DATABASE_PATH": str(tmp_path / "bot.db"),
        "DISCORD_API_BASE_URL": f"http://127.0.0.1:{closed_port}/api/v10",
    }
    for args in [(), ("db", "migrate")]:
        result = run_bot(tmp_path, *args, env=env)
        assert result.returncode == 1
        assert one_line(result) == (
            f"coalition-bot: database error: {tmp_path / 'bot.db'} is not a usable SQLite "
            "database (file is not a database); restore a backup, or move the file away to "
            "start with an empty database"
        )
    assert (tmp_path / "bot.db").read_bytes() == garbage  # the operator's file is left alone


def _read_only_prefix(folder: Path) -> tuple[str, ...]:
    """Make folder read-only for the bot: by permissions, or for root by a read-only mount."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return ()
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("running as root without unshare to mount a folder read-only")
    prefix = (
        unshare,
        "--user",
        "--map-root-user",
        "--mount",
        "sh",
        "-c",
        'mount --bind -o ro "$0" "$0" && exec "$@"',
        str(folder),
    )
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)  # noqa: S603
    if probe.returncode != 0:
        pytest.skip("running as root without a way to mount a folder read-only")
    return prefix


@pytest.mark.parametrize("existing", [False, True], ids=["new-database", "existing-database"])
def test_a_read_only_data_folder_is_a_configuration_error(tmp_path: Path, existing: bool) -> None:
    data = tmp_path / "data"
    data.mkdir()
    env = {"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(data / "bot.db")}
    if existing:
        assert run_bot(tmp_path, "db", "migrate", env=env).returncode == 0
    prefix = _read_only_prefix(data)
    try:
        result = run_bot(tmp_path, env=env, prefix=prefix)
    finally:
        data.chmod(0o755)
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith(
        f"coalition-bot: configuration error: DATABASE_PATH: can't write to {data / 'bot.db'}"
    )
    assert f"make {data} a folder the user running the bot can write to" in line


def test_a_database_path_under_a_file_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    env = {"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "data" / "bot.db")}
    result = run_bot(tmp_path, env=env)
    assert result.returncode == 2
    assert one_line(result).startswith(
        f"coalition-bot: configuration error: DATABASE_PATH: can't write to "
        f"{tmp_path / 'data' / 'bot.db'} (a file is in the way of its folder); make "
        f"{tmp_path / 'data'} a folder"
    )


def test_discord_unreachable_at_start_is_one_line_and_exit_1(
    tmp_path: Path, closed_port: int
) -> None:
    url = f"http://127.0.0.1:{closed_port}/api/v10"
    env = {
        "DISCORD_TOKEN": TOKEN,
        "DATABASE_PATH": str(tmp_path / "bot.db"),
        "DISCORD_API_BASE_URL": url,
    }
    for args in [(), ("sync-commands",)]:
        result = run_bot(tmp_path, *args, env=env)
        assert result.returncode == 1
        assert one_line(result) == (
            f"coalition-bot: can't reach Discord at {url} (connection refused); check the "
            "network, or DISCORD_API_BASE_URL if you set it"
        )
