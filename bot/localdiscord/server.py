"""A local Discord: REST API and gateway on 127.0.0.1, good enough for the real discord.py client.

Tests start it, point the bot's DISCORD_API_BASE_URL / DISCORD_GATEWAY_URL at it, then act as
users (invoke commands, click buttons, submit modals) and read back what the bot did.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bot.localdiscord import limits, pages, viewer
from bot.localdiscord.model import (
    BOT_PERMISSIONS,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Channel,
    Guild,
    Member,
    Role,
    Snowflakes,
    User,
    apply_edit,
    message_payload,
    pings,
    shard_of,
)

DEFAULT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDA.GfAkEd.emulator-token-not-a-real-secret-000"
EPHEMERAL = 1 << 6
LOADING = 1 << 7
VIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"

# Gateway close codes (Discord API reference: opcodes and status codes).
INVALID_SHARD, SHARDING_REQUIRED = 4010, 4011

# Interaction types and callback types (Discord API reference: interactions).
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9


@dataclass
class RecordedRequest:
    """One REST call the bot made."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int = 0
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    """An injected failure: the next `times` matching requests get this status."""

    method: str
    path: re.Pattern[str]
    status: int
    times: int
    retry_after: float
    is_global: bool


@dataclass
class Session:
    """A gateway session of one shard: its sequence and every event sent, for RESUME replay."""

    id: str
    shard: tuple[int, int] = (0, 1)  # (shard id, shard count), as sent in IDENTIFY
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None  # the connection that serves it now

    def serves(self, shard_id: int) -> bool:
        return self.shard[0] == shard_id


class InteractionRecord:
    """An interaction the emulator sent and everything the bot answered to it."""

    def __init__(self, fake: FakeDiscord, payload: dict[str, Any]) -> None:
        self.fake = fake
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.channel_id = int(payload["channel_id"])
        self.sent_at = time.monotonic()
        self.callback: dict[str, Any] | None = None
        self.callback_at: float | None = None
        self.original: dict[str, Any] | None = None
        self.followups: list[dict[str, Any]] = []
        self.edits = 0

    @property
    def callback_type(self) -> int | None:
        return None if self.callback is None else self.callback["type"]

    @property
    def response_time(self) -> float | None:
        """Seconds from the interaction being sent to the bot's callback arriving."""
        return None if self.callback_at is None else self.callback_at - self.sent_at

    @property
    def ephemeral(self) -> bool:
        data = (self.callback or {}).get("data") or {}
        return bool(int(data.get("flags") or 0) & EPHEMERAL)

    async def responded(self, timeout: float = 3.0) -> dict[str, Any]:
        """Wait for the callback (Discord's window is 3 seconds) and return it."""
        await self.fake.wait_for(
            lambda: self.callback is not None, timeout, f"a response to {self}", key=self.token
        )
        assert self.callback is not None
        return self.callback

    async def message(self, timeout: float = 5.0) -> dict[str, Any]:
        """Wait for the visible answer: the reply, the edited deferral, or the updated message."""

        def visible() -> dict[str, Any] | None:
            if self.callback_type in (DEFERRED_MESSAGE, DEFERRED_UPDATE):
                if self.followups:
                    return self.followups[0]
                if self.original is not None and self.edits:
                    return self.original
                return None
            return self.original

        await self.fake.wait_for(
            lambda: visible() is not None, timeout, f"a message for {self}", key=self.token
        )
        result = visible()
        assert result is not None
        return result

    async def followup(self, index: int = 0, timeout: float = 5.0) -> dict[str, Any]:
        """Wait for the index-th followup message."""
        await self.fake.wait_for(
            lambda: len(self.followups) > index, timeout, "a followup", key=self.token
        )
        return self.followups[index]

    async def modal(self, timeout: float = 3.0) -> dict[str, Any]:
        """Wait for a modal and return its data."""
        callback = await self.responded(timeout)
        assert callback["type"] == MODAL, f"expected a modal, got callback type {callback['type']}"
        return callback["data"]

    async def choices(self, timeout: float = 3.0) -> list[dict[str, Any]]:
        """Wait for autocomplete choices."""
        callback = await self.responded(timeout)
        assert callback["type"] == AUTOCOMPLETE_RESULT
        return callback["data"]["choices"]

    def __repr__(self) -> str:
        return f"<interaction {self.id} type={self.payload['type']}>"


