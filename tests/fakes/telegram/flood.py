"""Telegram's flood limits, counted on the fake's clock.

Bots FAQ, "My bot is hitting limits, how do I avoid this?"
(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this): in a single
chat no more than one message per second; in a group no more than 20 messages per minute; no
more than about 30 messages per second overall. Edits count like messages. A request over a limit
is answered 429 "Too Many Requests: retry after N" with ``parameters.retry_after`` = N
(Bot API ``ResponseParameters``), and is not counted.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque

from tests.fakes.telegram.clock import FakeClock

# The methods that post or change a message in a chat.
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


class FloodLimits:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self._chats: dict[int, deque[float]] = defaultdict(deque)
        self._overall: deque[float] = deque()
        self.refused: list[tuple[str, int, int]] = []  # (method, chat, retry_after)

    def check(self, method: str, chat_id: int) -> int | None:
        """The retry_after (whole seconds) that refuses this request now, if any."""
        if method not in COUNTED:
            return None
        now = self.clock.now()
        chat = self._chats[chat_id]
        while chat and chat[0] <= now - 60:
            chat.popleft()
        while self._overall and self._overall[0] <= now - 1:
            self._overall.popleft()
        free_at = now
        if chat:
            free_at = max(free_at, chat[-1] + PER_CHAT_SECONDS)
        if chat_id < 0 and len(chat) >= GROUP_PER_MINUTE:
            free_at = max(free_at, chat[-GROUP_PER_MINUTE] + 60)
        if len(self._overall) >= OVERALL_PER_SECOND:
            free_at = max(free_at, self._overall[-OVERALL_PER_SECOND] + 1)
        if free_at > now:
            wait = max(1, math.ceil(free_at - now))
            self.refused.append((method, chat_id, wait))
            return wait
        return None

    def count(self, method: str, chat_id: int) -> None:
        """A post Telegram accepted (refused ones do not count)."""
        if method in COUNTED:
            self._chats[chat_id].append(self.clock.now())
            self._overall.append(self.clock.now())
