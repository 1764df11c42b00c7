"""A job's one status message: queued, generating (a progress bar), done or failed.

StatusMessages is a courtesy (results and failures go through the outbox), so it lives in memory:
the last text shown per job, so that a message is edited no more often than the platform
allows, and the running jobs whose bars move on a timer between polls. The bar compares the
time elapsed with how long the same operation and model recently took, read from the store
and cached for a while, since the poll path asks for it on every poll.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot import messages
from bot.i18n import speaking
from bot.joblanguage import in_job_language
from bot.platforms import Platforms
from bot.schedule import EngineConfig, estimate, progress
from bot.store import Store, jobs
from bot.store import durations as d

log = logging.getLogger(__name__)
ESTIMATE_TTL = 30.0  # wall seconds an estimate is reused before the store is read again


@dataclass(frozen=True, slots=True)
class Shown:
    """What moving a job's progress bar needs; small, since thousands may be in flight."""

    op: str
    model: str
    submitted_at: float


class StatusMessages:
    def __init__(
        self,
        store: Store,
        platforms: Platforms,
        config: EngineConfig,
        default_model: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.platforms, self.config = store, platforms, config
        self.default_model, self.clock = default_model, clock
        self.seen: dict[str, tuple[str, float]] = {}  # job -> (last text, when)
        # (op, model) -> (learned duration or None, when read): the store keeps the history.
        self.expected: dict[tuple[str, str], tuple[float | None, float]] = {}
        self.showing: dict[str, Shown] = {}  # running jobs whose progress bar moves on a timer

    def model(self, job: jobs.JobRow) -> str:
        return str(job.params.get("model") or self.default_model)

    @in_job_language
    async def status(
        self, job: jobs.JobRow, text: str, force: bool = False, final: bool = False
    ) -> None:
        """Show progress in the job's one status message, edited no more often than allowed.
        ``final``: the caller's word that this is the job's last status (done or failed), so its
        memory of the message is dropped; the caller knows, the sentence's wording may not say."""
        last = self.seen.get(job.id)
        now = time.monotonic()
        if last and (
            last[0] == text or (not force and now - last[1] < self.config.status_interval)
        ):
            return
        platform = self.platforms.get(job.platform)
        if platform is None:
            return
        ref = job.status_ref
        if ref is None:
            # The row may predate the message being posted (a job is queued, then its status
            # posted): read the reference afresh rather than post a second message.
            async with self.store.read() as conn:
                current = await jobs.job(conn, job.id)
            if current is None:
                return
            ref = current.status_ref
        self.seen[job.id] = (text, now)
        try:
            if ref:
                await platform.edit_status(job.target, ref, text)
            else:
                posted = await platform.post_status(job.target, text)
                await self.store.transact(
                    lambda conn: jobs.update_job(conn, job.id, status_ref=posted)
                )
        except Exception as exc:  # progress is a courtesy; results go through the outbox
            log.info("status update for job %s failed: %s", job.id, exc)
        if final or job.state in jobs.TERMINAL:
            self.seen.pop(job.id, None)

    def show(self, job: jobs.JobRow, submitted_at: float | None = None) -> Shown:
        """Start moving the bar of a job just submitted at ``submitted_at``, or keep moving the
        bar of a running one."""
        shown = self.showing.get(job.id)
        if shown is None or submitted_at is not None:
            when = submitted_at or job.submitted_at or self.clock()
            shown = Shown(job.op, self.model(job), when)
            self.showing[job.id] = shown
        return shown

    def forget(self, job_id: str) -> None:
        """The job left the running state: its bar stops moving."""
        self.showing.pop(job_id, None)

    def relearn(self, job: jobs.JobRow) -> None:
        """A duration of this operation and model was just recorded: read it afresh."""
        self.expected.pop((job.op, self.model(job)), None)

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

    async def generating(self, job_id: str, shown: Shown) -> str:
        """The progress bar: elapsed time against the learned duration, with the time left;
        with nothing learned yet, against a typical generation and without a promise."""
        expected = await self.expected_seconds(shown.op, shown.model)
        elapsed = (self.clock() - shown.submitted_at) / self.config.time_scale
        fraction, left = progress(elapsed, expected or self.config.expected_seconds)
        return messages.generating(job_id, shown.op, fraction, left if expected else None)

    async def refresh(self) -> None:
        """Move the bars of running jobs between polls, which come seldom once durations are
        learned. A message edited within its interval is skipped before any work is done, so
        thousands of jobs in flight cost a dictionary lookup each; only the id is kept in
        memory, so a bar that does move reads its job."""
        now = time.monotonic()
        for job_id, shown in list(self.showing.items()):
            last = self.seen.get(job_id)
            if last and now - last[1] < self.config.status_interval:
                continue
            async with self.store.read() as conn:
                job = await jobs.job(conn, job_id)
            if job is None:
                continue
            with speaking(job.target.language):  # the bar is read where the job posts
                text = await self.generating(job_id, shown)
            await self.status(job, text)
