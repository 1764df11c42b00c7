"""SIGKILL the bot at five random moments while it makes 200 songs; nothing is lost or doubled.

Two witnesses that the bot cannot tidy up after itself: the posts, recorded as they arrive by a
platform with no de-duplication (``tests/recording.py``), and the vendor's own bill, read from
the simulator. Every vendor charge must be a member's capture, or a counted loss: a song the
vendor accepted while the bot was killed before recording its task id, which the restart then
refunds to the member (the bot cannot know the vendor took it, so the operator pays).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sys
from collections import Counter
from pathlib import Path

import bot.store.jobs
from bot.ledger import Ledger
from bot.store import Store
from simulator import Knobs, running_simulator
from tests.books import (
    assert_each_track_was_posted_by_one_row,
    assert_the_vendor_bill_is_accounted_for,
    finished_jobs_and_resolutions,
)
from tests.recording import mark_restart, read_posts

ROOT = Path(__file__).resolve().parents[2]
SONGS = 200
DRAIN_BATCH = 50  # rows one delivery pass posts at once (bot.delivery.Delivery.drain)


async def start_worker(
    data: Path, sim_url: str, posts: Path, database: str
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.crash_worker",
        str(data),
        sim_url,
        str(SONGS),
        str(posts),
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_200_songs_survive_five_sigkills(tmp_path: Path, database: str) -> None:
    data, posts = tmp_path / "data", tmp_path / "posts.jsonl"
    rng = random.Random(2026)
    knobs = Knobs(time_scale=0.005, song_seconds=2.0, slow_rate=1.0, slow_seconds=0.05)
    async with running_simulator("crash-key", knobs) as sim:
        for _ in range(5):
            worker = await start_worker(data, sim.url, posts, database)
            assert worker.stdout is not None
            for _ in range(rng.randrange(20, 600)):  # a random moment, measured in progress
                if not await worker.stdout.readline():
                    break
            with contextlib.suppress(ProcessLookupError):  # it may have finished already
                worker.kill()
            await worker.wait()
            mark_restart(posts)
        final = await start_worker(data, sim.url, posts, database)
        output, errors = await asyncio.wait_for(final.communicate(), timeout=300)
        assert final.returncode == 0, errors.decode()[-3000:]
        assert b"all done" in output
        tasks = list(sim.sim.tasks.values())
        vendor_spent = knobs.credits - sim.sim.credits

    async with await Store.open(database) as store:
        ledger = Ledger(store)
        await ledger.reconcile()
        jobs, resolved, resolution, rows, tracks = await finished_jobs_and_resolutions(store)
        async with store.read() as conn:
            unfinished = [
                await bot.store.jobs.jobs_in(conn, s) for s in ("queued", "submitting", "running")
            ]
    succeeded = [job for job in jobs if job.state == "succeeded"]
    failed = [job for job in jobs if job.state == "failed"]
    assert len(jobs) == SONGS and unfinished == [[], [], []]  # one job per request, replays too
    assert succeeded

    # --- the books: every hold resolved exactly once, and the only failures are the refunds of
    # jobs a kill caught mid-submission (Chorus cannot know whether the vendor took them).
    assert len(resolved) == SONGS and len(resolution) == SONGS
    assert all(resolution[job.id] == ("capture", 14) for job in succeeded)
    assert all(resolution[job.id] == ("release", 14) for job in failed)
    assert {job.error for job in failed} <= {"restart"}

    # --- the posts, as the platform received them.
    received = read_posts(posts)
    outbox = {f"outbox-{row_id}": (str(kind), str(job_id)) for row_id, kind, _, job_id in rows}
    assert all(state == "delivered" for _, _, state, _ in rows)
    assert {post.key for post in received} == set(outbox)  # every row posted, nothing else
    per_run = Counter((post.run, post.key) for post in received)
    assert max(per_run.values()) == 1  # no process ever posts a row twice
    # A row is posted again only by a later process, when a kill fell between its post and the
    # record of it: the same key, which a platform must make harmless (Discord's nonce does).
    reposts = Counter(post.key for post in received) - Counter(set(outbox))
    reposts_per_kill = Counter(min(p.run for p in received if p.key == key) for key in reposts)
    assert all(n <= DRAIN_BATCH for n in reposts_per_kill.values()), reposts_per_kill
    # Each track is one result row, each failure one notice row: nothing was queued twice.
    assert_each_track_was_posted_by_one_row(received, tracks)
    assert len(tracks) == 2 * len(succeeded)
    notices = Counter(job_id for kind, job_id in outbox.values() if kind == "notice")
    assert notices == Counter({job.id: 1 for job in failed})
    assert all(post.text and "Your 14 credits were returned." in post.text for post in received
               if post.kind == "notice")  # fmt: skip

    # --- the vendor's bill: each charge is a member's capture or a counted loss.
    assert_the_vendor_bill_is_accounted_for(jobs, tasks, resolution, vendor_spent)
