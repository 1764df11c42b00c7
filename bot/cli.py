"""The ``chorus`` command: ``sim``, ``demo``, ``doctor`` and ``migrate``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, load_settings
from bot.store import Store, StoreError

SIM_DEFAULT_PORT = 8765
SIM_DEFAULT_KEY = "sim-key"


def _sim_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim = sub.add_parser("sim", help="serve the offline AI Music API simulator")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=SIM_DEFAULT_PORT)
    sim.add_argument("--api-key", default=SIM_DEFAULT_KEY)
    sim.add_argument(
        "--time-scale",
        type=float,
        default=1 / 12,
        help="wall seconds per vendor second (default: a song takes ~10 s)",
    )
    sim.add_argument(
        "--song-seconds",
        type=float,
        default=30.0,
        help="length of songs whose request names no duration",
    )
    sim.add_argument("--credits", type=int, default=10_000)
    sim.add_argument("--fail-429", type=float, default=0.0, help="rate of injected 429s")
    sim.add_argument("--fail-500", type=float, default=0.0, help="rate of injected 500s")
    sim.add_argument("--slow-rate", type=float, default=0.0, help="rate of slow answers")
    sim.add_argument("--slow-seconds", type=float, default=2.0)
    sim.add_argument("--task-fail", type=float, default=0.0, help="rate of failed tasks")
    sim.add_argument("--malformed", type=float, default=0.0, help="rate of garbled JSON answers")
    sim.add_argument("--seed", type=int, default=0)


async def _serve_sim(args: argparse.Namespace) -> None:
    from simulator import Knobs, running_simulator

    knobs = Knobs(
        time_scale=args.time_scale,
        song_seconds=args.song_seconds,
        credits=args.credits,
        fail_429=args.fail_429,
        fail_500=args.fail_500,
        slow_rate=args.slow_rate,
        slow_seconds=args.slow_seconds,
        task_fail=args.task_fail,
        malformed=args.malformed,
        seed=args.seed,
    )
    async with running_simulator(args.api_key, knobs, args.host, args.port) as running:
        print(f"AI Music API simulator on {running.url} (API key: {args.api_key})", flush=True)
        await asyncio.Event().wait()


async def _round_trip(out_dir: Path) -> int:
    """Until the console adapter lands: one create -> poll -> download round trip."""
    import httpx

    from bot.aimusic import AIMusicClient
    from bot.aimusic.models import SonicCreateRequest
    from simulator import Knobs, running_simulator

    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    async with (
        running_simulator(SIM_DEFAULT_KEY, Knobs(time_scale=1 / 24)) as running,
        AIMusicClient(SIM_DEFAULT_KEY, running.url) as client,
        httpx.AsyncClient(timeout=30) as files,
    ):
        request = SonicCreateRequest(
            custom_mode=False, mv="sonic-v5", gpt_description_prompt="a lo-fi beat about rain"
        )
        accepted = await client.sonic_create(request)
        print(f"submitted task {accepted.task_id}; waiting for the song...", flush=True)
        task = await client.sonic_task(accepted.task_id)
        while not task.done:
            await asyncio.sleep(0.5)
            task = await client.sonic_task(accepted.task_id)
        for clip in task.clips:
            if clip.state != "succeeded" or not clip.audio_url:
                print(f"clip {clip.clip_id} failed: {clip.error_message}")
                continue
            audio = await files.get(clip.audio_url)
            path = out_dir / f"{clip.clip_id[:8]}.mp3"
            await asyncio.to_thread(path.write_bytes, audio.content)
            print(f"saved '{clip.title}' ({clip.duration:.1f} s) to {path}")
    return 0


async def _migrate(path: Path) -> str:
    async with await Store.open(path) as store:
        version = await store.schema_version()
    return f"{path}: schema version {version} ({store.applied} migration(s) applied)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chorus", description="AI music for Discord and Telegram")
    sub = parser.add_subparsers(dest="command", required=True)
    _sim_parser(sub)
    demo = sub.add_parser("demo", help="run Chorus end to end on the simulator")
    demo.add_argument("--out", type=Path, default=Path("data/demo"))
    sub.add_parser("doctor", help="check the configuration")
    sub.add_parser("migrate", help="apply pending database migrations")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "sim":
            asyncio.run(_serve_sim(args))
        elif args.command == "demo":
            return asyncio.run(_round_trip(args.out))
        elif args.command == "doctor":
            settings = load_settings()
            key = "set" if settings.aimusic_api_key else "NOT SET"
            print(f"AIMUSIC_API_KEY: {key}\nAIMUSIC_BASE_URL: {settings.aimusic_base_url}")
            print(f"database: {settings.database_file}")
        elif args.command == "migrate":
            print(asyncio.run(_migrate(load_settings().database_file)))
    except (ConfigError, StoreError) as exc:
        print(f"chorus: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
