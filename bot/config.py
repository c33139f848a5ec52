"""Settings: read once from the environment and .env, validated, immutable."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from dotenv import dotenv_values

T = TypeVar("T")

DEFAULT_DATABASE_PATH = "data/coalition.db"
DEFAULT_API_BASE_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
DEFAULT_STANDARDS_PATH = "content/standards"
DEFAULT_MIN_CONFIDENCE = 0.3
# The public sources alerts read; each is a setting so tests and proxies can redirect it.
DEFAULT_GOVINFO_BILLS_URL = "https://www.govinfo.gov/rss/bills.xml"
DEFAULT_FEDERAL_REGISTER_API_URL = "https://www.federalregister.gov/api/v1"
DEFAULT_COURTLISTENER_URL = "https://www.courtlistener.com"
DEFAULT_COURTLISTENER_API_URL = "https://www.courtlistener.com/api/rest/v4"
DEFAULT_CONGRESS_API_URL = "https://api.congress.gov/v3"
DEFAULT_OPENSTATES_API_URL = "https://v3.openstates.org"
DEFAULT_LEGISCAN_API_URL = "https://api.legiscan.com/"
DEFAULT_YOUTUBE_API_BASE_URL = "https://www.googleapis.com/youtube/v3"
DEFAULT_YOUTUBE_BASE_URL = "https://www.youtube.com"
DEFAULT_APPLE_LOOKUP_URL = "https://itunes.apple.com/lookup"

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{10,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        self.problem = problem
        super().__init__(
            f"{variable}: {problem} (see config.example.env for every setting and its default)"
        )


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting the bot reads, validated; the token never appears in repr()."""

    discord_token: str | None = field(default=None, repr=False)
    database_path: Path = Path(DEFAULT_DATABASE_PATH)
    # A postgresql:// URL (it may carry a password, so never in repr); None keeps SQLite.
    database_url: str | None = field(default=None, repr=False)
    log_level: str = "INFO"
    discord_guild_ids: tuple[int, ...] = ()
    discord_api_base_url: str = DEFAULT_API_BASE_URL
    discord_gateway_url: str = DEFAULT_GATEWAY_URL
    http_timeout_seconds: float = 15.0
    http_deadline_seconds: float = 30.0
    http_max_bytes: int = 10_000_000
    http_max_wire_bytes: int = 5_000_000
    http_contact: str = ""
    standards_path: Path = Path(DEFAULT_STANDARDS_PATH)
    standards_base_url: str | None = None
    standards_min_confidence: float = DEFAULT_MIN_CONFIDENCE
    standards_help_channel_id: int | None = None
    standards_cache_path: Path | None = None
    llm_base_url: str | None = None
    llm_model: str = "default"
    llm_api_key: str | None = field(default=None, repr=False)
    llm_timeout_seconds: float = 8.0
    pledge_role_id: int | None = None
    pledge_announce_channel_id: int | None = None
    pledge_allow_local_urls: bool = False
    pledges_bot_wide: bool = False
    youtube_api_key: str | None = field(default=None, repr=False)
    youtube_api_base_url: str = DEFAULT_YOUTUBE_API_BASE_URL
    youtube_base_url: str = DEFAULT_YOUTUBE_BASE_URL
    apple_lookup_url: str = DEFAULT_APPLE_LOOKUP_URL
    admin_log_channel_id: int | None = None
    alerts_poll: bool = True
    alerts_sources: tuple[str, ...] = ()
    alerts_max_age_days: int = 14
    alerts_digest_hour: int = 15
    alerts_post_rate: float = 40.0
    alerts_allow_local_feeds: bool = False
    web_port: int | None = None
    web_host: str = "127.0.0.1"
    web_public_url: str | None = None
    govinfo_bills_url: str = DEFAULT_GOVINFO_BILLS_URL
    federal_register_api_url: str = DEFAULT_FEDERAL_REGISTER_API_URL
    federal_register_agencies: tuple[str, ...] = ()
    courtlistener_url: str = DEFAULT_COURTLISTENER_URL
    courtlistener_api_url: str = DEFAULT_COURTLISTENER_API_URL
    courtlistener_token: str | None = field(default=None, repr=False)
    congress_api_url: str = DEFAULT_CONGRESS_API_URL
    congress_api_key: str | None = field(default=None, repr=False)
    openstates_api_url: str = DEFAULT_OPENSTATES_API_URL
    openstates_api_key: str | None = field(default=None, repr=False)
    legiscan_api_url: str = DEFAULT_LEGISCAN_API_URL
    legiscan_api_key: str | None = field(default=None, repr=False)
    shard_count: int | None = None
    shard_ids: tuple[int, ...] = ()
    leader_retry_seconds: float = 5.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from a mapping of variable names to raw strings."""
        reader = _Reader(env)
        return cls(
            discord_token=reader.get("DISCORD_TOKEN", None, _parse_token),
            database_path=reader.get("DATABASE_PATH", DEFAULT_DATABASE_PATH, _parse_path),
            database_url=reader.get("DATABASE_URL", None, _parse_database_url),
            log_level=reader.get("LOG_LEVEL", "INFO", _parse_log_level),
            discord_guild_ids=reader.get("DISCORD_GUILD_IDS", "", _parse_snowflakes),
            discord_api_base_url=reader.get(
                "DISCORD_API_BASE_URL", DEFAULT_API_BASE_URL, _url_parser(("http", "https"))
            ),
            discord_gateway_url=reader.get(
                "DISCORD_GATEWAY_URL", DEFAULT_GATEWAY_URL, _url_parser(("ws", "wss"))
            ),
            http_timeout_seconds=reader.get("HTTP_TIMEOUT_SECONDS", "15", _parse_timeout),
            http_deadline_seconds=reader.get("HTTP_DEADLINE_SECONDS", "30", _parse_timeout),
            http_max_bytes=reader.get("HTTP_MAX_BYTES", "10000000", _parse_byte_cap),
            http_max_wire_bytes=reader.get("HTTP_MAX_WIRE_BYTES", "5000000", _parse_byte_cap),
            http_contact=reader.get("HTTP_CONTACT", "", str.strip),
            standards_path=reader.get("STANDARDS_PATH", DEFAULT_STANDARDS_PATH, _parse_path),
            standards_base_url=reader.get("STANDARDS_BASE_URL", None, _url_parser(("https",))),
            standards_min_confidence=reader.get(
                "STANDARDS_MIN_CONFIDENCE", str(DEFAULT_MIN_CONFIDENCE), _parse_fraction
            ),
            standards_cache_path=reader.get("STANDARDS_CACHE_PATH", None, _parse_path),
            standards_help_channel_id=reader.get(
                "STANDARDS_HELP_CHANNEL_ID", None, _parse_snowflake
            ),
            llm_base_url=reader.get("LLM_BASE_URL", None, _url_parser(("http", "https"))),
            llm_model=reader.get("LLM_MODEL", "default", str.strip),
            llm_api_key=reader.get("LLM_API_KEY", None, str.strip),
            llm_timeout_seconds=reader.get("LLM_TIMEOUT_SECONDS", "8", _parse_timeout),
            pledge_role_id=reader.get("PLEDGE_ROLE_ID", None, _parse_snowflake),
            pledge_announce_channel_id=reader.get(
                "PLEDGE_ANNOUNCE_CHANNEL_ID", None, _parse_snowflake
            ),
            pledge_allow_local_urls=reader.get("PLEDGE_ALLOW_LOCAL_URLS", "false", _parse_bool),
            pledges_bot_wide=reader.get("PLEDGES_BOT_WIDE", "false", _parse_bool),
            web_port=reader.get("WEB_PORT", None, _int_parser(1, 65535)),
            web_host=reader.get("WEB_HOST", "127.0.0.1", str.strip),
            web_public_url=reader.get("WEB_PUBLIC_URL", None, _url_parser(("http", "https"))),
            **_channel_check_settings(reader),
            admin_log_channel_id=reader.get("ADMIN_LOG_CHANNEL_ID", None, _parse_snowflake),
            **_alert_settings(reader),
            **_shard_settings(reader),
        )

    @property
    def citation_base_url(self) -> str | None:
        """Where citations link: STANDARDS_BASE_URL, else the bot's own /standards page."""
        if self.standards_base_url:
            return self.standards_base_url
        if self.web_public_url:
            return self.web_public_url.rstrip("/") + "/standards"
        return None

    @property
    def standards_cache(self) -> Path:
        """Where the learned section classifier is kept between starts: STANDARDS_CACHE_PATH, or
        a `cache` folder beside DATABASE_PATH."""
        return self.standards_cache_path or self.database_path.parent / "cache"

    @property
    def database(self) -> Path | str:
        """What Database.open takes: DATABASE_URL when set, else the SQLite file DATABASE_PATH."""
        return self.database_url or self.database_path

    @property
    def database_shown(self) -> str:
        """The database for messages: the file, or the server URL with its password hidden."""
        if not self.database_url:
            return str(self.database_path)
        parts = urlsplit(self.database_url)
        if parts.password is None:
            return self.database_url
        user, host = parts.netloc.rsplit("@", 1)
        return parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}").geturl()

    @property
    def syncs_commands(self) -> bool:
        """Whether this process registers the slash commands: the one running shard 0."""
        return not self.shard_ids or 0 in self.shard_ids

    def require_token(self) -> str:
        """Return the bot token, or fail with the setting's name when it is not set."""
        if not self.discord_token:
            raise ConfigError("DISCORD_TOKEN", "is required to run the bot; it is not set")
        return self.discord_token

    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a log line."""
        keys = (
            self.discord_token,
            self.llm_api_key,
            self.courtlistener_token,
            self.congress_api_key,
            self.openstates_api_key,
            self.legiscan_api_key,
            self.youtube_api_key,
            urlsplit(self.database_url).password if self.database_url else None,
        )
        return tuple(s for s in keys if s)


def _channel_check_settings(reader: _Reader) -> dict[str, Any]:
    web = _url_parser(("http", "https"))
    return {
        "youtube_api_key": reader.get("YOUTUBE_API_KEY", None, str.strip),
        "youtube_api_base_url": reader.get(
            "YOUTUBE_API_BASE_URL", DEFAULT_YOUTUBE_API_BASE_URL, web
        ),
        "youtube_base_url": reader.get("YOUTUBE_BASE_URL", DEFAULT_YOUTUBE_BASE_URL, web),
        "apple_lookup_url": reader.get("APPLE_LOOKUP_URL", DEFAULT_APPLE_LOOKUP_URL, web),
    }


def _alert_settings(reader: _Reader) -> dict[str, Any]:
    web = _url_parser(("http", "https"))
    return {
        "alerts_poll": reader.get("ALERTS_POLL", "true", _parse_bool),
        "alerts_sources": reader.get("ALERTS_SOURCES", "", _parse_names),
        "alerts_max_age_days": reader.get("ALERTS_MAX_AGE_DAYS", "14", _int_parser(1, 365)),
        "alerts_digest_hour": reader.get("ALERTS_DIGEST_HOUR", "15", _int_parser(0, 23)),
        "alerts_post_rate": reader.get("ALERTS_POST_RATE", "40", _parse_rate),
        "alerts_allow_local_feeds": reader.get("ALERTS_ALLOW_LOCAL_FEEDS", "false", _parse_bool),
        "govinfo_bills_url": reader.get("GOVINFO_BILLS_URL", DEFAULT_GOVINFO_BILLS_URL, web),
        "federal_register_api_url": reader.get(
            "FEDERAL_REGISTER_API_URL", DEFAULT_FEDERAL_REGISTER_API_URL, web
        ),
        "federal_register_agencies": reader.get("FEDERAL_REGISTER_AGENCIES", "", _parse_names),
        "courtlistener_url": reader.get("COURTLISTENER_URL", DEFAULT_COURTLISTENER_URL, web),
        "courtlistener_api_url": reader.get(
            "COURTLISTENER_API_URL", DEFAULT_COURTLISTENER_API_URL, web
        ),
        "courtlistener_token": reader.get("COURTLISTENER_TOKEN", None, str.strip),
        "congress_api_url": reader.get("CONGRESS_API_URL", DEFAULT_CONGRESS_API_URL, web),
        "congress_api_key": reader.get("CONGRESS_API_KEY", None, str.strip),
        "openstates_api_url": reader.get("OPENSTATES_API_URL", DEFAULT_OPENSTATES_API_URL, web),
        "openstates_api_key": reader.get("OPENSTATES_API_KEY", None, str.strip),
        "legiscan_api_url": reader.get("LEGISCAN_API_URL", DEFAULT_LEGISCAN_API_URL, web),
        "legiscan_api_key": reader.get("LEGISCAN_API_KEY", None, str.strip),
    }


def _shard_settings(reader: _Reader) -> dict[str, Any]:
    count = reader.get("SHARD_COUNT", None, _int_parser(1, 100_000))
    ids = reader.get("SHARD_IDS", "", _parse_shard_ids)
    if ids and count is None:
        raise ConfigError(
            "SHARD_IDS", "needs SHARD_COUNT too (how many shards there are across all processes)"
        )
    too_high = [i for i in ids if count is not None and i >= count]
    if too_high:
        raise ConfigError(
            "SHARD_IDS",
            f"shard ids run from 0 to SHARD_COUNT - 1 ({(count or 1) - 1}), not {too_high[0]}",
        )
    return {
        "shard_count": count,
        "shard_ids": ids,
        "leader_retry_seconds": reader.get(
            "LEADER_RETRY_SECONDS", "5", _float_parser(0.5, 25, "a number of seconds", " seconds")
        ),
    }


def _parse_shard_ids(raw: str) -> tuple[int, ...]:
    ids: list[int] = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if not part.isdigit():
            raise ValueError(f"expected comma-separated shard numbers such as 0,1, got {part!r}")
        ids.append(int(part))
    return tuple(sorted(set(ids)))


def load_settings(
    env_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read .env (when present) under the process environment, which wins."""
    env_file = env_file if env_file is not None else Path.cwd() / ".env"
    merged: dict[str, str] = {}
    if env_file.is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ if environ is None else environ)
    return Settings.from_env(merged)


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def get(self, name: str, default: str | None, parse: Callable[[str], T]) -> T:
        raw = self._env.get(name)
        if raw is None or raw.strip() == "":
            if default is None:
                return None  # type: ignore[return-value]
            raw = default
        try:
            return parse(raw.strip())
        except ValueError as exc:
            raise ConfigError(name, str(exc)) from None


