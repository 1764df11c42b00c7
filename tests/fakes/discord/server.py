"""A fake Discord (REST API v10 + Gateway v10) on loopback that the unmodified discord.py uses.

One aiohttp server serves ``/api/v10/...`` (REST), ``/gateway`` (the websocket, JSON encoding,
zlib-stream or zstd-stream compression as the client asks) and ``/cdn/...`` (attachment bytes).
Point discord.py at it with :meth:`FakeDiscord.aim`.

It is strict where Discord is strict, so a bot bug fails a test instead of passing here and
breaking in production: an interaction answered twice (40060), answered after three seconds or
unknown (10062), an original response edited before any callback (10015), an autocomplete answer
to anything but an autocomplete, a modal after a defer, a message over Discord's limits (50035),
a file over the guild's per-file upload limit or, in a DM, over the bot's 10 MiB (40005),
editing a message someone else wrote (50005), posting where the bot lacks View Channel (50001)
or Send Messages, Send Messages in Threads, Attach Files or Embed Links (50013), an interaction
token used after 15 minutes (50027), a DM to a member who closed them (50007), CDN links used
after their signature expired (404), per-route rate-limit buckets announced in ``X-RateLimit-*``
headers and enforced, the global 50 requests a second, and the ban after too many invalid
requests. The gateway is as strict about sharding: an IDENTIFY whose ``shard`` is not
``[shard_id, num_shards]`` with ``0 <= shard_id < num_shards`` is closed with 4010, a session
that would hold more than :attr:`~FakeDiscord.max_guilds_per_shard` guilds with 4011, and each
guild's events reach only the sessions of its shard (DMs only shard 0's).
Time-based rules run on :attr:`clock`, which tests move forward instead of waiting.
Every REST request is kept in :attr:`requests`, the surface tests assert on; :meth:`fail_next`
injects rate limits the way Discord sends them (``Via`` header, ``retry_after`` body) or other
errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import mimetypes
import re
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import discord
import yarl
from aiohttp import WSMsgType, web

from tests.fakes.discord import payloads as p
from tests.fakes.discord.payloads import Json

try:  # discord.py asks for zstd-stream instead of zlib-stream when zstandard is importable
    import zstandard
except ImportError:  # pragma: no cover - depends on the environment
    zstandard = None

# reference.mdx "Uploading Files": per file, 10 MiB unless the guild's boosts raise it
TIER_UPLOAD_LIMITS = {0: 10 * 1024 * 1024, 1: 10 * 1024 * 1024, 2: 50 << 20, 3: 100 << 20}
DM_UPLOAD_LIMIT = 10 * 1024 * 1024  # the bot's own uploads in a DM, whatever the member's Nitro
TOKEN_LIFETIME = 15 * 60  # interactions/receiving-and-responding.mdx: tokens last 15 minutes
CDN_LIFETIME = 24 * 3600  # reference.mdx "Signed Attachment CDN URLs": ``ex`` is when it expires
INVALID_WINDOW, INVALID_LIMIT = 600.0, 10_000  # topics/rate-limits.mdx "Invalid Request Limit"
# events/gateway.mdx "Sharding": "Each shard can only support a maximum of 2500 guilds, and apps
# that are in 2500+ guilds *must* enable sharding"; topics/opcodes-and-status-codes.mdx "Gateway
# Close Event Codes": 4010 Invalid shard ("You sent us an invalid shard when identifying"), 4011
# Sharding required ("The session would have handled too many guilds").
MAX_GUILDS_PER_SHARD = 2500
INVALID_SHARD = (4010, b"Invalid shard.")
SHARDING_REQUIRED = (4011, b"Sharding required.")
EPHEMERAL, LOADING = 64, 128
CALLBACK_MESSAGE, CALLBACK_DEFER, CALLBACK_DEFER_UPDATE, CALLBACK_UPDATE = 4, 5, 6, 7
CALLBACK_AUTOCOMPLETE, CALLBACK_MODAL = 8, 9


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    """discord.py decodes JSON only when Content-Type is exactly ``application/json``."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def error(status: int, code: int, message: str, **extra: Any) -> Any:
    return json_response({"message": message, "code": code, **extra}, status)


class Invalid(Exception):
    """A request body Discord would refuse with 50035 Invalid Form Body."""


class Refusal(Exception):
    """Any other refusal: the HTTP status, JSON code and message Discord answers with."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


MISSING_ACCESS = (403, 50001, "Missing Access")
MISSING_PERMISSIONS = (403, 50013, "Missing Permissions")
TOO_LARGE = (413, 40005, "Request entity too large")
INVALID_TOKEN = (401, 50027, "Invalid Webhook Token")
UNKNOWN_WEBHOOK = (404, 10015, "Unknown Webhook")
DMS_CLOSED = (403, 50007, "Cannot send messages to this user")


class Clock:
    """The fake's time: the wall clock plus however far a test moved it forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Bucket:
    """One per-route rate limit (topics/rate-limits.mdx): ``limit`` requests per ``per`` s."""

    name: str
    limit: int
    per: float
    used: int = 0
    resets: float = 0.0


