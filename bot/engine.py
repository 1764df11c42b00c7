"""Jobs: a fair queue, submission, tracking by webhook and polling, finishing, and recovery.

One scheduler loop does all of it, woken by an ``asyncio.Event`` when a job is queued or a
webhook lands (RoboDanny's DB-backed timer pattern): it submits what the caps and the vendor's
rate allow, round-robin across members, and polls whatever is due. Every transition that
touches money is one store transaction: success records the tracks, captures the hold and
writes the results to the outbox together; failure releases the hold and writes the notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiosqlite

from bot import messages
from bot.aimusic import AIMusicClient
from bot.aimusic import errors as e
from bot.aimusic.models import Clip, ProducerTask, SonicTask, UploadRequest
from bot.aimusic.webhooks import job_hook_url
from bot.catalog import CATALOG, Env, Immediate, NotReady, Operation, Source, Submitted
from bot.domain import Action, Attachment, ResultCard
from bot.filenames import safe_name, within
from bot.ledger import HoldAlreadyResolved, Ledger, day_of
from bot.media import Media, MediaRefused
from bot.metrics import Metrics
from bot.platform import Platform
from bot.pricing import owed
from bot.schedule import Timing, estimate, first_poll, learned, next_poll, progress
from bot.store import Store, events, jobs, media, notices, outbox, tracks, voices
from bot.store import durations as d

log = logging.getLogger(__name__)
UPLOAD_REUSE_SECONDS = 23 * 3600  # the vendor accepts uploads for add_* for 24 h
ESTIMATE_TTL = 30.0  # wall seconds an estimate is reused before the store is read again
PROGRESS_MIN_WALL = 0.5  # wall seconds between two progress refreshes, however fast time runs
# The vendor webhook being applied, if any. The transaction that finishes or fails its job also
# records the event as seen, so a delivery that failed before that point is applied on redelivery
# instead of being dropped as a duplicate.
applying_event: ContextVar[str | None] = ContextVar("applying_event", default=None)


async def _record_applying_event(conn: aiosqlite.Connection, now: float) -> None:
    event_id = applying_event.get()
    if event_id is not None:
        await events.record_event(conn, event_id, now)


@dataclass(frozen=True)
class EngineConfig:
    """Caps and timings in the vendor's seconds; ``time_scale`` shrinks every wait (tests, demo)."""

    max_in_flight: int = 20
    max_in_flight_per_scope: int = 8
    max_in_flight_per_member: int = 2
    rate_per_second: float = 0.5  # vendor submissions; the documented limit is one per 3 s
    burst: int = 3
    first_poll: float = 10.0  # with no history of the operation; then near its learned duration
    poll_min: float = 15.0
    poll_max: float = 25.0
    close_poll: float = 5.0  # between polls once a task is near or past its learned duration
    progress_interval: float = 10.0  # least time between two moves of a progress bar
    webhook_poll: float = 300.0  # the slow fallback when webhooks are on
    poll_rate: float = 25.0  # polls per second at most, whatever the number of jobs in flight
    expected_seconds: float = 120.0  # a typical generation, for the bar until one is learned
    job_timeout: float = 1200.0
    # How long a job whose create answer was lost keeps its hold, waiting for a webhook that
    # names it (the vendor's first webhook comes within a generation's time).
    unconfirmed_window: float = 1200.0
    submit_attempts: int = 5
    status_interval: float = 2.0  # least time between two edits of one status message
    min_tick: float = 0.02  # wall seconds between two scheduler passes, however many wake-ups
    time_scale: float = 1.0


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


def reusable_upload(row: media.MediaRow, now: float) -> str | None:
    """The vendor's clip for this audio if it was uploaded recently enough to use again."""
    if row.vendor_clip_id is None or (row.vendor_clip_at or 0) < now - UPLOAD_REUSE_SECONDS:
        return None
    return row.vendor_clip_id


