"""Vendor calls per completed job: webhooks, Chorus's polling, and a naive 5-second poller.

All see the same simulated generation (120 vendor seconds, compressed 100x in wall time).
The naive poller is the floor: the obvious loop many bots ship, measured in the same run.
Chorus polling is measured twice on one store: first with no history (the fixed schedule),
then, with those songs' durations learned, a second batch polled near their end.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from adapters.console import ConsoleAdapter, create
from adapters.console.adapter import SCOPE, TARGET
from benchmarks.harness import app_on
from benchmarks.report import write_section
from bot.aimusic import AIMusicClient
from bot.aimusic.models import SonicCreateRequest
from bot.domain import Actor
from bot.schedule import EngineConfig
from bot.service import Request
from simulator import Knobs, running_simulator

SCALE = 0.01
JOBS = 20
ENGINE = EngineConfig(
    time_scale=SCALE,
    rate_per_second=1000,
    burst=100,
    max_in_flight=100,
    max_in_flight_per_scope=100,
    max_in_flight_per_member=100,
    status_interval=0,
)


async def chorus_calls(sim_url: str, folder: Path, public: bool) -> tuple[float, float]:
    """Calls per song for a batch with no history, then for a batch after it."""
    async with app_on(sim_url, folder, ENGINE, public) as app:
        console = app.adapter(lambda core: create(core, out_dir=folder / "songs"))
        assert isinstance(console, ConsoleAdapter)
        console.platform.write = lambda _: None

        async def batch(tag: str) -> float:
            before = app.client.calls
            for n in range(JOBS):
                request = Request(
                    op="song",
                    actor=Actor(f"m{n}"),
                    scope=SCOPE,
                    target=TARGET,
                    request_key=f"bench-{public}-{tag}-{n}",
                    args={"prompt": f"song {n}"},
                )
                console.started.append((await app.service.run(request)).job_id)
            await console.wait_for_jobs(600)
            return (app.client.calls - before) / JOBS

        return await batch("cold"), await batch("learned")


async def naive_calls(sim_url: str) -> float:
    async with AIMusicClient("bench-key", sim_url) as client:

        async def one(n: int) -> None:
            request = SonicCreateRequest(
                custom_mode=False, mv="sonic-v5", gpt_description_prompt=f"song {n}"
            )
            task_id = (await client.sonic_create(request)).task_id
            while not (await client.sonic_task(task_id)).done:
                await asyncio.sleep(5 * SCALE)

        await asyncio.gather(*(one(n) for n in range(JOBS)))
        return client.calls / JOBS


async def main() -> str:
    knobs = Knobs(time_scale=SCALE, song_seconds=1.0)
    with tempfile.TemporaryDirectory() as folder:
        async with running_simulator("bench-key", knobs) as sim:
            naive = await naive_calls(sim.url)
            cold, polling = await chorus_calls(sim.url, Path(folder) / "polling", public=False)
            _, webhook = await chorus_calls(sim.url, Path(folder) / "webhook", public=True)
    body = (
        f"{JOBS} songs at a time, each taking 120 simulated seconds (1.2 s of wall time).\n\n"
        "| tracking | vendor calls per song | ratio to the naive poller |\n|---|---|---|\n"
        f"| floor: naive poller, every 5 s | {naive:.2f} | 1.00 |\n"
        f"| Chorus polling, no history yet (10 s, then 15-25 s with jitter) | {cold:.2f} "
        f"| {cold / naive:.2f} |\n"
        f"| **Chorus polling, durations learned (first poll near the end, then every 5 s)** "
        f"| **{polling:.2f}** | **{polling / naive:.2f}** |\n"
        f"| Chorus with webhooks (polling only as a 300 s fallback) | {webhook:.2f} "
        f"| {webhook / naive:.2f} |\n\n"
        "Calls include the create request itself; the client's retries would count too. The\n"
        "learned batch is the second of two on one store: its first poll comes at the median of\n"
        "the recent durations of /song on this model (kept in the store, `durations` table)."
    )
    write_section("Vendor calls per completed job", body)
    return body


if __name__ == "__main__":
    print(asyncio.run(main()))
