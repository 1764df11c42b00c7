"""One Chorus instance for the many-instances crash test: queue its share of the songs
(idempotently), wait until every song of the whole run has ended and been posted, exit.

Several run at once on one PostgreSQL database, each posting through a
:class:`RecordingPlatform` that names it on every line of the one shared file. Run again after a
SIGKILL it replays the same request keys, so no song is queued twice.

    python -m tests.instance_worker DATABASE_URL DATA SIM_URL FIRST COUNT TOTAL POSTS NAME [engine]

With ``engine`` last it serves no platform (it posts nothing, the others deliver): the
benchmark's way to measure the engines sharing work apart from the deliveries.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.app import App
from bot.config import load_settings
from bot.schedule import EngineConfig
from bot.store import jobs, outbox
from tests.crash_worker import song_request
from tests.recording import RecordingPlatform

ENGINE = EngineConfig(
    time_scale=0.005,
    rate_per_second=200,
    burst=100,
    max_in_flight=60,
    max_in_flight_per_scope=60,
    max_in_flight_per_member=60,
    status_interval=0,
    job_timeout=50_000,  # the simulator renders in real CPU time, which time_scale does not shrink
    lease_seconds=2.0,  # a killed instance's jobs are taken over 2-3 s after the kill
)


async def everything_ended(app: App, total: int, patience: float) -> None:
    """Until all ``total`` songs of the run (every instance's) have ended and been posted."""
    async with asyncio.timeout(patience):
        while True:
            async with app.store.read() as conn:
                states = await jobs.state_counts(conn)
                rows = await outbox.outbox_counts(conn)
            ended = sum(n for state, n in states.items() if state in jobs.TERMINAL)
            if ended == total == sum(states.values()) and not rows.get("pending"):
                return
            await asyncio.sleep(0.05)


async def main(
    database: str, data: Path, sim_url: str, first: int, count: int, total: int, posts: Path,
    name: str, deliver: bool = True,
) -> int:  # fmt: skip
    settings = load_settings(
        aimusic_api_key="multi-key",
        aimusic_base_url=sim_url,
        data_dir=data,
        web_port=0,
        starting_credits=100_000,
        max_concurrent_jobs=100,
        database_url=database,
    )
    app = await App.create(settings, engine_config=ENGINE, local_public=True)
    app.delivery.claim_seconds = 2.0  # a killed instance's rows are posted by another 2-3 s later
    if deliver:
        app.platforms["console"] = RecordingPlatform(posts, echo=False, instance=name)
    await app.start()
    try:
        for n in range(first, first + count):
            await app.service.run(song_request(n, "multi"))
            print(f"queued {n}", flush=True)
        await everything_ended(app, total, 600)
        print("all done", flush=True)
    finally:
        await app.stop()
    return 0


if __name__ == "__main__":
    database, data, sim_url, first, count, total, posts, name = sys.argv[1:9]
    numbers = int(first), int(count), int(total)
    deliver = sys.argv[9:] != ["engine"]
    sys.exit(asyncio.run(main(database, Path(data), sim_url, *numbers, Path(posts), name, deliver)))