class FakeDiscord:
    """The emulator. Use `async with FakeDiscord() as fake:`; see bot/localdiscord/README.md."""

    def __init__(self, *, token: str = DEFAULT_TOKEN, heartbeat_interval_ms: int = 41250) -> None:
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        # One writer at a time on the gateway socket, so frames leave in sequence order, as
        # Discord sends them (concurrent dispatches could otherwise overtake each other).
        self._gateway_send = asyncio.Lock()
        self.ids = Snowflakes()
        self.application_id = self.ids.next()
        self.bot_user = User(self.application_id, "coalition-bot", bot=True)
        self.owner = User(self.ids.next(), "owner")
        self.admin = User(self.ids.next(), "sam-moderator")
        self.member = User(self.ids.next(), "alex-creator")
        self.guilds: dict[int, Guild] = {}
        self._roles: dict[int, tuple[Role, Role, Role]] = {}  # moderator, bot, pledged
        self.guild = self.add_guild("Creators Coalition HQ")
        self.moderator_role, self.bot_role, self.pledged_role = self._roles[self.guild.id]
        self.dm_channels: dict[int, int] = {}
        self.requests: list[RecordedRequest] = []
        self.unhandled: list[RecordedRequest] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.attachments: dict[int, bytes] = {}
        self.interactions: dict[str, InteractionRecord] = {}
        self.mention_violations: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.sessions: dict[str, Session] = {}
        # The session each shard id's events go to: the latest to IDENTIFY or RESUME as it.
        self.shard_sessions: dict[int, Session] = {}
        # (shard id, shard count) of every IDENTIFY, in order.
        self.identified: list[tuple[int, int]] = []
        # What GET /gateway/bot recommends, and how many servers one shard may hold before
        # Discord closes the connection with 4011 Sharding required.
        self.recommended_shards = 1
        self.max_guilds_per_shard = 2500
        self.identify_count = 0
        self.resume_count = 0
        self.heartbeats = 0
        self.modal_submit_delay = 0.15
        # Discord's window for the first answer to an interaction; None accepts a late answer
        # (load tests check that everything is answered; bench/ measures how fast).
        self.interaction_window: float | None = 3.0
        # Discord forgets a nonce after a few minutes; set False to play that moment.
        self.remember_nonces = True
        self._sockets: set[web.WebSocketResponse] = set()
        # Waiters keyed by interaction token (None: anything may satisfy them).
        self._waiters: dict[str | None, list[tuple[Callable[[], Any], asyncio.Future[Any]]]] = {}
        self._runner: web.AppRunner | None = None
        self._route_table = self._routes()
        self.port = 0

    # ------------------------------------------------------------------ world set-up
    def add_guild(self, name: str, *, shard: tuple[int, int] | None = None) -> Guild:
        """A server with the default channels, roles and members; add it before the bot connects.

        `shard=(id, count)` picks its id so that Discord would route it to that shard.
        """
        guild_id = self.ids.next_on_shard(*shard) if shard else self.ids.next()
        guild = Guild(guild_id, name, owner_id=self.owner.id)
        guild.roles[guild_id] = Role(guild_id, "@everyone", MEMBER_PERMISSIONS, position=0)
        moderator = Role(self.ids.next(), "Moderator", MANAGE_GUILD, position=2)
        bot_role = Role(self.ids.next(), "coalition-bot", BOT_PERMISSIONS, position=3, managed=True)
        pledged = Role(self.ids.next(), "Pledged", 0, position=1)
        for role in (moderator, bot_role, pledged):
            guild.roles[role.id] = role
        for position, channel_name in enumerate(("general", "ai-alerts", "mod-log")):
            channel = Channel(self.ids.next(), guild_id, channel_name, position=position)
            guild.channels[channel.id] = channel
        guild.members[self.owner.id] = Member(self.owner)
        guild.members[self.admin.id] = Member(self.admin, [moderator.id])
        guild.members[self.member.id] = Member(self.member)
        guild.members[self.bot_user.id] = Member(self.bot_user, [bot_role.id])
        self._roles[guild_id] = (moderator, bot_role, pledged)
        self.guilds[guild_id] = guild
        return guild

    def channel(self, name: str, guild: Guild | None = None) -> Channel:
        """A channel by name, of the default guild unless another is given."""
        return next(c for c in (guild or self.guild).channels.values() if c.name == name)

    def add_member(
        self, name: str, role_ids: list[int] | None = None, *, guild: Guild | None = None
    ) -> User:
        """A new member of the default guild, or of another."""
        user = User(self.ids.next(), name)
        (guild or self.guild).members[user.id] = Member(user, list(role_ids or []))
        return user

    def add_channel(self, name: str) -> Channel:
        """A new text channel of the default guild; add it before the bot connects (no event)."""
        channel = Channel(self.ids.next(), self.guild.id, name, position=len(self.guild.channels))
        self.guild.channels[channel.id] = channel
        return channel

    def deny_bot(self, channel: Channel, permission: int = SEND_MESSAGES) -> None:
        """Take a permission from the bot in one channel (as an overwrite would)."""
        channel.bot_denied = getattr(channel, "bot_denied", 0) | permission  # type: ignore[attr-defined]

    async def delete_channel(self, channel: Channel) -> None:
        """Delete a channel and tell the bot, as Discord does."""
        self.guilds[channel.guild_id].channels.pop(channel.id, None)
        await self.dispatch("CHANNEL_DELETE", channel.to_dict())

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(client_max_size=30 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_get("/attachments/{id:\\d+}/{filename}", self._get_attachment)
        app.router.add_get("/_view", self._view_index)
        app.router.add_get("/_view/channels/{id:\\d+}", self._view_channel)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            if not ws.closed:
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ the viewer
    async def _get_attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(int(request.match_info["id"]))
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type=_guess_type(request.match_info["filename"]))

    async def _view_index(self, _request: web.Request) -> web.Response:
        """Links to each channel's page (see bot/localdiscord/viewer.py)."""
        links = "".join(
            f'<li><a class="link" href="/_view/channels/{c.id}">#{html.escape(c.name)}</a> '
            f"({len(self.channel_messages(c, include_ephemeral=True))} messages)</li>"
            for c in self.guild.channels.values()
        )
        page = viewer.render_page([f'<ul class="msg">{links}</ul>'], title="localdiscord")
        return web.Response(text=page, content_type="text/html")

    async def _view_channel(self, request: web.Request) -> web.Response:
        """A channel as Discord would draw it: messages, ephemeral replies and opened forms."""
        channel_id = int(request.match_info["id"])
        if self._find_channel(channel_id) is None:
            raise web.HTTPNotFound()
        page = pages.channel_html(self, channel_id)
        return web.Response(
            text=page,
            content_type="text/html",
            # Feed text is untrusted: no script runs and nothing loads from elsewhere.
            headers={"Content-Security-Policy": VIEW_POLICY},
        )

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def bot_env(self) -> dict[str, str]:
        """The settings that point a bot at this emulator."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE_URL": self.api_base_url,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }

    # ------------------------------------------------------------------ waiting
    async def _notify(self, token: str | None = None) -> None:
        # Check predicates here instead of waking every waiter, and only those that this
        # change can concern: with a thousand interactions in flight, re-checking them all on
        # every request would cost more than the bot under test.
        for key in {token, None}:
            still_waiting = []
            for predicate, future in self._waiters.get(key, []):
                if future.done():
                    continue
                result = predicate()
                if result:
                    future.set_result(result)
                else:
                    still_waiting.append((predicate, future))
            self._waiters[key] = still_waiting

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float,
        what: str = "it",
        *,
        key: str | None = None,
    ) -> Any:
        """Wait until predicate() is truthy; fail the test with `what` after timeout seconds.

        `key` (an interaction token) limits re-checks to changes of that interaction.
        """
        result = predicate()
        if result:
            return result
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(key, []).append((predicate, future))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None

    async def wait_ready(
        self, timeout: float = 20.0, *, after: int = 0, shards: Iterable[int] | None = None
    ) -> None:
        """Wait until the bot has identified (more than `after` times) and has commands.

        With `shards`, wait until each of those shard ids has identified since `after`.
        """
        wanted = set(shards or ())

        def ready() -> bool:
            since = {shard_id for shard_id, _ in self.identified[after:]}
            identified = wanted <= since if wanted else self.identify_count > after
            return identified and bool(self.commands)

        await self.wait_for(
            ready, timeout, f"READY of shards {sorted(wanted)}" if wanted else "READY"
        )

    # ------------------------------------------------------------------ gateway
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            await self._send(
                ws, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    break
                await self._on_gateway_message(ws, json.loads(msg.data))
        finally:
            self._sockets.discard(ws)
        return ws

    async def _send(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        async with self._gateway_send:
            await ws.send_json(payload)

    async def _on_gateway_message(self, ws: web.WebSocketResponse, msg: dict[str, Any]) -> None:
        op, data = msg.get("op"), msg.get("d")
        if op == 1:
            self.heartbeats += 1
            await self._send(ws, {"op": 11})
        elif op == 2:
            if data.get("token") != self.token:
                await ws.close(code=4004, message=b"Authentication failed.")
                return
            await self._identify(ws, data)
        elif op == 6:
            await self._resume(ws, data)

    def _shard_problem(self, shard: Any) -> tuple[int, bytes] | None:
        """Why Discord would refuse this IDENTIFY's shard: (close code, reason), or None."""
        if shard is None:
            shard = [0, 1]
        valid = (
            isinstance(shard, list)
            and len(shard) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in shard)
            and shard[1] >= 1
            and 0 <= shard[0] < shard[1]
        )
        if not valid:
            return INVALID_SHARD, b"Invalid shard."
        if len(self.guilds_of_shard(shard[0], shard[1])) > self.max_guilds_per_shard:
            return SHARDING_REQUIRED, b"Sharding required."
        return None

    def guilds_of_shard(self, shard_id: int, shard_count: int) -> list[Guild]:
        """The servers whose events go to this shard."""
        return [g for g in self.guilds.values() if shard_of(g.id, shard_count) == shard_id]

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        problem = self._shard_problem(data.get("shard"))
        if problem is not None:
            await ws.close(code=problem[0], message=problem[1])
            return
        shard_id, shard_count = data.get("shard") or (0, 1)
        session = Session(secrets.token_hex(16), (shard_id, shard_count), ws=ws)
        self.sessions[session.id] = session
        self.shard_sessions[shard_id] = session
        self.identify_count += 1
        guilds = self.guilds_of_shard(shard_id, shard_count)
        ready = {
            "v": 10,
            "user": self.bot_user.to_dict(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "user_settings": {},
            "session_type": "normal",
        }
        if "shard" in data:
            ready["shard"] = [shard_id, shard_count]
        await self._dispatch_to(session, "READY", ready)
        for guild in guilds:
            bot_member = guild.members[self.bot_user.id]
            await self._dispatch_to(session, "GUILD_CREATE", guild.to_create_payload(bot_member))
        self.identified.append((shard_id, shard_count))
        await self._notify()

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.token:
            await self._send(ws, {"op": 9, "d": False})
            return
        session.ws = ws
        self.shard_sessions[session.shard[0]] = session
        self.resume_count += 1
        async with self._gateway_send:
            for event in session.events:
                if event["s"] > int(data.get("seq") or 0):
                    await ws.send_json(event)
        await self._dispatch_to(session, "RESUMED", {})
        await self._notify()

    def session_for(self, data: dict[str, Any], event: str = "") -> Session:
        """The session an event goes to: its server's shard, or shard 0 for DMs."""
        guild_id = data.get("id") if event.startswith("GUILD_") else data.get("guild_id")
        if guild_id is None:
            shard_id = 0
        else:
            counts = {s.shard[1] for s in self.shard_sessions.values()} or {1}
            shard_id = shard_of(int(guild_id), max(counts))
        session = self.shard_sessions.get(shard_id)
        if session is None:
            raise AssertionError(f"no bot session serves shard {shard_id} (for {event or data})")
        return session

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to the shard Discord would (kept for replay if it is down)."""
        await self._dispatch_to(self.session_for(data, event), event, data)

    async def _dispatch_to(self, session: Session, event: str, data: dict[str, Any]) -> None:
        async with self._gateway_send:
            session.seq += 1
            frame = {"op": 0, "t": event, "s": session.seq, "d": data}
            session.events.append(frame)
            ws = session.ws
            if ws is not None and not ws.closed:
                with contextlib.suppress(ConnectionError):
                    await ws.send_json(frame)

    def _live_sockets(self, shard: int | None) -> list[web.WebSocketResponse]:
        sessions = [s for s in self.shard_sessions.values() if shard is None or s.serves(shard)]
        return [s.ws for s in sessions if s.ws is not None and not s.ws.closed]

    async def drop_gateway(self, code: int = 4000, *, shard: int | None = None) -> None:
        """Close the gateway connection(s) as a network failure would; the bot should RESUME."""
        sockets = self._live_sockets(shard)
        assert sockets, "no gateway connection to drop"
        for ws in sockets:
            await ws.close(code=code)

    async def request_reconnect(self, *, shard: int | None = None) -> None:
        """Ask the bot to reconnect (opcode 7), as Discord does before moving a session."""
        sockets = self._live_sockets(shard)
        assert sockets, "no gateway connection"
        for ws in sockets:
            await self._send(ws, {"op": 7, "d": None})

    # ------------------------------------------------------------------ fault injection
    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: float = 0.2,
        is_global: bool = False,
    ) -> None:
        """Make the next `times` requests matching method and path (a regex) fail."""
        self.faults.append(
            Fault(method.upper(), re.compile(path), status, times, retry_after, is_global)
        )

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and fault.path.search(path):
                fault.times -= 1
                return fault
        return None

    @staticmethod
    def _fault_response(fault: Fault) -> web.Response:
        if fault.status == 429:
            body = {
                "message": "You are being rate limited.",
                "retry_after": fault.retry_after,
                "global": fault.is_global,
            }
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(max(1, round(fault.retry_after))),
                "X-RateLimit-Scope": "global" if fault.is_global else "user",
            }
            return _json(body, status=429, headers=headers)
        return _json({"message": "Internal Server Error", "code": 0}, status=fault.status)

    # ------------------------------------------------------------------ REST
    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, files = await _read_body(request)
        record = RecordedRequest(request.method, path, dict(request.query), body)
        self.requests.append(record)
        response = await self._route(request, path, body, files, record)
        record.status = response.status
        parts = path.split("/")
        token = parts[3] if len(parts) > 3 and parts[1] in ("interactions", "webhooks") else None
        await self._notify(token)
        return response

    async def _route(
        self,
        request: web.Request,
        path: str,
        body: Any,
        files: list[tuple[str, bytes]],
        record: RecordedRequest,
    ) -> web.Response:
        fault = self._take_fault(request.method, path)
        if fault is not None:
            return self._fault_response(fault)
        public = path.startswith(("/interactions/", "/webhooks/"))
        if not public and request.headers.get("Authorization") != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        for method, pattern, handler in self._route_table:
            match = pattern.fullmatch(path)
            if match and method == request.method:
                return await handler(*match.groups(), body=body, files=files)
        self.unhandled.append(record)
        return _error(404, 0, f"emulator has no route for {request.method} {path}")

    def _routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Awaitable[web.Response]]]]:
        r = re.compile
        return [
            ("GET", r(r"/users/@me"), self._get_me),
            ("GET", r(r"/oauth2/applications/@me"), self._get_application),
            ("GET", r(r"/gateway(?:/bot)?"), self._get_gateway),
            ("GET", r(r"/applications/(\d+)/commands"), self._get_commands),
            ("PUT", r(r"/applications/(\d+)/commands"), self._put_commands),
            ("GET", r(r"/applications/(\d+)/guilds/(\d+)/commands"), self._get_commands),
            ("PUT", r(r"/applications/(\d+)/guilds/(\d+)/commands"), self._put_commands),
            ("POST", r(r"/interactions/(\d+)/([^/]+)/callback"), self._callback),
            ("POST", r(r"/webhooks/(\d+)/([^/]+)"), self._followup),
            ("GET", r(r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)"), self._get_webhook_msg),
            (
                "PATCH",
                r(r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)"),
                self._edit_webhook_msg,
            ),
            (
                "DELETE",
                r(r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)"),
                self._delete_webhook_msg,
            ),
            ("GET", r(r"/channels/(\d+)"), self._get_channel),
            ("POST", r(r"/channels/(\d+)/messages"), self._create_message),
            ("GET", r(r"/channels/(\d+)/messages"), self._list_messages),
            ("GET", r(r"/channels/(\d+)/messages/(\d+)"), self._get_message),
            ("PATCH", r(r"/channels/(\d+)/messages/(\d+)"), self._edit_message),
            ("DELETE", r(r"/channels/(\d+)/messages/(\d+)"), self._delete_message),
            ("GET", r(r"/guilds/(\d+)/members/(\d+)"), self._get_member),
            ("PUT", r(r"/guilds/(\d+)/members/(\d+)/roles/(\d+)"), self._add_role),
            ("DELETE", r(r"/guilds/(\d+)/members/(\d+)/roles/(\d+)"), self._remove_role),
            ("POST", r(r"/users/@me/channels"), self._open_dm),
        ]

    async def _get_me(self, **_: Any) -> web.Response:
        return _json(
            {**self.bot_user.to_dict(), "verified": True, "mfa_enabled": False, "flags": 0}
        )

    async def _get_application(self, **_: Any) -> web.Response:
        return _json(
            {
                "id": str(self.application_id),
                "name": "coalition-bot",
                "icon": None,
                "description": "",
                "rpc_origins": [],
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": self.owner.to_dict(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": 0,
                "summary": "",
                "bot": self.bot_user.to_dict(),
                "interactions_endpoint_url": None,
            }
        )

    async def _get_gateway(self, **_: Any) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": self.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_commands(
        self, app_id: str, guild_id: str | None = None, **_: Any
    ) -> web.Response:
        scope = int(guild_id) if guild_id else None
        return _json(self.commands.get(scope, []))

    async def _put_commands(
        self, app_id: str, guild_id: str | None = None, *, body: Any, **_: Any
    ) -> web.Response:
        problems = limits.command_problems(body)
        if problems:
            return _invalid(problems)
        scope = int(guild_id) if guild_id else None
        registered = []
        old = {c["name"]: c["id"] for c in self.commands.get(scope, [])}
        for command in body:
            perms = command.get("default_member_permissions")
            registered.append(
                {
                    **command,
                    # Discord answers with permissions as a string, whatever was sent.
                    "default_member_permissions": None if perms is None else str(perms),
                    "id": old.get(command["name"], str(self.ids.next())),
                    "application_id": str(self.application_id),
                    "version": str(self.ids.next()),
                    **({"guild_id": guild_id} if guild_id else {}),
                }
            )
        self.commands[scope] = registered
        return _json(registered)

    # interactions -----------------------------------------------------------
    async def _callback(
        self, interaction_id: str, token: str, *, body: Any, files: list[tuple[str, bytes]]
    ) -> web.Response:
        record = self.interactions.get(token)
        if record is None or record.id != int(interaction_id):
            return _error(404, 10062, "Unknown interaction")
        if record.callback is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        window = self.interaction_window
        if window is not None and time.monotonic() - record.sent_at > window:
            return _error(404, 10062, "Unknown interaction")
        kind, data = body.get("type"), body.get("data") or {}
        problems = self._callback_problems(kind, data)
        if problems:
            return _invalid(problems)
        self._attach(data, files)
        record.callback, record.callback_at = body, time.monotonic()
        resource: dict[str, Any] = {"type": kind}
        message = self._apply_callback(record, kind, data)
        if message is not None:
            resource["message"] = message
        interaction = {
            "id": str(record.id),
            "type": record.payload["type"],
            "response_message_id": message["id"] if message else None,
            "response_message_loading": kind == DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(int(data.get("flags") or 0) & EPHEMERAL),
        }
        return _json({"interaction": interaction, "resource": resource})

    def _callback_problems(self, kind: int, data: dict[str, Any]) -> list[str]:
        if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            return limits.message_problems(data)
        if kind == MODAL:
            return limits.modal_problems(data)
        if kind == AUTOCOMPLETE_RESULT:
            return limits.autocomplete_problems(data)
        if kind in (DEFERRED_MESSAGE, DEFERRED_UPDATE):
            return []
        return [f"type: unknown callback type {kind}"]

    def _apply_callback(
        self, record: InteractionRecord, kind: int, data: dict[str, Any]
    ) -> dict[str, Any] | None:
        if kind == CHANNEL_MESSAGE:
            record.original = self._store_message(record.channel_id, data, webhook=True)
        elif kind == DEFERRED_MESSAGE:
            flags = (int(data.get("flags") or 0) & EPHEMERAL) | LOADING
            record.original = self._store_message(
                record.channel_id, {"flags": flags}, webhook=True, audit=False
            )
        elif kind in (UPDATE_MESSAGE, DEFERRED_UPDATE):
            message = self._find_message(record.channel_id, int(record.payload["message"]["id"]))
            if message is not None and kind == UPDATE_MESSAGE:
                self._audit(record.channel_id, data)
                apply_edit(message, data)
            record.original = message
        return record.original

    async def _followup(
        self, app_id: str, token: str, *, body: Any, files: list[tuple[str, bytes]], **_: Any
    ) -> web.Response:
        record = self.interactions.get(token)
        if record is None or record.callback is None:
            return _error(404, 10015, "Unknown Webhook")
        problems = limits.message_problems(body)
        if problems:
            return _invalid(problems)
        self._attach(body, files)
        message = self._store_message(record.channel_id, body, webhook=True)
        record.followups.append(message)
        return _json(message)

    def _webhook_target(
        self, token: str, message_id: str
    ) -> tuple[InteractionRecord | None, dict[str, Any] | None]:
        record = self.interactions.get(token)
        if record is None:
            return None, None
        if message_id == "@original":
            return record, record.original
        return record, self._find_message(record.channel_id, int(message_id))

    async def _get_webhook_msg(
        self, app_id: str, token: str, message_id: str, **_: Any
    ) -> web.Response:
        _, message = self._webhook_target(token, message_id)
        return _json(message) if message else _error(404, 10008, "Unknown Message")

    async def _edit_webhook_msg(
        self,
        app_id: str,
        token: str,
        message_id: str,
        *,
        body: Any,
        files: list[tuple[str, bytes]],
        **_: Any,
    ) -> web.Response:
        record, message = self._webhook_target(token, message_id)
        if record is None or message is None:
            return _error(404, 10008, "Unknown Message")
        problems = limits.message_problems(body)
        if problems:
            return _invalid(problems)
        self._attach(body, files)
        self._audit(record.channel_id, body)
        apply_edit(message, body)
        message["flags"] = int(message.get("flags") or 0) & ~LOADING
        record.edits += 1
        return _json(message)

    async def _delete_webhook_msg(
        self, app_id: str, token: str, message_id: str, **_: Any
    ) -> web.Response:
        record, message = self._webhook_target(token, message_id)
        if record is None or message is None:
            return _error(404, 10008, "Unknown Message")
        self.messages[record.channel_id].remove(message)
        return web.Response(status=204)

    # channels and messages ----------------------------------------------------
    def _channel_or_error(self, channel_id: str, need: int = 0) -> Channel | web.Response:
        channel = self._find_channel(int(channel_id))
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if need and getattr(channel, "bot_denied", 0) & need:
            return _error(403, 50013, "Missing Permissions")
        return channel

    def _find_channel(self, channel_id: int) -> Channel | None:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        if channel_id in self.dm_channels.values():
            return Channel(channel_id, 0, "dm", type=1)
        return None

    async def _get_channel(self, channel_id: str, **_: Any) -> web.Response:
        channel = self._channel_or_error(channel_id)
        return channel if isinstance(channel, web.Response) else _json(channel.to_dict())

    async def _create_message(
        self, channel_id: str, *, body: Any, files: list[tuple[str, bytes]], **_: Any
    ) -> web.Response:
        channel = self._channel_or_error(channel_id, VIEW_CHANNEL | SEND_MESSAGES)
        if isinstance(channel, web.Response):
            return channel
        problems = limits.message_problems(body)
        if not (body.get("content") or body.get("embeds") or files or body.get("components")):
            problems.append("Cannot send an empty message")
        if problems:
            return _invalid(problems)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce") and self.remember_nonces:
            for earlier in self.messages.get(channel.id, []):
                if earlier.get("nonce") == nonce:
                    return _json(earlier)
        self._attach(body, files)
        return _json(self._store_message(channel.id, body))

    async def _list_messages(self, channel_id: str, **_: Any) -> web.Response:
        channel = self._channel_or_error(channel_id)
        if isinstance(channel, web.Response):
            return channel
        visible = [m for m in self.messages.get(channel.id, []) if not int(m["flags"]) & EPHEMERAL]
        return _json(list(reversed(visible))[:50])

    async def _get_message(self, channel_id: str, message_id: str, **_: Any) -> web.Response:
        message = self._find_message(int(channel_id), int(message_id))
        return _json(message) if message else _error(404, 10008, "Unknown Message")

    async def _edit_message(
        self, channel_id: str, message_id: str, *, body: Any, **_: Any
    ) -> web.Response:
        message = self._find_message(int(channel_id), int(message_id))
        if message is None:
            return _error(404, 10008, "Unknown Message")
        problems = limits.message_problems(body)
        if problems:
            return _invalid(problems)
        self._audit(int(channel_id), body)
        return _json(apply_edit(message, body))

    async def _delete_message(self, channel_id: str, message_id: str, **_: Any) -> web.Response:
        message = self._find_message(int(channel_id), int(message_id))
        if message is None:
            return _error(404, 10008, "Unknown Message")
        self.messages[int(channel_id)].remove(message)
        return web.Response(status=204)

    def _find_message(self, channel_id: int, message_id: int) -> dict[str, Any] | None:
        for message in self.messages.get(channel_id, []):
            if int(message["id"]) == message_id:
                return message
        return None

    def _store_message(
        self, channel_id: int, body: dict[str, Any], *, webhook: bool = False, audit: bool = True
    ) -> dict[str, Any]:
        if audit:
            self._audit(channel_id, body)
        channel = self._find_channel(channel_id)
        guild_id = channel.guild_id if channel and channel.guild_id else None
        message = message_payload(
            message_id=self.ids.next(),
            channel_id=channel_id,
            guild_id=guild_id,
            author=self.bot_user,
            body=body,
            webhook_id=self.application_id if webhook else None,
        )
        self.messages.setdefault(channel_id, []).append(message)
        return message

    def _audit(self, channel_id: int, body: dict[str, Any]) -> None:
        found = pings(body)
        if found:
            self.mention_violations.append({"channel_id": channel_id, "pings": found, "body": body})

    def _attach(self, body: dict[str, Any], files: list[tuple[str, bytes]]) -> None:
        if not files:
            return
        attachments = []
        for index, (filename, data) in enumerate(files):
            attachment_id = self.ids.next()
            self.attachments[attachment_id] = data
            attachments.append(
                {
                    "id": str(attachment_id),
                    "filename": filename,
                    "size": len(data),
                    "url": f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{filename}",
                    "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{filename}",
                    "content_type": _guess_type(filename),
                    "index": index,
                }
            )
        body["attachments"] = attachments

    def attachment_bytes(self, attachment: dict[str, Any]) -> bytes:
        """The bytes the bot uploaded for an attachment of a message."""
        return self.attachments[int(attachment["id"])]

    def channel_messages(
        self, channel: Channel | int, *, include_ephemeral: bool = False
    ) -> list[dict[str, Any]]:
        """Messages in a channel, oldest first."""
        channel_id = channel if isinstance(channel, int) else channel.id
        return [
            m
            for m in self.messages.get(channel_id, [])
            if include_ephemeral or not int(m["flags"]) & EPHEMERAL
        ]

    # guild members -----------------------------------------------------------
    async def _get_member(self, guild_id: str, user_id: str, **_: Any) -> web.Response:
        guild = self.guilds.get(int(guild_id))
        member = guild.members.get(int(user_id)) if guild else None
        return _json(member.to_dict()) if member else _error(404, 10007, "Unknown Member")

    async def _add_role(self, guild_id: str, user_id: str, role_id: str, **_: Any) -> web.Response:
        return self._change_role(int(guild_id), int(user_id), int(role_id), add=True)

    async def _remove_role(
        self, guild_id: str, user_id: str, role_id: str, **_: Any
    ) -> web.Response:
        return self._change_role(int(guild_id), int(user_id), int(role_id), add=False)

    def _change_role(self, guild_id: int, user_id: int, role_id: int, *, add: bool) -> web.Response:
        guild = self.guilds.get(guild_id)
        member = guild.members.get(user_id) if guild else None
        if guild is None or member is None:
            return _error(404, 10007, "Unknown Member")
        role = guild.roles.get(role_id)
        if role is None:
            return _error(404, 10011, "Unknown Role")
        bot_top = max(guild.roles[r].position for r in guild.members[self.bot_user.id].role_ids)
        if not guild.permissions_of(self.bot_user.id) & (1 << 28) or role.position >= bot_top:
            return _error(403, 50013, "Missing Permissions")
        if add and role_id not in member.role_ids:
            member.role_ids.append(role_id)
        elif not add and role_id in member.role_ids:
            member.role_ids.remove(role_id)
        return web.Response(status=204)

    async def _open_dm(self, *, body: Any, **_: Any) -> web.Response:
        recipient = int(body["recipient_id"])
        channel_id = self.dm_channels.setdefault(recipient, self.ids.next())
        user = (
            self.guild.members[recipient].user
            if recipient in self.guild.members
            else User(recipient, "user")
        )
        return _json(
            {
                "id": str(channel_id),
                "type": 1,
                "recipients": [user.to_dict()],
                "last_message_id": None,
            }
        )

    # ------------------------------------------------------------------ acting as users
    def commands_in_scope(self, guild: Guild | None = None) -> list[dict[str, Any]]:
        """The commands a user of a guild (the default one) sees: guild ones first, then global."""
        return self.commands.get((guild or self.guild).id, []) + self.commands.get(None, [])

    def command(self, name: str, guild: Guild | None = None) -> dict[str, Any]:
        """The registered top-level command called name."""
        for command in self.commands_in_scope(guild):
            if command["name"] == name:
                return command
        raise AssertionError(f"no command /{name} is registered")

    async def invoke(
        self,
        path: str,
        *,
        user: User | None = None,
        channel: Channel | None = None,
        options: dict[str, Any] | None = None,
        waited: float = 0.0,
        **more_options: Any,
    ) -> InteractionRecord:
        """Run a slash command as `user`: `await fake.invoke("standards show", section="x")`.

        Options named like the keyword arguments (user, channel, waited) go in `options={...}`.
        `waited` back-dates the interaction's id by that many seconds, as if it had waited
        behind a burst before reaching the bot.
        """
        channel = channel or self.channel("general")
        data = self._command_data(
            path, {**(options or {}), **more_options}, focused=None, guild=self._guild_of(channel)
        )
        return await self._send_interaction(APPLICATION_COMMAND, data, user, channel, waited=waited)

    async def autocomplete(
        self,
        path: str,
        focused: str,
        value: str,
        *,
        user: User | None = None,
        channel: Channel | None = None,
        **options: Any,
    ) -> list[dict[str, Any]]:
        """Type `value` into option `focused` and return the choices the bot offers."""
        channel = channel or self.channel("general")
        data = self._command_data(
            path, {**options, focused: value}, focused=focused, guild=self._guild_of(channel)
        )
        record = await self._send_interaction(AUTOCOMPLETE, data, user, channel)
        return await record.choices()

    async def click(
        self, message: dict[str, Any], custom_id: str, *, user: User | None = None
    ) -> InteractionRecord:
        """Press the button with custom_id on a message."""
        component = _find_component(message, custom_id)
        data = {"custom_id": custom_id, "component_type": component["type"]}
        return await self._send_interaction(MESSAGE_COMPONENT, data, user, None, message)

    async def select(
        self,
        message: dict[str, Any],
        custom_id: str,
        values: list[str],
        *,
        user: User | None = None,
    ) -> InteractionRecord:
        """Choose values in the select menu with custom_id on a message."""
        component = _find_component(message, custom_id)
        data = {"custom_id": custom_id, "component_type": component["type"], "values": values}
        return await self._send_interaction(MESSAGE_COMPONENT, data, user, None, message)

    async def submit_modal(
        self, opened: InteractionRecord, values: dict[str, Any], *, user: User | None = None
    ) -> InteractionRecord:
        """Fill in and submit the modal the bot opened in answer to `opened`."""
        modal = await opened.modal()
        # discord.py registers the modal only after its callback request returns; a person
        # takes far longer than this to type, so wait a moment as Discord's client would.
        await asyncio.sleep(self.modal_submit_delay)
        unknown = set(values) - _custom_ids(modal["components"])
        if unknown:
            raise AssertionError(f"the modal has no field(s) {sorted(unknown)}")
        rows = []
        for row in modal["components"]:
            if row["type"] == 1:
                rows.append(
                    {"type": 1, "components": [_filled(c, values) for c in row["components"]]}
                )
            elif row["type"] == 18:
                rows.append({"type": 18, "component": _filled(row["component"], values)})
        data = {"custom_id": modal["custom_id"], "components": rows}
        channel = self._find_channel(opened.channel_id)
        return await self._send_interaction(
            MODAL_SUBMIT, data, user or _user_of(opened, self), channel
        )

    def _guild_of(self, channel: Channel) -> Guild:
        guild = self.guilds.get(channel.guild_id)
        assert guild is not None, f"#{channel.name} is not a server channel"
        return guild

    def _command_data(
        self, path: str, options: dict[str, Any], focused: str | None, guild: Guild
    ) -> dict[str, Any]:
        names = path.split()
        command = self.command(names[0], guild)
        data: dict[str, Any] = {
            "id": command["id"],
            "name": command["name"],
            "type": command.get("type", 1),
        }
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        resolved: dict[str, dict[str, Any]] = {}
        node, target = command, data
        for name in names[1:]:
            node = next(
                (o for o in node.get("options", []) if o["name"] == name and o["type"] in (1, 2)),
                None,
            )
            if node is None:
                raise AssertionError(f"/{path}: no subcommand {name!r}")
            child = {"name": name, "type": node["type"], "options": []}
            target["options"] = [child]
            target = child
        target["options"] = self._options(node, options, resolved, focused, path, guild)
        if resolved:
            data["resolved"] = resolved
        return data

    def _options(
        self,
        node: dict[str, Any],
        given: dict[str, Any],
        resolved: dict[str, dict[str, Any]],
        focused: str | None,
        path: str,
        guild: Guild,
    ) -> list[dict[str, Any]]:
        declared = {o["name"]: o for o in node.get("options", []) if o["type"] not in (1, 2)}
        unknown = set(given) - set(declared)
        if unknown:
            raise AssertionError(f"/{path} has no option(s) {sorted(unknown)}")
        out = []
        for name, spec in declared.items():
            if name not in given:
                if spec.get("required") and focused is None:
                    raise AssertionError(f"/{path} needs option {name!r}")
                continue
            value = given[name]
            option = {
                "name": name,
                "type": spec["type"],
                "value": self._option_value(spec, value, resolved, guild),
            }
            if name == focused:
                option["focused"] = True
                option["value"] = str(value)
            elif spec.get("choices") and value not in [c["value"] for c in spec["choices"]]:
                raise AssertionError(f"/{path} {name}: {value!r} is not one of the choices")
            out.append(option)
        return out

    def _option_value(
        self, spec: dict[str, Any], value: Any, resolved: dict[str, dict[str, Any]], guild: Guild
    ) -> Any:
        kind = spec["type"]
        if kind == 6:  # USER
            user = value if isinstance(value, User) else guild.members[int(value)].user
            resolved.setdefault("users", {})[str(user.id)] = user.to_dict()
            member = guild.members.get(user.id)
            if member is not None:
                member_data = member.to_dict()
                member_data.pop("user")
                member_data["permissions"] = str(guild.permissions_of(user.id))
                resolved.setdefault("members", {})[str(user.id)] = member_data
            return str(user.id)
        if kind == 7:  # CHANNEL
            channel = value if isinstance(value, Channel) else self._find_channel(int(value))
            assert channel is not None
            resolved.setdefault("channels", {})[str(channel.id)] = {
                "id": str(channel.id),
                "name": channel.name,
                "type": channel.type,
                "permissions": str(guild.permissions_of(self.bot_user.id)),
            }
            return str(channel.id)
        if kind == 8:  # ROLE
            role = value if isinstance(value, Role) else guild.roles[int(value)]
            resolved.setdefault("roles", {})[str(role.id)] = role.to_dict()
            return str(role.id)
        return value

    async def _send_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        user: User | None,
        channel: Channel | None,
        message: dict[str, Any] | None = None,
        waited: float = 0.0,
    ) -> InteractionRecord:
        user = user or self.member
        if channel is None:
            channel_id = int(message["channel_id"]) if message else self.channel("general").id
            channel = self._find_channel(channel_id)
        assert channel is not None
        guild = self._guild_of(channel)
        member = guild.members[user.id]
        payload: dict[str, Any] = {
            "id": str(self.ids.next(ago=waited)),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(guild.id),
            "channel_id": str(channel.id),
            "channel": channel.to_dict(),
            "member": {**member.to_dict(), "permissions": str(guild.permissions_of(user.id))},
            "token": "itk_" + secrets.token_urlsafe(24),
            "version": 1,
            "app_permissions": str(guild.permissions_of(self.bot_user.id)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        record = InteractionRecord(self, payload)
        self.interactions[record.token] = record
        await self.dispatch("INTERACTION_CREATE", payload)
        return record


def _find_component(message: dict[str, Any], custom_id: str) -> dict[str, Any]:
    for row in message.get("components") or []:
        for component in row.get("components") or []:
            if component.get("custom_id") == custom_id:
                if component.get("disabled"):
                    raise AssertionError(f"component {custom_id!r} is disabled")
                return component
    raise AssertionError(f"no component {custom_id!r} on message {message['id']}")


def _custom_ids(components: list[dict[str, Any]]) -> set[str]:
    found = set()
    for item in components:
        children = item.get("components") or ([item["component"]] if "component" in item else [])
        found |= _custom_ids(children)
        if "custom_id" in item:
            found.add(item["custom_id"])
    return found


def _filled(component: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A modal field as Discord submits it: text as value, selects as values, checkbox as bool."""
    custom_id = component["custom_id"]
    given = values.get(custom_id)
    kind = component["type"]
    if kind in (3, 5, 6, 7, 8, 22):
        chosen = given if given is not None else []
        return {"type": kind, "custom_id": custom_id, "values": list(chosen)}
    if kind == 23:
        return {"type": kind, "custom_id": custom_id, "value": bool(given)}
    return {"type": kind, "custom_id": custom_id, "value": "" if given is None else str(given)}


def _user_of(record: InteractionRecord, fake: FakeDiscord) -> User:
    return (
        fake.guilds[int(record.payload["guild_id"])]
        .members[int(record.payload["member"]["user"]["id"])]
        .user
    )


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly application/json.
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=all_headers)


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status=status)


def _invalid(problems: list[str]) -> web.Response:
    errors = {
        str(i): {"_errors": [{"code": "BASE_TYPE_BAD", "message": p}]}
        for i, p in enumerate(problems)
    }
    return _json(
        {"code": 50035, "message": "Invalid Form Body", "errors": errors, "problems": problems},
        status=400,
    )


def _guess_type(filename: str) -> str:
    if filename.endswith(".csv"):
        return "text/csv"
    if filename.endswith(".png"):
        return "image/png"
    return "application/octet-stream"


async def _read_body(request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
    """JSON bodies, and the multipart bodies discord.py sends with files."""
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        body: Any = {}
        files: list[tuple[str, bytes]] = []
        async for part in reader:
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                files.append((part.filename or "file", bytes(await part.read())))
        return body, files
    if request.can_read_body:
        raw = await request.read()
        return (json.loads(raw) if raw else None), []
    return None, []
