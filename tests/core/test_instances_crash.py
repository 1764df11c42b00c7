"""Three instances on one PostgreSQL database make 300 songs under vendor faults while one of
them is SIGKILLed twice (and restarted each time): nothing is lost or doubled.

Modelled on ``test_crash.py``, with the same two witnesses the bot cannot tidy up after itself:
the posts, appended as they happen by every process to one file (``tests/recording.py``, each
line naming its process), and the vendor's own bill, read from the simulator.

The songs are split: each instance queues a third (the killed one replays its third when it
comes back, deduplicated by request key). Queueing the same 300 keys in all three would cost the
two-core machine three times the commands for no more coverage: request keys deduplicated across
instances are ``test_instances.py``'s second test. Every instance works on every song (the
schedulers share one queue) and stays until all 300 have ended and been posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
from collections import Counter, defaultdict
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
from tests.recording import read_posts

ROOT = Path(__file__).resolve().parents[2]
SONGS = 300
SHARE = SONGS // 3
DRAIN_BATCH = 50  # rows one delivery pass posts at once (bot.delivery.Delivery.drain)


async def start(
    name: str, share: int, database: str, tmp: Path, sim_url: str, posts: Path
) -> asyncio.subprocess.Process:
    """An instance process queueing share ``share``; its output goes to files (three processes'
    logs would fill pipes nobody reads while the test waits)."""
    data = tmp / name.split("-")[0]  # a restarted instance keeps its data (its secrets)
    out = (tmp / f"{name}.out").open("wb")
    err = (tmp / f"{name}.err").open("wb")
    with out, err:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.instance_worker",
            database,
            str(data),
            sim_url,
            str(share * SHARE),
            str(SHARE),
            str(SONGS),
            str(posts),
            name,
            cwd=ROOT,
            stdout=out,
            stderr=err,
        )


async def ended(store: Store) -> int:
    async with store.read() as conn:
        states = await bot.store.jobs.state_counts(conn)
    return sum(n for state, n in states.items() if state in bot.store.jobs.TERMINAL)


async def test_three_instances_300_songs_one_killed_twice(tmp_path: Path, pg_url: str) -> None:
    posts = tmp_path / "posts.jsonl"
    rng = random.Random(16)
    knobs = Knobs(
        time_scale=0.005,
        song_seconds=0.5,
        fail_429=0.03,
        fail_500=0.03,
        task_fail=0.03,
        clip_fail=0.03,
        slow_rate=0.05,
        slow_seconds=0.05,
        seed=16,
    )
    killed: set[str] = set()
    async with (
        running_simulator("multi-key", knobs) as sim,
        await Store.open(pg_url) as store,
    ):
        workers = {
            name: await start(name, share, pg_url, tmp_path, sim.url, posts)
            for share, name in enumerate(("i0-r0", "i1", "i2"))
        }
        # Two random moments, measured in songs ended: one early (the killed instance may not
        # have queued its whole share yet), one later.
        for run, (low, high) in enumerate([(20, 90), (120, 220)]):
            moment = rng.randrange(low, high)
            async with asyncio.timeout(120):
                while await ended(store) < moment:
                    await asyncio.sleep(0.02)
            victim = f"i0-r{run}"
            with contextlib.suppress(ProcessLookupError):
                workers[victim].kill()
            await workers[victim].wait()
            killed.add(victim)
            name = f"i0-r{run + 1}"
            workers[name] = await start(name, 0, pg_url, tmp_path, sim.url, posts)
        for name, worker in workers.items():
            if name in killed:
                continue
            code = await asyncio.wait_for(worker.wait(), timeout=180)
            errors = (tmp_path / f"{name}.err").read_text()
            assert code == 0, errors[-3000:]
            assert "all done" in (tmp_path / f"{name}.out").read_text()
            assert "Traceback" not in errors, errors[-3000:]
        tasks = list(sim.sim.tasks.values())
        vendor_spent = knobs.credits - sim.sim.credits

        await Ledger(store).reconcile()
        jobs, resolved, resolution, rows, tracks = await finished_jobs_and_resolutions(store)
        async with store.read() as conn:
            states = await bot.store.jobs.state_counts(conn)

    succeeded = [job for job in jobs if job.state == "succeeded"]
    failed = [job for job in jobs if job.state == "failed"]
    # --- every job ended, one per request, replays too
    assert len(jobs) == SONGS and sum(states.values()) == SONGS and succeeded

    # --- the books: every hold resolved exactly once; the failures are the vendor's faults
    # and the refunds of jobs a kill caught mid-submission.
    assert len(resolved) == SONGS and len(resolution) == SONGS
    assert all(resolution[job.id][0] == "capture" for job in succeeded)
    assert all(resolution[job.id] == ("release", 14) for job in failed)
    assert {job.error for job in failed} <= {"restart", "unavailable", "task_failed"}

    # --- the posts, as the platform received them from every process.
    lines = posts.read_text().splitlines()
    assert all(json.loads(line)["instance"] for line in lines)  # whole lines, never interleaved
    received = read_posts(posts)
    outbox = {f"outbox-{row_id}": (str(kind), str(job_id)) for row_id, kind, _, job_id in rows}
    assert all(state == "delivered" for _, _, state, _ in rows)
    assert {post.key for post in received} == set(outbox)  # every row posted, nothing else
    per_run = Counter((post.instance, post.key) for post in received)
    assert max(per_run.values()) == 1  # no process ever posts a row twice
    # A row is posted by a second process only when a kill fell between its post and the
    # record of it (the same key, which a platform must make harmless): the process that posted
    # it first was killed. Two live instances never both post a row.
    posters: dict[str, list[str]] = defaultdict(list)
    for post in received:
        posters[post.key].append(str(post.instance))
    doubled = {key: runs for key, runs in posters.items() if len(runs) > 1}
    assert all(set(runs[:-1]) <= killed for runs in doubled.values()), doubled
    per_kill = Counter(runs[0] for runs in doubled.values())
    assert all(n <= DRAIN_BATCH for n in per_kill.values()), per_kill
    # Each track is one result row, each failure one notice row: nothing was queued twice.
    assert_each_track_was_posted_by_one_row(received, tracks)
    notices = Counter(job_id for kind, job_id in outbox.values() if kind == "notice")
    assert notices == Counter({job.id: 1 for job in failed})

    # --- the vendor's bill: each charge is a member's capture or a counted loss.
    assert_the_vendor_bill_is_accounted_for(jobs, tasks, resolution, vendor_spent)
