"""Telegram's flood limits, kept on the bot's side so that Telegram rarely has to refuse.

Telegram allows about one message a second in a chat, 20 a minute in a group and 30 a second in
all (edits count); past that it answers 429 with ``retry_after`` (bots FAQ, "My bot is hitting
limits"). :class:`FloodControl` is python-telegram-bot's documented rate-limiter hook
(``ApplicationBuilder.rate_limiter``): every post or edit in a chat waits for its turn, a chat's
posts go one at a time, and a 429 blocks that chat for the time Telegram asked before the
request is tried once more (or handed back, for callers that reschedule themselves).

Time comes from a :class:`Clock`, so that tests can run the limits on the fake Bot API's clock
instead of waiting real minutes.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

# The methods that post or change a message in a chat; everything else is not counted.
COUNTED = {
    "sendMessage",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "sendAudio",
    "sendDocument",
    "sendVideo",
    "sendVoice",
    "sendPhoto",
}
PER_CHAT_SECONDS = 1.0
GROUP_PER_MINUTE = 20
OVERALL_PER_SECOND = 30


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep_until(self, when: float) -> None: ...


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep_until(self, when: float) -> None:
        await asyncio.sleep(max(0.0, when - time.monotonic()))


def retry_after(exc: RetryAfter) -> float:
    """Telegram's requested wait, whichever type this python-telegram-bot reports it in."""
    wait: Any = exc.retry_after
    return float(wait.total_seconds() if hasattr(wait, "total_seconds") else wait)


class FloodControl(BaseRateLimiter[dict[str, Any]]):
    """Per-chat turns under Telegram's limits. ``rate_limit_args={"retry": False}`` hands a 429
    back to the caller (the outbox reschedules the delivery) instead of retrying here."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or MonotonicClock()
        self._turns: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._posted: dict[int, deque[float]] = defaultdict(deque)
        self._overall: deque[float] = deque()  # when each finished post was answered
        # Posts on their way: Telegram counts a post when it arrives, which may be after time
        # has moved on, so a post in flight holds its place in the last second until answered.
        self._in_flight = 0
        self._answered = asyncio.Event()
        self._blocked: dict[int, float] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def free_at(self, chat_id: int) -> float:
        """The earliest time a post in this chat stays within every limit."""
        now = self.clock.now()
        posted = self._posted[chat_id]
        while posted and posted[0] <= now - 60:
            posted.popleft()
        while self._overall and self._overall[0] <= now - 1:
            self._overall.popleft()
        free = max(now, self._blocked.get(chat_id, now))
        if posted:
            free = max(free, posted[-1] + PER_CHAT_SECONDS)
        if chat_id < 0 and len(posted) >= GROUP_PER_MINUTE:
            free = max(free, posted[-GROUP_PER_MINUTE] + 60)
        if len(self._overall) >= OVERALL_PER_SECOND:
            free = max(free, self._overall[-OVERALL_PER_SECOND] + 1)
        return free

    def busy(self, chat_id: int) -> bool:
        """Whether a post in this chat would have to wait now."""
        return self._turns[chat_id].locked() or self.free_at(chat_id) > self.clock.now()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        if endpoint not in COUNTED or not isinstance(chat_id, int):
            return await callback(*args, **kwargs)
        retry = (rate_limit_args or {}).get("retry", True)
        async with self._turns[chat_id]:
            tried = False
            while True:
                await self._wait_for_a_slot(chat_id)
                self._in_flight += 1
                try:
                    result = await callback(*args, **kwargs)
                except RetryAfter as exc:
                    self._blocked[chat_id] = self.clock.now() + retry_after(exc)
                    if tried or not retry:
                        raise
                    tried = True
                    continue
                finally:
                    self._in_flight -= 1
                    self._overall.append(self.clock.now())
                    self._answered.set()
                self._posted[chat_id].append(self.clock.now())
                return result

    async def _wait_for_a_slot(self, chat_id: int) -> None:
        """Until a post in this chat keeps every limit, counting the posts still in flight."""
        while True:
            if (free := self.free_at(chat_id)) > self.clock.now():
                await self.clock.sleep_until(free)
            elif len(self._overall) + self._in_flight >= OVERALL_PER_SECOND:
                self._answered.clear()
                await self._answered.wait()
            else:
                return
