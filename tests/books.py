"""The witnesses a crash test reads, checked one way for every crash test: the vendor's bill
against the members' captures, and the posts against the tracks the bot recorded."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import bot.store.jobs
from bot.store import Store
from bot.store.jobs import JobRow
from tests.recording import Post


async def finished_jobs_and_resolutions(
    store: Store,
) -> tuple[list[JobRow], list[Any], dict[str, tuple[str, int]], list[Any], list[Any]]:
    """What a crash test checks, read in one snapshot: the finished jobs, every resolution of a
    job's hold (job id, kind, amount; a hold resolved twice would show twice) and the same by
    job id, the outbox rows (id, kind, state, job id) and the tracks (id, job id)."""
    async with store.read() as conn:
        jobs = await bot.store.jobs.jobs_in(
            conn, "succeeded", limit=1000
        ) + await bot.store.jobs.jobs_in(conn, "failed", limit=1000)
        resolved = await conn.execute_fetchall(
            "SELECT j.id, r.kind, r.amount FROM jobs j JOIN journal r ON r.hold_id = j.hold_id"
            " WHERE r.kind != 'hold'"
        )
        rows = await conn.execute_fetchall("SELECT id, kind, state, job_id FROM outbox")
        tracks = await conn.execute_fetchall("SELECT id, job_id FROM tracks")
    resolution = {str(job_id): (str(kind), int(amount)) for job_id, kind, amount in resolved}
    return jobs, list(resolved), resolution, list(rows), list(tracks)


def assert_the_vendor_bill_is_accounted_for(
    jobs: Sequence[JobRow],
    tasks: Sequence[Any],
    resolution: Mapping[str, tuple[str, int]],
    vendor_spent: int,
) -> None:
    """Each vendor charge is one member's capture, or a counted loss: a song the vendor took
    while the bot was killed before recording its task id, which the bot then refunded (it
    cannot know the vendor took it, so the operator pays). Nothing is charged twice."""
    prompts = {t.task_id: t.clips[0].description for t in tasks}
    succeeded = {job.id for job in jobs if job.state == "succeeded"}
    by_task = {job.task_id: job for job in jobs if job.task_id}
    by_prompt = {job.params["prompt"]: job for job in jobs}
    charged = [t for t in tasks if t.charged]
    assert Counter(prompts[t.task_id] for t in charged).most_common(1)[0][1] == 1  # none twice
    captured = [t for t in charged if t.task_id in by_task]
    lost = [t for t in charged if t.task_id not in by_task]
    assert all(by_task[t.task_id].state == "succeeded" for t in captured)
    assert {by_task[t.task_id].id for t in captured} == succeeded
    assert all(t.charged == resolution[by_task[t.task_id].id][1] for t in captured)
    assert all(by_prompt[prompts[t.task_id]].error == "restart" for t in lost)
    captures = sum(amount for kind, amount in resolution.values() if kind == "capture")
    assert vendor_spent == captures + sum(t.charged for t in lost)  # to the credit


def assert_each_track_was_posted_by_one_row(
    received: Iterable[Post], tracks: Iterable[Sequence[Any]]
) -> None:
    """Each track the bot recorded reached the platform through exactly one outbox row."""
    track_rows: dict[str, set[str]] = defaultdict(set)
    for post in received:
        if post.kind == "result":
            track_rows[str(post.track_id)].add(post.key)
    assert set(track_rows) == {str(t[0]) for t in tracks}
    assert all(len(keys) == 1 for keys in track_rows.values())
