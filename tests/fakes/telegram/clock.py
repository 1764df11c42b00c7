"""Virtual time for Telegram's flood limits, shared by the fake and the bot's flood control.

Telegram counts messages per second and per minute. Tests cannot wait real minutes, so the fake
judges every request on this clock, and the adapter's flood control (given the same clock)
waits on it: a wait moves the clock forward at once instead of sleeping. Time never runs by
itself, so what the fake sees depends only on the order of requests, never on machine load.
"""

from __future__ import annotations

import asyncio


class FakeClock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    async def sleep_until(self, when: float) -> None:
        """Wait until ``when``: the clock jumps there (it never goes back), then yields once."""
        self._now = max(self._now, when)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        """Let time pass, e.g. a minute, so that a test can show a limit being lifted."""
        self._now += seconds
