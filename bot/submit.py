"""Submitting one queued job to the vendor, and what each kind of refusal means for it.

The policy, error by error: a 429 drains the rate bucket and requeues; a lost answer waits
(unconfirmed, holding its credits) for a webhook that names the job, when one was asked for;
a connection failure is retried with backoff, but a 5xx fails at once (the request may have
taken effect); the vendor out of credits fails the job and tells the moderators; a file not
ready yet is asked for again later without counting an attempt. Member audio is uploaded to
the vendor here (reused within a day), as the job's sources are resolved.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from bot import messages
from bot.aimusic import AIMusicClient
from bot.aimusic import errors as e
from bot.aimusic.models import UploadRequest
from bot.aimusic.webhooks import job_hook_url
from bot.catalog import CATALOG, Env, Immediate, NotReady, Operation, Source, Submitted
from bot.joblanguage import in_job_language
from bot.media import Media, MediaRefused, reusable_upload
from bot.metrics import Metrics
from bot.outcomes import Outcomes
from bot.progress import StatusMessages
from bot.results import Results
from bot.schedule import EngineConfig
from bot.store import Store, jobs, media, tracks
from bot.store.connection import Conn
from bot.tracking import Tracker

log = logging.getLogger(__name__)
# Tries of a step after the vendor accepted a task, 1, 2, 4 ... 60 (scaled) seconds apart: some
# four minutes for a locked or full disk to recover before the job is left to the operator.
AFTER_ACCEPT_TRIES = 10


class Submitter:
    def __init__(
        self,
        store: Store,
        client: AIMusicClient,
        media: Media,
        tracker: Tracker,
        results: Results,
        outcomes: Outcomes,
        progress: StatusMessages,
        metrics: Metrics,
        env: Env,
        config: EngineConfig,
        drain: Callable[[], Awaitable[None]],
        instance: str = "chorus",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.client, self.media, self.tracker = store, client, media, tracker
        self.results, self.outcomes, self.progress = results, outcomes, progress
        self.metrics, self.env, self.config, self.clock = metrics, env, config, clock
        self.drain = drain  # after a 429: the rate bucket (every instance's) stops submitting
        self.instance = instance  # the lease owner this process's claims name
        # Jobs whose call answered NotReady (a file being prepared), with how many times in a
        # row: the next call is told (Env.asked). Kept in memory: a restart only asks afresh.
        self.asked: dict[str, int] = {}

    @in_job_language
    async def submit(self, job: jobs.JobRow) -> None:
        try:
            until = self.clock() + self.config.lease_seconds

            # Read and claimed in one transaction: only a job still queued is submitted, once,
            # by whichever instance's conditional UPDATE wins. A write block, not a transaction
            # function: on PostgreSQL the claims would otherwise keep failing the serializable
            # transactions that read the queue (a command's queue position) and be failed by them.
            async with self.store.write() as conn:
                current = await jobs.job(conn, job.id)
                if current is None or current.state != "queued":
                    return
                if not await jobs.claim_queued(
                    conn, job.id, self.instance, until, skip_locked=self.store.shared
                ):
                    return
            job = current  # as fresh as it gets: its status message may have been posted since
            op = CATALOG[job.op]
            try:
                sources = await self._sources(job, op)
                env = replace(self._env_for(job), asked=self.asked.pop(job.id, 0))
                outcome = await op.call(self.client, op.params(**job.params), sources, env)
            except e.RateLimited as exc:
                await self.drain()
                await self._requeue(job, exc.retry_after, "rate_limited")
                return
            except e.AnswerLost as exc:
                await self._answer_lost(job, exc.webhook)
                return
            except e.UpstreamUnavailable as exc:
                if exc.status is not None:  # it answered 5xx: the request may have taken effect
                    await self.outcomes.fail(job, "unavailable")
                    return
                backoff = self.config.scaled(
                    min(300.0, 5.0 * 2**job.attempts) * random.uniform(0.8, 1.2)
                )
                await self._requeue(job, backoff, "unavailable")
                return
            except e.CreditsExhausted:
                await self.outcomes.fail(job, "upstream_credits")
                await self.outcomes.tell_moderators(job)
                return
            except e.AIMusicError as exc:
                await self.outcomes.fail(job, exc.kind, exc.message)
                return
            except MediaRefused as exc:
                await self.outcomes.fail(job, "media", str(exc))
                return
            if isinstance(outcome, NotReady):  # asked again later, not counted as an attempt
                self.asked[job.id] = env.asked + 1
                async with self.store.write() as conn:
                    await jobs.update_leased(
                        conn,
                        job.id,
                        self.instance,
                        state="queued",
                        attempts=job.attempts,
                        not_before=self.clock() + outcome.wait,
                    )
                return
        except Exception:
            log.exception("submitting job %s failed", job.id)
            await self.outcomes.fail(job, "unavailable")
            return
        # The vendor took the request and bills for it: from here on nothing fails the job.
        if isinstance(outcome, Submitted):
            await self._accepted(job, outcome)
        else:
            await self._answered(job, outcome)

    async def _accepted(self, job: jobs.JobRow, outcome: Submitted) -> None:
        """The vendor accepted the task and will charge for it, so its id is recorded first (the
        job running, in one transaction) and nothing after that fails or refunds the job: a
        fault in the bookkeeping around it (the first poll's estimate, the status message) is
        logged, and the usual polls and webhooks follow the task to its end and charge for it."""
        hooked = bool(self.env.webhook_url and outcome.hooked)
        try:
            first = await self.tracker.first_poll(job, hooked)
        except Exception:
            log.exception("estimating job %s's first poll failed; polling at the default", job.id)
            first = self.config.webhook_poll if hooked else self.config.timing.first
        now = self.clock()
        running = replace(
            job,
            state="running",
            upstream=outcome.upstream,
            task_id=outcome.task_id,
            submitted_at=now,
            not_before=now + self.config.scaled(first),
        )

        taken_over = False

        async def record(conn: Conn) -> None:
            nonlocal taken_over
            taken_over = not await jobs.update_leased(
                conn,
                job.id,
                self.instance,
                state=running.state,
                upstream=running.upstream,
                task_id=running.task_id,
                submitted_at=now,
                not_before=running.not_before,
            )

        if not await self._retried(job, outcome.task_id, self.store.transact, record):
            return
        if taken_over:
            # This instance stalled past its lease and another took the job over, failing and
            # refunding it: the vendor's charge for this task is the operator's loss.
            log.error(
                "job %s was taken over while its create was under way; task %s is not tracked",
                job.id,
                outcome.task_id,
            )
            return
        try:
            shown = self.progress.show(running, now)
            await self.progress.status(running, await self.progress.generating(job.id, shown))
        except Exception:
            log.exception("showing job %s's progress failed; its polls go on", job.id)

    async def _answered(self, job: jobs.JobRow, outcome: Immediate) -> None:
        """The vendor answered at once and has already charged for it, so a failure to write or
        post the result never refunds the member: it is retried with backoff (the result is
        recorded once, however many tries reach it)."""
        await self._retried(job, None, self.results.immediate, job, outcome)

    async def _retried(
        self,
        job: jobs.JobRow,
        task_id: str | None,
        step: Callable[..., Awaitable[None]],
        *args: Any,
    ) -> bool:
        """Run a step that follows the vendor's acceptance, trying again with backoff when it
        fails (each try is harmless to repeat: a finished job is settled once). If it never
        succeeds (the store or disk stays broken) the job keeps its hold in 'submitting' and the
        error is logged with its task for the operator: nothing is refunded while this process
        runs; a restart's recovery then treats it as any job caught mid-submission."""
        for attempt in range(AFTER_ACCEPT_TRIES):
            if attempt:
                await asyncio.sleep(self.config.scaled(min(60.0, 2.0 ** (attempt - 1))))
            try:
                await step(*args)
                return True
            except Exception:
                log.exception(
                    "recording job %s after the vendor accepted it (task %s) failed (try %d)",
                    job.id,
                    task_id,
                    attempt + 1,
                )
        log.error(
            "gave up recording job %s (task %s) after the vendor accepted it; it keeps its hold"
            " until a restart",
            job.id,
            task_id,
        )
        return False

    def _env_for(self, job: jobs.JobRow) -> Env:
        """With webhooks on, every create's webhook URL names its job (signed), so that a task
        whose create answer was lost can still be matched to its job when its webhook comes."""
        if not (self.env.webhook_url and self.env.webhook_secret):
            return self.env
        url = job_hook_url(self.env.webhook_url, self.env.webhook_secret, job.id)
        return replace(self.env, webhook_url=url)

    @in_job_language
    async def _answer_lost(self, job: jobs.JobRow, webhook: bool) -> None:
        """The request was sent but its answer lost: the vendor may be making (and charging
        for) it. If the request asked for a webhook, the job waits, unconfirmed and holding its
        credits, for a webhook that names it; otherwise (webhooks off, or an endpoint that
        takes none) nothing could ever match the task, so the hold is released at once, saying
        so (nothing was cancelled)."""
        self.metrics.lost_answers.labels(outcome="lost").inc()
        if not webhook:
            self.metrics.lost_answers.labels(outcome="released").inc()
            await self.outcomes.fail(job, "answer_lost")
            return
        window = self.config.unconfirmed_window
        now = self.clock()
        async with self.store.write() as conn:
            await jobs.update_leased(
                conn,
                job.id,
                self.instance,
                state="unconfirmed",
                submitted_at=now,
                not_before=now + self.config.scaled(window),
            )
        await self.progress.status(job, messages.unconfirmed(job.id, job.op, window), force=True)

    @in_job_language
    async def _requeue(self, job: jobs.JobRow, wait: float, why: str) -> None:
        if job.attempts + 1 >= self.config.submit_attempts:
            await self.outcomes.fail(job, why)
            return
        async with self.store.write() as conn:
            await jobs.update_leased(
                conn, job.id, self.instance, state="queued", not_before=self.clock() + wait
            )
        text = messages.retrying(job.id, job.op, wait / self.config.time_scale)
        await self.progress.status(job, text)

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
                    clip_id=track.clip_id,
                    duration=track.duration,
                    title=track.title,
                    lyrics=track.lyrics,
                    product=made_by.product if made_by else "sonic",
                )
            )
        for row in medias:
            if row is None:
                raise MediaRefused(messages.AUDIO_EXPIRED)
            url = job.inputs.get("shared_url") or self.media.public_url(row)
            if url is None and (op.by_link or row.vendor_clip_id is None):
                raise MediaRefused(messages.AUDIO_NEEDS_PUBLIC_URL)
            if op.by_link:
                sources.append(
                    Source(uploaded=True, duration=row.duration, media_url=url, title=row.filename)
                )
                continue
            clip_id = reusable_upload(row, self.clock())
            if clip_id is None:
                if url is None:  # uploaded at command time (no public URL), a day ago
                    raise MediaRefused(messages.AUDIO_EXPIRED)
                clip_id = (await self.client.upload(UploadRequest(url=url))).clip_id
                async with self.store.write() as conn:
                    await media.set_vendor_clip(conn, row.id, clip_id, self.clock())
                    await jobs.mark_uploaded(conn, job.id)  # the member pays the fee it held
            sources.append(
                Source(
                    clip_id=clip_id,
                    uploaded=True,
                    duration=row.duration,
                    media_url=url,
                    title=row.filename,
                )
            )
        return sources
