"""A Chorus process for the crash test: queue N songs (idempotently), wait for all, exit.

Run again after a SIGKILL it replays the same request keys, so no song is queued or charged
twice, and the engine's recovery finishes what the killed process started.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from adapters.console import ConsoleAdapter
from adapters.console.adapter import SCOPE, TARGET
from bot.app import App
from bot.config import load_settings
from bot.domain import Actor
from bot.engine import EngineConfig
from bot.service import Request

ENGINE = EngineConfig(
    time_scale=0.005,
    rate_per_second=200,
    burst=100,
    max_in_flight=60,
    max_in_flight_per_scope=60,
    max_in_flight_per_member=60,
    status_interval=0,
)


async def main(data: Path, sim_url: str, count: int) -> int:
    settings = load_settings(
        aimusic_api_key="crash-key",
        aimusic_base_url=sim_url,
        data_dir=data,
        web_port=0,
        starting_credits=100_000,
        max_concurrent_jobs=100,
    )
    app = await App.create(settings, engine_config=ENGINE, local_public=True)
    console = ConsoleAdapter(app, data / "songs")
    console.platform.write = lambda text: print(text, flush=True)
    await app.start()
    try:
        for n in range(count):
            request = Request(
                op="song",
                actor=Actor(f"member-{n % 7}"),
                scope=SCOPE,
                target=TARGET,
                request_key=f"crash-{n}",
                args={"prompt": f"song number {n}"},
            )
            console.started.append((await app.service.run(request)).job_id)
            print(f"queued {n}", flush=True)
        await console.wait_for_jobs(600)
        print("all done", flush=True)
    finally:
        await app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))))
