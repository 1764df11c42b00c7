"""A create whose answer is lost: held unconfirmed, adopted by its webhook, or released truly.

The simulator's ``malformed`` knob garbles every answer *after* the request took effect: the
vendor runs and charges the task, and Chorus never learns its id.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.app import App
from bot.store import jobs
from simulator.state import Task
from tests.harness import ENGINE, SIM_KNOBS, Chorus, chorus

LOSSY = dataclasses.replace(SIM_KNOBS, time_scale=0.01, malformed=1.0)
SONG = 14


async def until_state(h: Chorus, job_id: str, state: str) -> jobs.JobRow:
    async with asyncio.timeout(30):
        while (job := await h.app.service.job(job_id)) is None or job.state != state:
            await asyncio.sleep(0.01)
    return job


def gate_webhooks(h: Chorus) -> asyncio.Event:
    """Hold the simulator's webhooks until the returned event is set (it keeps them in order)."""
    gate = asyncio.Event()
    deliver: Callable[[Task, str], Any] | None = h.sim.sim.deliver_webhook
    assert deliver is not None

    async def held(task: Task, event: str) -> None:
        await gate.wait()
        await deliver(task, event)

    h.sim.sim.deliver_webhook = held
    return gate


async def metrics(h: Chorus) -> str:
    async with httpx.AsyncClient() as http:
        return (await http.get(f"{h.app.base_url}/metrics")).text


def delivered(h: Chorus, job_id: str) -> int:
    return len([s for s in h.console.platform.saved if s.job_id == job_id])


async def test_a_lost_answer_is_adopted_by_its_webhook_and_charged_once(tmp_path: Path) -> None:
    async with chorus(tmp_path, knobs=LOSSY) as h:
        gate = gate_webhooks(h)
        await h.console.execute("/song a tune")
        job_id = h.console.started[-1]
        held = await until_state(h, job_id, "unconfirmed")
        assert held.task_id is None and await h.available() == 1000 - SONG  # still held
        assert any("answer was lost" in line for line in h.lines)
        gate.set()
        await h.console.wait_for_jobs(60)
        job = await h.app.service.job(job_id)
        assert job is not None and job.state == "succeeded"
        assert job.task_id in h.sim.sim.tasks
        assert h.sim.sim.calls["POST /api/v1/sonic/create"] == 1
        vendor_charge = LOSSY.credits - h.sim.sim.credits
        assert vendor_charge == 1000 - await h.available() == SONG  # one capture, what it cost
        assert delivered(h, job_id) == 2  # both clips, once
        await h.app.ledger.reconcile()
        text = await metrics(h)
        assert 'chorus_lost_answers_total{outcome="lost"} 1.0' in text
        assert 'chorus_lost_answers_total{outcome="adopted"} 1.0' in text


async def test_without_webhooks_a_lost_answer_is_refunded_with_a_true_sentence(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path, knobs=LOSSY, public=False) as h:
        job = await h.run("/song a tune")
        assert job is not None and job.state == "failed" and job.error == "answer_lost"
        assert await h.available() == 1000
        notice = h.lines[-1]
        assert "cancelled" not in notice and "lost the music service's answer" in notice
        assert f"{SONG} credits were returned" in notice
        text = await metrics(h)
        assert 'chorus_lost_answers_total{outcome="released"} 1.0' in text


async def test_an_unconfirmed_job_is_released_when_its_window_ends(tmp_path: Path) -> None:
    async with chorus(tmp_path, knobs=LOSSY) as h:
        h.sim.sim.deliver_webhook = None  # the vendor never calls back
        await h.console.execute("/song a tune")
        job_id = h.console.started[-1]
        await until_state(h, job_id, "unconfirmed")
        assert await h.available() == 1000 - SONG
        failed = await until_state(h, job_id, "failed")
        assert failed.error == "unconfirmed"
        await h.console.wait_for_jobs(30)
        assert await h.available() == 1000
        assert "never confirmed" in h.lines[-1] and "cancelled" not in h.lines[-1]


async def test_a_restart_keeps_the_job_unconfirmed_and_still_adopts_it(tmp_path: Path) -> None:
    async with chorus(tmp_path, knobs=LOSSY) as h:
        gate = gate_webhooks(h)
        await h.console.execute("/song survive a restart")
        job_id = h.console.started[-1]
        await until_state(h, job_id, "unconfirmed")
        port = urlsplit(h.app.base_url).port
        await h.app.stop()
        settings = h.app.settings.model_copy(update={"web_port": port})  # the URL the vendor has
        restarted = await App.create(settings, engine_config=ENGINE, local_public=True)
        h.app = restarted
        h.console.service = restarted.service
        restarted.platforms["console"] = h.console.platform
        await restarted.start()
        assert (await until_state(h, job_id, "unconfirmed")).task_id is None
        gate.set()
        await h.console.wait_for_jobs(60)
        job = await restarted.service.job(job_id)
        assert job is not None and job.state == "succeeded"
        assert LOSSY.credits - h.sim.sim.credits == 1000 - await h.available() == SONG
        assert delivered(h, job_id) == 2