@dataclass
class Request:
    """One REST request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    json: Any = None  # the JSON body, or a multipart request's ``payload_json``
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # (field, filename, data)
    authorised: bool = False  # carried the bot token
    at: float = field(default_factory=time.perf_counter)


@dataclass
class Interaction:
    """An interaction Discord handed to the bot, and what the bot has done with it."""

    payload: Json
    dispatched: float
    created: float = 0.0  # on the fake's clock: the token expires TOKEN_LIFETIME later
    response: int | None = None
    acknowledged: float | None = None
    original: str | None = None  # the id of the message the original response is
    choices: list[Json] | None = None  # an autocomplete answer
    modal: Json | None = None
    late: bool = False  # the bot answered after Discord's deadline and was refused


@dataclass
class Fault:
    method: str
    pattern: str
    status: int
    body: Json
    headers: dict[str, str]


class GatewaySession:
    """One websocket connection: its compression context and sequence numbers."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.seq = 0
        self.identify: Json | None = None
        self.shard = (0, 1)  # [shard_id, num_shards] from IDENTIFY; unsharded is shard 0 of 1
        self.received: list[tuple[str, Json]] = []  # every event dispatched to this session
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd = (
            zstandard.ZstdCompressor().compressobj()
            if compress == "zstd-stream" and zstandard is not None
            else None
        )

    async def send(self, payload: Json) -> None:
        raw = json.dumps(payload).encode()
        if self._zlib is not None:  # one zlib stream per connection, each message sync-flushed
            await self.ws.send_bytes(self._zlib.compress(raw) + self._zlib.flush(zlib.Z_SYNC_FLUSH))
        elif self._zstd is not None:
            block = zstandard.COMPRESSOBJ_FLUSH_BLOCK
            await self.ws.send_bytes(self._zstd.compress(raw) + self._zstd.flush(block))
        else:
            await self.ws.send_str(raw.decode())

    async def dispatch(self, event: str, data: Json) -> None:
        self.seq += 1
        self.received.append((event, data))
        await self.send({"op": 0, "t": event, "s": self.seq, "d": data})

    def receives(self, guild_id: str | None) -> bool:
        """Whether this session gets an event of ``guild_id``: events/gateway.mdx "Sharding",
        ``shard_id = (guild_id >> 22) % num_shards``; events without a guild (DMs among them)
        go to shard 0 only."""
        shard_id, count = self.shard
        return shard_id == (0 if guild_id is None else p.shard_of(guild_id, count))


