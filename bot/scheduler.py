"""The scheduler loop: what is due, whose turn it is, and how fast the vendor may be asked.

One loop, woken by an ``asyncio.Event`` when a job is queued or a webhook lands (RoboDanny's
DB-backed timer pattern), submits what the caps and the vendor's rate allow, round-robin
across members, and polls whatever is due; now and then it expires lost creates, stale holds
and old media. After a restart it recovers: jobs caught mid-submission fail and are refunded,
running jobs are polled again soon. The work itself is done by :class:`~bot.submit.Submitter`
and :class:`~bot.tracking.Tracker`; money is settled by :class:`~bot.outcomes.Outcomes`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine
from typing import Any

from bot.ledger import Ledger
from bot.media import Media
from bot.outcomes import Outcomes
from bot.progress import StatusMessages
from bot.schedule import EngineConfig
from bot.store import Store, jobs
from bot.store.connection import Conn
from bot.submit import Submitter
from bot.tracking import Tracker

log = logging.getLogger(__name__)
PROGRESS_MIN_WALL = 0.5  # wall seconds between two progress refreshes, however fast time runs


class TokenBucket:
    """The vendor's submission rate, so a burst of commands queues instead of earning 429s."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.capacity, self.clock = rate, float(burst), clock
        self.tokens, self.stamp = float(burst), clock()

    def available(self) -> float:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return self.tokens

    def take(self) -> bool:
        if self.available() >= 1:
            self.tokens -= 1
            return True
        return False

    def wait(self) -> float:
        return max(0.0, (1 - self.tokens) / self.rate)

    def drain(self) -> None:
        """After a 429: stop submitting until the bucket refills."""
        self.tokens = 0.0