def _parse_token(raw: str) -> str:
    if raw.lower().startswith("bot "):
        raise ValueError("put only the token itself, without the 'Bot ' prefix")
    if not _TOKEN_RE.match(raw):
        raise ValueError(
            "does not look like a Discord bot token (three dot-separated parts); "
            "copy it again from the Developer Portal, Bot page, Reset Token"
        )
    return raw


def _parse_path(raw: str) -> Path:
    return Path(raw).expanduser()


def _parse_database_url(raw: str) -> str | None:
    url = raw.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not (parts.hostname or parts.path):
        raise ValueError(
            "must be a postgresql://user:password@host:port/database URL, or empty to keep "
            "SQLite at DATABASE_PATH"
        )
    return url


def _parse_log_level(raw: str) -> str:
    level = raw.upper()
    if level not in _LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}, not {raw!r}")
    return level


def _parse_snowflakes(raw: str) -> tuple[int, ...]:
    ids: list[int] = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if not part.isdigit() or not 15 <= len(part) <= 20:
            raise ValueError(f"expected a comma-separated list of Discord ids, got {part!r}")
        ids.append(int(part))
    return tuple(dict.fromkeys(ids))


def _parse_snowflake(raw: str) -> int:
    ids = _parse_snowflakes(raw)
    if len(ids) != 1:
        raise ValueError(f"expected one id, got {raw!r}")
    return ids[0]


