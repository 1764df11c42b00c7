"""The engine under stress: faults from the vendor, restarts, webhooks versus polling, health.

Each test runs on both backends (the ``database`` fixture: a SQLite file, then a fresh
PostgreSQL database)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import math
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

import bot.store.jobs
import bot.store.outbox
from adapters.console.adapter import SCOPE, TARGET
from bot.domain import Actor
from bot.service import Request
from tests.harness import ENGINE, SIM_KNOBS, Chorus, chorus
from tests.pg import drop_database, fresh_database


@contextlib.asynccontextmanager
async def another(database: str, tmp_path: Path, name: str) -> AsyncIterator[str]:
    """A second, empty store on the same backend as ``database``."""
    if not database.startswith("postgresql://"):
        yield str(tmp_path / f"{name}.db")
        return
    url = await fresh_database()
    try:
        yield url
    finally:
        await drop_database(url)


async def settle(
    h: Chorus, job_ids: list[str], patience: float = 120
) -> list[bot.store.jobs.JobRow]:
    h.console.started.extend(job_ids)
    await h.console.wait_for_jobs(patience)
    async with h.app.store.read() as conn:
        return [
            job for job_id in job_ids if (job := await bot.store.jobs.job(conn, job_id)) is not None
        ]


async def submit_many(h: Chorus, count: int, members: int = 10) -> list[str]:
    ids = []
    for n in range(count):
        actor = Actor(f"member-{n % members}")
        accepted = await h.app.service.run(
            Request(
                op="song",
                actor=actor,
                scope=SCOPE,
                target=TARGET,
                request_key=f"stress-{n}",
                args={"prompt": f"song number {n}"},
            )
        )
        ids.append(accepted.job_id)
    return ids


def plausible(observed: int, trials: int, rate: float) -> bool:
    """``observed`` successes of ``trials`` draws at ``rate``, within 4.5 standard deviations."""
    mean = trials * rate
    return abs(observed - mean) <= 4.5 * math.sqrt(mean * (1 - rate)) + 1


async def test_200_jobs_under_vendor_faults_end_delivered_or_refunded(
    tmp_path: Path, database: str
) -> None:
    knobs = dataclasses.replace(
        SIM_KNOBS,
        song_seconds=2.0,
        fail_500=0.10,
        fail_429=0.05,
        task_fail=0.05,
        clip_fail=0.05,
        slow_rate=0.05,
        slow_seconds=0.05,
        seed=11,
    )
    async with chorus(tmp_path, knobs=knobs, database_url=database) as h:
        jobs = await settle(h, await submit_many(h, 200))
        assert len(jobs) == 200 and all(job.state in bot.store.jobs.TERMINAL for job in jobs)
        async with h.app.store.read() as conn:
            outbox = await bot.store.outbox.outbox_counts(conn)
            resolved = await conn.execute_fetchall(
                "SELECT j.id, r.kind, r.amount FROM jobs j JOIN journal r ON r.hold_id = j.hold_id"
                " WHERE r.kind != 'hold'"
            )
            notices = await conn.execute_fetchall(
                "SELECT job_id, count(*) FROM outbox WHERE kind = 'notice' GROUP BY job_id"
            )
            counted = await conn.execute_fetchall(
                "SELECT job_id, count(*) FROM tracks GROUP BY job_id"
            )
        made = Counter({str(job_id): int(n) for job_id, n in counted})
        await h.app.ledger.reconcile()
        sim = h.sim.sim
        creates, tasks = sim.calls["POST /api/v1/sonic/create"], list(sim.tasks.values())
        vendor_spent = knobs.credits - sim.credits
        notices_seen = list(h.console.platform.notices)

    resolution = {str(job_id): (str(kind), int(amount)) for job_id, kind, amount in resolved}
    succeeded = [job for job in jobs if job.state == "succeeded"]
    failed = [job for job in jobs if job.state == "failed"]
    assert len(resolution) == 200 and outbox == {"delivered": outbox["delivered"]}

    # What the injected faults imply, fault by fault, counted where they were injected.
    create_429 = sim.faults["429 POST /api/v1/sonic/create"]
    create_500 = sim.faults["500 POST /api/v1/sonic/create"]
    failed_tasks = [t for t in tasks if t.phase == "failed"]
    partial = [t for t in tasks if t.phase == "succeeded" and 0 < t.refunded < t.cost]
    assert plausible(create_429, creates, 0.05) and plausible(create_500, creates - create_429, 0.1)
    assert plausible(len(failed_tasks), len(tasks), 0.05)
    assert plausible(len(partial), len(tasks) - len(failed_tasks), 0.05)
    assert create_429 and create_500 and failed_tasks and partial  # each fault did bite
    # A 429 waits and retries; a 500 on create may have taken effect, so its job is refunded at
    # once; a failed task is refunded. Nothing else fails.
    reasons = Counter(job.error for job in failed)
    assert reasons == Counter({"unavailable": create_500, "task_failed": len(failed_tasks)})
    assert len(succeeded) == len(tasks) - len(failed_tasks) == 200 - create_500 - len(failed_tasks)

    # Members paid for what they got: 14 for two versions, 7 for one, nothing for a failure.
    assert sorted(made[job.id] for job in succeeded).count(1) == len(partial)
    assert all(resolution[job.id] == ("capture", 7 * made[job.id]) for job in succeeded)
    assert all(resolution[job.id] == ("release", 14) for job in failed)

    # Every failed member was told exactly once, and no one else was.
    assert dict(notices) == {job.id: 1 for job in failed}  # type: ignore[comparison-overlap]
    assert sorted(text.split(":")[0] for text in notices_seen) == sorted(
        f"❌ /song {job.id}" for job in failed
    )

    # The vendor's bill: every task it charged is one member's capture, to the credit.
    by_task = {job.task_id: job for job in jobs if job.task_id}
    assert {t.task_id for t in tasks} == set(by_task)
    for task in tasks:
        kind, amount = resolution[by_task[task.task_id].id]
        assert task.charged == (amount if kind == "capture" else 0)
    assert vendor_spent == sum(amount for kind, amount in resolution.values() if kind == "capture")


async def test_a_restart_resumes_running_jobs_and_delivers_once(
    tmp_path: Path, database: str
) -> None:
    slow = dataclasses.replace(SIM_KNOBS, time_scale=0.02)  # a song takes ~2.4 s
    engine = dataclasses.replace(ENGINE, time_scale=0.02)
    async with chorus(
        tmp_path, knobs=slow, engine=engine, public=False, database_url=database
    ) as h:
        await h.console.execute("/song survive a restart")
        job_id = h.console.started[-1]
        while (job := await h.app.service.job(job_id)) is not None and job.state != "running":
            await asyncio.sleep(0.01)
        sim = h.sim
        await h.app.stop()
        from bot.app import App

        restarted = await App.create(h.app.settings, engine_config=engine)
        h.app = restarted
        h.console.service = restarted.service
        restarted.platforms["console"] = h.console.platform
        await restarted.start()
        try:
            jobs = await settle(h, [job_id], patience=60)
            assert jobs[0].state == "succeeded"
            assert len([s for s in h.console.platform.saved if s.job_id == job_id]) == 2
            assert sim.sim.calls["POST /api/v1/sonic/create"] == 1
            await restarted.ledger.reconcile()
        finally:
            await restarted.stop()
            h.app = restarted


async def test_webhooks_finish_jobs_with_fewer_vendor_calls_than_polling(
    tmp_path: Path, database: str
) -> None:
    patient = dataclasses.replace(ENGINE, webhook_poll=5000)  # the fallback poll never comes

    async def calls_per_job(public: bool, store: str) -> float:
        async with chorus(
            tmp_path / str(public), public=public, engine=patient, database_url=store
        ) as h:
            before = h.app.client.calls
            await settle(h, await submit_many(h, 10))
            return (h.app.client.calls - before) / 10

    with_hooks = await calls_per_job(True, database)
    async with another(database, tmp_path, "polling") as store:
        polling = await calls_per_job(False, store)
    assert with_hooks < polling
    assert with_hooks == 1.0  # the create call alone: every song was finished by its webhook


async def test_health_and_metrics(tmp_path: Path, database: str) -> None:
    async with chorus(tmp_path, database_url=database) as h:
        await settle(h, await submit_many(h, 3))
        async with httpx.AsyncClient(base_url=h.app.base_url) as http:
            health = await http.get("/healthz")
            metrics = (await http.get("/metrics")).text
        assert health.status_code == 200
        assert health.json() == {"store": "ok", "vendor": "ok", "queue_depth": 0, "in_flight": 0}
        assert 'chorus_jobs{state="succeeded"} 3.0' in metrics
        assert 'chorus_credits{kind="captured"} 42.0' in metrics
        assert (
            'chorus_vendor_calls_total{endpoint="/api/v1/sonic/create",result="200"} 3.0' in metrics
        )
        assert "chorus_delivery_latency_seconds_count 6.0" in metrics
        h.sim.sim.api_key = "rotated"  # the vendor now refuses our key
        h.app._vendor = (0.0, "unknown")
        async with httpx.AsyncClient(base_url=h.app.base_url) as http:
            unhealthy = await http.get("/healthz")
        assert unhealthy.status_code == 503 and unhealthy.json()["vendor"] == "error: auth"


async def test_an_overdue_song_is_delivered_if_done_and_refunded_if_not(
    tmp_path: Path, database: str
) -> None:
    late = dataclasses.replace(ENGINE, job_timeout=100, first_poll=400)  # polled only when overdue
    async with chorus(tmp_path / "done", engine=late, public=False, database_url=database) as h:
        done = await h.run("/song finished while we were away")
        assert done is not None and done.state == "succeeded"
    stuck = dataclasses.replace(SIM_KNOBS, time_scale=1.0)  # the vendor takes two minutes
    async with (
        another(database, tmp_path, "stuck") as store,
        chorus(tmp_path / "stuck", engine=late, knobs=stuck, public=False, database_url=store) as h,
    ):
        given_up = await h.run("/song never finishes")
        assert given_up is not None and given_up.state == "failed" and given_up.error == "timeout"
        assert await h.available() == 1000
