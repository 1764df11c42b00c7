"""The scheduler loop: what is due, whose turn it is, and how fast the vendor may be asked.

One loop, woken by an ``asyncio.Event`` when a job is queued or a webhook lands (RoboDanny's
DB-backed timer pattern; with several instances the event also travels by NOTIFY, see
:mod:`bot.wake`), submits what the caps and the vendor's rate allow, round-robin across
members, and polls whatever is due; now and then it expires lost creates, stale holds and old
media. Jobs are claimed under leases (see :class:`Scheduler`), so instances sharing a database
share the work: after a restart, or once a dead instance's leases run out, jobs caught
mid-submission fail and are refunded, running jobs are polled again soon. The work itself is
done by :class:`~bot.submit.Submitter` and :class:`~bot.tracking.Tracker`; money is settled by
:class:`~bot.outcomes.Outcomes`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine
from typing import Any

from bot.ledger import Ledger
from bot.media import Media
from bot.outcomes import Outcomes
from bot.progress import StatusMessages
from bot.schedule import EngineConfig
from bot.store import Store, jobs, rates
from bot.store.connection import Conn
from bot.submit import Submitter
from bot.tracking import Tracker

log = logging.getLogger(__name__)
PROGRESS_MIN_WALL = 0.5  # wall seconds between two progress refreshes, however fast time runs


class TokenBucket:
    """The vendor's submission rate, so a burst of commands queues instead of earning 429s.

    In memory: right for the one instance a SQLite store serves. With several instances
    (PostgreSQL) the bucket is :class:`SharedBucket`, a row they all take from."""

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

    def hopeful(self) -> bool:
        """Whether a token is there to take."""
        return self.available() >= 1

    async def take(self, wanted: int) -> int:
        """Take up to ``wanted`` tokens; how many were taken."""
        granted = max(0, min(wanted, int(self.available())))
        self.tokens -= granted
        return granted

    def wait(self) -> float:
        """Seconds until the next token."""
        return max(0.0, (1 - self.available()) / self.rate)

    async def drain(self) -> None:
        """After a 429: stop submitting until the bucket refills."""
        self.tokens = 0.0


class SharedBucket:
    """The vendor's submission rate shared by every instance on one PostgreSQL database: the
    bucket is a row (:mod:`bot.store.rates`) refilled by elapsed wall-clock time and taken
    from atomically, so N instances together submit no faster than one would, and a 429 one
    of them meets drains it for all. What this instance last saw of the row is kept to guess
    when to try again (:meth:`hopeful`, :meth:`wait`): the row decides."""

    NAME = "vendor"

    def __init__(
        self, store: Store, rate: float, burst: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.store, self.rate, self.capacity, self.clock = store, rate, float(burst), clock
        self.tokens, self.stamp = float(burst), clock()

    def _estimate(self) -> float:
        return min(self.capacity, self.tokens + max(0.0, self.clock() - self.stamp) * self.rate)

    def hopeful(self) -> bool:
        return self._estimate() >= 1

    async def take(self, wanted: int) -> int:
        now = self.clock()

        async def work(conn: Conn) -> tuple[int, float, float]:
            return await rates.take(conn, self.NAME, wanted, self.rate, self.capacity, now)

        granted, self.tokens, self.stamp = await self.store.transact(work)
        return granted

    def wait(self) -> float:
        return max(0.0, (1 - self._estimate()) / self.rate)

    async def drain(self) -> None:
        now = self.clock()
        await self.store.transact(lambda conn: rates.drain(conn, self.NAME, self.capacity, now))
        self.tokens, self.stamp = 0.0, now


Bucket = TokenBucket | SharedBucket


class Scheduler:
    """The engine's loop for one instance (``instance`` names it as a lease owner).

    With several instances on one PostgreSQL database each runs this loop over the same jobs:
    a queued job is claimed (one conditional UPDATE only one instance wins) before it is
    submitted, and a running job before it is polled; the claim is a lease of
    ``config.lease_seconds`` that the loop renews every third of that while the instance lives.
    A lease that runs out means its owner died: every ``lease_seconds / 2`` (and at start) the
    loop takes over such jobs: one caught 'submitting' is failed and refunded as a restart does
    (the vendor has no idempotency key: nobody can know whether it took the request), a running
    one is claimed and polled at once. On SQLite the one instance owns every job: at start it
    takes all of them over, whatever their leases say, exactly as a restart did before leases,
    and it neither renews leases nor claims a job before polling it (nobody else could).
    """

    def __init__(
        self,
        store: Store,
        ledger: Ledger,
        media: Media,
        bucket: Bucket,
        submitter: Submitter,
        tracker: Tracker,
        outcomes: Outcomes,
        progress: StatusMessages,
        config: EngineConfig,
        wake: asyncio.Event,
        delivery_wake: asyncio.Event,
        instance: str = "chorus",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.ledger, self.media, self.bucket = store, ledger, media, bucket
        self.submitter, self.tracker, self.outcomes = submitter, tracker, outcomes
        self.progress, self.config, self.clock = progress, config, clock
        self.wake, self.delivery_wake, self.instance = wake, delivery_wake, instance
        self.busy: set[str] = set()  # jobs with a submit or poll under way
        self.tasks: set[asyncio.Task[None]] = set()
        self.served: dict[str, float] = defaultdict(float)  # member -> when last submitted
        self.counted_at = 0.0
        self.taken_over = 0  # jobs of dead instances this one took over
        self._loop_task: asyncio.Task[None] | None = None

    # --- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        await self.recover()
        self._loop_task = asyncio.create_task(self._run(), name="chorus-engine")

    async def stop(self) -> None:
        running, self._loop_task = self._loop_task, None
        if running:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if running and self.store.shared:  # once: a second stop() finds the store closed
            # Stopping, not dying: the other instances (or this one restarted) need not wait
            # for the leases to run out before taking its jobs over. (On SQLite a restart takes
            # every job over whatever its lease says.)
            async with self.store.write() as conn:
                await jobs.release_leases(conn, self.instance)

    async def recover(self) -> None:
        """At start: take over the jobs their owners left. On SQLite that is every job left
        submitting or running (this is the one instance, restarted); on PostgreSQL only those
        whose owner's lease ran out (:meth:`take_over`)."""
        await self.take_over(everything=not self.store.shared)
        await self.ledger.sweep_expired()
        self.wake.set()
        self.delivery_wake.set()

    async def take_over(self, everything: bool = False) -> None:
        """Jobs whose owner's lease ran out (``everything``: all jobs submitting or running,
        for the one instance of a SQLite store): one caught mid-submission cannot be known to
        have reached the vendor (it has no idempotency key), so it fails and is refunded; a
        running one is claimed and polled soon, spread at the poll rate so that thousands of
        jobs in flight do not all hit the vendor in the first second."""
        now = self.clock()
        horizon = math.inf if everything else now  # leases that end before it have run out
        until = now + self.config.lease_seconds
        async with self.store.read() as conn:
            stuck = await jobs.expired(conn, "submitting", horizon)
            orphans = await jobs.expired(conn, "running", horizon, limit=1_000_000)
        for job in stuck:
            async with self.store.write() as conn:
                won = await jobs.claim_expired(conn, job.id, self.instance, horizon, until)
            if won:
                self.taken_over += 1
                await self.outcomes.fail(job, "restart")
        async with self.store.write() as conn:
            for n, job in enumerate(orphans):
                if await jobs.claim_running(conn, job.id, self.instance, horizon, until):
                    self.taken_over += 1
                    when = self.clock() + self.config.scaled(n / self.config.poll_rate)
                    await jobs.reschedule(conn, job.id, when)
        if stuck or orphans:
            log.info("took over %d submitting and %d running jobs", len(stuck), len(orphans))

    async def renew(self) -> None:
        """This instance is alive and still working on its jobs: extend its leases."""
        until = self.clock() + self.config.lease_seconds
        async with self.store.write() as conn:
            await jobs.renew_leases(conn, self.instance, until)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self) -> None:
        last_sweep = last_progress = 0.0
        renewed = taken = self.clock()
        cfg = self.config
        while True:
            # Cleared before the pass, never after: a command queued or a webhook landing while
            # the pass runs sets it again, and the wait below then returns at once.
            self.wake.clear()
            try:
                now = self.clock()
                # Leases matter only where other instances could take a job over.
                if self.store.shared and now - renewed >= cfg.lease_seconds / 3:
                    await self.renew()
                    renewed = now
                if self.store.shared and now - taken >= cfg.lease_seconds / 2:
                    await self.take_over()
                    taken = now
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
            if self.store.shared:
                # Leases are renewed, and dead instances' jobs looked for, however long the pause.
                pause = min(pause, cfg.lease_seconds / 3)
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
        can_submit = self.bucket.hopeful()

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
            due = await jobs.due_running(conn, self.instance, now)
            # Per-member counts only when something may be submitted; otherwise a cheap total,
            # refreshed now and then, is all the poll spacing needs.
            loads = await jobs.in_flight(conn) if queued else {}
            recount = not queued and now - self.counted_at > self.config.scaled(5)
            total = await jobs.in_flight_total(conn) if recount else None
            return queued, due, loads, total, await jobs.next_due(conn, self.instance, now)

        # One round trip to the database thread for the whole pass (it runs on every wake-up).
        queued, due, loads, total, due_next = await self.store.snapshot(due_work)
        if queued:
            self.tracker.in_flight, self.counted_at = sum(loads.values()), now
        elif total is not None:
            self.tracker.in_flight, self.counted_at = total, now
        if queued:
            await self._dispatch(queued, loads)
        for job in due:
            if job.id not in self.busy:
                self.busy.add(job.id)
                self._spawn(self._poll(job))
        pause = (due_next - now) if due_next is not None else self.config.scaled(30)
        if not self.bucket.hopeful():
            pause = min(pause, self.bucket.wait())
        return min(max(pause, 0.0), self.config.scaled(30))

    async def _dispatch(
        self, queued: list[jobs.JobRow], loads: dict[tuple[str, str, str], int]
    ) -> None:
        """Round-robin across members (least recently served first) within the caps, as many
        as the rate allows (one batch of tokens: one round trip to a shared bucket)."""
        chosen = self._choose(queued, loads)
        granted = await self.bucket.take(len(chosen)) if chosen else 0
        for job in chosen[:granted]:
            self.served[job.member.label] = self.clock()
            self.busy.add(job.id)
            self._spawn(self._submit(job))

    def _choose(
        self, queued: list[jobs.JobRow], loads: dict[tuple[str, str, str], int]
    ) -> list[jobs.JobRow]:
        """The queued jobs the caps let through, in round-robin order across members."""
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
        chosen: list[jobs.JobRow] = []
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
                by_member[label].pop(0)
                if not by_member[label]:
                    rotation.remove(label)
                per_scope[job.scope] += 1
                per_member[label] += 1
                in_flight += 1
                chosen.append(job)
                progressed = True
                if in_flight >= cfg.max_in_flight:
                    return chosen
            if not progressed:
                return chosen
        return chosen

    async def _submit(self, job: jobs.JobRow) -> None:
        try:
            await self.submitter.submit(job)
        finally:
            self.busy.discard(job.id)
            self.wake.set()

    async def _poll(self, job: jobs.JobRow) -> None:
        try:
            now = self.clock()
            if self.store.shared and (
                job.lease_owner != self.instance or (job.lease_until or 0.0) < now
            ):
                # Not (or no longer) this instance's: claim it first, so that of two instances
                # taking over a dead one's job only one polls it.
                until = now + self.config.lease_seconds
                async with self.store.write() as conn:
                    won = await jobs.claim_running(conn, job.id, self.instance, now, until)
                if not won:
                    return
                if job.lease_owner not in (None, self.instance):
                    self.taken_over += 1
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
