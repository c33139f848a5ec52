"""Settings: defaults, every malformed value named, the token kept out of repr and logs."""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.logs import RedactingFormatter

TOKEN = "MTAwMDAwMDAwMDAwMDAwMDA.GfAkEd.settings-test-token-0000000000"


def test_defaults_apply_when_nothing_is_set() -> None:
    settings = Settings.from_env({})
    assert settings.discord_token is None
    assert settings.database_path == Path("data/coalition.db")
    assert settings.log_level == "INFO"
    assert settings.discord_guild_ids == ()
    assert settings.discord_api_base_url == "https://discord.com/api/v10"
    assert settings.discord_gateway_url == "wss://gateway.discord.gg/"
    assert settings.http_timeout_seconds == 15.0


def test_the_learned_classifier_is_kept_beside_the_database_unless_set() -> None:
    assert Settings.from_env({}).standards_cache == Path("data/cache")
    beside = Settings.from_env({"DATABASE_PATH": "/srv/coalition/bot.db"})
    assert beside.standards_cache == Path("/srv/coalition/cache")
    chosen = Settings.from_env({"STANDARDS_CACHE_PATH": "/var/cache/coalition"})
    assert chosen.standards_cache == Path("/var/cache/coalition")


def test_values_are_parsed() -> None:
    settings = Settings.from_env(
        {
            "DISCORD_TOKEN": TOKEN,
            "DATABASE_PATH": "/srv/coalition/bot.db",
            "LOG_LEVEL": "debug",
            "DISCORD_GUILD_IDS": " 123456789012345678, 223456789012345678 ,123456789012345678",
            "DISCORD_API_BASE_URL": "http://127.0.0.1:8080/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8080/gateway",
            "HTTP_TIMEOUT_SECONDS": "2.5",
        }
    )
    assert settings.discord_token == TOKEN
    assert settings.database_path == Path("/srv/coalition/bot.db")
    assert settings.log_level == "DEBUG"
    assert settings.discord_guild_ids == (123456789012345678, 223456789012345678)
    assert settings.discord_api_base_url == "http://127.0.0.1:8080/api/v10"
    assert settings.http_timeout_seconds == 2.5


@pytest.mark.parametrize(
    ("variable", "value", "hint"),
    [
        ("DISCORD_TOKEN", "not a token", "does not look like a Discord bot token"),
        ("DISCORD_TOKEN", f"Bot {TOKEN}", "without the 'Bot ' prefix"),
        ("LOG_LEVEL", "LOUD", "must be one of"),
        ("DISCORD_GUILD_IDS", "123, abc", "comma-separated list of Discord ids"),
        ("DISCORD_API_BASE_URL", "discord.com/api", "http or https URL"),
        ("DISCORD_GATEWAY_URL", "https://gateway.discord.gg", "ws or wss URL"),
        ("HTTP_TIMEOUT_SECONDS", "soon", "number of seconds"),
        ("HTTP_TIMEOUT_SECONDS", "0", "between 0.5 and 300"),
    ],
)
def test_malformed_values_name_the_variable(variable: str, value: str, hint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({variable: value})
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert hint in message
    assert "config.example.env" in message


def test_missing_token_is_reported_only_when_running() -> None:
    settings = Settings.from_env({})
    with pytest.raises(ConfigError, match="^DISCORD_TOKEN: is required"):
        settings.require_token()


def test_token_is_not_in_repr() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN})
    assert TOKEN not in repr(settings)
    assert settings.secrets() == (TOKEN,)


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"DISCORD_TOKEN={TOKEN}\nLOG_LEVEL=WARNING\n")
    settings = load_settings(env_file, environ={"LOG_LEVEL": "ERROR"})
    assert settings.discord_token == TOKEN
    assert settings.log_level == "ERROR"


def test_token_is_redacted_from_log_lines_and_tracebacks() -> None:
    formatter = RedactingFormatter([TOKEN])
    try:
        raise RuntimeError(f"failed with {TOKEN}")
    except RuntimeError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "token=%s", (TOKEN,), None)
        import sys

        record.exc_info = sys.exc_info()
    line = formatter.format(record)
    assert TOKEN not in line
    assert line.count("[redacted]") == 2


def test_every_setting_is_documented_in_the_example_env() -> None:
    example = (Path(__file__).parent.parent / "config.example.env").read_text()
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    fields = {f.name.upper() for f in dataclasses.fields(Settings)}
    assert fields <= documented, fields - documented


def test_database_url_selects_postgresql_and_its_password_stays_hidden() -> None:
    assert Settings.from_env({}).database == Path("data/coalition.db")
    assert Settings.from_env({"DATABASE_URL": "  "}).database_url is None
    url = "postgresql://bot:p%40ss-word-9@db.internal:5432/coalition"
    settings = Settings.from_env({"DATABASE_URL": url})
    assert settings.database == url
    assert settings.database_shown == "postgresql://bot:***@db.internal:5432/coalition"
    assert "p%40ss-word-9" in settings.secrets()
    assert "p%40ss" not in repr(settings)
    with pytest.raises(ConfigError, match="DATABASE_URL: must be a postgresql://") as caught:
        Settings.from_env({"DATABASE_URL": "mysql://root:hunter2@db/x"})
    assert "hunter2" not in str(caught.value)


def test_shards_default_to_one_process_running_every_shard() -> None:
    settings = Settings.from_env({})
    assert settings.shard_count is None
    assert settings.shard_ids == ()
    assert settings.syncs_commands
    assert settings.leader_retry_seconds == 5.0


def test_shard_ids_are_parsed_and_only_shard_zero_syncs() -> None:
    first = Settings.from_env({"SHARD_COUNT": "4", "SHARD_IDS": " 1, 0 ,1"})
    assert (first.shard_count, first.shard_ids) == (4, (0, 1))
    assert first.syncs_commands
    other = Settings.from_env({"SHARD_COUNT": "4", "SHARD_IDS": "2,3"})
    assert not other.syncs_commands
    everything = Settings.from_env({"SHARD_COUNT": "2"})
    assert everything.shard_ids == ()
    assert everything.syncs_commands


@pytest.mark.parametrize(
    ("env", "variable", "hint"),
    [
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT", "whole number from 1"),
        ({"SHARD_COUNT": "two"}, "SHARD_COUNT", "whole number from 1"),
        ({"SHARD_IDS": "0"}, "SHARD_IDS", "needs SHARD_COUNT too"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,x"}, "SHARD_IDS", "such as 0,1"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, "SHARD_IDS", "from 0 to SHARD_COUNT - 1 (1)"),
        ({"LEADER_RETRY_SECONDS": "60"}, "LEADER_RETRY_SECONDS", "between 0.5 and 25"),
    ],
)
def test_bad_shard_settings_name_the_variable(
    env: dict[str, str], variable: str, hint: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert caught.value.variable == variable
    assert hint in str(caught.value)
