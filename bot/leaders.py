"""Roles one instance plays at a time, the leader chosen through the database.

Most of what Chorus does, any instance sharing the store may do. A few things only one may:
Telegram hands updates to a single long poller (a second ``getUpdates`` gets 409 Conflict, and
the two would take turns losing). Leading such a role is a lease in the store
(:mod:`bot.store.leaders`): an instance takes it when nobody holds it, renews it every third of
its time while it lives, and gives it up when it stops; when the leader dies without giving it
up, its lease runs out and a waiting instance takes the role over within a lease and a third.

The leader must stop playing the role before anyone may take it over, or the two would overlap:
when renewals fail (the database unreachable or slow), it gives the role up on its own as soon
as the next attempt could come too late, counted on its own monotonic clock from the last
renewal that succeeded. Another instance takes over only once the lease has run out on the
database's rows, by wall-clock time, so the instances' clocks must agree to within a third of a
lease (NTP does far better).

On a store one instance owns (SQLite), that instance leads every role at once and nothing is
written: there is nobody to agree with, and a lease left behind by a crash would only make the
restarted instance wait for it to run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from bot.store import Store
from bot.store import leaders as rows
from bot.store.connection import Conn

log = logging.getLogger(__name__)
LEASE_SECONDS = 30.0  # how long a lease lasts unless renewed; renewed every third of it


class Lease:
    """One role, as one instance sees it: claim it, wait to lead it, know when it is lost."""

    def __init__(self, store: Store, role: str, holder: str, ttl: float, *, sole: bool) -> None:
        self.store, self.role, self.holder, self.ttl, self.sole = store, role, holder, ttl, sole
        self.leading = False
        # set when this instance stops leading without having released the role: another
        # instance took it over, or it could not be renewed in time
        self.lost = asyncio.Event()
        self._valid_until = 0.0  # monotonic: when the last renewed lease runs out
        self._renewer: asyncio.Task[None] | None = None

    @property
    def interval(self) -> float:
        """Time between two renewals, and between two attempts to take the role."""
        return self.ttl / 3

    async def claim(self) -> bool:
        """One attempt to lead the role now (taking it over if its lease ran out). Once this
        instance leads it, the lease is renewed in the background until :meth:`release`, or
        until it is lost (:attr:`lost`)."""
        if self.sole:
            self.leading = True
            return True
        if self.leading:
            return True
        if not await self._claim_row():
            return False
        self.leading = True
        self.lost.clear()
        self._renewer = asyncio.create_task(self._renew(), name=f"lease-{self.role}")
        log.info("leading %s (instance %s)", self.role, self.holder)
        return True

    async def acquire(self) -> None:
        """Wait until this instance leads the role: try every third of a lease (a lease given
        up is taken within that; one that ran out, within a lease and a third of its renewal)."""
        while True:
            if await self.claim():
                return
            await asyncio.sleep(self.interval)

    async def release(self) -> None:
        """Stop renewing and give the role up, so that another instance takes it at once
        instead of after the lease; harmless when this instance does not lead it."""
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        self.leading = False
        if self.sole:
            return

        # whether or not this instance knows it leads: a claim cut short by a stop may have
        # been committed all the same
        async def give_up(conn: Conn) -> None:
            await rows.release(conn, self.role, self.holder)

        try:
            await self.store.transact(give_up)
        except Exception as exc:  # the lease then runs out by itself
            log.warning("could not give %s up (%s); it lapses by itself", self.role, exc)

    async def _claim_row(self) -> bool:
        began, now = time.monotonic(), time.time()

        async def claim(conn: Conn) -> bool:
            return await rows.claim(conn, self.role, self.holder, now, now + self.ttl)

        won = await self.store.transact(claim)
        if won:
            self._valid_until = began + self.ttl
        return won

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                async with asyncio.timeout(self.interval):
                    won: bool | None = await self._claim_row()
            except Exception as exc:  # unreachable or slow: try again while the lease lasts
                log.warning("could not renew the lease on %s (%s)", self.role, exc)
                won = None
            if won:
                continue
            if won is False or time.monotonic() + self.interval >= self._valid_until:
                self.leading = False
                self.lost.set()
                log.warning("no longer leading %s: another instance may take it over", self.role)
                return


class Leaders:
    """The leases of one instance (``instance`` names it in the store)."""

    def __init__(
        self, store: Store, instance: str, ttl: float = LEASE_SECONDS, *, sole: bool | None = None
    ) -> None:
        self.store, self.instance, self.ttl = store, instance, ttl
        self.sole = store.dialect == "sqlite" if sole is None else sole

    def lease(self, role: str) -> Lease:
        """This instance's lease on ``role`` (not yet claimed)."""
        return Lease(self.store, role, self.instance, self.ttl, sole=self.sole)
