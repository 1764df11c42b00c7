"""The Telegram :class:`bot.platform.Platform`: status messages and results in a chat.

Telegram has no idempotency key for sends. This process remembers each part of a result it has
posted (the newest 10,000 outbox keys), so a retried delivery resumes at the part that failed
instead of posting the audio again. What remains is the window between Telegram accepting the
last part and the outbox recording the delivery: a crash there posts that result twice after the
restart. The window is one store transaction long; nothing else runs inside it. (The Bot API
offers no way to read a chat's history, so a restarted bot cannot look for what it posted.)

Errors are sorted for the core: a 429 (with Telegram's ``retry_after``), a 5xx or a timeout is
worth retrying; a blocked or removed bot (403), a bad request (400: a chat that is gone, markup
Telegram refuses) or a file too large (413) will fail the same way again, so it is
``permanent``. A forum topic closed or deleted since the command is not one of them: the post
goes to the chat's General instead.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from adapters.telegram.flood import FloodControl, retry_after
from adapters.telegram.render import TEXT_LIMIT, caption, cut, keyboard
from bot.domain import Attachment, ReplyTarget, ResultCard
from bot.platform import PlatformError

REMEMBERED_DELIVERIES = 10_000
# A status message is edited when its stage changes, otherwise at most this often: edits count
# against the group's 20 messages a minute.
PROGRESS_EDIT_SECONDS = 10.0
# Bot API sendAudio: "Your audio must be in the .MP3 or .M4A format"; thumbnails are "JPEG
# format and less than 200 kB in size", at most 320 px wide and high.
PLAYABLE = {"audio/mpeg", "audio/mp3", "audio/mp4", "audio/x-m4a", "audio/m4a"}
VIDEO = "video/mp4"  # Bot API sendVideo: clients play MPEG4 (other formats go as documents)
THUMBNAIL_SIDE = 320
THUMBNAIL_BYTES = 200 * 1024
PROGRESS_MARKS = re.compile(r"[0-9█░]+")
# A forum topic closed or deleted since the command (Bot API sendMessage, message_thread_id).
TOPIC_GONE = re.compile(r"topic_closed|thread not found|topic_deleted", re.IGNORECASE)
Send = Callable[[dict[str, Any]], Awaitable[Any]]  # a post, given where it goes


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def stage(text: str) -> str:
    """A status text without its numbers and progress bar: what changes between stages."""
    return PROGRESS_MARKS.sub("", text)


def jpeg_thumbnail(image: bytes) -> bytes | None:
    """The cover as Telegram takes it: JPEG, at most 320 px a side and under 200 kB."""
    try:
        with Image.open(io.BytesIO(image)) as opened:
            picture = opened.convert("RGB")
    except (OSError, ValueError):
        return None
    picture.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    for quality in (85, 70, 50):
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=quality)
        if out.tell() < THUMBNAIL_BYTES:
            return out.getvalue()
    return None


def refusal(exc: TelegramError) -> PlatformError:
    """Telegram's error as the core's: retryable, or permanent when it will fail again."""
    if isinstance(exc, RetryAfter):
        return PlatformError("telegram rate limit", retry_after=retry_after(exc))
    what = f"telegram: {type(exc).__name__}: {exc.message}"
    too_large = isinstance(exc, NetworkError) and "too large" in exc.message.lower()
    permanent = isinstance(exc, Forbidden | BadRequest) or too_large
    return PlatformError(what, permanent=permanent)


class TelegramPlatform:
    name = "telegram"

    def __init__(self, bot: Any, flood: FloodControl) -> None:
        self.bot = bot
        self.flood = flood
        # Outbox keys (and parts of them) posted by this process, newest last.
        self._delivered: OrderedDict[str, str] = OrderedDict()
        self._edited: dict[str, tuple[str, float]] = {}  # status ref -> (stage, when)

    @staticmethod
    def _where(target: ReplyTarget) -> dict[str, Any]:
        """The chat, and the forum topic the command came from (None: the chat itself)."""
        thread = int(target.thread) if target.thread else None
        return {"chat_id": int(target.channel), "message_thread_id": thread}

    async def _call(self, target: ReplyTarget, send: Send) -> Any:
        """Post once; a result for a forum topic that was closed or deleted since the command
        goes to the chat's General instead, so that what the member paid for still arrives."""
        where = self._where(target)
        try:
            return await send(where)
        except BadRequest as exc:
            if where["message_thread_id"] is None or not TOPIC_GONE.search(exc.message):
                raise refusal(exc) from None
        except TelegramError as exc:
            raise refusal(exc) from None
        try:
            return await send({**where, "message_thread_id": None})
        except TelegramError as exc:
            raise refusal(exc) from None

    async def post_status(self, target: ReplyTarget, text: str) -> str:
        message = await self._call(target, lambda where: self.bot.send_message(text=text, **where))
        self._edited[str(message.message_id)] = (stage(text), self.flood.clock.now())
        return str(message.message_id)

    async def edit_status(self, target: ReplyTarget, ref: str, text: str) -> None:
        """Stage changes always; progress within a stage at most every 10 s, and never queued
        behind the chat's other posts (progress is a courtesy, results are not)."""
        chat_id = int(target.channel)
        now = self.flood.clock.now()
        last = self._edited.get(ref)
        same_stage = last is not None and last[0] == stage(text)
        too_soon = last is not None and now - last[1] < PROGRESS_EDIT_SECONDS
        if same_stage and (too_soon or self.flood.busy(chat_id)):
            return
        try:
            await self.bot.edit_message_text(text, chat_id=chat_id, message_id=int(ref))
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise refusal(exc) from None
        except TelegramError as exc:
            raise refusal(exc) from None
        self._edited[ref] = (stage(text), self.flood.clock.now())
        if text.startswith(("✅", "❌")):
            self._edited.pop(ref, None)

    async def deliver(self, target: ReplyTarget, card: ResultCard, key: str) -> str:
        if key in self._delivered:
            return self._delivered[key]
        markup = keyboard(card)
        audio = next((a for a in card.attachments if a.mime in PLAYABLE), None)
        video = next((a for a in card.attachments if a.mime == VIDEO), None)
        if audio is not None:

            async def send_audio(where: dict[str, Any], audio: Attachment = audio) -> Any:
                return await self.bot.send_audio(
                    audio=await asyncio.to_thread(_read, audio.path),
                    filename=audio.filename,
                    title=card.title,
                    performer="Chorus",
                    thumbnail=await self._thumbnail(card.cover_url),
                    duration=int(card.duration or 0),
                    caption=caption(card),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    rate_limit_args={"retry": False},
                    **where,
                )

            ref = await self._part(target, f"{key}:audio", send_audio)
        elif video is not None:
            ref = await self._part(target, f"{key}:video", self._video(card, video, markup))
        else:
            ref = await self._part(
                target,
                f"{key}:text",
                lambda where: self.bot.send_message(
                    text=caption(card, TEXT_LIMIT),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    rate_limit_args={"retry": False},
                    **where,
                ),
            )
        for n, other in enumerate(card.attachments):
            if other is not audio and other is not video:
                await self._part(target, f"{key}:file{n}", self._document(other))
        return self._remember(key, ref)

    def _video(self, card: ResultCard, video: Attachment, markup: Any) -> Send:
        """A music video with Telegram's player: the caption and buttons ride on it."""

        async def send(where: dict[str, Any]) -> Any:
            return await self.bot.send_video(
                video=await asyncio.to_thread(_read, video.path),
                filename=video.filename,
                duration=int(card.duration or 0) or None,
                thumbnail=await self._thumbnail(card.cover_url),
                supports_streaming=True,
                caption=caption(card),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                rate_limit_args={"retry": False},
                **where,
            )

        return send

    def _document(self, attachment: Attachment) -> Send:
        """A file without a player: WAV, MIDI, lyrics, stems (Telegram plays MP3 and M4A only)."""

        async def send(where: dict[str, Any]) -> Any:
            return await self.bot.send_document(
                document=await asyncio.to_thread(_read, attachment.path),
                filename=attachment.filename,
                rate_limit_args={"retry": False},
                **where,
            )

        return send

    async def _part(self, target: ReplyTarget, key: str, send: Send) -> str:
        """Post one message of a result once: a retry skips what this process already posted."""
        if key not in self._delivered:
            sent = await self._call(target, send)
            self._remember(key, str(sent.message_id))
        return self._delivered[key]

    def _remember(self, key: str, ref: str) -> str:
        self._delivered[key] = ref
        while len(self._delivered) > REMEMBERED_DELIVERIES:
            self._delivered.popitem(last=False)
        return ref

    async def _thumbnail(self, url: str | None) -> bytes | None:
        """The cover art as a JPEG thumbnail, when it can be had quickly."""
        if not url:
            return None
        try:
            async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
                response = await http.get(url)
        except httpx.HTTPError:
            return None
        if response.status_code != 200 or len(response.content) > 20 * 1024 * 1024:
            return None
        return await asyncio.to_thread(jpeg_thumbnail, response.content)

    async def notify(self, target: ReplyTarget, text: str, key: str) -> str:
        if key in self._delivered:
            return self._delivered[key]
        sent = await self._call(
            target,
            lambda where: self.bot.send_message(
                text=cut(text, TEXT_LIMIT), rate_limit_args={"retry": False}, **where
            ),
        )
        return self._remember(key, str(sent.message_id))
