"""The Dockerfile, compose.yaml and systemd unit point at things that exist and run.

No container engine runs on the test machine, so the image is not built here; these tests check
that the same entry points the image uses work outside a container.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from bot.__main__ import build_parser
from bot.cli import healthcheck_command

REPO = Path(__file__).resolve().parents[1]


def instructions() -> list[tuple[str, str]]:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), " ".join(rest.split())))
    return out


def test_image_runs_as_non_root_with_a_data_volume() -> None:
    steps = instructions()
    assert steps[0][0] == "FROM" and re.match(r"python:3\.1[1-9]-slim", steps[0][1])
    users = [arg for keyword, arg in steps if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert ("VOLUME", '["/data"]') in steps
    env = " ".join(arg for keyword, arg in steps if keyword == "ENV")
    assert "DATABASE_PATH=/data/coalition.db" in env


def test_every_copied_path_exists() -> None:
    for keyword, arg in instructions():
        if keyword == "COPY":
            *sources, _target = shlex.split(arg)
            for source in sources:
                assert (REPO / source).exists(), source


def test_healthcheck_and_cmd_are_real_commands() -> None:
    steps = dict(instructions())
    health = re.search(r"CMD (\[.*\])", steps["HEALTHCHECK"])
    assert health is not None
    argv = json.loads(health[1])
    assert argv[0] == "coalition-bot"
    assert build_parser().parse_args(argv[1:]).handler is healthcheck_command
    assert json.loads(steps["CMD"]) == ["coalition-bot"]


def test_compose_uses_the_image_volume() -> None:
    text = (REPO / "compose.yaml").read_text(encoding="utf-8")
    assert "build: ." in text
    assert re.search(r"^\s+- coalition-data:/data$", text, re.M)
    assert "env_file: .env" in text


def test_systemd_unit_runs_the_installed_command() -> None:
    unit = (REPO / "deploy" / "coalition-bot.service").read_text(encoding="utf-8")
    exec_start = re.search(r"^ExecStart=(\S+)", unit, re.M)
    assert exec_start is not None and exec_start[1].endswith("/.venv/bin/coalition-bot")
    assert re.search(r"^User=(?!root)\w+", unit, re.M)
    assert "RestartPreventExitStatus=2" in unit  # a configuration error is not retried


def test_compose_offers_postgresql_behind_a_profile() -> None:
    text = (REPO / "compose.yaml").read_text(encoding="utf-8")
    service = text[text.index("\n  postgres:") :]
    assert "profiles: [postgres]" in service and "image: postgres:15" in service
    assert "pg_isready" in service
    assert "required: false" in text  # SQLite users start the bot without it


def test_two_shard_compose_runs_each_shard_once_on_postgresql() -> None:
    text = (REPO / "deploy" / "compose.shards.yaml").read_text(encoding="utf-8")
    assert re.findall(r'SHARD_COUNT: "(\d+)"', text) == ["2", "2"]
    assert sorted(re.findall(r'SHARD_IDS: "(\d+)"', text)) == ["0", "1"]
    assert "condition: service_healthy" in text  # both wait for the shared PostgreSQL
    assert "-f deploy/compose.shards.yaml --profile postgres" in (REPO / "README.md").read_text(
        encoding="utf-8"
    )