def _parse_bool(raw: str) -> bool:
    value = raw.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"must be true or false, not {raw!r}")


def _url_parser(schemes: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        parts = urlsplit(raw)
        if parts.scheme not in schemes or not parts.netloc:
            raise ValueError(f"must be a {' or '.join(schemes)} URL, not {raw!r}")
        return raw.rstrip("/") if parts.scheme.startswith("http") else raw

    return parse


def _parse_names(raw: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(p.strip().lower() for p in raw.split(",") if p.strip()))
    for name in names:
        if not re.fullmatch(r"[a-z0-9][a-z0-9:-]{0,60}", name):
            raise ValueError(f"expected comma-separated source names, got {name!r}")
    return names


def _int_parser(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not raw.lstrip("-").isdigit() or not low <= int(raw) <= high:
            raise ValueError(f"must be a whole number from {low} to {high}, not {raw!r}")
        return int(raw)

    return parse


def _float_parser(low: float, high: float, what: str, unit: str = "") -> Callable[[str], float]:
    """A number from low to high; errors say what it is ("a number of seconds") and the range."""

    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"must be {what}, not {raw!r}") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}{unit}")
        return value

    return parse


_parse_byte_cap = _int_parser(10_000, 1_000_000_000)
_parse_fraction = _float_parser(0.0, 1.0, "a number between 0 and 1")
_parse_timeout = _float_parser(0.5, 300, "a number of seconds", " seconds")
_parse_rate = _float_parser(0.1, 50, "a number of messages per second", " (Discord's global limit)")
