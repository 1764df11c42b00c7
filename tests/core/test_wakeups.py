"""A wake-up that arrives while a loop is busy is not lost.

The engine and the delivery worker each sleep between passes until their event is set or the
longest pause runs out (30 and 60 vendor seconds). An event set *during* a pass (a command queued
while the engine reads the queue, a result written while the outbox drains) must start another
pass at once; if the loop cleared it after the pass, the job waited out the whole pause.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from adapters.console.adapter import SCOPE, TARGET
from bot.domain import Actor
from bot.service import Request
from bot.store import outbox
from tests.harness import ENGINE, chorus

# Vendor seconds are stretched tenfold, so the loops' longest pauses are 300 s and 600 s: a lost
# wake-up shows as a job that is still waiting when the test's bound, far below that, runs out.
SLOW_CLOCK = dataclasses.replace(ENGINE, time_scale=10.0)
BOUND = 60.0  # only so that a lost wake-up fails the test instead of hanging it


async def test_a_command_queued_during_a_tick_is_submitted_without_waiting(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path, engine=SLOW_CLOCK) as h:
        engine = h.app.scheduler
        original = engine.tick
        queued: list[str] = []
        arrived = asyncio.Event()

        async def tick_with_a_command_arriving() -> float:
            pause = await original()  # the queue has been read: the new job is not in it
            if not queued:
                request = Request(
                    op="song",
                    actor=Actor("member"),
                    scope=SCOPE,
                    target=TARGET,
                    request_key="mid-tick",
                    args={"prompt": "a song queued while the engine was busy"},
                )
                queued.append((await h.app.service.run(request)).job_id)
                arrived.set()
            return pause

        engine.tick = tick_with_a_command_arriving  # type: ignore[method-assign]
        engine.wake.set()
        await arrived.wait()
        async with asyncio.timeout(BOUND):
            # "submitting" is written just before the vendor call: wait for its answer
            while (job := await h.app.service.job(queued[0])) and job.state in (
                "queued",
                "submitting",
            ):
                await asyncio.sleep(0.01)
        assert job is not None and job.state in ("submitting", "running")
        assert h.sim.sim.calls["POST /api/v1/sonic/create"] == 1


async def test_a_result_written_during_a_drain_is_delivered_without_waiting(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path, engine=SLOW_CLOCK) as h:
        lyrics = await h.run("/lyrics a song about the sea")
        assert lyrics is not None and lyrics.state == "succeeded"
        delivery = h.app.delivery
        original = delivery.drain
        written = asyncio.Event()

        async def drain_with_a_result_arriving() -> float:
            pause = await original()  # the outbox has been read: the new row is not in it
            if not written.is_set():
                written.set()
                async with h.app.store.write() as conn:
                    await outbox.enqueue(
                        conn, lyrics.id, outbox.OutboxItem.notice("written mid-drain"), TARGET, 0.0
                    )
                h.app.delivery.wake.set()
            return pause

        delivery.drain = drain_with_a_result_arriving  # type: ignore[method-assign]
        h.app.delivery.wake.set()
        await written.wait()
        async with asyncio.timeout(BOUND):
            while "written mid-drain" not in h.console.platform.notices:
                await asyncio.sleep(0.01)