def short_id(length: int = 8) -> str:
    return secrets.token_hex(length // 2)


def _new_track(
    job: jobs.JobRow,
    now: float,
    *,
    origin: str,
    title: str,
    clip_id: str | None = None,
    tags: str | None = None,
    lyrics: str | None = None,
    duration: float | None = None,
    audio_url: str | None = None,
    image_url: str | None = None,
) -> tracks.TrackRow:
    """A result of ``job`` as a track row, named by keyword (a text track has no clip or audio)."""
    return tracks.TrackRow(
        id=short_id(6),
        job_id=job.id,
        platform=job.platform,
        scope=job.scope,
        user_id=job.user_id,
        clip_id=clip_id,
        origin=origin,
        title=title,
        tags=tags,
        lyrics=lyrics,
        duration=duration,
        audio_url=audio_url,
        image_url=image_url,
        created_at=now,
    )


def _clip_title(clip: Clip) -> str:
    title = clip.title or messages.UNTITLED
    if clip.segment:
        return messages.segment_title(title, clip.segment)
    return (
        f"{title} ({clip.stem_type})" if clip.stem_type and clip.stem_type not in title else title
    )


@dataclass(frozen=True, slots=True)
class Shown:
    """What moving a job's progress bar needs; small, since thousands may be in flight."""

    op: str
    model: str
    submitted_at: float


class Engine:
    def __init__(
        self,
        store: Store,
        ledger: Ledger,
        client: AIMusicClient,
        media: Media,
        platforms: dict[str, Platform],
        env: Env,
        files: Path,
        config: EngineConfig | None = None,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.ledger, self.client, self.media = store, ledger, client, media
        self.platforms, self.env, self.files = platforms, env, files
        self.config = config or EngineConfig()
        self.metrics = metrics or Metrics()
        self.clock = clock
        scale = self.config.time_scale
        self.bucket = TokenBucket(self.config.rate_per_second / scale, self.config.burst)
        self.wake = asyncio.Event()
        self.delivery_wake = asyncio.Event()
        self.busy: set[str] = set()  # jobs with a submit or poll under way
        # Jobs whose call answered NotReady (a file being prepared), with how many times in a
        # row: the next call is told (Env.asked). Kept in memory: a restart only asks afresh.
        self.asked: dict[str, int] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.served: dict[str, float] = defaultdict(float)  # member -> when last submitted
        self.status_seen: dict[str, tuple[str, float]] = {}  # job -> (last text, when)
        self.in_flight = 0  # as of the last count; spreads polls out when many jobs run
        cfg = self.config
        self.timing = Timing(cfg.first_poll, cfg.poll_min, cfg.poll_max, cfg.close_poll)
        # (op, model) -> (learned duration or None, when read): the store keeps the history.
        self.expected: dict[tuple[str, str], tuple[float | None, float]] = {}
        self.showing: dict[str, Shown] = {}  # running jobs whose progress bar moves on a timer
        self.counted_at = 0.0
        self._loop_task: asyncio.Task[None] | None = None

    def scaled(self, seconds: float) -> float:
        return seconds * self.config.time_scale

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
            await self.fail(job.id, "restart")
        async with self.store.write() as conn:
            # Poll every running job again soon, spread at the poll rate so that thousands of
            # jobs in flight do not all hit the vendor in the first second.
            running = await jobs.jobs_in(conn, "running", limit=1_000_000)
            for n, job in enumerate(running):
                await jobs.reschedule(
                    conn, job.id, self.clock() + self.scaled(n / self.config.poll_rate)
                )
        await self.ledger.sweep_expired()
        self.wake.set()
        self.delivery_wake.set()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self) -> None:
        last_sweep = last_progress = 0.0
        while True:
            # Cleared before the pass, never after: a command queued or a webhook landing while
            # the pass runs sets it again, and the wait below then returns at once.
            self.wake.clear()
            try:
                now = self.clock()
                if now - last_sweep > self.scaled(60):
                    await self._expire_unconfirmed()
                    await self.ledger.sweep_expired()
                    await self.media.cleanup()
                    last_sweep = now
                if now - last_progress >= max(
                    self.scaled(self.config.progress_interval), PROGRESS_MIN_WALL
                ):
                    await self._refresh_progress()
                    last_progress = now
                pause = await self.tick()
            except Exception:  # the loop must survive anything one tick hits
                log.exception("engine tick failed")
                pause = 1.0
            # A burst of commands sets the event many times; one pass serves them all.
            await asyncio.sleep(self.config.min_tick)
            # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a stop()'s
            # cancellation that comes just as the event is set.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, pause - self.config.min_tick)):
                    await self.wake.wait()

    async def tick(self) -> float:
        """Submit and poll what is due; returns how long the loop may sleep.

        It reads only what is due and per-member counts, so its cost does not grow with the
        number of jobs in flight.
        """
        now = self.clock()
        can_submit = self.bucket.available() >= 1

        async def due_work(
            conn: aiosqlite.Connection,
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
            recount = not queued and now - self.counted_at > self.scaled(5)
            total = await jobs.in_flight_total(conn) if recount else None
            return queued, due, loads, total, await jobs.next_due(conn)

        # One round trip to the database thread for the whole pass (it runs on every wake-up).
        queued, due, loads, total, due_next = await self.store.snapshot(due_work)
        if queued:
            self.in_flight, self.counted_at = sum(loads.values()), now
        elif total is not None:
            self.in_flight, self.counted_at = total, now
        if queued:
            self._dispatch(queued, loads)
        for job in due:
            if job.id not in self.busy:
                self.busy.add(job.id)
                self._spawn(self._poll(job))
        pause = (due_next - now) if due_next is not None else self.scaled(30)
        if self.bucket.tokens < 1:
            pause = min(pause, self.bucket.wait())
        return min(max(pause, 0.0), self.scaled(30))

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

    # --- submitting ----------------------------------------------------------------------------
    async def _submit(self, job: jobs.JobRow) -> None:
        try:
            async with self.store.write() as conn:
                current = await jobs.job(conn, job.id)
                if current is None or current.state != "queued":
                    return
                await jobs.update_job(conn, job.id, state="submitting", attempts=job.attempts + 1)
            op = CATALOG[job.op]
            try:
                sources = await self._sources(job, op)
                env = replace(self._env_for(job), asked=self.asked.pop(job.id, 0))
                outcome = await op.call(self.client, op.params(**job.params), sources, env)
            except e.RateLimited as exc:
                self.bucket.drain()
                await self._requeue(job, exc.retry_after, "rate_limited")
                return
            except e.AnswerLost as exc:
                await self._answer_lost(job, exc.webhook)
                return
            except e.UpstreamUnavailable as exc:
                if exc.status is not None:  # it answered 5xx: the request may have taken effect
                    await self.fail(job.id, "unavailable")
                    return
                backoff = self.scaled(min(300.0, 5.0 * 2**job.attempts) * random.uniform(0.8, 1.2))
                await self._requeue(job, backoff, "unavailable")
                return
            except e.CreditsExhausted:
                await self.fail(job.id, "upstream_credits")
                await self._tell_moderators(job)
                return
            except e.AIMusicError as exc:
                await self.fail(job.id, exc.kind, exc.message)
                return
            except MediaRefused as exc:
                await self.fail(job.id, "media", str(exc))
                return
            if isinstance(outcome, NotReady):  # asked again later, not counted as an attempt
                self.asked[job.id] = env.asked + 1
                async with self.store.write() as conn:
                    await jobs.update_job(
                        conn,
                        job.id,
                        state="queued",
                        attempts=job.attempts,
                        not_before=self.clock() + outcome.wait,
                    )
            elif isinstance(outcome, Submitted):
                # With webhooks on, polling is only the slow fallback (for the tasks that take a
                # webhook); otherwise the first poll comes when this operation has recently been
                # taking to finish.
                hooked = self.env.webhook_url and outcome.hooked
                model = self._model(job)
                expected = await self.expected_seconds(job.op, model)
                first = self.config.webhook_poll if hooked else first_poll(expected, self.timing)
                first = max(first, self.in_flight / self.config.poll_rate)
                now = self.clock()
                async with self.store.write() as conn:
                    await jobs.update_job(
                        conn,
                        job.id,
                        state="running",
                        upstream=outcome.upstream,
                        task_id=outcome.task_id,
                        submitted_at=now,
                        not_before=now + self.scaled(first),
                    )
                self.showing[job.id] = Shown(job.op, model, now)
                await self.status(job.id, await self._generating(job.id, self.showing[job.id]))
            else:
                await self._finish_immediate(job, outcome)
        except Exception:
            log.exception("submitting job %s failed", job.id)
            await self.fail(job.id, "unavailable")
        finally:
            self.busy.discard(job.id)
            self.wake.set()

    def _env_for(self, job: jobs.JobRow) -> Env:
        """With webhooks on, every create's webhook URL names its job (signed), so that a task
        whose create answer was lost can still be matched to its job when its webhook comes."""
        if not (self.env.webhook_url and self.env.webhook_secret):
            return self.env
        url = job_hook_url(self.env.webhook_url, self.env.webhook_secret, job.id)
        return replace(self.env, webhook_url=url)

    # --- lost answers --------------------------------------------------------------------------
    async def _answer_lost(self, job: jobs.JobRow, webhook: bool) -> None:
        """The request was sent but its answer lost: the vendor may be making (and charging
        for) it. If the request asked for a webhook, the job waits, unconfirmed and holding its
        credits, for a webhook that names it; otherwise (webhooks off, or an endpoint that
        takes none) nothing could ever match the task, so the hold is released at once, saying
        so (nothing was cancelled)."""
        self.metrics.lost_answers.labels(outcome="lost").inc()
        if not webhook:
            self.metrics.lost_answers.labels(outcome="released").inc()
            await self.fail(job.id, "answer_lost")
            return
        window = self.config.unconfirmed_window
        now = self.clock()
        async with self.store.write() as conn:
            await jobs.update_job(
                conn,
                job.id,
                state="unconfirmed",
                submitted_at=now,
                not_before=now + self.scaled(window),
            )
        await self.status(job.id, messages.unconfirmed(job.id, job.op, window), force=True)

    async def adopt(self, job_id: str, task_id: str, upstream: str) -> jobs.JobRow | None:
        """A webhook named an unconfirmed job: its lost create did reach the vendor, as task
        ``task_id``. From now on it is tracked like any running job. None if the job is not
        waiting (any more)."""
        async with self.store.write() as conn:
            job = await jobs.job(conn, job_id)
            if job is None or job.state != "unconfirmed":
                return None
            await jobs.update_job(
                conn,
                job_id,
                state="running",
                upstream=upstream,
                task_id=task_id,
                not_before=self.clock() + self.scaled(self.config.webhook_poll),
            )
            adopted = await jobs.job(conn, job_id)
        self.metrics.lost_answers.labels(outcome="adopted").inc()
        return adopted

    async def _expire_unconfirmed(self) -> None:
        """Release the holds of unconfirmed jobs whose window ended with no webhook."""
        async with self.store.read() as conn:
            due = await jobs.jobs_in(conn, "unconfirmed", due_by=self.clock())
        for job in due:
            async with self.store.write() as conn:
                current = await jobs.job(conn, job.id)
                if current is None or current.state != "unconfirmed":
                    continue  # adopted meanwhile
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
            await self.status(job.id, text, force=True)
            self.delivery_wake.set()

    async def _requeue(self, job: jobs.JobRow, wait: float, why: str) -> None:
        if job.attempts + 1 >= self.config.submit_attempts:
            await self.fail(job.id, why)
            return
        async with self.store.write() as conn:
            await jobs.update_job(conn, job.id, state="queued", not_before=self.clock() + wait)
        await self.status(job.id, messages.retrying(job.id, job.op, wait / self.config.time_scale))

    async def _sources(self, job: jobs.JobRow, op: Operation) -> list[Source]:
        """Tracks as vendor clips; member audio uploaded to the vendor (reused within a day)."""
        sources: list[Source] = []
        async with self.store.read() as conn:
            given = [
                await tracks.track(conn, track_id) for track_id in job.inputs.get("tracks", [])
            ]
            medias = [await media.media(conn, media_id) for media_id in job.inputs.get("media", [])]
            makers = [await jobs.job(conn, t.job_id) if t else None for t in given]
        for track, maker in zip(given, makers, strict=True):
            assert track is not None
            made_by = CATALOG.get(maker.op) if maker else None
            sources.append(
                Source(
                    track.clip_id,
                    track.origin == "upload",
                    track.duration,
                    None,
                    track.title,
                    track.lyrics,
                    made_by.product if made_by else "sonic",
                )
            )
        for row in medias:
            if row is None:
                raise MediaRefused(messages.AUDIO_EXPIRED)
            url = job.inputs.get("shared_url") or self.media.public_url(row)
            if url is None and (op.by_link or row.vendor_clip_id is None):
                raise MediaRefused(messages.AUDIO_NEEDS_PUBLIC_URL)
            if op.by_link:
                sources.append(Source(None, True, row.duration, url, row.filename, None))
                continue
            clip_id = reusable_upload(row, self.clock())
            if clip_id is None:
                if url is None:  # uploaded at command time (no public URL), a day ago
                    raise MediaRefused(messages.AUDIO_EXPIRED)
                clip_id = (await self.client.upload(UploadRequest(url=url))).clip_id
                async with self.store.write() as conn:
                    await media.set_vendor_clip(conn, row.id, clip_id, self.clock())
                    await jobs.mark_uploaded(conn, job.id)  # the member pays the fee it held
            sources.append(Source(clip_id, True, row.duration, url, row.filename, None))
        return sources

    # --- tracking ------------------------------------------------------------------------------
    async def _poll(self, job: jobs.JobRow) -> None:
        """Ask the vendor once. A job past its timeout is given up only if the vendor still has
        not finished it: after downtime, a song that did finish is delivered, not refunded."""
        overdue = bool(job.submitted_at) and self.clock() - (job.submitted_at or 0) > self.scaled(
            self.config.job_timeout
        )
        try:
            try:
                if job.upstream == "producer":
                    produced = await self.client.producer_task(job.task_id or "")
                    if overdue and not produced.done:
                        await self.fail(job.id, "timeout")
                    else:
                        await self.apply_producer(job.id, produced)
                else:
                    task = await self.client.sonic_task(job.task_id or "")
                    if overdue and not task.done:
                        await self.fail(job.id, "timeout")
                    elif task.ready:
                        await self.apply_sonic(job.id, task)
                    else:  # the common answer: nothing to show, just come back later
                        self._show(job)
                        await self._schedule_poll(job)
            except e.TaskNotFound:
                await self.fail(job.id, "task_not_found")
            except e.AIMusicError as exc:
                if overdue:
                    await self.fail(job.id, "timeout")
                    return
                log.info("poll of job %s failed (%s); trying again later", job.id, exc.kind)
                await self._schedule_poll(job)
        except Exception:
            log.exception("polling job %s failed", job.id)
            await self._schedule_poll(job)
        finally:
            # No wake-up here: the loop already sleeps until the next poll is due, and waking it
            # after every poll would make thousands of jobs in flight re-read the due list.
            self.busy.discard(job.id)

    async def _schedule_poll(self, job: jobs.JobRow) -> None:
        cfg = self.config
        if self.env.webhook_url:
            interval = cfg.webhook_poll
        else:
            elapsed = (self.clock() - (job.submitted_at or self.clock())) / cfg.time_scale
            expected = await self.expected_seconds(job.op, self._model(job))
            interval = next_poll(elapsed, expected, self.timing)
        # Never more than poll_rate polls a second in all: with thousands of jobs in flight each
        # is polled less often, which spares the vendor and this process alike.
        interval = max(interval, self.in_flight / cfg.poll_rate * random.uniform(0.9, 1.1))
        when = self.clock() + self.scaled(interval)
        await self.store.transact(lambda conn: jobs.reschedule(conn, job.id, when))

    def _model(self, job: jobs.JobRow) -> str:
        return str(job.params.get("model") or self.env.default_model)

    def _show(self, job: jobs.JobRow) -> Shown:
        shown = self.showing.get(job.id)
        if shown is None:
            shown = Shown(job.op, self._model(job), job.submitted_at or self.clock())
            self.showing[job.id] = shown
        return shown

    async def expected_seconds(self, op: str, model: str) -> float | None:
        """How long this job's operation and model recently took (vendor seconds), if known.

        Read from the store, which keeps the history across restarts, and reused for a while so
        that the poll path does not query it for every poll.
        """
        key = (op, model)
        cached = self.expected.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[1] < ESTIMATE_TTL:
            return cached[0]
        async with self.store.read() as conn:
            value = estimate(await d.recent(conn, *key))
        self.expected[key] = (value, now)
        return value

    async def _generating(self, job_id: str, shown: Shown) -> str:
        """The progress bar: elapsed time against the learned duration, with the time left;
        with nothing learned yet, against a typical generation and without a promise."""
        expected = await self.expected_seconds(shown.op, shown.model)
        elapsed = (self.clock() - shown.submitted_at) / self.config.time_scale
        fraction, left = progress(elapsed, expected or self.config.expected_seconds)
        return messages.generating(job_id, shown.op, fraction, left if expected else None)

    async def _refresh_progress(self) -> None:
        """Move the bars of running jobs between polls, which come seldom once durations are
        learned. A message edited within its interval is skipped before any work is done, so
        thousands of jobs in flight cost a dictionary lookup each."""
        now = time.monotonic()
        for job_id, shown in list(self.showing.items()):
            last = self.status_seen.get(job_id)
            if last and now - last[1] < self.config.status_interval:
                continue
            await self.status(job_id, await self._generating(job_id, shown))

    async def apply_sonic(self, job_id: str, task: SonicTask) -> None:
        """Act on what the vendor says of a Sonic task, from a poll or a webhook."""
        if not task.done:
            job = await self._progress(job_id, task.clips)
            if job is not None:
                await self._schedule_poll(job)
            return
        if task.result is not None:
            await self._finish_voice(job_id, task.result)
        elif task.failed or not any(c.state == "succeeded" for c in task.clips):
            detail = (
                next((c.error_message for c in task.clips if c.error_message), None)
                or task.message
                or ""
            )
            await self.fail(job_id, "task_failed", detail)
        else:
            made = [c for c in task.clips if c.state == "succeeded"]
            await self._finish_clips(job_id, made, expected=len(task.clips))

    async def apply_producer(self, job_id: str, task: ProducerTask) -> None:
        if task.status == "FAILED":
            await self.fail(job_id, "task_failed", task.message or "")
        elif task.status != "SUCCESS":
            running = await self._progress(job_id, [])
            if running is not None:
                await self._schedule_poll(running)
        elif (collected := await self._collect(job_id, task)) is not None:
            finished, outcome = collected
            await self._finish_immediate(finished, outcome)
        else:
            clips = [
                Clip.model_validate({**item, "state": "succeeded"})
                for item in task.data
                if item.get("clip_id")
            ]
            await self._finish_clips(job_id, clips, expected=len(clips))

    async def _collect(
        self, job_id: str, task: ProducerTask
    ) -> tuple[jobs.JobRow, Immediate] | None:
        """A finished Producer task whose result is not a new track (a download, a video,
        lyrics), read by its operation's ``collect``; None for the tasks that make tracks."""
        async with self.store.read() as conn:
            job = await jobs.job(conn, job_id)
            if job is None or job.state in jobs.TERMINAL:
                return None
            op = CATALOG[job.op]
            if op.collect is None:
                return None
            given = [await tracks.track(conn, t) for t in job.inputs.get("tracks", [])]
        source = next((Source(t.clip_id, title=t.title, lyrics=t.lyrics) for t in given if t), None)
        return job, op.collect(task.data, op.params(**job.params), source)

    async def _progress(self, job_id: str, clips: list[Clip]) -> jobs.JobRow | None:
        """Show the vendor's stage (a preview once it streams) or the estimated progress;
        returns the running job, or None if it is not running."""
        async with self.store.read() as conn:
            job = await jobs.job(conn, job_id)
        if job is None or job.state != "running":
            return None
        streaming = next(
            (c.audio_url for c in clips if c.state == "streaming" and c.audio_url), None
        )
        if streaming and not job.preview_url:
            self.showing.pop(job_id, None)
            async with self.store.write() as conn:
                await jobs.update_job(conn, job_id, preview_url=streaming)
            await self.status(job_id, messages.preview(job_id, job.op, streaming), force=True)
            return job
        if job.preview_url:
            return job
        await self.status(job_id, await self._generating(job_id, self._show(job)))
        return job

    # --- finishing -----------------------------------------------------------------------------
    def _actions(
        self, op: Operation, track_id: str, lyrics: str | None = None
    ) -> tuple[Action, ...]:
        """The next steps ``op`` declares for its results, less those that cannot apply to
        this one (a lyrics file of an instrumental)."""
        wanted = (CATALOG[name] for name in op.actions if name in CATALOG)
        return tuple(
            Action(step.name, step.label, track_id)
            for step in wanted
            if lyrics is None or step.applies_to(lyrics)
        )

    async def _finish_clips(self, job_id: str, clips: list[Clip], expected: int) -> None:
        """Deliver the clips that succeeded; ``expected`` is how many the task was to make."""
        async with self.store.read() as conn:
            job = await jobs.job(conn, job_id)
        if job is None or job.state in jobs.TERMINAL:
            return
        op = CATALOG[job.op]
        now = self.clock()
        rows = [
            _new_track(
                job,
                now,
                clip_id=clip.clip_id,
                origin="stem" if clip.stem_type else "generated",
                title=_clip_title(clip),
                tags=clip.tags,
                lyrics=clip.lyrics,
                duration=clip.duration,
                audio_url=clip.audio_url,
                image_url=clip.image_url,
            )
            for clip in clips
        ]
        cards = [
            outbox.OutboxItem.result(
                ResultCard(
                    job_id=job.id,
                    title=row.title,
                    track_id=row.id,
                    tags=row.tags,
                    duration=row.duration,
                    lyrics=row.lyrics,
                    cover_url=row.image_url,
                    link=row.audio_url,
                    actions=()
                    if row.origin == "stem"
                    else self._actions(op, row.id, row.lyrics or ""),
                ),
                [Attachment.remote(row.audio_url, f"{row.id}.mp3", "audio/mpeg")]
                if row.audio_url
                else [],
            )
            for row in rows
        ]
        await self._succeed(job, rows, cards, expected=expected)

    async def _finish_voice(self, job_id: str, result: dict[str, Any]) -> None:
        async with self.store.read() as conn:
            job = await jobs.job(conn, job_id)
        if job is None or job.state in jobs.TERMINAL:
            return
        persona_id, name = (
            str(result.get("persona_id")),
            str(result.get("name") or messages.VOICE_DEFAULT_NAME),
        )
        card = ResultCard(
            job_id=job.id,
            title=messages.voice_ready(name),
            text=messages.sing_with(name),
        )

        async def remember(conn: aiosqlite.Connection) -> None:
            await voices.add_voice(conn, persona_id, job.member, name, self.clock())

        await self._succeed(job, [], [outbox.OutboxItem.result(card)], also=remember)

    async def _finish_immediate(self, job: jobs.JobRow, outcome: Immediate) -> None:
        """Files are named after the track's title, which the member chose: sanitized, and
        written only inside the results folder."""
        fallback = (job.inputs.get("tracks") or [job.id])[0]
        attachments = []
        for made in outcome.made:
            filename = safe_name(made.filename, fallback)
            path = within(self.files, job.id, filename)
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            await asyncio.to_thread(path.write_bytes, made.data or b"")
            attachments.append(made.stored(str(path), filename))
        card = ResultCard(
            job_id=job.id, title=outcome.title, text=outcome.text, attachments=tuple(attachments)
        )
        fetch = [replace(f, filename=safe_name(f.filename, fallback)) for f in outcome.remote]
        if not outcome.lyrics:
            await self._succeed(job, [], [outbox.OutboxItem.result(card, fetch)])
            return
        # Each set of lyrics is a text track (no audio), so its next steps can name it by id.
        now, op = self.clock(), CATALOG[job.op]
        rows = [
            _new_track(job, now, origin="text", title=title, lyrics=words)
            for title, words in outcome.lyrics
        ]
        cards = [
            outbox.OutboxItem.result(
                ResultCard(
                    job_id=job.id,
                    title=row.title,
                    track_id=row.id,
                    text=row.lyrics,
                    actions=self._actions(op, row.id),
                )
            )
            for row in rows
        ]
        await self._succeed(job, rows, cards)

    async def _succeed(
        self,
        job: jobs.JobRow,
        made: list[tracks.TrackRow],
        cards: list[outbox.OutboxItem],
        also: Callable[[aiosqlite.Connection], Any] | None = None,
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
        self.showing.pop(job.id, None)
        self.expected.pop((job.op, self._model(job)), None)
        self.metrics.finished.labels(op=job.op, outcome="succeeded").inc()
        text = messages.done(job.id, job.op, len(cards), expected, returned)
        await self.status(job.id, text, force=True)
        self.delivery_wake.set()

    async def _learn(self, conn: aiosqlite.Connection, job: jobs.JobRow) -> None:
        """Remember how long a vendor task took, for the next polls and progress bars."""
        if job.submitted_at is None or job.task_id is None:
            return  # answered at once: nothing was polled
        now = self.clock()
        elapsed = (now - job.submitted_at) / self.config.time_scale
        seconds = learned(elapsed, applying_event.get() is not None, self.timing)
        await d.record(conn, job.op, self._model(job), seconds, now)

    async def fail(self, job_id: str, kind: str, detail: str = "") -> None:
        """Release the hold, tell the member why in plain words; one transaction."""
        self.showing.pop(job_id, None)
        async with self.store.write() as conn:
            job = await jobs.job(conn, job_id)
            if job is None or job.state in jobs.TERMINAL:
                return
            released = await self.ledger.release_in(conn, job.hold_id, reason=f"job {kind}")
            refunded = 0 if released.already else released.amount
            text = messages.failed(job.id, job.op, messages.reason(kind, detail), refunded)
            await outbox.enqueue(
                conn, job.id, outbox.OutboxItem.notice(text), job.target, self.clock()
            )
            await jobs.update_job(
                conn, job_id, state="failed", error=kind, finished_at=self.clock()
            )
            await _record_applying_event(conn, self.clock())
        if detail:
            log.info("job %s failed (%s): %r", job_id, kind, detail)  # the vendor's words, kept
        self.metrics.finished.labels(op=job.op, outcome="failed").inc()
        # The notice says why; the status message only says that it failed, so that the reason is
        # read once, not twice.
        await self.status(job_id, messages.failed_status(job.id, job.op), force=True)
        self.delivery_wake.set()

    async def _tell_moderators(self, job: jobs.JobRow) -> None:
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

    # --- status messages -------------------------------------------------------------------------
    async def status(
        self, job_id: str, text: str, force: bool = False, job: jobs.JobRow | None = None
    ) -> None:
        """Show progress in the job's one status message, edited no more often than allowed.
        ``job`` is the job as the caller just read it, if it did (a read saved)."""
        last = self.status_seen.get(job_id)
        now = time.monotonic()
        if last and (
            last[0] == text or (not force and now - last[1] < self.config.status_interval)
        ):
            return
        if job is None:
            async with self.store.read() as conn:
                job = await jobs.job(conn, job_id)
        if job is None:
            return
        platform = self.platforms.get(job.platform)
        if platform is None:
            return
        self.status_seen[job_id] = (text, now)
        try:
            if job.status_ref:
                await platform.edit_status(job.target, job.status_ref, text)
            else:
                ref = await platform.post_status(job.target, text)
                await self.store.transact(
                    lambda conn: jobs.update_job(conn, job_id, status_ref=ref)
                )
        except Exception as exc:  # progress is a courtesy; results go through the outbox
            log.info("status update for job %s failed: %s", job_id, exc)
        if job.state in jobs.TERMINAL or text.startswith(("✅", "❌")):
            self.status_seen.pop(job_id, None)
