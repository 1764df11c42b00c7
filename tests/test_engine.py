"""The engine under stress: faults from the vendor, restarts, webhooks versus polling, health."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import httpx

from adapters.console.adapter import SCOPE, TARGET
from bot.domain import Actor
from bot.service import Request
from bot.store import jobs as q
from tests.harness import ENGINE, SIM_KNOBS, Chorus, chorus


async def settle(h: Chorus, job_ids: list[str], patience: float = 120) -> list[q.JobRow]:
    h.console.started.extend(job_ids)
    await h.console.wait_for_jobs(patience)
    async with h.app.store.read() as conn:
        return [job for job_id in job_ids if (job := await q.job(conn, job_id)) is not None]


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


async def test_200_jobs_under_vendor_faults_end_delivered_or_refunded(tmp_path: Path) -> None:
    knobs = dataclasses.replace(
        SIM_KNOBS,
        song_seconds=2.0,
        fail_500=0.10,
        fail_429=0.05,
        task_fail=0.05,
        slow_rate=0.05,
        slow_seconds=0.05,
        seed=11,
    )
    async with chorus(tmp_path, knobs=knobs) as h:
        jobs = await settle(h, await submit_many(h, 200))
        assert len(jobs) == 200 and all(job.state in q.TERMINAL for job in jobs)
        async with h.app.store.read() as conn:
            outbox = await q.outbox_counts(conn)
            holds = await conn.execute_fetchall(
                "SELECT r.kind, count(*) FROM jobs j JOIN journal r ON r.hold_id = j.hold_id"
                " GROUP BY r.kind"
            )
        resolved = dict(holds)  # type: ignore[arg-type]
        succeeded = sum(job.state == "succeeded" for job in jobs)
        assert resolved == {"capture": succeeded, "release": 200 - succeeded}
        assert outbox == {"delivered": outbox["delivered"]}  # nothing left pending
        assert 100 < succeeded < 200  # the faults did bite, and most songs still arrived
        await h.app.ledger.reconcile()


async def test_a_restart_resumes_running_jobs_and_delivers_once(tmp_path: Path) -> None:
    slow = dataclasses.replace(SIM_KNOBS, time_scale=0.02)  # a song takes ~2.4 s
    engine = dataclasses.replace(ENGINE, time_scale=0.02)
    async with chorus(tmp_path, knobs=slow, engine=engine, public=False) as h:
        await h.console.execute("/song survive a restart")
        job_id = h.console.started[-1]
        while (job := await h.app.service.job(job_id)) is not None and job.state != "running":
            await asyncio.sleep(0.01)
        sim = h.sim
        await h.app.stop()
        from bot.app import App

        restarted = await App.create(h.app.settings, engine_config=engine)
        h.app = restarted
        h.console.app = restarted
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


async def test_webhooks_finish_jobs_with_fewer_vendor_calls_than_polling(tmp_path: Path) -> None:
    patient = dataclasses.replace(ENGINE, webhook_poll=5000)  # the fallback poll never comes

    async def calls_per_job(public: bool) -> float:
        async with chorus(tmp_path / str(public), public=public, engine=patient) as h:
            before = h.app.client.calls
            await settle(h, await submit_many(h, 10))
            return (h.app.client.calls - before) / 10

    with_hooks, polling = await calls_per_job(True), await calls_per_job(False)
    assert with_hooks < polling
    assert with_hooks == 1.0  # the create call alone: every song was finished by its webhook


async def test_health_and_metrics(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
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


async def test_an_overdue_song_is_delivered_if_done_and_refunded_if_not(tmp_path: Path) -> None:
    late = dataclasses.replace(ENGINE, job_timeout=100, first_poll=400)  # polled only when overdue
    async with chorus(tmp_path / "done", engine=late, public=False) as h:
        done = await h.run("/song finished while we were away")
        assert done is not None and done.state == "succeeded"
    stuck = dataclasses.replace(SIM_KNOBS, time_scale=1.0)  # the vendor takes two minutes
    async with chorus(tmp_path / "stuck", engine=late, knobs=stuck, public=False) as h:
        given_up = await h.run("/song never finishes")
        assert given_up is not None and given_up.state == "failed" and given_up.error == "timeout"
        assert await h.available() == 1000
