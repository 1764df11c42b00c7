"""Several Chorus instances on one database share the work: nothing lost, nothing doubled.

Each instance here is a whole :class:`~bot.app.App` in this process (its own store connections,
scheduler, delivery and web server) on one database and one simulator, so what they share is
only what separate processes would share. The witnesses are the simulator's own records (every
task it created, when, for which prompt, what it charged) and the books.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

import bot.store.jobs
from adapters.console.adapter import SCOPE, TARGET
from bot.app import App
from bot.config import load_settings
from bot.domain import Actor
from bot.ledger import Ledger
from bot.schedule import EngineConfig
from bot.service import Request
from bot.store import Store
from simulator import Knobs, running_simulator
from tests.harness import ENGINE, SIM_KNOBS
from tests.recording import RecordingPlatform, read_posts

PATIENCE = 60.0  # only so that a lost job fails the test instead of hanging it


@asynccontextmanager
async def instance(
    tmp: Path,
    name: str,
    sim_url: str,
    database: str,
    engine: EngineConfig = ENGINE,
    *,
    posts: Path | None = None,
    public: bool = True,
) -> AsyncIterator[App]:
    """One instance on ``database``, posting into ``posts`` (a RecordingPlatform) if given."""
    settings = load_settings(
        aimusic_api_key="multi-key",
        aimusic_base_url=sim_url,
        data_dir=tmp / name,
        web_port=0,
        starting_credits=100_000,
        max_concurrent_jobs=100,
        database_url=database,
    )
    app = await App.create(settings, engine_config=engine, local_public=public)
    app.platforms["console"] = RecordingPlatform(posts or tmp / "posts.jsonl", False, name)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


async def queue(app: App, keys: range) -> list[str]:
    """Queue one song per key (seven members take turns); the job ids."""
    ids = []
    for n in keys:
        request = Request(
            op="song",
            actor=Actor(f"member-{n % 7}"),
            scope=SCOPE,
            target=TARGET,
            request_key=f"multi-{n}",
            args={"prompt": f"song number {n}"},
        )
        ids.append((await app.service.run(request)).job_id)
    return ids


async def finished(app: App, job_ids: list[str]) -> list[bot.store.jobs.JobRow]:
    """Wait until every job has ended; the jobs."""
    async with asyncio.timeout(PATIENCE):
        while True:
            async with app.store.read() as conn:
                rows = [await bot.store.jobs.job(conn, job_id) for job_id in job_ids]
            done = [row for row in rows if row is not None and row.state in bot.store.jobs.TERMINAL]
            if len(done) == len(job_ids):
                return done
            await asyncio.sleep(0.05)


async def books(database: str) -> dict[str, tuple[str, int]]:
    """Reconcile the ledger; each job's hold resolution (kind, amount), exactly one per job."""
    async with await Store.open(database) as store:
        await Ledger(store).reconcile()
        async with store.read() as conn:
            resolved = await conn.execute_fetchall(
                "SELECT j.id, r.kind, r.amount FROM jobs j JOIN journal r ON r.hold_id = j.hold_id"
                " WHERE r.kind != 'hold'"
            )
    resolution = {str(job_id): (str(kind), int(amount)) for job_id, kind, amount in resolved}
    assert len(resolution) == len(resolved)  # no hold resolved twice
    return resolution


def die(app: App) -> asyncio.Task[None]:
    """Stop an instance's engine the way a crash does: no lease released, no job finished."""
    scheduler = app.scheduler
    loop, scheduler._loop_task = scheduler._loop_task, None  # its stop() then releases nothing
    assert loop is not None
    loop.cancel()
    for task in scheduler.tasks:
        task.cancel()
    return loop


async def dead(app: App, loop: asyncio.Task[None]) -> None:
    """Wait for what :func:`die` cancelled, and stop the instance's deliveries too."""
    await asyncio.gather(loop, *app.scheduler.tasks, return_exceptions=True)
    await app.delivery.stop()


async def test_a_dead_instances_jobs_are_taken_over_once_its_leases_expire(
    tmp_path: Path, pg_url: str
) -> None:
    """A dies with ten songs at the vendor; B, alive all along, leaves them alone while A's
    leases are renewed, then polls and finishes them: each submitted, charged, posted once."""
    knobs = dataclasses.replace(SIM_KNOBS, time_scale=0.02)  # a song takes ~2.4 s
    engine = dataclasses.replace(ENGINE, time_scale=0.02, lease_seconds=1.0)
    posts = tmp_path / "posts.jsonl"
    async with running_simulator("multi-key", knobs) as sim, AsyncExitStack() as stack:
        a = await stack.enter_async_context(
            instance(tmp_path, "a", sim.url, pg_url, engine, posts=posts, public=False)
        )
        job_ids = await queue(a, range(10))
        async with asyncio.timeout(PATIENCE):
            while True:
                async with a.store.read() as conn:
                    states = await bot.store.jobs.state_counts(conn)
                if states.get("running") == 10:
                    break
                await asyncio.sleep(0.02)
        # B starts once A has submitted them all: it takes no part but the takeover.
        b = await stack.enter_async_context(
            instance(tmp_path, "b", sim.url, pg_url, engine, posts=posts, public=False)
        )
        await asyncio.sleep(2 * engine.lease_seconds)  # B looks, A renews: nothing moves
        assert b.scheduler.taken_over == 0
        async with a.store.read() as conn:
            owners = {
                job.lease_owner
                for job_id in job_ids
                if (job := await bot.store.jobs.job(conn, job_id))
            }
        assert owners == {a.instance}
        await dead(a, die(a))
        jobs = await finished(b, job_ids)
        assert b.scheduler.taken_over == 10
        async with asyncio.timeout(PATIENCE):
            while len(read_posts(posts)) < 20:
                await asyncio.sleep(0.05)
        tasks = list(sim.sim.tasks.values())
    assert all(job.state == "succeeded" for job in jobs)
    assert Counter(t.clips[0].description for t in tasks) == Counter(
        f"song number {n}" for n in range(10)
    )  # each submitted once, by A
    resolution = await books(pg_url)
    assert {resolution[job.id] for job in jobs} == {("capture", 14)}
    assert sum(t.charged for t in tasks) == 140  # the vendor charged each once: all captured
    received = read_posts(posts)
    assert len(received) == 20 and len({p.key for p in received}) == 20  # two songs each, once
    assert {p.instance for p in received} == {"b"}


