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
        self._held = False
        self._moved = asyncio.Event()

    def now(self) -> float:
        return self._now

    async def sleep_until(self, when: float) -> None:
        """Wait until ``when``: the clock jumps there (it never goes back), then yields once.
        While the clock is held, the wait lasts until a test advances the clock past ``when``."""
        while self._held and self._now < when:
            self._moved.clear()
            await self._moved.wait()
        self._now = max(self._now, when)
        await asyncio.sleep(0)

    def hold(self) -> None:
        """Stop time: waits last until :meth:`advance`, so a test can see what waits meanwhile."""
        self._held = True

    def release(self) -> None:
        """Let waits jump again (a held clock must not keep a test from shutting down)."""
        self._held = False
        self._moved.set()

    def advance(self, seconds: float) -> None:
        """Let time pass, e.g. a minute, so that a test can show a limit being lifted."""
        self._now += seconds
        self._moved.set()
