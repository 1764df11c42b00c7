"""The money outcomes of a job: success (whole or in part), failure, and a lost create's expiry.

Each is one store transaction that settles the hold together with what the member is owed:
success records the tracks, captures what they cost (``bot.pricing``) and queues the results
in the outbox; failure releases the hold and queues the notice saying why. Nothing here
decides money from memory: the job is read again inside the transaction, so that a webhook
and a poll racing to finish the same job settle it once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from bot import messages
from bot.joblanguage import in_job_language
from bot.ledger import HoldAlreadyResolved, Ledger, day_of
from bot.metrics import Metrics
from bot.pricing import owed
from bot.progress import StatusMessages
from bot.schedule import EngineConfig, learned
from bot.store import Store, events, jobs, notices, outbox, tracks
from bot.store import durations as d
from bot.store.connection import Conn

log = logging.getLogger(__name__)
# The vendor webhook being applied, if any. The transaction that finishes or fails its job also
# records the event as seen, so a delivery that failed before that point is applied on redelivery
# instead of being dropped as a duplicate.
applying_event: ContextVar[str | None] = ContextVar("applying_event", default=None)


async def _record_applying_event(conn: Conn, now: float) -> None:
    event_id = applying_event.get()
    if event_id is not None:
        await events.record_event(conn, event_id, now)


class Outcomes:
    def __init__(
        self,
        store: Store,
        ledger: Ledger,
        progress: StatusMessages,
        metrics: Metrics,
        config: EngineConfig,
        delivery_wake: asyncio.Event,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.ledger, self.progress, self.metrics = store, ledger, progress, metrics
        self.config, self.delivery_wake, self.clock = config, delivery_wake, clock

    @in_job_language
    async def succeed(
        self,
        job: jobs.JobRow,
        made: list[tracks.TrackRow],
        cards: list[outbox.OutboxItem],
        also: Callable[[Conn], Any] | None = None,
        expected: int | None = None,
    ) -> None:
        """Record the results, capture what they cost and queue the deliveries: one transaction.

        The member pays for what is delivered (``bot.pricing``): with ``len(cards)`` of
        ``expected`` results the price is shared pro rata, and the upload fee is paid only if
        the vendor uploaded; the rest of the hold is returned in the same capture.
        """
        expected = expected or len(cards)
        returned = 0
        async with self.store.write() as conn:
            # Read again inside the transaction: money is settled on the row as it is now.
            current = await jobs.job(conn, job.id)
            if current is None or current.state in jobs.TERMINAL:
                return  # a webhook and a poll raced; the first one finished it
            for track in made:
                await tracks.insert_track(conn, track)
            await self._learn(conn, current)
            held = await self.ledger.held_in(conn, job.hold_id)
            spent = owed(
                held,
                int(current.inputs.get("upload_fee", 0)),
                bool(current.inputs.get("uploaded")),
                len(cards),
                expected,
            )
            try:
                resolution = await self.ledger.capture_in(conn, job.hold_id, spent)
                returned = 0 if resolution.already else held - resolution.amount
            except HoldAlreadyResolved:
                log.warning("job %s finished after its hold expired; delivering it free", job.id)
            if also is not None:
                await also(conn)
            now = self.clock()
            await _record_applying_event(conn, now)
            for card in cards:
                await outbox.enqueue(conn, job.id, card, job.target, now)
            await jobs.update_job(conn, job.id, state="succeeded", finished_at=now)
        self.progress.forget(job.id)
        self.progress.relearn(job)
        self.metrics.finished.labels(op=job.op, outcome="succeeded").inc()
        text = messages.done(job.id, job.op, len(cards), expected, returned)
        await self.progress.status(job, text, force=True, final=True)
        self.delivery_wake.set()

    async def _learn(self, conn: Conn, job: jobs.JobRow) -> None:
        """Remember how long a vendor task took, for the next polls and progress bars."""
        if job.submitted_at is None or job.task_id is None:
            return  # answered at once: nothing was polled
        now = self.clock()
        elapsed = (now - job.submitted_at) / self.config.time_scale
        seconds = learned(elapsed, applying_event.get() is not None, self.config.timing)
        await d.record(conn, job.op, self.progress.model(job), seconds, now)

    @in_job_language
    async def fail(self, job: jobs.JobRow, kind: str, detail: str = "") -> None:
        """Release the hold, tell the member why in plain words; one transaction."""
        self.progress.forget(job.id)
        async with self.store.write() as conn:
            # Read again inside the transaction: a job already settled is not refunded twice.
            current = await jobs.job(conn, job.id)
            if current is None or current.state in jobs.TERMINAL:
                return
            released = await self.ledger.release_in(conn, job.hold_id, reason=f"job {kind}")
            refunded = 0 if released.already else released.amount
            text = messages.failed(job.id, job.op, messages.reason(kind, detail), refunded)
            await outbox.enqueue(
                conn, job.id, outbox.OutboxItem.notice(text), job.target, self.clock()
            )
            await jobs.update_job(
                conn, job.id, state="failed", error=kind, finished_at=self.clock()
            )
            await _record_applying_event(conn, self.clock())
        if detail:
            log.info("job %s failed (%s): %r", job.id, kind, detail)  # the vendor's words, kept
        self.metrics.finished.labels(op=job.op, outcome="failed").inc()
        # The notice says why; the status message only says that it failed, so that the reason is
        # read once, not twice.
        await self.progress.status(
            current, messages.failed_status(job.id, job.op), force=True, final=True
        )
        self.delivery_wake.set()

    @in_job_language
    async def expire_unconfirmed(self, job: jobs.JobRow) -> None:
        """Release the hold of a job whose create answer was lost and no webhook named it."""
        async with self.store.write() as conn:
            # Read again inside the transaction: a webhook may have adopted it meanwhile.
            current = await jobs.job(conn, job.id)
            if current is None or current.state != "unconfirmed":
                return
            released = await self.ledger.release_in(
                conn, job.hold_id, reason=messages.JOURNAL_UNCONFIRMED
            )
            refunded = 0 if released.already else released.amount
            text = messages.failed(job.id, job.op, messages.reason("unconfirmed"), refunded)
            await outbox.enqueue(
                conn, job.id, outbox.OutboxItem.notice(text), job.target, self.clock()
            )
            await jobs.update_job(
                conn, job.id, state="failed", error="unconfirmed", finished_at=self.clock()
            )
        self.metrics.lost_answers.labels(outcome="released").inc()
        self.metrics.finished.labels(op=job.op, outcome="failed").inc()
        await self.progress.status(current, text, force=True, final=True)
        self.delivery_wake.set()

    @in_job_language
    async def tell_moderators(self, job: jobs.JobRow) -> None:
        """The vendor is out of credits: say so in the job's scope, once a day."""
        async with self.store.write() as conn:
            if await notices.once(conn, job.member.scope, "vendor_credits", day_of(self.clock())):
                await outbox.enqueue(
                    conn,
                    job.id,
                    outbox.OutboxItem.notice(messages.vendor_out_of_credits()),
                    job.target,
                    self.clock(),
                )
        self.delivery_wake.set()
