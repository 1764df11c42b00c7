"""A Chorus process for the crash test: queue N songs (idempotently), wait for all, exit.

Run again after a SIGKILL it replays the same request keys, so no song is queued or charged
twice, and the engine's recovery finishes what the killed process started. Results go to a
:class:`RecordingPlatform`, which appends every post to one file shared by all the runs.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import bot.store.jobs
import bot.store.outbox
from adapters.console.adapter import SCOPE, TARGET
from bot.app import App
from bot.config import load_settings
from bot.domain import Actor
from bot.schedule import EngineConfig
from bot.service import Request
from tests.recording import RecordingPlatform

ENGINE = EngineConfig(
    time_scale=0.005,
    rate_per_second=200,
    burst=100,
    max_in_flight=60,
    max_in_flight_per_scope=60,
    max_in_flight_per_member=60,
    status_interval=0,
    # On PostgreSQL a restarted process is a new instance: it takes over the killed one's jobs
    # and outbox rows once their leases run out (30 s and 60 s in production; short here).
    lease_seconds=2.0,
)
CLAIM_SECONDS = 2.0


def song_request(n: int, run: str) -> Request:
    """Song number ``n`` of seven members, keyed so that a replay of it queues nothing new."""
    return Request(
        op="song",
        actor=Actor(f"member-{n % 7}"),
        scope=SCOPE,
        target=TARGET,
        request_key=f"{run}-{n}",
        args={"prompt": f"song number {n}"},
    )


async def settled(app: App, job_ids: list[str], patience: float) -> None:
    """Until every job is finished and nothing is left to post."""
    async with asyncio.timeout(patience):
        while True:
            async with app.store.read() as conn:
                jobs = [await bot.store.jobs.job(conn, job_id) for job_id in job_ids]
                outbox = await bot.store.outbox.outbox_counts(conn)
            if all(job and job.state in bot.store.jobs.TERMINAL for job in jobs) and not outbox.get(
                "pending"
            ):
                return
            await asyncio.sleep(0.05)


async def main(data: Path, sim_url: str, count: int, posts: Path) -> int:
    settings = load_settings(
        aimusic_api_key="crash-key",
        aimusic_base_url=sim_url,
        data_dir=data,
        web_port=0,
        starting_credits=100_000,
        max_concurrent_jobs=100,
    )
    app = await App.create(settings, engine_config=ENGINE, local_public=True)
    app.delivery.claim_seconds = CLAIM_SECONDS
    app.platforms["console"] = RecordingPlatform(posts)
    await app.start()
    try:
        job_ids = []
        for n in range(count):
            job_ids.append((await app.service.run(song_request(n, "crash"))).job_id)
            print(f"queued {n}", flush=True)
        await settled(app, job_ids, 600)
        print("all done", flush=True)
    finally:
        await app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))))
