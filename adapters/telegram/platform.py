"""The Telegram :class:`bot.platform.Platform`: status messages and results in a chat.

Telegram has no idempotency key for sends, so this process remembers the outbox keys it has
posted (the newest 10,000) and a retried delivery is not sent again; a crash between Telegram
accepting a result and the outbox recording it can still post that result twice.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from pathlib import Path
from typing import Any

import httpx
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from adapters.telegram.render import TEXT_LIMIT, caption, keyboard
from bot.domain import ReplyTarget, ResultCard
from bot.platform import PlatformError

REMEMBERED_DELIVERIES = 10_000


def _wait(exc: RetryAfter) -> float:
    """Telegram's requested wait, whichever type this python-telegram-bot reports it in."""
    wait: Any = exc.retry_after
    return float(wait.total_seconds() if hasattr(wait, "total_seconds") else wait)


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


class TelegramPlatform:
    name = "telegram"

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        # Outbox keys posted by this process, newest last: a retried delivery is not re-sent.
        self._delivered: OrderedDict[str, str] = OrderedDict()

    async def post_status(self, target: ReplyTarget, text: str) -> str:
        try:
            message = await self.bot.send_message(int(target.channel), text)
        except RetryAfter as exc:
            raise PlatformError("telegram rate limit", retry_after=_wait(exc)) from None
        return str(message.message_id)

    async def edit_status(self, target: ReplyTarget, ref: str, text: str) -> None:
        try:
            await self.bot.edit_message_text(text, chat_id=int(target.channel), message_id=int(ref))
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def deliver(self, target: ReplyTarget, card: ResultCard, key: str) -> str:
        if key in self._delivered:
            return self._delivered[key]
        chat_id = int(target.channel)
        markup, text = keyboard(card), caption(card)
        audio = next(
            (a for a in card.attachments if a.mime.startswith("audio/") and a.mime != "audio/midi"),
            None,
        )
        try:
            if audio is not None:
                sent = await self.bot.send_audio(
                    chat_id,
                    audio=await asyncio.to_thread(_read, audio.path),
                    filename=audio.filename,
                    title=card.title,
                    performer="Chorus",
                    thumbnail=await self._thumbnail(card.cover_url),
                    duration=int(card.duration or 0),
                    caption=text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            else:
                sent = await self.bot.send_message(
                    chat_id,
                    caption(card, TEXT_LIMIT),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            for other in card.attachments:
                if other is not audio:
                    await self.bot.send_document(
                        chat_id,
                        document=await asyncio.to_thread(_read, other.path),
                        filename=other.filename,
                    )
        except RetryAfter as exc:
            raise PlatformError("telegram rate limit", retry_after=_wait(exc)) from None
        except Forbidden:
            return "forbidden"  # the bot was blocked or removed: nothing more to do
        except TelegramError as exc:
            raise PlatformError(f"telegram: {type(exc).__name__}") from None
        return self._remember(key, str(sent.message_id))

    def _remember(self, key: str, ref: str) -> str:
        self._delivered[key] = ref
        while len(self._delivered) > REMEMBERED_DELIVERIES:
            self._delivered.popitem(last=False)
        return ref

    async def _thumbnail(self, url: str | None) -> bytes | None:
        """The cover art, when it can be had quickly and is small enough for Telegram (200 kB)."""
        if not url:
            return None
        try:
            async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
                response = await http.get(url)
        except httpx.HTTPError:
            return None
        body = response.content
        return body if response.status_code == 200 and 0 < len(body) <= 200_000 else None

    async def notify(self, target: ReplyTarget, text: str, key: str) -> str:
        if key in self._delivered:
            return self._delivered[key]
        try:
            sent = await self.bot.send_message(int(target.channel), text[:TEXT_LIMIT])
        except RetryAfter as exc:
            raise PlatformError("telegram rate limit", retry_after=_wait(exc)) from None
        except Forbidden:
            return "forbidden"
        return self._remember(key, str(sent.message_id))