async def test_two_instances_share_thirty_songs_each_submitted_once(
    tmp_path: Path, pg_url: str
) -> None:
    """Both instances queue the same thirty request keys (one job each, whoever queued it
    first) and both engines work on them: every prompt reaches the vendor once."""
    async with running_simulator("multi-key", SIM_KNOBS) as sim:
        async with (
            instance(tmp_path, "a", sim.url, pg_url) as a,
            instance(tmp_path, "b", sim.url, pg_url) as b,
        ):
            ids_a, ids_b = await asyncio.gather(queue(a, range(30)), queue(b, range(30)))
            assert ids_a == ids_b  # the request keys, deduplicated in the database
            jobs = await finished(a, ids_a)
        tasks = list(sim.sim.tasks.values())
        spent = Knobs().credits - sim.sim.credits
    assert all(job.state == "succeeded" for job in jobs)
    assert Counter(t.clips[0].description for t in tasks) == Counter(
        f"song number {n}" for n in range(30)
    )
    owners = Counter(job.lease_owner for job in jobs)
    assert set(owners) <= {a.instance, b.instance}
    resolution = await books(pg_url)
    assert sorted(resolution.values()) == [("capture", 14)] * 30
    assert spent == 14 * 30  # the vendor's bill: each song captured once


async def test_instances_share_one_submission_rate(tmp_path: Path, pg_url: str) -> None:
    """Two instances with a rate of R a second and a burst of B submit no more than one bucket
    allows, counted from the simulator's own record of when each task was created: in any
    stretch of t seconds at most B + R·t creates (two buckets of their own would allow 2B + 2R·t,
    and the songs would reach the vendor in half the time)."""
    rate, burst, songs = 4.0, 2, 24
    engine = dataclasses.replace(
        ENGINE, rate_per_second=rate * ENGINE.time_scale, burst=burst, lease_seconds=5.0
    )
    quick = dataclasses.replace(SIM_KNOBS, song_seconds=0.5)  # commands queue faster than R
    async with running_simulator("multi-key", quick) as sim:
        async with (
            instance(tmp_path, "a", sim.url, pg_url, engine) as a,
            instance(tmp_path, "b", sim.url, pg_url, engine) as b,
        ):
            ids = await queue(a, range(0, songs, 2)) + await queue(b, range(1, songs, 2))
            jobs = await finished(a, ids)
        created = sorted(t.created for t in sim.sim.tasks.values())
    assert all(job.state == "succeeded" for job in jobs) and len(created) == songs
    # Where each create reached the simulator lags its token by a little, unevenly: one token
    # of slack for that jitter.
    for i in range(len(created)):
        for j in range(i, len(created)):
            assert j - i + 1 <= burst + rate * (created[j] - created[i]) + 1, (i, j)
    assert created[-1] - created[0] >= (songs - burst - 1) / rate


@pytest.mark.parametrize("rounds", [5])
async def test_a_poll_and_a_webhook_racing_on_two_instances_settle_a_job_once(
    tmp_path: Path, database: str, rounds: int
) -> None:
    """Instance A polls a finished task while instance B applies the webhook that says the same
    thing: one capture, one set of result rows, one status, whoever wins."""
    never = dataclasses.replace(ENGINE, first_poll=1e6, webhook_poll=1e6)  # nobody polls but us
    async with running_simulator("multi-key", SIM_KNOBS) as sim, AsyncExitStack() as stack:
        a = await stack.enter_async_context(
            instance(tmp_path, "a", sim.url, database, never, public=False)
        )
        b = await stack.enter_async_context(
            instance(tmp_path, "b", sim.url, database, never, public=False)
        )
        job_ids = await queue(a, range(rounds))
        async with asyncio.timeout(PATIENCE):
            while (
                not all(t.phase == "succeeded" for t in sim.sim.tasks.values())
                or len(sim.sim.tasks) < rounds
            ):
                await asyncio.sleep(0.02)
        for job_id in job_ids:
            async with a.store.read() as conn:
                job = await bot.store.jobs.job(conn, job_id)
            assert job is not None and job.state == "running" and job.task_id
            task = await b.client.sonic_task(job.task_id)
            await asyncio.gather(a.tracker.poll(job), b.tracker.apply_sonic(job, task))
        async with a.store.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT job_id, count(*) FROM outbox GROUP BY job_id"
            )
            tracks = await conn.execute_fetchall(
                "SELECT job_id, count(*) FROM tracks GROUP BY job_id"
            )
            states = await bot.store.jobs.state_counts(conn)
    assert states == {"succeeded": rounds}
    assert {str(j): int(n) for j, n in rows} == {job_id: 2 for job_id in job_ids}
    assert {str(j): int(n) for j, n in tracks} == {job_id: 2 for job_id in job_ids}
    resolution = await books(database)
    assert sorted(resolution.values()) == [("capture", 14)] * rounds
