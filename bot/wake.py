"""Wake-ups that reach every instance sharing the store.

The scheduler and the delivery worker sleep until their event is set (a job queued, a slot
freed, a result written). With several instances on one PostgreSQL database, the instance that
queued the job or received the webhook is not necessarily the one with a free slot, so
:class:`Wake` is an ``asyncio.Event`` whose :meth:`~Wake.set` also sends ``NOTIFY`` on its
channel, and which is set (locally only) when another instance notifies it. Channels:
:data:`JOBS` (the schedulers: a job queued, a slot freed, a webhook applied) and :data:`OUTBOX`
(the delivery workers: a row queued). On SQLite it is a plain event.

Sends are coalesced: while one ``NOTIFY`` is on its way, further sets only ask for one more,
so a burst of a thousand commands costs the database a couple of notifications, not a thousand.
"""

from __future__ import annotations

import asyncio
import logging

from bot.store import Store

log = logging.getLogger(__name__)
JOBS = "chorus_jobs"
OUTBOX = "chorus_outbox"


class Wake(asyncio.Event):
    def __init__(self, store: Store, channel: str, instance: str) -> None:
        super().__init__()
        self.store, self.channel, self.instance = store, channel, instance
        self._sending: asyncio.Task[None] | None = None
        self._again = False

    def set(self) -> None:
        super().set()
        if not self.store.shared:
            return
        if self._sending is not None:
            self._again = True
            return
        self._sending = asyncio.get_running_loop().create_task(self._send())

    def heard(self) -> None:
        """Another instance notified the channel: wake here, without notifying back."""
        super().set()

    async def _send(self) -> None:
        try:
            while True:
                self._again = False
                try:
                    await self.store.notify(self.channel, self.instance)
                except Exception:  # a lost wake-up costs a pause at most: the loops poll too
                    log.warning("notifying %s failed", self.channel, exc_info=True)
                if not self._again:
                    return
        finally:
            self._sending = None

    async def start(self) -> None:
        """Listen for the other instances' notifications."""
        await self.store.listen(self.channel, self.instance, self.heard)

    async def stop(self) -> None:
        """Stop sending (before the store closes)."""
        if self._sending is not None:
            self._sending.cancel()
            await asyncio.gather(self._sending, return_exceptions=True)
