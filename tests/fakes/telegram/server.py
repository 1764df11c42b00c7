"""The fake Bot API: the methods Chorus uses, strict where Telegram is strict.

It speaks the real wire format (form-encoded or multipart POSTs whose values are all strings,
the ``{"ok", "result" | "error_code", "description"}`` envelope with the same HTTP status), keeps
every call for tests to inspect, and refuses what Telegram refuses: editing a message to the
same text, unknown file ids, downloads over 20 MB, uploads over 50 MB, a wrong token.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.telegram import payloads

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
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "user_id", "timeout"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)


class FakeTelegram:
    def __init__(
        self, token: str = "123456:TEST-TOKEN-abcdef", username: str = "chorus_test_bot"
    ) -> None:
        self.token = token
        self.bot = payloads.user(123456, "Chorus", bot=True, username=username)
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.members: dict[tuple[int, int], str] = {}  # (chat, user) -> status
        self.sent: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, message) -> message
        self.fail_next: dict[str, tuple[int, str, dict[str, Any]]] = {}
        self.webhook: tuple[str, str] | None = None  # (url, secret token) once the bot sets one
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._message_ids = itertools.count(50_000)
        self._new_update = asyncio.Event()
        self._new_call = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        self._new_update.set()
        if self._runner:
            await self._runner.cleanup()

    # --- test-side API ------------------------------------------------------------------------
    def push(self, **update: Any) -> dict[str, Any]:
        body = {"update_id": next(self._update_ids), **update}
        self._updates.append(body)
        self._new_update.set()
        return body

    def add_file(self, data: bytes, size: int | None = None) -> tuple[str, str, int]:
        """Store a file a member sent; returns (file_id, unique_id, size as Telegram reports it)."""
        n = next(self._file_ids)
        file_id = f"FILE{n:06d}"
        self.files[file_id] = data
        return file_id, f"UNIQ{n:06d}", size if size is not None else len(data)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(self, method: str, count: int = 1, patience: float = 30) -> list[Call]:
        async with asyncio.timeout(patience):
            while len(found := self.calls_to(method)) < count:
                self._new_call.clear()
                await self._new_call.wait()
        return found

    async def wait_until(self, check: Callable[[], bool], patience: float = 30) -> None:
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
        self.calls.append(call)
        self._new_call.set()
        if call.method in self.fail_next:
            status, description, parameters = self.fail_next.pop(call.method)
            return self.error(status, description, **parameters)
        handler = getattr(self, f"m_{call.method}", None)
        if handler is None:
            return self.error(404, "Not Found")
        result: web.Response = await handler(call)
        return result

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1].split(".")[0]
        data = self.files.get(file_id)
        return web.Response(body=data) if data is not None else web.Response(status=404)

    def _bot_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": payloads.chat(chat_id),
            "from": self.bot,
            **content,
        }
        self.sent[(chat_id, message["message_id"])] = message
        return message

    # --- methods ------------------------------------------------------------------------------
    async def m_getMe(self, call: Call) -> web.Response:
        return self.ok(self.bot)

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

    async def post_update(self, secret: str | None = None, **update: Any) -> int:
        """Deliver an update the webhook way; returns the bot's HTTP status."""
        assert self.webhook is not None, "the bot has not set a webhook"
        url, registered = self.webhook
        body = {"update_id": next(self._update_ids), **update}
        headers = {"X-Telegram-Bot-Api-Secret-Token": registered if secret is None else secret}
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, json=body, headers=headers) as response,
        ):
            return response.status

    async def m_setMyCommands(self, call: Call) -> web.Response:
        commands = call.params.get("commands") or []
        for command in commands:
            if not (1 <= len(command["command"]) <= 32 and 1 <= len(command["description"]) <= 256):
                return self.error(400, "Bad Request: BOT_COMMAND_INVALID")
        return self.ok(True)

    async def m_getUpdates(self, call: Call) -> web.Response:
        offset = call.params.get("offset") or 0
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(call.params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        return self.ok(self._updates[: int(call.params.get("limit") or 100)])

    async def m_sendMessage(self, call: Call) -> web.Response:
        text = str(call.params.get("text") or "")
        if not text.strip():
            return self.error(400, "Bad Request: message text is empty")
        extra = (
            {"reply_markup": call.params["reply_markup"]} if "reply_markup" in call.params else {}
        )
        return self.ok(self._bot_message(int(call.params["chat_id"]), text=text, **extra))

    async def m_editMessageText(self, call: Call) -> web.Response:
        key = (int(call.params["chat_id"]), int(call.params["message_id"]))
        message = self.sent.get(key)
        if message is None:
            return self.error(400, "Bad Request: message to edit not found")
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
        chat_id = int(call.params["chat_id"])
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
            media["duration"] = int(call.params.get("duration") or 0)
        content: dict[str, Any] = {kind: media}
        for name in ("caption", "reply_markup"):
            if name in call.params:
                content[name] = call.params[name]
        return self.ok(self._bot_message(chat_id, **content))

    async def m_sendAudio(self, call: Call) -> web.Response:
        return await self._send_file(call, "audio")

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
        return self.ok(True)

    async def m_getChatMember(self, call: Call) -> web.Response:
        chat_id, user_id = int(call.params["chat_id"]), int(call.params["user_id"])
        status = self.members.get((chat_id, user_id), "member")
        return self.ok(payloads.chat_member(payloads.user(user_id, "someone"), status))

    async def m_deleteMessage(self, call: Call) -> web.Response:
        key = (int(call.params["chat_id"]), int(call.params["message_id"]))
        if self.sent.pop(key, None) is None:
            return self.error(400, "Bad Request: message to delete not found")
        return self.ok(True)
