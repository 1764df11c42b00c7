"""The fake Bot API: the methods Chorus uses, strict where Telegram is strict.

It speaks the real wire format (form-encoded or multipart POSTs whose values are all strings,
the ``{"ok", "result" | "error_code", "description"}`` envelope with the same HTTP status), keeps
every call for tests to inspect, and refuses what Telegram refuses: editing a message to the
same text, unknown file ids, downloads over 20 MB, uploads over 50 MB, a wrong token, HTML that
does not parse and text over the length limits (:mod:`tests.fakes.telegram.markup`), posts over
the flood limits (:mod:`tests.fakes.telegram.flood`), posts to a missing or closed forum topic,
``getUpdates`` while a webhook is set, and two ``getUpdates`` at once (the newer one ends the
older with 409 Conflict, as when two instances of a bot poll).

Several clients of the same bot (instances on different machines) can be told apart: each may
use its own root, :meth:`FakeTelegram.url_for` a label, and every call records the label it came
through in :attr:`Call.via`.

It delivers group messages the way privacy mode does (on by default, as for every new bot), keeps
track of callback queries the bot has not answered, and posts audio that is not MP3 or M4A as a
document, as Telegram does.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import av
from aiohttp import web
from PIL import Image

from tests.fakes.telegram import payloads
from tests.fakes.telegram.clock import FakeClock
from tests.fakes.telegram.flood import FloodLimits
from tests.fakes.telegram.markup import ParseError, plain_text, utf16_length

DOWNLOAD_LIMIT = 20 * 1024 * 1024
UPLOAD_LIMIT = 50 * 1024 * 1024
JSON_FIELDS = {
    "reply_markup",
    "reply_parameters",
    "entities",
    "commands",
    "allowed_updates",
    "scope",
}
INT_FIELDS = {
    "chat_id",
    "message_id",
    "offset",
    "limit",
    "user_id",
    "timeout",
    "message_thread_id",
}
# Bot API "sendMessage" / "sendAudio": text 1-4096 and captions 0-1024 characters after entities
# parsing (https://core.telegram.org/bots/api#sendmessage).
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# Bot API "sendAudio", parameter thumbnail: "JPEG format and less than 200 kB in size. A
# thumbnail's width and height should not exceed 320."
THUMBNAIL_BYTES = 200 * 1024
THUMBNAIL_SIDE = 320
# Bot API "getUpdates": "This method will not work if an outgoing webhook is set up"; "setWebhook":
# "you will not be able to receive updates using getUpdates for as long as an outgoing webhook is
# set up". A newer getUpdates ends a pending one: Telegram answers the older request with 409
# (https://core.telegram.org/bots/api#getupdates; the descriptions are Telegram's own).
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
TERMINATED = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
# Service messages reach a bot in privacy mode (bots FAQ, "What messages will my bot get?").
SERVICE_FIELDS = {
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "pinned_message",
    "migrate_to_chat_id",
    "forum_topic_created",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    at: float = 0.0  # when it arrived, on the fake's clock
    via: str = ""  # the label of the root the client was given (url_for), "" for url
    heard: bool = True  # the client was still connected when the answer was sent


class FakeTelegram:
    def __init__(
        self,
        token: str = "123456:TEST-TOKEN-abcdef",
        username: str = "chorus_test_bot",
        *,
        clock: FakeClock | None = None,
        privacy: bool = True,
    ) -> None:
        self.token = token
        self.username = username
        self.bot = payloads.user(123456, "Chorus", bot=True, username=username)
        # Without a shared clock (a bot in another process) the limits run on real time.
        self.clock: Any = clock or _WallClock()
        self.flood = FloodLimits(self.clock)
        self.privacy = privacy  # off: as if the operator ran /setprivacy Disable in @BotFather
        self.chats: dict[int, dict[str, Any]] = {}  # every chat seen in an update
        self.seen: set[tuple[int, int]] = set()  # (chat, user) who wrote there
        self.last_bot: dict[int, int] = {}  # chat -> the bot that posted there last
        self.withheld: list[dict[str, Any]] = []  # updates privacy mode kept from the bot
        self.forums: dict[int, dict[int, bool]] = {}  # chat -> topic id -> closed
        self.unanswered: dict[str, dict[str, Any]] = {}  # delivered callback queries
        self.thumbnail_problems: list[str] = []
        self.blocked: dict[int, str] = {}  # chat -> why the bot may not post there (403)
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.members: dict[tuple[int, int], str] = {}  # (chat, user) -> status
        # setMyCommands' lists, by (scope as JSON, language code; "" for the default list)
        self.my_commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.sent: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, message) -> message
        self.fail_next: dict[str, tuple[int, str, dict[str, Any]]] = {}
        self.webhook: tuple[str, str] | None = None  # (url, secret token) once the bot sets one
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._message_ids = itertools.count(50_000)
        self._new_update = asyncio.Event()
        self._polling: asyncio.Event | None = None  # set to end the pending getUpdates
        # getUpdates answered with 409 (a request whose client had given up on it, as
        # python-telegram-bot does with its pending poll when it stops, included: heard=False)
        self.conflicts: list[Call] = []
        self._new_call = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_post("/via/{via}/bot{token}/{method}", self._api)
        app.router.add_get("/via/{via}/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        self._new_update.set()
        if self._runner:
            await self._runner.cleanup()

    # --- test-side API ------------------------------------------------------------------------
    def url_for(self, label: str) -> str:
        """A root for one client of the bot (say, one instance): its calls carry ``label``."""
        return f"{self.url}/via/{label}"

    def push(self, **update: Any) -> dict[str, Any]:
        """Queue an update for getUpdates, unless privacy mode would keep it from the bot."""
        body = {"update_id": next(self._update_ids), **update}
        message = update.get("message") or update.get("edited_message")
        if message is not None:
            chat = message["chat"]
            self.chats[chat["id"]] = chat
            if "from" in message:
                self.seen.add((chat["id"], message["from"]["id"]))
                if message["from"].get("is_bot"):
                    self.last_bot[chat["id"]] = message["from"]["id"]
            if not self.reaches_bot(message):
                self.withheld.append(body)
                return body
        self._updates.append(body)
        self._new_update.set()
        return body

    def reaches_bot(self, message: dict[str, Any]) -> bool:
        """Privacy mode, from the bots FAQ "What messages will my bot get?"
        (https://core.telegram.org/bots/faq#what-messages-will-my-bot-get): in a group, a bot
        in privacy mode gets commands meant for it (``/command@this_bot``, or a bare ``/command``
        if it was the last bot to post there), replies to its own messages and service messages;
        an admin bot, or one whose privacy mode is off, gets everything."""
        chat = message["chat"]
        if chat["type"] not in ("group", "supergroup") or not self.privacy:
            return True
        if self.members.get((chat["id"], self.bot["id"])) in ("administrator", "creator"):
            return True
        if SERVICE_FIELDS & message.keys():
            return True
        replied = message.get("reply_to_message") or {}
        if replied.get("from", {}).get("id") == self.bot["id"]:
            return True
        text = message.get("text") or message.get("caption") or ""
        entities = message.get("entities") or message.get("caption_entities") or []
        command = next(
            (
                text[: e["length"]]
                for e in entities
                if e["type"] == "bot_command" and e["offset"] == 0
            ),
            None,
        )
        if command is None:
            return False
        _, at, addressee = command.partition("@")
        if at:
            return addressee.lower() == self.username.lower()
        return self.last_bot.get(chat["id"]) == self.bot["id"]

    def block(self, chat_id: int) -> None:
        """The member blocked the bot (a private chat) or removed it (a group). Bot API
        "Making requests": 403 with these descriptions."""
        self.blocked[chat_id] = (
            "Forbidden: bot was blocked by the user"
            if chat_id > 0
            else "Forbidden: bot was kicked from the supergroup chat"
        )

    def another_bot_posts(self, chat_id: int) -> None:
        """Another bot spoke last in the chat: bare commands now go to it, not to ours."""
        self.last_bot[chat_id] = 999_999

    def forum(self, chat_id: int, *topics: int, closed: tuple[int, ...] = ()) -> None:
        """Make the chat a forum supergroup with these topics (General, thread 1, always)."""
        self.forums[chat_id] = {1: False, **{t: t in closed for t in topics}}

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def add_file(self, data: bytes, size: int | None = None) -> tuple[str, str, int]:
        """Store a file a member sent; returns (file_id, unique_id, size as Telegram reports it)."""
        n = next(self._file_ids)
        file_id = f"FILE{n:06d}"
        self.files[file_id] = data
        return file_id, f"UNIQ{n:06d}", size if size is not None else len(data)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(self, method: str, count: int = 1, patience: float = 60) -> list[Call]:
        async with asyncio.timeout(patience):
            while len(found := self.calls_to(method)) < count:
                self._new_call.clear()
                await self._new_call.wait()
        return found

    async def wait_until(self, check: Callable[[], bool], patience: float = 60) -> None:
        """Wait until ``check()`` holds, re-checking after every call the bot makes."""
        async with asyncio.timeout(patience):
            while not check():
                self._new_call.clear()
                await self._new_call.wait()

    # --- wire ---------------------------------------------------------------------------------
    @staticmethod
    def ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def error(status: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _parse(self, request: web.Request) -> Call:
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, str, bytes]] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:  # type: ignore[union-attr]
                if part.filename:  # type: ignore[union-attr]
                    data = await part.read()  # type: ignore[union-attr]
                    files[part.name or ""] = (
                        part.filename,
                        part.headers.get("Content-Type", ""),
                        bytes(data),
                    )  # type: ignore[union-attr]
                else:
                    params[part.name or ""] = await part.text()  # type: ignore[union-attr]
        elif request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())  # type: ignore[arg-type]
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
                files[key] = files.pop(value[9:])  # a file sent by reference, e.g. a thumbnail
            elif key in JSON_FIELDS and isinstance(value, str):
                params[key] = json.loads(value)
            elif key in INT_FIELDS and isinstance(value, str) and value.lstrip("-").isdigit():
                params[key] = int(value)
        return Call(request.match_info["method"], params, files)

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self.error(401, "Unauthorized")
        call = await self._parse(request)
        call.at = self.clock.now()
        call.via = request.match_info.get("via", "")
        self.calls.append(call)
        self._new_call.set()
        if call.method in self.fail_next:
            status, description, parameters = self.fail_next.pop(call.method)
            return self.error(status, description, **parameters)
        chat_id = call.params.get("chat_id")
        if chat_id in self.blocked and call.method.startswith(("send", "edit")):
            return self.error(403, self.blocked[chat_id])
        if isinstance(chat_id, int) and (wait := self.flood.check(call.method, chat_id)):
            return self.error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        handler = getattr(self, f"m_{call.method}", None)
        if handler is None:
            return self.error(404, "Not Found")
        result: web.Response = await handler(call)
        call.heard = request.transport is not None and not request.transport.is_closing()
        if result.status == 200 and isinstance(chat_id, int):
            self.flood.count(call.method, chat_id)
        return result

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1].split(".")[0]
        data = self.files.get(file_id)
        return web.Response(body=data) if data is not None else web.Response(status=404)

    def _bot_message(self, call: Call, **content: Any) -> dict[str, Any]:
        chat_id = int(call.params["chat_id"])
        chat = self.chats.get(chat_id) or payloads.chat(
            chat_id, "private" if chat_id > 0 else "supergroup"
        )
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.bot,
            **content,
        }
        thread = call.params.get("message_thread_id")
        if thread is not None and chat_id in self.forums:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # the only markup a Message carries back
        self.sent[(chat_id, message["message_id"])] = message
        self.last_bot[chat_id] = self.bot["id"]
        return message

    def _refusal(self, call: Call, field_name: str, limit: int) -> web.Response | None:
        """What Telegram answers to a post it will not make: a missing or closed topic, markup
        that does not parse, text over its limit after parsing."""
        chat_id = int(call.params["chat_id"])
        thread = call.params.get("message_thread_id")
        if chat_id in self.forums and thread is not None:
            # Bot API sendMessage, message_thread_id: "Unique identifier for the target message
            # thread (topic) of the forum; for forum supergroups only".
            if thread not in self.forums[chat_id]:
                return self.error(400, "Bad Request: message thread not found")
            if self.forums[chat_id][thread]:
                return self.error(400, "Bad Request: TOPIC_CLOSED")
        text = str(call.params.get(field_name) or "")
        if call.params.get("parse_mode") == "HTML":
            try:
                text = plain_text(text)
            except ParseError as exc:
                return self.error(400, f"Bad Request: can't parse entities: {exc}")
        if field_name == "text" and not text.strip():
            return self.error(400, "Bad Request: message text is empty")
        if utf16_length(text) > limit:
            what = "message is too long" if field_name == "text" else "message caption is too long"
            return self.error(400, f"Bad Request: {what}")
        return None

    # --- methods ------------------------------------------------------------------------------
    async def m_getMe(self, call: Call) -> web.Response:
        return self.ok(
            {
                **self.bot,
                "can_join_groups": True,
                "can_read_all_group_messages": not self.privacy,
                "supports_inline_queries": False,
            }
        )

    async def m_deleteWebhook(self, call: Call) -> web.Response:
        self.webhook = None
        return self.ok(True)

    async def m_setWebhook(self, call: Call) -> web.Response:
        url = str(call.params.get("url") or "")
        if not url.startswith(("https://", "http://127.0.0.1")):
            return self.error(
                400, "Bad Request: bad webhook: HTTPS url must be provided for webhook"
            )
        self.webhook = (url, str(call.params.get("secret_token") or ""))
        return self.ok(True)

    async def post_update(
        self,
        secret: str | None = None,
        *,
        update_id: int | None = None,
        to: str | None = None,
        **update: Any,
    ) -> int:
        """Deliver an update the webhook way; returns the bot's HTTP status, or 0 when privacy
        mode keeps it from the bot (Telegram then sends nothing). ``update_id`` sends an update
        again (Telegram's retry of one it got no answer for); ``to`` is the webhook address to
        post to instead of the registered one (another instance, as a load balancer chooses)."""
        assert self.webhook is not None, "the bot has not set a webhook"
        url, registered = self.webhook
        url = to or url
        body = {"update_id": next(self._update_ids) if update_id is None else update_id, **update}
        message = update.get("message") or update.get("edited_message")
        if message is not None and not self.reaches_bot(message):
            self.withheld.append(body)
            return 0
        headers = {"X-Telegram-Bot-Api-Secret-Token": registered if secret is None else secret}
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, json=body, headers=headers) as response,
        ):
            return response.status

    async def m_setMyCommands(self, call: Call) -> web.Response:
        """https://core.telegram.org/bots/api#setmycommands: each command 1-32 characters,
        each description 1-256; ``language_code`` is a two-letter ISO 639-1 code (or empty: the
        list for every language without its own). Lists are kept per scope and language."""
        commands = call.params.get("commands") or []
        for command in commands:
            if not (1 <= len(command["command"]) <= 32 and 1 <= len(command["description"]) <= 256):
                return self.error(400, "Bad Request: BOT_COMMAND_INVALID")
        language = str(call.params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            return self.error(400, "Bad Request: invalid language code specified")
        scope = json.dumps(call.params.get("scope") or {"type": "default"}, sort_keys=True)
        self.my_commands[(scope, language)] = [dict(c) for c in commands]
        return self.ok(True)

    def menu(self, language: str = "", scope: str = "default") -> dict[str, str]:
        """The command menu a member whose app is in ``language`` sees: its own list, else the
        one set without a language code (how Telegram picks it)."""
        key = json.dumps({"type": scope}, sort_keys=True)
        chosen = self.my_commands.get((key, language), self.my_commands.get((key, ""), []))
        return {c["command"]: c["description"] for c in chosen}

    async def m_getUpdates(self, call: Call) -> web.Response:
        if self.webhook is not None:
            self.conflicts.append(call)
            return self.error(409, WEBHOOK_ACTIVE)
        if self._polling is not None:
            self._polling.set()  # the pending request, if any, is answered with 409
        mine = self._polling = asyncio.Event()
        offset = call.params.get("offset") or 0
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(call.params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            self._new_update.clear()
            waits = {asyncio.ensure_future(e.wait()) for e in (self._new_update, mine)}
            _, pending = await asyncio.wait(waits, timeout=timeout, return_when="FIRST_COMPLETED")
            for waiting in pending:
                waiting.cancel()
        if self._polling is mine:
            self._polling = None
        if mine.is_set():
            self.conflicts.append(call)
            return self.error(409, TERMINATED)
        batch = self._updates[: int(call.params.get("limit") or 100)]
        for update in batch:
            if "callback_query" in update:
                self.unanswered.setdefault(update["callback_query"]["id"], update)
        return self.ok(batch)

    async def m_sendMessage(self, call: Call) -> web.Response:
        refused = self._refusal(call, "text", TEXT_LIMIT)
        if refused is not None:
            return refused
        return self.ok(self._bot_message(call, text=str(call.params["text"])))

    async def m_editMessageText(self, call: Call) -> web.Response:
        key = (int(call.params["chat_id"]), int(call.params["message_id"]))
        message = self.sent.get(key)
        if message is None:
            return self.error(400, "Bad Request: message to edit not found")
        refused = self._refusal(call, "text", TEXT_LIMIT)
        if refused is not None:
            return refused
        if message.get("text") == call.params.get("text"):
            return self.error(
                400,
                "Bad Request: message is not modified: specified new message "
                "content and reply markup are exactly the same",
            )
        message["text"] = call.params.get("text")
        message["edit_date"] = int(time.time())
        return self.ok(message)

    async def _send_file(self, call: Call, kind: str) -> web.Response:
        refused = self._refusal(call, "caption", CAPTION_LIMIT)
        if refused is not None:
            return refused
        if kind in call.files:
            filename, mime, data = call.files[kind]
            if len(data) > UPLOAD_LIMIT:
                return self.error(413, "Request Entity Too Large")
            file_id, unique, size = self.add_file(data)
            media = {
                "file_id": file_id,
                "file_unique_id": unique,
                "file_size": size,
                "file_name": filename,
                "mime_type": mime,
            }
        elif str(call.params.get(kind, "")).startswith("FILE"):
            file_id = str(call.params[kind])
            if file_id not in self.files:
                return self.error(400, "Bad Request: wrong file identifier/HTTP URL specified")
            media = {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": len(self.files[file_id]),
            }
        else:
            return self.error(400, f"Bad Request: there is no {kind} in the request")
        if kind == "audio":
            # Bot API sendAudio: "Your audio must be in the .MP3 or .M4A format"; Telegram posts
            # anything else as a plain file, without the player.
            data = self.files.get(str(media["file_id"]), b"")
            if _is_mp3_or_m4a(data):
                media["duration"] = int(call.params.get("duration") or 0)
                thumbnail = self._thumbnail(call)
                if thumbnail is not None:
                    media["thumbnail"] = thumbnail
            else:
                kind = "document"
        if kind == "video":
            # Bot API sendVideo: "Telegram clients support MPEG4 videos (other formats may be
            # sent as Document)": anything else is posted as a plain file, without the player.
            data = self.files.get(str(media["file_id"]), b"")
            if data[4:8] == b"ftyp":
                # Bot API Video: width, height and duration are always there; Telegram reads
                # the picture's size from the file itself.
                with av.open(io.BytesIO(data)) as movie:
                    picture = movie.streams.video[0].codec_context
                    media["width"], media["height"] = picture.width, picture.height
                media["duration"] = int(call.params.get("duration") or 0)
                media["mime_type"] = "video/mp4"
            else:
                kind = "document"
        content: dict[str, Any] = {kind: media}
        if "caption" in call.params:
            content["caption"] = call.params["caption"]
        return self.ok(self._bot_message(call, **content))

    def _thumbnail(self, call: Call) -> dict[str, Any] | None:
        """The cover as Telegram keeps it; one it cannot use is dropped (and noted here)."""
        if "thumbnail" not in call.files:
            return None
        data = call.files["thumbnail"][2]
        try:
            with Image.open(io.BytesIO(data)) as image:
                kind, (width, height) = image.format, image.size
        except OSError:
            kind, width, height = None, 0, 0
        problem = (
            "not a JPEG"
            if kind != "JPEG"
            else f"{len(data)} bytes"
            if len(data) >= THUMBNAIL_BYTES
            else f"{width}x{height}"
            if max(width, height) > THUMBNAIL_SIDE
            else None
        )
        if problem:
            self.thumbnail_problems.append(problem)
            return None
        file_id, unique, size = self.add_file(data)
        return {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_size": size,
            "width": width,
            "height": height,
        }

    async def m_sendAudio(self, call: Call) -> web.Response:
        return await self._send_file(call, "audio")

    async def m_sendVideo(self, call: Call) -> web.Response:
        return await self._send_file(call, "video")

    async def m_sendDocument(self, call: Call) -> web.Response:
        return await self._send_file(call, "document")

    async def m_getFile(self, call: Call) -> web.Response:
        file_id = str(call.params.get("file_id"))
        data = self.files.get(file_id)
        if data is None:
            return self.error(400, "Bad Request: invalid file_id")
        if len(data) > DOWNLOAD_LIMIT:
            return self.error(400, "Bad Request: file is too big")
        return self.ok(
            {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": len(data),
                "file_path": f"music/{file_id}.mp3",
            }
        )

    async def m_answerCallbackQuery(self, call: Call) -> web.Response:
        # Bot API answerCallbackQuery: "the answer will be displayed to the user as a
        # notification ... 0-200 characters"; a query answered twice, or unknown, is refused.
        if self.unanswered.pop(str(call.params.get("callback_query_id")), None) is None:
            return self.error(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        if len(str(call.params.get("text") or "")) > 200:
            return self.error(400, "Bad Request: MESSAGE_TOO_LONG")
        return self.ok(True)

    async def m_getChatMember(self, call: Call) -> web.Response:
        """Bot API ChatMember: creator, administrator, member, restricted, left or kicked; one
        who never wrote in the chat and was never set here has ``left`` (is not in it)."""
        chat_id, user_id = int(call.params["chat_id"]), int(call.params["user_id"])
        status = self.members.get((chat_id, user_id))
        if status is None:
            status = "member" if (chat_id, user_id) in self.seen else "left"
        return self.ok(payloads.chat_member(payloads.user(user_id, "someone"), status))

    async def m_deleteMessage(self, call: Call) -> web.Response:
        key = (int(call.params["chat_id"]), int(call.params["message_id"]))
        if self.sent.pop(key, None) is None:
            return self.error(400, "Bad Request: message to delete not found")
        return self.ok(True)


class _WallClock:
    """Real time, for a bot that cannot share the fake's clock (one in another process)."""

    def now(self) -> float:
        return time.monotonic()

    def advance(self, seconds: float) -> None:
        raise NotImplementedError("real time cannot be advanced")


def _is_mp3_or_m4a(data: bytes) -> bool:
    mp3 = data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
    return mp3 or data[4:8] == b"ftyp"
