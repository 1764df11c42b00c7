"""Following a submitted task to its end: polls, webhooks' task states, and when to ask again.

A poll and a webhook say the same things (still running, streaming a preview, done, failed),
so both go through :meth:`Tracker.apply_sonic` and :meth:`Tracker.apply_producer`, which show
progress, hand finished tasks to :class:`~bot.results.Results` and failed ones to
:class:`~bot.outcomes.Outcomes`. Polls are placed near the time the same operation recently
took, and spread so that no more than ``poll_rate`` a second reach the vendor in all.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import replace

from bot import messages
from bot.aimusic import AIMusicClient
from bot.aimusic import errors as e
from bot.aimusic.models import Clip, ProducerTask, SonicTask
from bot.joblanguage import in_job_language
from bot.metrics import Metrics
from bot.outcomes import Outcomes
from bot.progress import StatusMessages
from bot.results import Results
from bot.schedule import EngineConfig, first_poll, next_poll
from bot.store import Store, jobs

log = logging.getLogger(__name__)


class Tracker:
    def __init__(
        self,
        store: Store,
        client: AIMusicClient,
        results: Results,
        outcomes: Outcomes,
        progress: StatusMessages,
        metrics: Metrics,
        config: EngineConfig,
        webhooks: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.client, self.results = store, client, results
        self.outcomes, self.progress, self.metrics = outcomes, progress, metrics
        self.config, self.webhooks, self.clock = config, webhooks, clock
        self.in_flight = 0  # as of the scheduler's last count; spreads polls out

    @in_job_language
    async def apply_sonic(self, job: jobs.JobRow, task: SonicTask) -> None:
        """Act on what the vendor says of a Sonic task, from a poll or a webhook."""
        if not task.done:
            if await self._progress(job, task.clips):
                await self.schedule_poll(job)
            return
        if task.result is not None:
            await self.results.voice(job, task.result)
        elif task.failed or not any(c.state == "succeeded" for c in task.clips):
            detail = (
                next((c.error_message for c in task.clips if c.error_message), None)
                or task.message
                or ""
            )
            await self.outcomes.fail(job, "task_failed", detail)
        else:
            made = [c for c in task.clips if c.state == "succeeded"]
            await self.results.clips(job, made, expected=len(task.clips))

    @in_job_language
    async def apply_producer(self, job: jobs.JobRow, task: ProducerTask) -> None:
        if task.status == "FAILED":
            await self.outcomes.fail(job, "task_failed", task.message or "")
        elif task.status != "SUCCESS":
            if await self._progress(job, []):
                await self.schedule_poll(job)
        elif (outcome := await self.results.collect(job, task)) is not None:
            await self.results.immediate(job, outcome)
        else:
            clips = [
                Clip.model_validate({**item, "state": "succeeded"})
                for item in task.data
                if item.get("clip_id")
            ]
            await self.results.clips(job, clips, expected=len(clips))

    async def _progress(self, job: jobs.JobRow, clips: list[Clip]) -> bool:
        """Show the vendor's stage (a preview once it streams) or the estimated progress;
        False if the job is not running."""
        if job.state != "running":
            return False
        streaming = next(
            (c.audio_url for c in clips if c.state == "streaming" and c.audio_url), None
        )
        if streaming and not job.preview_url:
            self.progress.forget(job.id)
            async with self.store.write() as conn:
                await jobs.update_job(conn, job.id, preview_url=streaming)
            text = messages.preview(job.id, job.op, streaming)
            await self.progress.status(job, text, force=True)
            return True
        if job.preview_url:
            return True
        await self.progress.status(
            job, await self.progress.generating(job.id, self.progress.show(job))
        )
        return True

    @in_job_language
    async def poll(self, job: jobs.JobRow) -> None:
        """Ask the vendor once. A job past its timeout is given up only if the vendor still has
        not finished it: after downtime, a song that did finish is delivered, not refunded."""
        overdue = bool(job.submitted_at) and self.clock() - (
            job.submitted_at or 0
        ) > self.config.scaled(self.config.job_timeout)
        try:
            try:
                if job.upstream == "producer":
                    produced = await self.client.producer_task(job.task_id or "")
                    if overdue and not produced.done:
                        await self.outcomes.fail(job, "timeout")
                    else:
                        await self.apply_producer(job, produced)
                else:
                    task = await self.client.sonic_task(job.task_id or "")
                    if overdue and not task.done:
                        await self.outcomes.fail(job, "timeout")
                    elif task.ready:
                        await self.apply_sonic(job, task)
                    else:  # the common answer: nothing to show, just come back later
                        self.progress.show(job)
                        await self.schedule_poll(job)
            except e.TaskNotFound:
                await self.outcomes.fail(job, "task_not_found")
            except e.AIMusicError as exc:
                if overdue:
                    await self.outcomes.fail(job, "timeout")
                    return
                log.info("poll of job %s failed (%s); trying again later", job.id, exc.kind)
                await self.schedule_poll(job)
        except Exception:
            log.exception("polling job %s failed", job.id)
            await self.schedule_poll(job)

    async def first_poll(self, job: jobs.JobRow, hooked: bool) -> float:
        """Seconds (vendor time) after submission to poll first. With webhooks on, polling is
        only the slow fallback (for the tasks that take a webhook); otherwise the first poll
        comes when this operation has recently been taking to finish."""
        expected = await self.progress.expected_seconds(job.op, self.progress.model(job))
        cfg = self.config
        first = cfg.webhook_poll if hooked else first_poll(expected, cfg.timing)
        return max(first, self.in_flight / cfg.poll_rate)

    async def schedule_poll(self, job: jobs.JobRow) -> None:
        cfg = self.config
        if self.webhooks:
            interval = cfg.webhook_poll
        else:
            elapsed = (self.clock() - (job.submitted_at or self.clock())) / cfg.time_scale
            expected = await self.progress.expected_seconds(job.op, self.progress.model(job))
            interval = next_poll(elapsed, expected, cfg.timing)
        # Never more than poll_rate polls a second in all: with thousands of jobs in flight each
        # is polled less often, which spares the vendor and this process alike.
        interval = max(interval, self.in_flight / cfg.poll_rate * random.uniform(0.9, 1.1))
        when = self.clock() + cfg.scaled(interval)
        if self.store.shared:
            # A write block, not a transaction function: with several instances polling and
            # receiving webhooks, this one-row UPDATE kept failing the serializable transactions
            # that read the jobs table (and being failed by them) until one gave up.
            async with self.store.write() as conn:
                await jobs.reschedule(conn, job.id, when)
            return
        await self.store.transact(lambda conn: jobs.reschedule(conn, job.id, when))

    async def adopt(self, job_id: str, task_id: str, upstream: str) -> jobs.JobRow | None:
        """A webhook named an unconfirmed job: its lost create did reach the vendor, as task
        ``task_id``. From now on it is tracked like any running job. None if the job is not
        waiting (any more)."""
        async with self.store.write() as conn:
            # Read inside the transaction: only a job still waiting is adopted, and only once.
            job = await jobs.job(conn, job_id)
            if job is None or job.state != "unconfirmed":
                return None
            adopted = replace(
                job,
                state="running",
                upstream=upstream,
                task_id=task_id,
                not_before=self.clock() + self.config.scaled(self.config.webhook_poll),
            )
            await jobs.update_job(
                conn,
                job_id,
                state=adopted.state,
                upstream=upstream,
                task_id=task_id,
                not_before=adopted.not_before,
            )
        self.metrics.lost_answers.labels(outcome="adopted").inc()
        return adopted