class Scheduler:
    def __init__(
        self,
        store: Store,
        ledger: Ledger,
        media: Media,
        bucket: TokenBucket,
        submitter: Submitter,
        tracker: Tracker,
        outcomes: Outcomes,
        progress: StatusMessages,
        config: EngineConfig,
        wake: asyncio.Event,
        delivery_wake: asyncio.Event,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.ledger, self.media, self.bucket = store, ledger, media, bucket
        self.submitter, self.tracker, self.outcomes = submitter, tracker, outcomes
        self.progress, self.config, self.clock = progress, config, clock
        self.wake, self.delivery_wake = wake, delivery_wake
        self.busy: set[str] = set()  # jobs with a submit or poll under way
        self.tasks: set[asyncio.Task[None]] = set()
        self.served: dict[str, float] = defaultdict(float)  # member -> when last submitted
        self.counted_at = 0.0
        self._loop_task: asyncio.Task[None] | None = None

    # --- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        await self.recover()
        self._loop_task = asyncio.create_task(self._run(), name="chorus-engine")

    async def stop(self) -> None:
        if self._loop_task:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def recover(self) -> None:
        """After a restart: jobs caught mid-submission cannot be known to have reached the vendor
        (it has no idempotency key), so they fail and are refunded; running jobs poll at once."""
        async with self.store.read() as conn:
            stuck = await jobs.jobs_in(conn, "submitting")
        for job in stuck:
            await self.outcomes.fail(job, "restart")
        async with self.store.write() as conn:
            # Poll every running job again soon, spread at the poll rate so that thousands of
            # jobs in flight do not all hit the vendor in the first second.
            running = await jobs.jobs_in(conn, "running", limit=1_000_000)
            for n, job in enumerate(running):
                when = self.clock() + self.config.scaled(n / self.config.poll_rate)
                await jobs.reschedule(conn, job.id, when)
        await self.ledger.sweep_expired()
        self.wake.set()
        self.delivery_wake.set()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self) -> None:
        last_sweep = last_progress = 0.0
        cfg = self.config
        while True:
            # Cleared before the pass, never after: a command queued or a webhook landing while
            # the pass runs sets it again, and the wait below then returns at once.
            self.wake.clear()
            try:
                now = self.clock()
                if now - last_sweep > cfg.scaled(60):
                    await self._expire_unconfirmed()
                    await self.ledger.sweep_expired()
                    await self.media.cleanup()
                    last_sweep = now
                if now - last_progress >= max(cfg.scaled(cfg.progress_interval), PROGRESS_MIN_WALL):
                    await self.progress.refresh()
                    last_progress = now
                pause = await self.tick()
            except Exception:  # the loop must survive anything one tick hits
                log.exception("engine tick failed")
                pause = 1.0
            # A burst of commands sets the event many times; one pass serves them all.
            await asyncio.sleep(cfg.min_tick)
            # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a stop()'s
            # cancellation that comes just as the event is set.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, pause - cfg.min_tick)):
                    await self.wake.wait()

    async def tick(self) -> float:
        """Submit and poll what is due; returns how long the loop may sleep.

        It reads only what is due and per-member counts, so its cost does not grow with the
        number of jobs in flight.
        """
        now = self.clock()
        can_submit = self.bucket.available() >= 1

        async def due_work(
            conn: Conn,
        ) -> tuple[
            list[jobs.JobRow],
            list[jobs.JobRow],
            dict[tuple[str, str, str], int],
            int | None,
            float | None,
        ]:
            # With no submission token left, the queue is not even read: commands arriving
            # during a rate-limited stretch must not make every wake-up parse the whole queue.
            queued = await jobs.jobs_in(conn, "queued", due_by=now, limit=500) if can_submit else []
            due = await jobs.jobs_in(conn, "running", due_by=now, limit=200)
            # Per-member counts only when something may be submitted; otherwise a cheap total,
            # refreshed now and then, is all the poll spacing needs.
            loads = await jobs.in_flight(conn) if queued else {}
            recount = not queued and now - self.counted_at > self.config.scaled(5)
            total = await jobs.in_flight_total(conn) if recount else None
            return queued, due, loads, total, await jobs.next_due(conn)

        # One round trip to the database thread for the whole pass (it runs on every wake-up).
        queued, due, loads, total, due_next = await self.store.snapshot(due_work)
        if queued:
            self.tracker.in_flight, self.counted_at = sum(loads.values()), now
        elif total is not None:
            self.tracker.in_flight, self.counted_at = total, now
        if queued:
            self._dispatch(queued, loads)
        for job in due:
            if job.id not in self.busy:
                self.busy.add(job.id)
                self._spawn(self._poll(job))
        pause = (due_next - now) if due_next is not None else self.config.scaled(30)
        if self.bucket.tokens < 1:
            pause = min(pause, self.bucket.wait())
        return min(max(pause, 0.0), self.config.scaled(30))

    def _dispatch(self, queued: list[jobs.JobRow], loads: dict[tuple[str, str, str], int]) -> None:
        """Round-robin across members (least recently served first) within the caps."""
        per_scope: dict[str, int] = defaultdict(int)
        per_member: dict[str, int] = defaultdict(int)
        for (platform, scope, user), count in loads.items():
            per_scope[scope] += count
            per_member[f"{platform}:{scope}:{user}"] += count
        in_flight = sum(loads.values())
        by_member: dict[str, list[jobs.JobRow]] = defaultdict(list)
        for job in queued:
            if job.id not in self.busy:
                by_member[job.member.label].append(job)
        rotation = sorted(
            by_member, key=lambda label: (self.served[label], by_member[label][0].created_at)
        )
        cfg = self.config
        while rotation and in_flight < cfg.max_in_flight:
            progressed = False
            for label in list(rotation):
                job = by_member[label][0]
                if (
                    per_scope[job.scope] >= cfg.max_in_flight_per_scope
                    or per_member[label] >= cfg.max_in_flight_per_member
                ):
                    rotation.remove(label)
                    continue
                if not self.bucket.take():
                    return
                by_member[label].pop(0)
                if not by_member[label]:
                    rotation.remove(label)
                per_scope[job.scope] += 1
                per_member[label] += 1
                in_flight += 1
                self.served[label] = self.clock()
                self.busy.add(job.id)
                self._spawn(self._submit(job))
                progressed = True
                if in_flight >= cfg.max_in_flight:
                    return
            if not progressed:
                return

    async def _submit(self, job: jobs.JobRow) -> None:
        try:
            await self.submitter.submit(job)
        finally:
            self.busy.discard(job.id)
            self.wake.set()

    async def _poll(self, job: jobs.JobRow) -> None:
        try:
            await self.tracker.poll(job)
        finally:
            # No wake-up here: the loop already sleeps until the next poll is due, and waking it
            # after every poll would make thousands of jobs in flight re-read the due list.
            self.busy.discard(job.id)

    async def _expire_unconfirmed(self) -> None:
        """Release the holds of unconfirmed jobs whose window ended with no webhook."""
        async with self.store.read() as conn:
            due = await jobs.jobs_in(conn, "unconfirmed", due_by=self.clock())
        for job in due:
            await self.outcomes.expire_unconfirmed(job)