class FakeDiscord:
    def __init__(self, token: str = "FAKE.DISCORD.BOT-TOKEN-0123456789") -> None:
        self.token = token
        self.app_id = p.snowflake()
        self.bot_user = p.user("Chorus", bot=True, user_id=self.app_id)
        self.owner = p.user("Owner")
        self.guilds: list[Json] = []
        self.requests: list[Request] = []
        self.commands: dict[str, list[Json]] = {}  # "global" or a guild id -> registered commands
        self.messages: dict[str, Json] = {}  # every message, by id
        self.interactions: dict[str, Interaction] = {}  # by token
        self.ack_deadline = 3.0  # seconds Discord waits for the first response
        self.clock = Clock()
        self.nonce_window = 300.0  # resources/message.mdx: nonces dedupe "in the past few minutes"
        self.route_limit, self.route_per = 50, 1.0  # each route's bucket (generous by default)
        self.global_limit = 50  # requests per second, interaction endpoints exempt
        self.invalid_limit = INVALID_LIMIT
        self.invalid: list[float] = []  # when each 401, 403 and 429 was answered
        self.buckets: dict[str, Bucket] = {}
        self._global_second: tuple[int, int] = (0, 0)  # (second, requests in it)
        self.channels: dict[str, Json] = {}  # every channel, thread and DM, by id
        self.bot_permissions: dict[str, int] = {}  # per channel; p.BOT_PERMISSIONS by default
        self.users: dict[str, Json] = {}  # everyone who interacted, for DMs
        self.dms_closed: set[str] = set()  # members who do not accept DMs from the bot
        self._secret = p.snowflake().encode()  # signs CDN URLs
        self.heartbeat_interval_ms = 41_250
        self.max_guilds_per_shard = MAX_GUILDS_PER_SHARD  # tests lower it to provoke 4011
        self.sessions: list[GatewaySession] = []
        self._shard_of_session: dict[str, tuple[int, int]] = {}  # READY's session_id -> shard
        self._cdn: dict[str, tuple[bytes, str]] = {}
        self.cdn_fetches: list[str] = []  # attachment URLs downloaded, in order
        self.rate_limited = 0  # 429s sent
        self.rejected_uploads = 0  # 413s sent: a file over the upload limit
        self._nonces: dict[tuple[str, str], tuple[str, float]] = {}
        self._faults: list[Fault] = []
        self._holds: list[tuple[Any, asyncio.Event]] = []
        self.held: list[Request] = []  # requests that waited at a gate
        self._changed = asyncio.Condition()
        self._ready = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._routes: list[tuple[str, str, Any]] = [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/oauth2/applications/@me", self._get_app),
            ("GET", r"/gateway(/bot)?", self._get_gateway),
            ("PUT", r"/applications/(?P<app>\d+)(/guilds/(?P<guild>\d+))?/commands", self._sync),
            ("POST", r"/interactions/(?P<iid>\d+)/(?P<tok>[^/]+)/callback", self._callback),
            (
                "PATCH",
                r"/webhooks/(?P<app>\d+)/(?P<tok>[^/]+)/messages/(?P<mid>@original|\d+)",
                self._edit_response,
            ),
            ("POST", r"/webhooks/(?P<app>\d+)/(?P<tok>[^/]+)", self._followup),
            ("POST", r"/channels/(?P<cid>\d+)/messages", self._send),
            ("GET", r"/channels/(?P<cid>\d+)/messages", self._history),
            ("POST", r"/users/@me/channels", self._open_dm),
            ("PATCH", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._edit),
        ]

    # --- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/cdn/{path:.+}", self._serve_cdn)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        assert site._server is not None
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for session in list(self.sessions):
            await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @contextlib.contextmanager
    def aimed(self) -> Iterator[None]:
        """:meth:`aim` outside pytest (the benchmarks): restored on leaving."""
        saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        self.aim(_Setter())
        try:
            yield
        finally:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved

    def aim(self, monkeypatch: Any) -> None:
        """Point discord.py here (it has no public base-URL option): REST and the gateway."""
        monkeypatch.setattr(discord.http.Route, "BASE", self.rest_url)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway_url)
        )

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- the world -------------------------------------------------------------------------------
    def add_guild(
        self,
        name: str = "Music Club",
        *,
        premium_tier: int = 0,
        shard: tuple[int, int] | None = None,
    ) -> Json:
        """A guild the bot is in; ``shard`` (``(shard_id, num_shards)``) picks an id whose
        events that shard receives."""
        made = p.snowflake_on_shard(*shard) if shard else None
        guild = p.guild(
            name, self.owner["id"], self.bot_user, premium_tier=premium_tier, guild_id=made
        )
        for channel in guild["channels"]:
            channel["guild_id"] = guild["id"]
            self.channels[channel["id"]] = channel
        self.guilds.append(guild)
        return guild

    def add_channel(self, guild: Json, name: str) -> Json:
        """Another text channel in the guild (before the bot connects)."""
        made = {**p.channel(guild["id"], name), "position": len(guild["channels"])}
        guild["channels"].append(made)
        self.channels[made["id"]] = made
        return made

    def add_thread(self, guild: Json, name: str = "ideas") -> Json:
        """A public thread in the guild's first channel (before the bot connects)."""
        made = p.thread(guild["channels"][0], name, self.owner["id"])
        guild["threads"].append(made)
        self.channels[made["id"]] = made
        return made

    def permit(self, channel: Json, permissions: int) -> None:
        """What the bot may do in ``channel`` from now on (its roles and overwrites, computed)."""
        self.bot_permissions[channel["id"]] = permissions

    def permissions_in(self, channel_id: str) -> int:
        return self.bot_permissions.get(channel_id, p.BOT_PERMISSIONS)

    async def add_role(self, guild: Json, name: str, permissions: int = 0) -> str:
        """A new role, announced to connected bots as Discord does (GUILD_ROLE_CREATE)."""
        role = p.role(p.snowflake(), name, permissions)
        guild["roles"].append(role)
        await self.dispatch("GUILD_ROLE_CREATE", {"guild_id": guild["id"], "role": role})
        return str(role["id"])

    def upload_limit(self, guild: Json | None) -> int:
        """The largest file the bot may upload: the guild's (boosts raise it), or in a DM the
        bot's own 10 MiB (reference.mdx "Uploading Files")."""
        return TIER_UPLOAD_LIMITS[guild.get("premium_tier") or 0] if guild else DM_UPLOAD_LIMIT

    def add_attachment(
        self, filename: str, data: bytes, content_type: str | None, *, size: int | None = None
    ) -> Json:
        """Bytes on the CDN, and the attachment object that points at them."""
        attachment_id = p.snowflake()
        path = f"attachments/{attachment_id}/{filename}"
        self._cdn[path] = (data, content_type or "application/octet-stream")
        url = f"http://127.0.0.1:{self.port}/cdn/{path}?{self._signature(path)}"
        return p.attachment(attachment_id, filename, size or len(data), url, content_type)

    def _signature(self, path: str) -> str:
        """``ex`` (expiry), ``is`` (issued) and ``hm`` (signature), hex, as Discord signs."""
        issued = int(self.clock.now())
        expires = issued + CDN_LIFETIME
        mark = hmac.new(self._secret, f"{path}:{expires:x}".encode(), hashlib.sha256)
        return f"ex={expires:x}&is={issued:x}&hm={mark.hexdigest()}"

    def post(self, guild: Json, author: Json, content: str = "", **extra: Any) -> Json:
        """A member's message in the guild's first channel (say, one carrying an audio file)."""
        channel = guild["channels"][0]
        self.users[author["id"]] = author
        message = p.message(channel["id"], author, content, guild_id=guild["id"], **extra)
        self.messages[message["id"]] = message
        return message

    def channel_messages(self, guild: Json) -> list[Json]:
        channel = guild["channels"][0]["id"]
        return [m for m in self.messages.values() if m["channel_id"] == channel]

    def fail_next(
        self,
        method: str,
        pattern: str,
        *,
        status: int = 429,
        retry_after: float = 0.2,
        everywhere: bool = False,
    ) -> None:
        """The next matching request gets ``status``; 429 the way Discord rate-limits (with
        ``everywhere``, the global limit: ``"global": true`` and ``X-RateLimit-Global``)."""
        if status == 429:
            body: Json = {"message": "You are being rate limited.", "retry_after": retry_after}
            body["global"] = everywhere
            headers = {"Via": "1.1 google", "Retry-After": str(max(1, round(retry_after)))}
            if everywhere:
                headers |= {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}
        else:
            body, headers = {"message": f"{status}: injected", "code": 0}, {}
        self._faults.append(Fault(method, pattern, status, body, headers))

    def hold(self, matches: Any) -> asyncio.Event:
        """Requests for which ``matches(request)`` is true wait until the returned event is set
        (a slow Discord), so a test can change the world between a request and its answer."""
        gate = asyncio.Event()
        self._holds.append((matches, gate))
        return gate

    # --- interactions, as members cause them ----------------------------------------------------
    async def interact(
        self,
        kind: int,
        data: Json,
        who: Json,
        guild: Json | None,
        *,
        permissions: int = p.EVERYONE_PERMISSIONS,
        roles: tuple[str, ...] = (),
        source: Json | None = None,
        dm_channel: Json | None = None,
        channel: Json | None = None,
        member_upload_limit: int | None = None,
        locale: str = "en-US",
        guild_locale: str = "en-US",
    ) -> Json:
        """``member_upload_limit``: what the member may upload (Nitro raises it); Discord sends
        it as the interaction's ``attachment_size_limit``, though it says nothing about what
        the bot may upload in a DM. ``locale``: the member's Discord language; ``guild_locale``:
        the server's."""
        self.users[who["id"]] = who
        if guild:
            channel = {**(channel or guild["channels"][0]), "guild_id": guild["id"]}
        else:
            channel = dm_channel or self._dm_with(who)
        payload = p.interaction(
            kind,
            data,
            app_id=self.app_id,
            who=who,
            channel_=channel,
            guild_id=guild["id"] if guild else None,
            permissions=permissions,
            roles=roles,
            attachment_size_limit=member_upload_limit or self.upload_limit(guild),
            app_permissions=self.permissions_in(channel["id"]),
            source=source,
            locale=locale,
            guild_locale=guild_locale,
        )
        state = Interaction(payload, time.perf_counter(), created=self.clock.now())
        self.interactions[payload["token"]] = state
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def command(
        self,
        who: Json,
        name: str,
        options: list[Json] | None = None,
        *,
        guild: Json | None,
        resolved: Json | None = None,
        **how: Any,
    ) -> Json:
        data = p.command_data(name, options or [], resolved)
        return await self.interact(p.COMMAND, data, who, guild, **how)

    async def context_menu(
        self, who: Json, name: str, target: Json, *, guild: Json, **how: Any
    ) -> Json:
        data = p.message_command_data(name, target)
        return await self.interact(p.COMMAND, data, who, guild, **how)

    async def press(
        self, who: Json, message: Json, custom_id: str, *, guild: Json, **how: Any
    ) -> Json:
        data = p.component_data(custom_id)
        return await self.interact(p.COMPONENT, data, who, guild, source=message, **how)

    async def submit(
        self, who: Json, modal: Json, values: dict[str, str], *, guild: Json | None, **how: Any
    ) -> Json:
        data = p.modal_data(modal["custom_id"], values)
        return await self.interact(p.MODAL_SUBMIT, data, who, guild, **how)

    async def autocomplete(
        self, who: Json, name: str, options: list[Json], *, guild: Json
    ) -> list[Json]:
        data = p.command_data(name, options)
        sent = await self.interact(p.AUTOCOMPLETE, data, who, guild)
        await self.wait_until(lambda: self.state(sent).choices is not None)
        return self.state(sent).choices or []

    def state(self, interaction: Json) -> Interaction:
        return self.interactions[interaction["token"]]

    async def responded(self, interaction: Json) -> Interaction:
        await self.wait_until(lambda: self.state(interaction).response is not None)
        return self.state(interaction)

    async def reply(self, interaction: Json, patience: float = 30) -> Json:
        """The interaction's original response once it says something (not just "thinking")."""

        def said() -> bool:
            original = self.state(interaction).original
            return original is not None and not self.messages[original]["flags"] & LOADING

        await self.wait_until(said, patience)
        original = self.state(interaction).original
        assert original is not None
        return self.messages[original]

    # --- waiting and looking ---------------------------------------------------------------------
    def requests_to(self, method: str, pattern: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    async def wait_for(
        self, method: str, pattern: str, count: int = 1, patience: float = 30
    ) -> list[Request]:
        await self.wait_until(lambda: len(self.requests_to(method, pattern)) >= count, patience)
        return self.requests_to(method, pattern)

    async def wait_until(self, check: Any, patience: float = 30) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(check), patience)
            except TimeoutError:
                seen = [f"{r.method} {r.path}" for r in self.requests[-15:]]
                raise AssertionError(f"timed out; the last requests were {seen}") from None

    async def wait_until_ready(self, patience: float = 10) -> None:
        await asyncio.wait_for(self._ready.wait(), patience)

    async def _touch(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- gateway ---------------------------------------------------------------------------------
    async def dispatch(self, event: str, data: Json) -> None:
        """Send an event to every identified session of the shard it belongs to."""
        guild_id = data.get("guild_id")
        if guild_id is None and event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
            guild_id = data.get("id")
        for session in list(self.sessions):
            if session.identify is not None and session.receives(guild_id):
                await session.dispatch(event, data)

    def guilds_on(self, shard: tuple[int, int]) -> list[Json]:
        """The guilds a session identified as ``shard`` holds."""
        return [g for g in self.guilds if p.shard_of(g["id"], shard[1]) == shard[0]]

    def sessions_on(self, shard: tuple[int, int]) -> list[GatewaySession]:
        return [s for s in self.sessions if s.identify is not None and s.shard == shard]

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        session = GatewaySession(ws, request.query.get("compress"))
        self.sessions.append(session)
        await session.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                op, data = message["op"], message.get("d")
                if op == 1:  # heartbeat
                    await session.send({"op": 11})
                elif op == 2:  # identify
                    if data["token"] != self.token:
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    shard = data.get("shard", [0, 1])
                    if not valid_shard(shard):
                        code, reason = INVALID_SHARD
                        await ws.close(code=code, message=reason)
                        break
                    session.shard = (shard[0], shard[1])
                    if len(self.guilds_on(session.shard)) > self.max_guilds_per_shard:
                        code, reason = SHARDING_REQUIRED
                        await ws.close(code=code, message=reason)
                        break
                    session.identify = data
                    await self._identified(session)
                elif op == 6:  # resume: the session's shard is the one it identified as
                    session.shard = self._shard_of_session.get(data["session_id"], (0, 1))
                    session.identify = data
                    await session.dispatch("RESUMED", {})
        finally:
            self.sessions.remove(session)
        return ws

    async def _identified(self, session: GatewaySession) -> None:
        session_id = f"session-{p.snowflake()}"
        self._shard_of_session[session_id] = session.shard
        held = self.guilds_on(session.shard)
        assert session.identify is not None
        sharded = {"shard": list(session.shard)} if "shard" in session.identify else {}
        await session.dispatch(
            "READY",
            {
                "v": 10,
                "user": self.bot_user,
                "session_id": session_id,
                "resume_gateway_url": self.gateway_url,
                "session_type": "normal",
                **sharded,  # events/gateway-events.mdx "Ready": present when identified so
                "guilds": [{"id": g["id"], "unavailable": True} for g in held],
                "application": {"id": self.app_id, "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "geo_ordered_rtc_regions": [],
            },
        )
        for guild in held:
            await session.dispatch("GUILD_CREATE", guild)
        self._ready.set()

    # --- REST plumbing ---------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        auth = request.headers.get("Authorization")
        if auth not in (f"Bot {self.token}", None):
            return self._counted(error(401, 0, "401: Unauthorized"))
        record = Request(request.method, path, dict(request.query), authorised=auth is not None)
        if request.content_type == "multipart/form-data":
            async for part in await request.multipart():
                if part.name == "payload_json":  # type: ignore[union-attr]
                    record.json = json.loads(await part.text())  # type: ignore[union-attr]
                elif part.filename is not None:  # type: ignore[union-attr]
                    data = await part.read()  # type: ignore[union-attr]
                    record.files.append((str(part.name), part.filename, bytes(data)))  # type: ignore[union-attr]
        elif request.can_read_body:
            record.json = await request.json()
        self.requests.append(record)
        try:
            return self._counted(await self._route(record))
        finally:
            await self._touch()

    def _counted(self, response: web.Response) -> web.Response:
        """Keep the time of every 401, 403 and 429: too many of them and Discord bans the IP
        (topics/rate-limits.mdx "Invalid Request Limit")."""
        if response.status in (401, 403, 429):
            self.invalid.append(self.clock.now())
        return response

    def banned(self) -> bool:
        since = self.clock.now() - INVALID_WINDOW
        self.invalid = [at for at in self.invalid if at > since]
        return len(self.invalid) >= self.invalid_limit

    def _over_global(self, record: Request) -> bool:
        """The global limit: ``global_limit`` requests a second for the bot token, interaction
        callbacks and webhooks exempt (topics/rate-limits.mdx "Global Rate Limit")."""
        if record.path.startswith(("/interactions/", "/webhooks/")):
            return False
        second = int(self.clock.now())
        at, count = self._global_second
        count = count + 1 if at == second else 1
        self._global_second = (second, count)
        return count > self.global_limit

    def _bucket(self, record: Request) -> Bucket:
        """The route's bucket, per major parameter (channel, guild or webhook) as Discord does."""
        shape = re.sub(r"/\d+", "/{id}", record.path)
        major = re.match(r"/(channels|guilds|webhooks|interactions)/(\d+)", record.path)
        key = f"{record.method} {shape} {major[2] if major else ''}"
        bucket = self.buckets.get(key)
        if bucket is None:
            name = hashlib.sha256(f"{record.method} {shape}".encode()).hexdigest()[:16]
            bucket = self.buckets[key] = Bucket(name, self.route_limit, self.route_per)
        now = self.clock.now()
        if now >= bucket.resets:
            bucket.used, bucket.resets = 0, now + bucket.per
        return bucket

    @staticmethod
    def _bucket_headers(bucket: Bucket, now: float) -> dict[str, str]:
        left = max(0.0, bucket.resets - now)
        return {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(max(0, bucket.limit - bucket.used)),
            "X-RateLimit-Reset": f"{bucket.resets:.3f}",
            "X-RateLimit-Reset-After": f"{left:.3f}",
            "X-RateLimit-Bucket": bucket.name,
        }

    async def _route(self, record: Request) -> web.Response:
        for matches, gate in self._holds:
            if not gate.is_set() and matches(record):
                self.held.append(record)
                await self._touch()
                await gate.wait()
        if self.banned():  # Cloudflare answers for Discord: plain text, no JSON, no Via
            return web.Response(status=429, text="error code: 1015")
        if self._over_global(record):
            self.rate_limited += 1
            body = {"message": "You are being rate limited.", "retry_after": 1.0, "global": True}
            headers = {"Via": "1.1 google", "Retry-After": "1", "X-RateLimit-Global": "true"}
            return json_response(body, 429, headers | {"X-RateLimit-Scope": "global"})
        for fault in self._faults:
            if fault.method == record.method and re.fullmatch(fault.pattern, record.path):
                self._faults.remove(fault)
                self.rate_limited += fault.status == 429
                return json_response(fault.body, fault.status, fault.headers)
        bucket = self._bucket(record)
        now = self.clock.now()
        if bucket.used >= bucket.limit:
            self.rate_limited += 1
            headers = self._bucket_headers(bucket, now)
            retry = float(headers["X-RateLimit-Reset-After"])
            body = {"message": "You are being rate limited.", "retry_after": retry, "global": False}
            headers |= {"Via": "1.1 google", "Retry-After": str(max(1, round(retry)))}
            return json_response(body, 429, headers | {"X-RateLimit-Scope": "user"})
        bucket.used += 1
        response = await self._handle(record)
        response.headers.update(self._bucket_headers(bucket, now))
        return response

    async def _handle(self, record: Request) -> web.Response:
        for method, pattern, handler in self._routes:
            match = re.fullmatch(pattern, record.path)
            if match and method == record.method:
                if not record.authorised and not record.path.startswith(
                    ("/interactions/", "/webhooks/")
                ):
                    return error(401, 0, "401: Unauthorized")
                arguments = {k: v for k, v in match.groupdict().items() if v}
                try:
                    response: web.Response = await handler(record, **arguments)
                except Invalid as exc:
                    return error(400, 50035, "Invalid Form Body", errors=str(exc))
                except Refusal as exc:
                    self.rejected_uploads += exc.code == TOO_LARGE[1]
                    return error(exc.status, exc.code, exc.message)
                return response
        return error(404, 0, "404: Not Found")

    async def _serve_cdn(self, request: web.Request) -> web.Response:
        """Signed URLs only, until ``ex`` on the fake's clock; then 404, as the CDN answers
        (reference.mdx "Signed Attachment CDN URLs")."""
        path = request.match_info["path"]
        self.cdn_fetches.append(str(request.url))
        found = self._cdn.get(path)
        expires = request.query.get("ex", "")
        mark = hmac.new(self._secret, f"{path}:{expires}".encode(), hashlib.sha256).hexdigest()
        fresh = bool(expires) and int(expires, 16) > self.clock.now()
        if found is None or not fresh or not hmac.compare_digest(mark, request.query.get("hm", "")):
            return web.Response(status=404, text="This content is no longer available.")
        return web.Response(body=found[0], content_type=found[1])

    def _guild_of(self, channel_id: str) -> Json | None:
        channel = self.channels.get(channel_id) or {}
        return next((g for g in self.guilds if g["id"] == channel.get("guild_id")), None)

    def _dm_with(self, who: Json) -> Json:
        """The DM channel between the bot and ``who`` (one per member, as on Discord)."""
        for channel in self.channels.values():
            if channel["type"] == 1 and channel["recipients"][0]["id"] == who["id"]:
                return channel
        made = p.dm_channel(who)
        self.channels[made["id"]] = made
        return made

    def _may_post(
        self, channel_id: str, body: Json, files: list[tuple[str, str, bytes]], *, edit: bool
    ) -> None:
        """The bot token's permissions in the channel (topics/permissions.mdx): View Channel
        to see it (50001), Send Messages there or Send Messages in Threads in a thread, Attach
        Files for files and Embed Links for embeds (50013); a DM needs the member to accept DMs
        (50007). Interaction responses and follow-ups go through the webhook and need none."""
        channel = self.channels.get(channel_id)
        if channel is None:
            raise Refusal(404, 10003, "Unknown Channel")
        if channel["type"] == 1:
            if channel["recipients"][0]["id"] in self.dms_closed:
                raise Refusal(*DMS_CLOSED)
            return
        allowed = self.permissions_in(channel_id)
        if not allowed & p.VIEW_CHANNEL:
            raise Refusal(*MISSING_ACCESS)
        speak = (
            p.SEND_MESSAGES_IN_THREADS if channel["type"] == p.PUBLIC_THREAD else p.SEND_MESSAGES
        )
        needed = (0 if edit else speak) | (p.ATTACH_FILES if files else 0)
        needed |= p.EMBED_LINKS if body.get("embeds") else 0
        if allowed & needed != needed:
            raise Refusal(*MISSING_PERMISSIONS)

    def _compose(
        self, channel_id: str, body: Json, files: list[tuple[str, str, bytes]], **how: Any
    ) -> Json:
        """A message as Discord would store it, after checking it against Discord's limits:
        each file on its own against the upload limit (reference.mdx "Uploading Files")."""
        check_message(body, files)
        guild = self._guild_of(channel_id)
        limit = self.upload_limit(guild)
        if any(len(data) > limit for _, _, data in files):
            raise Refusal(*TOO_LARGE)
        attachments = []
        for _, filename, data in files:
            kind = mimetypes.guess_type(filename)[0]
            attachments.append(self.add_attachment(filename, data, kind))
        message = p.message(
            channel_id,
            self.bot_user,
            body.get("content") or "",
            guild_id=guild["id"] if guild else None,
            attachments=attachments,
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            flags=body.get("flags") or 0,
            **how,
        )
        message["allowed_mentions"] = body.get("allowed_mentions")
        self.messages[message["id"]] = message
        return message

    def _revise(self, message: Json, body: Json, files: list[tuple[str, str, bytes]]) -> Json:
        merged = {k: v for k, v in message.items() if k in ("content", "embeds", "components")}
        merged.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        check_message(merged, files)
        limit = self.upload_limit(self._guild_of(message["channel_id"]))
        if any(len(data) > limit for *_, data in files):
            raise Refusal(*TOO_LARGE)  # refused whole: nothing of the edit is kept
        message.update(merged)
        if "attachments" in body or files:
            kept = [
                a
                for a in message["attachments"]
                if any(str(keep.get("id")) == a["id"] for keep in body.get("attachments") or [])
            ]
            for _, filename, data in files:
                kept.append(self.add_attachment(filename, data, mimetypes.guess_type(filename)[0]))
            message["attachments"] = kept
        message["flags"] = message["flags"] & ~LOADING
        message["edited_timestamp"] = p.iso_now()
        return message

    # --- REST endpoints --------------------------------------------------------------------------
    async def _get_me(self, record: Request) -> web.Response:
        return json_response(self.bot_user)

    async def _get_app(self, record: Request) -> web.Response:
        return json_response(
            {
                "id": self.app_id,
                "name": "Chorus",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.owner,
                "verify_key": "0" * 64,
                "flags": 0,
                "summary": "",
                "team": None,
                "interactions_endpoint_url": None,
            }
        )

    async def _get_gateway(self, record: Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _sync(self, record: Request, app: str, guild: str = "global") -> web.Response:
        if app != self.app_id:
            return error(403, 50001, "Missing Access")
        registered = []
        for command in record.json:
            check_command(command)
            registered.append(
                {
                    "id": p.snowflake(),
                    "application_id": app,
                    "version": p.snowflake(),
                    "type": 1,
                    "description": "",  # context menus have none; Discord sends ""
                    "default_member_permissions": None,
                    "nsfw": False,
                    "options": [],
                    **command,
                    **({"guild_id": guild} if guild != "global" else {}),
                }
            )
        self.commands[guild] = registered
        return json_response(registered)

    async def _callback(self, record: Request, iid: str, tok: str) -> web.Response:
        state = self.interactions.get(tok)
        if state is None or state.payload["id"] != iid:
            return error(404, 10062, "Unknown interaction")
        if time.perf_counter() - state.dispatched > self.ack_deadline and state.response is None:
            state.late = True
            return error(404, 10062, "Unknown interaction")
        if state.response is not None:
            return error(400, 40060, "Interaction has already been acknowledged.")
        kind, data = record.json["type"], record.json.get("data") or {}
        source = state.payload["type"]
        # receiving-and-responding.mdx: a modal may answer a command or a component (a button),
        # never a modal submission or an autocomplete
        allowed = {
            p.COMMAND: {CALLBACK_MESSAGE, CALLBACK_DEFER, CALLBACK_MODAL},
            p.COMPONENT: {CALLBACK_MESSAGE, CALLBACK_DEFER, CALLBACK_DEFER_UPDATE, CALLBACK_MODAL},
            p.MODAL_SUBMIT: {CALLBACK_MESSAGE, CALLBACK_DEFER, CALLBACK_DEFER_UPDATE},
            p.AUTOCOMPLETE: {CALLBACK_AUTOCOMPLETE},
        }[source] | ({CALLBACK_UPDATE} if source == p.COMPONENT else set())
        if kind not in allowed:
            return error(400, 40094, f"Interaction callback type {kind} is not valid here")
        channel = state.payload["channel_id"]
        if kind == CALLBACK_AUTOCOMPLETE:
            choices = data.get("choices") or []
            check_choices(choices, "choices")
            state.choices = choices
        elif kind == CALLBACK_MODAL:
            check_modal(data)
            state.modal = data
        elif kind == CALLBACK_MESSAGE:
            made = self._compose(channel, data, record.files, webhook_id=self.app_id)
            state.original = made["id"]
        elif kind == CALLBACK_DEFER:
            flags = (data.get("flags") or 0) | LOADING
            body = {"content": "", "flags": flags}
            state.original = self._compose(channel, body, [], webhook_id=self.app_id)["id"]
        elif kind == CALLBACK_UPDATE:
            source_id = state.payload["message"]["id"]
            self._revise(self.messages[source_id], data, record.files)
            state.original = source_id
        else:  # a deferred update: the original response is the message the button is on
            state.original = state.payload["message"]["id"]
        state.response, state.acknowledged = kind, record.at
        if record.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        answer: Json = {
            "interaction": {
                "id": iid,
                "type": source,
                "response_message_loading": kind == CALLBACK_DEFER,
                "response_message_ephemeral": bool((data.get("flags") or 0) & EPHEMERAL),
            },
            "resource": {"type": kind},
        }
        if kind in (CALLBACK_MESSAGE, CALLBACK_UPDATE) and state.original:
            answer["interaction"]["response_message_id"] = state.original
            answer["resource"]["message"] = self.messages[state.original]
        return json_response(answer)

    def _live(self, app: str, tok: str) -> Interaction:
        """The interaction behind a webhook token that still works: answered, and used within
        15 minutes of the interaction (interactions/receiving-and-responding.mdx)."""
        state = self.interactions.get(tok)
        if app != self.app_id or state is None or state.response is None:
            raise Refusal(*UNKNOWN_WEBHOOK)
        if self.clock.now() - state.created > TOKEN_LIFETIME:
            raise Refusal(*INVALID_TOKEN)
        return state

    async def _edit_response(self, record: Request, app: str, tok: str, mid: str) -> web.Response:
        state = self._live(app, tok)
        target = state.original if mid == "@original" else mid
        if target is None or target not in self.messages:
            return error(404, 10008, "Unknown Message")
        return json_response(self._revise(self.messages[target], record.json or {}, record.files))

    async def _followup(self, record: Request, app: str, tok: str) -> web.Response:
        state = self._live(app, tok)
        channel = state.payload["channel_id"]
        return json_response(
            self._compose(channel, record.json or {}, record.files, webhook_id=app)
        )

    async def _send(self, record: Request, cid: str) -> web.Response:
        body = record.json or {}
        self._may_post(cid, body, record.files, edit=False)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            if len(str(nonce)) > 25:
                raise Invalid("nonce: at most 25 characters")
            earlier = self._nonces.get((cid, str(nonce)))
            # Discord returns the message it already created, for a few minutes only
            if earlier is not None and self.clock.now() - earlier[1] <= self.nonce_window:
                return json_response(self.messages[earlier[0]])
        message = self._compose(cid, body, record.files, nonce=nonce)
        if nonce is not None:
            self._nonces[(cid, str(nonce))] = (message["id"], self.clock.now())
        return json_response(message)

    async def _history(self, record: Request, cid: str) -> web.Response:
        """GET channel messages: newest first, ``limit`` 1 to 100 (resources/message.mdx);
        needs View Channel and Read Message History."""
        channel = self.channels.get(cid)
        if channel is None:
            raise Refusal(404, 10003, "Unknown Channel")
        if channel["type"] != 1:
            allowed = self.permissions_in(cid)
            if not allowed & p.VIEW_CHANNEL:
                raise Refusal(*MISSING_ACCESS)
            if not allowed & p.READ_MESSAGE_HISTORY:
                raise Refusal(*MISSING_PERMISSIONS)
        limit = int(record.query.get("limit", 50))
        if not 1 <= limit <= 100:
            raise Invalid("limit: 1 to 100")
        found = [m for m in self.messages.values() if m["channel_id"] == cid]
        found.sort(key=lambda m: int(m["id"]), reverse=True)
        return json_response([{k: v for k, v in m.items() if k != "nonce"} for m in found[:limit]])

    async def _open_dm(self, record: Request) -> web.Response:
        """POST /users/@me/channels (resources/user.mdx "Create DM")."""
        who = self.users.get(str((record.json or {}).get("recipient_id")))
        if who is None:
            raise Refusal(404, 10013, "Unknown User")
        return json_response(self._dm_with(who))

    async def _edit(self, record: Request, cid: str, mid: str) -> web.Response:
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != cid:
            return error(404, 10008, "Unknown Message")
        if message["author"]["id"] != self.app_id:
            return error(403, 50005, "Cannot edit a message authored by another user")
        self._may_post(cid, record.json or {}, record.files, edit=True)
        return json_response(self._revise(message, record.json or {}, record.files))


class _Setter:
    """The one method of pytest's monkeypatch that :meth:`FakeDiscord.aim` uses."""

    @staticmethod
    def setattr(target: Any, name: str, value: Any) -> None:
        setattr(target, name, value)


def valid_shard(shard: object) -> bool:
    """IDENTIFY's ``shard`` (events/gateway-events.mdx "Identify Structure", events/gateway.mdx
    "Sharding"): two integers, the zero-based shard id and the number of shards, the id below
    the number."""
    if not isinstance(shard, list) or len(shard) != 2:
        return False
    shard_id, count = shard
    numbers = all(isinstance(n, int) and not isinstance(n, bool) for n in shard)
    return numbers and count >= 1 and 0 <= shard_id < count


def check_message(body: Json, files: list[tuple[str, str, bytes]]) -> None:
    """Discord's message limits, the ones a bot can trip over."""
    if len(body.get("content") or "") > 2000:
        raise Invalid("content: at most 2000 characters")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise Invalid("embeds: at most 10")
    total = 0
    for embed in embeds:
        sizes = {
            "title": (len(embed.get("title") or ""), 256),
            "description": (len(embed.get("description") or ""), 4096),
            "footer": (len((embed.get("footer") or {}).get("text") or ""), 2048),
            "fields": (len(embed.get("fields") or []), 25),
        }
        for name, (size, limit) in sizes.items():
            if size > limit:
                raise Invalid(f"embed {name}: at most {limit}")
        for embed_field in embed.get("fields") or []:
            if len(embed_field["name"]) > 256 or len(embed_field["value"]) > 1024:
                raise Invalid("embed field: name at most 256, value at most 1024 characters")
            total += len(embed_field["name"]) + len(embed_field["value"])
        total += sizes["title"][0] + sizes["description"][0] + sizes["footer"][0]
    if total > 6000:
        raise Invalid("embeds: at most 6000 characters in all")
    rows = body.get("components") or []
    if len(rows) > 5:
        raise Invalid("components: at most 5 rows")
    seen: set[str] = set()
    for row in rows:
        if row.get("type") != 1 or not 1 <= len(row.get("components") or []) <= 5:
            raise Invalid("components: each row is an action row of 1 to 5 buttons")
        for button in row["components"]:
            custom_id = button.get("custom_id")
            if button.get("style") == 5:
                if custom_id or not button.get("url"):
                    raise Invalid("link buttons have a url and no custom_id")
                continue
            if not custom_id or len(custom_id) > 100 or custom_id in seen:
                raise Invalid("custom_id: required, unique, at most 100 characters")
            if len(button.get("label") or "") > 80:
                raise Invalid("button label: at most 80 characters")
            seen.add(custom_id)
    if len(files) > 10:
        raise Invalid("files: at most 10")


# reference.mdx "Locales": the locale codes Discord accepts as localization keys.
LOCALES = frozenset(
    (
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    )
)
# interactions/application-commands.mdx: a CHAT_INPUT name (and each localized name) matches
# ^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$ and is lower case where the script has case.
NAME = re.compile(r"[-_\w\u0900-\u097F\u0E00-\u0E7F]{1,32}")


def check_localizations(thing: Json, where: str, *, chat_input: bool = True) -> None:
    """application-commands.mdx "Localization": ``name_localizations`` and
    ``description_localizations`` are maps from an available locale to a value following the
    same rules as the name (1-32 characters, the name pattern and lower case for chat-input
    commands and options) or the description (1-100 characters); anything else is refused with
    50035 Invalid Form Body."""
    for locale, name in (thing.get("name_localizations") or {}).items():
        if locale not in LOCALES:
            raise Invalid(f"{where}: name_localizations: unknown locale {locale!r}")
        if not isinstance(name, str) or not 1 <= len(name) <= 32:
            raise Invalid(f"{where}: name_localizations[{locale}]: 1 to 32 characters")
        if chat_input and (not NAME.fullmatch(name) or name != name.lower()):
            raise Invalid(f"{where}: name_localizations[{locale}]: invalid name {name!r}")
    for locale, text in (thing.get("description_localizations") or {}).items():
        if locale not in LOCALES:
            raise Invalid(f"{where}: description_localizations: unknown locale {locale!r}")
        if not isinstance(text, str) or not 1 <= len(text) <= 100:
            raise Invalid(f"{where}: description_localizations[{locale}]: 1 to 100 characters")


def unique_names(options: list[Json], where: str) -> None:
    """Option names are unique within a command, in every locale (the localized name where
    one is given, else the name): Discord could not tell them apart otherwise."""
    for locale in {"", *(k for o in options for k in o.get("name_localizations") or {})}:
        shown = [(o.get("name_localizations") or {}).get(locale, o["name"]) for o in options]
        if len(shown) != len(set(shown)):
            raise Invalid(f"{where}: option names repeat in locale {locale or 'default'!r}")


def check_command(command: Json) -> None:
    chat_input = command.get("type", 1) == 1
    check_localizations(command, f"command {command['name']!r}", chat_input=chat_input)
    unique_names(command.get("options") or [], f"command {command['name']!r}")
    name_ok = re.fullmatch(r"[-_\w]{1,32}", command["name"])
    if command.get("type", 1) == 1 and (not name_ok or command["name"] != command["name"].lower()):
        raise Invalid(f"command name {command['name']!r}")
    if command.get("type", 1) == 1 and not 1 <= len(command.get("description") or "") <= 100:
        raise Invalid(f"{command['name']}: description 1 to 100 characters")
    options = command.get("options") or []
    if len(options) > 25:
        raise Invalid(f"{command['name']}: at most 25 options")
    required_done = False
    for option in options:
        if option["type"] in (1, 2):
            check_command({**option, "type": 1})
            continue
        if not re.fullmatch(r"[-_a-z0-9]{1,32}", option["name"]):
            raise Invalid(f"option name {option['name']!r}")
        check_localizations(option, f"option {option['name']!r}")
        if not 1 <= len(option.get("description") or "") <= 100:
            raise Invalid(f"option {option['name']}: description 1 to 100 characters")
        if option.get("required"):
            if required_done:
                raise Invalid(f"{command['name']}: required options come first")
        else:
            required_done = True
        if option.get("autocomplete") and option.get("choices"):
            raise Invalid(f"option {option['name']}: autocomplete and choices both set")
        check_choices(option.get("choices") or [], f"option {option['name']}")
        if option["type"] == 3 and not 0 <= option.get("min_length", 0) <= 6000:
            raise Invalid(f"option {option['name']}: min_length 0 to 6000")
        if option["type"] == 3 and not 1 <= option.get("max_length", 6000) <= 6000:
            raise Invalid(f"option {option['name']}: max_length 1 to 6000")


def check_choices(choices: list[Json], where: str) -> None:
    """At most 25 choices, names and string values 1 to 100 characters
    (interactions/application-commands.mdx "Application Command Option Choice Structure")."""
    if len(choices) > 25:
        raise Invalid(f"{where}: at most 25 choices")
    for choice in choices:
        check_localizations(choice, f"{where}: choice {choice.get('name')!r}", chat_input=False)
        value = choice.get("value")
        if not 1 <= len(choice.get("name") or "") <= 100 or (
            isinstance(value, str) and not 1 <= len(value) <= 100
        ):
            raise Invalid(f"{where}: choice names and values 1 to 100 characters")


def check_modal(data: Json) -> None:
    """components/reference.mdx "Text Input": label 1-45, placeholder up to 100, min_length
    0-4000, max_length 1-4000, custom_id up to 100; a modal holds 1 to 5 rows."""
    if not data.get("custom_id") or len(data["custom_id"]) > 100:
        raise Invalid("modal custom_id: required, at most 100 characters")
    if not 1 <= len(data.get("title") or "") <= 45:
        raise Invalid("modal title: 1 to 45 characters")
    rows = data.get("components") or []
    if not 1 <= len(rows) <= 5:
        raise Invalid("modal: 1 to 5 components")
    for row in rows:
        for item in row.get("components") or []:
            if not 1 <= len(item.get("label") or "") <= 45:
                raise Invalid("text input label: 1 to 45 characters")
            if len(item.get("placeholder") or "") > 100:
                raise Invalid("text input placeholder: at most 100 characters")
            if not 1 <= item.get("max_length", 4000) <= 4000:
                raise Invalid("text input max_length: 1 to 4000")
            if not 0 <= item.get("min_length", 0) <= 4000:
                raise Invalid("text input min_length: 0 to 4000")
            if not item.get("custom_id") or len(item["custom_id"]) > 100:
                raise Invalid("text input custom_id: required, at most 100 characters")
