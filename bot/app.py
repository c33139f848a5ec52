"""The bot: wires database, HTTP client and services in setup_hook, loads cogs, syncs commands."""

from __future__ import annotations

import hashlib
import json
import logging
import pkgutil
import time

import discord
import httpx
import yarl
from discord.ext import commands
from discord.gateway import DiscordWebSocket

import cogs
from bot import __version__
from bot.alerts.service import AlertService
from bot.config import Settings
from bot.db import Database
from bot.errors import UserFacingError
from bot.http import GuardedFetcher, create_http_client
from bot.pledges.model import PledgeText
from bot.pledges.service import PLEDGE_SECTION_ID, PledgeService, pledge_text_from
from bot.standards.compose import ChatComposer
from bot.standards.service import StandardsService
from bot.state import BotState
from bot.tree import CoalitionTree
from bot.ui.text import NO_MENTIONS

log = logging.getLogger(__name__)


def point_discord_at(settings: Settings) -> None:
    """Route discord.py's REST and gateway traffic to the configured endpoints.

    discord.py keeps both as class attributes; a plain client never asks /gateway/bot,
    so the gateway default has to be set as well as the REST base.
    """
    discord.http.Route.BASE = settings.discord_api_base_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def cog_extensions() -> list[str]:
    """Every module in the cogs package, as extension names."""
    return sorted(f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.ispkg)


class CoalitionBot(commands.Bot):
    """The coalition's bot: slash commands only, pings nobody unless asked to."""

    def __init__(self, settings: Settings, *, force_sync: bool = False) -> None:
        # The bot never joins voice; don't warn about voice libraries at every start.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=CoalitionTree,
            allowed_mentions=NO_MENTIONS,
            help_command=None,
        )
        self.settings = settings
        self.version = __version__
        self.force_sync = force_sync
        self.started_at = time.monotonic()
        self._db: Database | None = None
        self._http_client: httpx.AsyncClient | None = None

    @property
    def db(self) -> Database:
        """The shared database; available from setup_hook on."""
        if self._db is None:
            raise RuntimeError("the database is opened in setup_hook")
        return self._db

    @property
    def http_client(self) -> httpx.AsyncClient:
        """The one outbound HTTP client every service shares."""
        if self._http_client is None:
            raise RuntimeError("the HTTP client is created in setup_hook")
        return self._http_client

    async def setup_hook(self) -> None:
        self._db = await Database.open(self.settings.database_path)
        self._http_client = create_http_client(self.settings)
        self.state = BotState(self._db)
        self.standards = StandardsService(
            self._db,
            self.settings.standards_path,
            min_confidence=self.settings.standards_min_confidence,
            base_url=self.settings.standards_base_url,
            composer=self._composer(),
        )
        await self.standards.load()
        self.pledges = PledgeService(
            self._db,
            self._pledge_text,
            GuardedFetcher(
                self.http_client,
                allow_loopback=self.settings.pledge_allow_local_urls,
                allow_http=self.settings.pledge_allow_local_urls,
            ),
            allow_local_urls=self.settings.pledge_allow_local_urls,
            bot_wide=self.settings.pledges_bot_wide,
        )
        self.alerts = AlertService(self._db, self.http_client, self.settings)
        await self.alerts.load()
        for extension in cog_extensions():
            await self.load_extension(extension)
        await sync_commands(self, force=self.force_sync)

    def _pledge_text(self) -> PledgeText:
        document = self.standards.document
        section = document.section(PLEDGE_SECTION_ID)
        if section is None:
            raise UserFacingError(
                "The pledge text is missing from the standards (a section with id 'pledge'). "
                "Please tell a server admin."
            )
        return pledge_text_from(section.body, document.version)

    def _composer(self) -> ChatComposer | None:
        settings = self.settings
        if settings.llm_base_url is None:
            return None
        return ChatComposer(
            self.http_client,
            settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout_seconds,
        )

    async def on_ready(self) -> None:
        log.info("Connected as %s to %d server(s)", self.user, len(self.guilds))

    async def close(self) -> None:
        await super().close()
        if hasattr(self, "alerts"):
            await self.alerts.stop()
        if hasattr(self, "standards"):
            await self.standards.close()
        if self._http_client is not None:
            await self._http_client.aclose()
        if self._db is not None:
            await self._db.close()
        log.info("Shut down cleanly")


def command_payload_hash(bot: CoalitionBot, guild: discord.abc.Snowflake | None) -> str:
    """A stable hash of what a sync would send for this scope."""
    commands_ = bot.tree.get_commands(guild=guild)
    payload = sorted((c.to_dict(bot.tree) for c in commands_), key=lambda c: c["name"])
    blob = json.dumps({"app": bot.application_id, "commands": payload}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


async def sync_commands(bot: CoalitionBot, *, force: bool = False) -> list[str]:
    """Register commands where the set changed since the last sync; return the scopes synced."""
    guilds = [discord.Object(id=g) for g in bot.settings.discord_guild_ids]
    synced = []
    for guild in guilds or [None]:
        scope = f"guild:{guild.id}" if guild else "global"
        if guild is not None:
            bot.tree.copy_global_to(guild=guild)
        digest = command_payload_hash(bot, guild)
        key = f"commands_hash:{scope}"
        if not force and await bot.state.get(key) == digest:
            log.info("Commands unchanged for %s; not syncing", scope)
            continue
        registered = await bot.tree.sync(guild=guild)
        await bot.state.put(key, digest)
        synced.append(scope)
        log.info("Synced %d command(s) to %s", len(registered), scope)
    return synced
