"""A database that refuses writes while the bot runs: admins hear of it once, not per failure."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.localdiscord import BotProcess, FakeDiscord


def small_disk(folder: Path, size: str) -> tuple[str, ...]:
    """A prefix that runs the bot with a tmpfs of `size` mounted on folder, seen by it alone."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("needs unshare (util-linux) to give the bot a small disk of its own")
    prefix = (
        unshare,
        "--user",
        "--map-root-user",
        "--mount",
        "sh",
        "-c",
        f'mount -t tmpfs -o size={size} tmpfs "$0" && exec "$@"',
        str(folder),
    )
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)  # noqa: S603
    if probe.returncode != 0:
        pytest.skip("this machine can't mount a tmpfs in a user namespace")
    return prefix


def fill(path: Path) -> None:
    """Write to path until the disk is full."""
    with path.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass


async def test_a_full_disk_is_reported_to_admins_once(fake: FakeDiscord, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    env = {
        "ADMIN_LOG_CHANNEL_ID": str(fake.channel("mod-log").id),
        "DATABASE_PATH": str(data / "coalition.db"),
    }
    prefix = small_disk(data, "8m")
    async with BotProcess(fake, tmp_path, env, dev_mode=False, prefix=prefix) as bot:
        await bot.until_ready()
        assert bot.proc is not None
        # The tmpfs exists only in the bot's mount namespace; reach it through its /proc root.
        seen_by_bot = Path(f"/proc/{bot.proc.pid}/root") / data.relative_to("/")
        assert (seen_by_bot / "coalition.db").exists()
        fill(seen_by_bot / "filler")
        # The question log is written behind the answers: the first question is answered and
        # kept in memory; its failed write tells the admins, and from then on /ask says so.
        asker = fake.add_member("first-asker")  # /ask allows one person 4 questions a minute
        first = await fake.invoke("ask", user=asker, question="should AI content be labelled?")
        assert (await first.message())["embeds"]
        mod_log = fake.channel("mod-log")
        await fake.wait_for(lambda: fake.channel_messages(mod_log), 10, "the notice")
        for _ in range(3):
            failed = await fake.invoke("ask", question="should AI content be labelled?")
            assert (await failed.message())["content"] == (
                "I can't save anything right now, so nothing was changed. Please try again later."
            )
        (seen_by_bot / "filler").unlink()
        answered = await fake.invoke("ask", question="should AI content be labelled?")
        assert (await answered.message())["embeds"]
        await fake.wait_for(lambda: len(fake.channel_messages(mod_log)) >= 2, 10, "the all-clear")
        refused, restored = (m["content"] for m in fake.channel_messages(mod_log))
        assert refused.startswith("The database refuses writes (the disk is full")
        assert restored == "The database takes writes again."
        assert await bot.stop() == 0
    assert bot.unclean_lines() == [], bot.log()
