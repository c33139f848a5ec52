"""A throw-away PostgreSQL cluster for the tests: its own data folder, socket folder and port.

Started once per test session from the server binaries (`PG_BIN`, else Debian's
/usr/lib/postgresql/<version>/bin), as an unprivileged user when the tests run as root (initdb
refuses root). Each test gets a fresh database copied from a template that already holds the
migrated schema, so a test starts in milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg

REQUIRE_ENV = "COALITION_REQUIRE_POSTGRES"
TEMPLATE = "coalition_template"
START_TIMEOUT = 60.0


def find_bin() -> Path | None:
    """The folder with initdb and postgres, or None when no server is installed."""
    if os.environ.get("PG_BIN"):
        folder = Path(os.environ["PG_BIN"])
        return folder if (folder / "initdb").exists() else None
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


def required() -> bool:
    """Whether a missing server fails the run (CI) instead of skipping the PostgreSQL tests."""
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One running cluster; `new_database()` hands out fresh databases with the schema."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="coalition-pg-"))
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)
        self._run_as: list[str] = []
        if os.geteuid() == 0:
            user = "nobody"
            pw = pwd.getpwnam(user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._run_as = ["runuser", "-u", user, "--"]
        os.chmod(self.root, 0o700)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        data = self.root / "data"
        subprocess.run(
            [*self._run_as, str(self.bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
             "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            check=True, capture_output=True,
        )  # fmt: skip
        log = open(self.root / "server.log", "wb")  # noqa: SIM115 - the server keeps it
        self._process = subprocess.Popen(
            [*self._run_as, str(self.bin_dir / "postgres"), "-D", str(data),
             "-p", str(self.port), "-k", str(self.root), "-c", "listen_addresses=127.0.0.1",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=200"],
            stdout=log, stderr=log,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"PostgreSQL did not start: {self.log_tail()}")
            try:
                # Its own thread and loop: the fixture may be asked for from a running loop.
                with ThreadPoolExecutor(1) as pool:
                    pool.submit(asyncio.run, self._create_template()).result()
                return
            except (OSError, asyncpg.CannotConnectNowError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    async def _create_template(self) -> None:
        from bot.db import Database

        conn = await asyncpg.connect(self.url(), timeout=5)
        try:
            await conn.execute(f"CREATE DATABASE {TEMPLATE}")
        finally:
            await conn.close()
        db = await Database.open(self.url(TEMPLATE))
        await db.close()

    async def new_database(self, *, empty: bool = False) -> str:
        """The URL of a new database: the migrated schema, or nothing at all when empty."""
        name = f"test_{next(self._names)}"
        conn = await asyncpg.connect(self.url(), timeout=10)
        try:
            template = "template0" if empty else TEMPLATE
            await conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        finally:
            await conn.close()
        return self.url(name)

    def log_tail(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=20)
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
