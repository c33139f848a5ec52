"""The bot: wires database, HTTP client and services in setup_hook, loads cogs, syncs commands."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import discord
import httpx
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot import __version__, heap
from bot.alerts.service import AlertService
from bot.config import Settings
from bot.db import POSTGRESQL, Database
from bot.errors import UserFacingError
from bot.health import heartbeat, heartbeat_key
from bot.http import GuardedFetcher, HttpClients, create_http_clients
from bot.leader import Leadership, choose_leadership
from bot.pledges.model import PledgeText
from bot.pledges.service import PLEDGE_SECTION_ID, PledgeService, pledge_text_from
from bot.pledges.verify import ChannelChecker
from bot.standards.compose import ChatComposer
from bot.standards.service import StandardsService
from bot.state import BotState
from bot.tasks import Tasks, wait_event
from bot.tree import CoalitionTree
from bot.ui.actions import tell_admins
from bot.ui.text import NO_MENTIONS

if TYPE_CHECKING:
    from bot.db_pg import SessionLock

log = logging.getLogger(__name__)

LEADER_LOCK_NAME = "coalition-bot:leader"


def point_discord_at(settings: Settings) -> None:
    """Route discord.py's REST and gateway traffic to the configured endpoints.

    discord.py keeps both as class attributes; a plain client never asks /gateway/bot,
    so the gateway default has to be set as well as the REST base.
    """
    Route.BASE = settings.discord_api_base_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


# The extensions the bot loads, in this order. Nothing depends on the order: /admin subgroups
# are wired through the bot (add_admin_group), whichever cog loads first.
EXTENSIONS = ("cogs.admin", "cogs.standards", "cogs.pledges", "cogs.alerts", "cogs.help")


def cog_extensions() -> list[str]:
    """The extensions the bot loads, in order."""
    return list(EXTENSIONS)


def _sharding(settings: Settings) -> dict[str, Any]:
    """discord.py's shard options: none (Discord's recommended count, all here) unless set."""
    options: dict[str, Any] = {}
    if settings.shard_count is not None:
        options["shard_count"] = settings.shard_count
    if settings.shard_ids:
        options["shard_ids"] = list(settings.shard_ids)
    return options


class CoalitionBot(commands.AutoShardedBot):
    """The coalition's bot: slash commands only, pings nobody unless asked to.

    Sharded: with SHARD_COUNT and SHARD_IDS this process runs those shards only; without them,
    every shard Discord recommends (one, below 2,500 servers) in this process.
    """

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
            **_sharding(settings),
        )
        self.settings = settings
        self.version = __version__
        self.force_sync = force_sync
        # Registered commands' ids by scope (a guild id, or None for global), by top-level name.
        self.command_ids: dict[int | None, dict[str, int]] = {}
        self.started_at = time.monotonic()
        self._db: Database | None = None
        self._http: HttpClients | None = None
        self.tasks = Tasks("bot")
        self._admin_groups: dict[str, app_commands.Group] = {}
        self.site: Any = None  # the website, when WEB_PORT is set

    @property
    def db(self) -> Database:
        """The shared database; available from setup_hook on."""
        if self._db is None:
            raise RuntimeError("the database is opened in setup_hook")
        return self._db

    @property
    def http_client(self) -> httpx.AsyncClient:
        """The outbound client of the alert sources and the model server."""
        return self.http_clients.sources

    @property
    def http_clients(self) -> HttpClients:
        """The outbound clients, one pool per class of work; available from setup_hook on."""
        if self._http is None:
            raise RuntimeError("the HTTP clients are created in setup_hook")
        return self._http

    async def setup_hook(self) -> None:
        await self.open_services()
        await self.load_cogs()
        if self.settings.syncs_commands or self.force_sync:  # `sync-commands` syncs anywhere
            await sync_commands(self, force=self.force_sync)
        else:
            log.info(
                "Not syncing commands: shards %s; the process running shard 0 registers them",
                ",".join(map(str, self.settings.shard_ids)),
            )
            await learn_command_ids(self)
        self.tasks.keep_running(self.leadership.run, name="leadership")
        self.tasks.spawn(
            heartbeat(self, self.state, key=heartbeat_key(self.settings.shard_ids)),
            name="heartbeat",
        )
        if self.settings.web_port is not None:
            from bot.web.site import start_site

            self.site = await start_site(self)

    async def open_services(self) -> None:
        """Open the database and HTTP client and build the services the cogs call."""
        self._db = await Database.open(self.settings.database)
        self._db.on_writes_refused = self._db.on_writes_restored = self.notify_admins
        self._http = create_http_clients(self.settings)
        self.state = BotState(self._db)
        self.standards = StandardsService(
            self._db,
            self.settings.standards_path,
            min_confidence=self.settings.standards_min_confidence,
            base_url=self.settings.citation_base_url,
            composer=self._composer(),
            cache=self.settings.standards_cache,
        )
        await self.standards.load()
        self.standards.start(self.tasks)
        self.pledges = PledgeService(
            self._db,
            self._pledge_text,
            GuardedFetcher(
                self.http_clients.verify,
                allow_loopback=self.settings.pledge_allow_local_urls,
                allow_http=self.settings.pledge_allow_local_urls,
            ),
            allow_local_urls=self.settings.pledge_allow_local_urls,
            bot_wide=self.settings.pledges_bot_wide,
            checker=self._channel_checker(),
        )
        self.alerts = AlertService(
            self._db, self.http_client, self.settings, feed_client=self.http_clients.feeds
        )
        await self.alerts.load()
        # On PostgreSQL the process holding the leader's advisory lock leads; on SQLite, this one.
        self.leadership: Leadership = choose_leadership(
            self._take_leader_lock if self._db.dialect == POSTGRESQL else None,
            retry_seconds=self.settings.leader_retry_seconds,
        )
        self.leadership.on_gain(self.alerts.lead)
        self.leadership.on_loss(self.alerts.step_down)

    async def _take_leader_lock(self) -> SessionLock | None:
        """The leader's PostgreSQL advisory lock, checked every LEADER_RETRY_SECONDS while held.

        The server drops the lock when its session ends; asking the session now and then notices
        a connection that died without a word, so this process steps down instead of leading on.
        """
        from bot.db_pg import lock_key  # asyncpg is loaded only where PostgreSQL is used

        held = await self.db.try_session_lock(lock_key(LEADER_LOCK_NAME))
        if held is not None:
            self.tasks.spawn(self._watch_leader_lock(held), name="leader-lock-check")
        return held

    async def _watch_leader_lock(self, held: SessionLock) -> None:
        while await held.check():
            await wait_event(held.lost, self.settings.leader_retry_seconds)

    def _channel_checker(self) -> ChannelChecker:
        """How /pledge verify reads each platform, through the address-guarded client."""
        local = self.settings.pledge_allow_local_urls
        return ChannelChecker(
            GuardedFetcher(self.http_clients.verify, allow_loopback=local, allow_http=local),
            youtube_api_key=self.settings.youtube_api_key,
            youtube_api_base_url=self.settings.youtube_api_base_url,
            youtube_base_url=self.settings.youtube_base_url,
            apple_lookup_url=self.settings.apple_lookup_url,
        )

    async def load_cogs(self, extensions: Iterable[str] = EXTENSIONS) -> None:
        """Load the feature cogs (each must load: a broken one stops the start)."""
        for extension in extensions:
            await self.load_extension(extension)

    def notify_admins(self, text: str) -> None:
        """Tell the admin log channel, without making the caller wait for Discord."""
        self.tasks.spawn(tell_admins(self, self.settings, text), name="admin-notice")

    # -- /admin: one group; a feature adds its subgroup here, whichever cog loads first ------
    def add_admin_group(self, group: app_commands.Group) -> None:
        """Put a feature's group under /admin, now or as soon as the /admin group exists."""
        self._admin_groups[group.name] = group
        root = self.admin_root()
        if root is not None:
            root.add_command(group, override=True)

    def remove_admin_group(self, group: app_commands.Group) -> None:
        """Take a feature's group out of /admin (its cog is unloading)."""
        if self._admin_groups.get(group.name) is group:
            del self._admin_groups[group.name]
        root = self.admin_root()
        if root is not None and root.get_command(group.name) is group:
            root.remove_command(group.name)

    def admin_groups(self) -> list[app_commands.Group]:
        """The feature groups that belong under /admin."""
        return list(self._admin_groups.values())

    def admin_root(self) -> app_commands.Group | None:
        """The /admin group, while the Admin cog is loaded."""
        command = self.tree.get_command("admin")
        return command if isinstance(command, app_commands.Group) else None

    def _pledge_text(self) -> PledgeText:
        document = self.standards.document
        section = document.section(PLEDGE_SECTION_ID)
        if section is None:
            raise UserFacingError(
                "The pledge text is missing from the standards (a section with id 'pledge'). "
                "Please tell a server admin."
            )
        return pledge_text_from(section.body, document.version, example=document.example)

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
        heap.settle()  # start-up is over: its objects are set aside from the collector

    async def close(self) -> None:
        await super().close()
        if self.site is not None:
            await self.site.stop()
        if hasattr(self, "alerts"):
            await self.alerts.stop()
        await self.tasks.close()
        if hasattr(self, "standards"):
            await self.standards.close()
        if self._http is not None:
            await self._http.aclose()
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
        bot.command_ids[guild.id if guild else None] = {c.name: c.id for c in registered}
    await learn_command_ids(bot)
    return synced


async def learn_command_ids(bot: CoalitionBot) -> None:
    """Read the ids of the commands this process did not just register (for /help mentions)."""
    guilds = [discord.Object(id=g) for g in bot.settings.discord_guild_ids]
    for guild in guilds or [None]:
        scope_id = guild.id if guild else None
        if scope_id not in bot.command_ids:
            await _fetch_command_ids(bot, guild)


async def _fetch_command_ids(bot: CoalitionBot, guild: discord.abc.Snowflake | None) -> None:
    """Learn the registered commands' ids, for clickable mentions in /help (`</ask:id>`)."""
    try:
        registered = await bot.tree.fetch_commands(guild=guild)
    except discord.HTTPException as exc:
        # /help then names commands as plain text; nothing else depends on the ids.
        log.warning("Could not read the registered commands' ids: %s", exc)
        return
    bot.command_ids[guild.id if guild else None] = {c.name: c.id for c in registered}
