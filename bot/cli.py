"""The ``chorus`` command: ``sim``, ``demo``, ``doctor`` and ``migrate``."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, cast

from bot import logs
from bot.adapter import AdapterFactory
from bot.app import App
from bot.config import ConfigError, given_settings, load_settings
from bot.schedule import EngineConfig
from bot.store import Store, StoreError
from bot.store.copy import Copied, copy_sqlite
from bot.store.database import describe

SIM_DEFAULT_PORT = 8765
SIM_DEFAULT_KEY = "sim-key"
WEB_PORT_FILE = "web.port"  # under the demo's --data: where its web server listened last


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
    sim.add_argument(
        "--clip-fail", type=float, default=0.0, help="rate of tasks where one clip of two fails"
    )
    sim.add_argument("--malformed", type=float, default=0.0, help="rate of garbled JSON answers")
    sim.add_argument(
        "--paired",
        action="store_true",
        help="auto_concat results as {replaced|extended, full} pairs instead of flat clips",
    )
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument(
        "--state",
        type=Path,
        metavar="DIR",
        help="keep the account (clips, tasks, credits, audio) in DIR across restarts",
    )


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
        clip_fail=args.clip_fail,
        malformed=args.malformed,
        paired=args.paired,
        seed=args.seed,
    )
    async with running_simulator(
        args.api_key, knobs, args.host, args.port, state_dir=args.state
    ) as running:
        print(f"AI Music API simulator on {running.url} (API key: {args.api_key})", flush=True)
        await asyncio.Event().wait()


CONSOLE = "console"  # the terminal: served only when asked for, by its own loop below


def adapter(name: str) -> AdapterFactory:
    """The adapter factory registered under ``name`` in the ``chorus.adapters`` group."""
    for entry in entry_points(group="chorus.adapters"):
        if entry.name == name:
            return cast(AdapterFactory, entry.load())
    raise ConfigError(f"no adapter called {name!r} is installed")


def available_adapters() -> list[str]:
    return sorted(entry.name for entry in entry_points(group="chorus.adapters"))


async def _serve_console(app: App, script: Path | None) -> int:
    """The console on the app's other adapters (which ``app.start`` starts with the core)."""
    console: Any = app.adapter(adapter(CONSOLE))
    try:
        await app.start()
        if script is not None:
            lines = (await asyncio.to_thread(script.read_text)).splitlines()
            return int(await console.run_script(lines))
        if sys.stdin.isatty():
            return int(await console.repl())
        return int(await console.run_script(await asyncio.to_thread(sys.stdin.readlines)))
    finally:
        await app.stop()


def _demo_port(data: Path) -> int:
    """The port the previous demo on this data listened on, if it is free: the tasks the
    simulator resumes send their webhooks to the address they were given. Else 0 (any port)."""
    try:
        port = int((data / WEB_PORT_FILE).read_text())
    except (OSError, ValueError):
        return 0
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the web server binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return 0
    return port


async def _demo(args: argparse.Namespace) -> int:
    """Everything on loopback: the simulator, the bot's web server, SQLite, the console."""
    from simulator import Knobs, running_simulator

    knobs = Knobs(time_scale=args.time_scale, song_seconds=args.song_seconds)
    # the simulator's account lives beside the bot's database, so tracks from earlier runs can
    # be extended or split and a job left running by a killed demo still finishes
    state = args.data / "simulator"
    async with running_simulator(SIM_DEFAULT_KEY, knobs, state_dir=state) as sim:
        # The demo's own settings: nothing from .env or the environment but the log's level
        # and format, so a production database, secret or token is never touched.
        logs_env = {k.lower(): v for k in ("LOG_LEVEL", "LOG_FORMAT") if (v := os.environ.get(k))}
        settings = given_settings(
            **logs_env,
            aimusic_api_key=SIM_DEFAULT_KEY,
            aimusic_base_url=sim.url,
            data_dir=args.data,
            web_host="127.0.0.1",
            web_port=await asyncio.to_thread(_demo_port, args.data),
            public_base_url=None,
            starting_credits=200,
            **({"default_language": args.language} if args.language else {}),
        )
        logs.configure_from(settings)
        config = EngineConfig(time_scale=args.time_scale, rate_per_second=1.0, burst=5)
        app = await App.create(settings, engine_config=config, local_public=True)
        port = app.base_url.rsplit(":", 1)[1]
        await asyncio.to_thread((args.data / WEB_PORT_FILE).write_text, port)
        print(f"Chorus demo: simulator at {sim.url}, bot web server at {app.base_url}", flush=True)
        return await _serve_console(app, args.script)


async def _run(args: argparse.Namespace) -> int:
    """The real mode: settings from .env, the web server, and every adapter that is configured."""
    settings = load_settings(**({"default_language": args.language} if args.language else {}))
    logs.configure_from(settings)
    telegram, discord = settings.telegram_token, settings.discord_token
    missing = []
    if settings.aimusic_api_key is None:
        missing.append("AIMUSIC_API_KEY (your aimusicapi.ai key, in the environment or .env)")
    if not (args.console or telegram or discord):
        missing.append(
            "a platform to serve: set DISCORD_TOKEN or TELEGRAM_TOKEN, or pass --console "
            f"(installed adapters: {', '.join(available_adapters())})"
        )
    if missing:
        print(
            f"chorus run needs {' and '.join(missing)}.\n"
            "To try Chorus with nothing configured, run: make demo",
            file=sys.stderr,
        )
        return 2
    app = await App.create(settings)
    print(f"Chorus web server on {app.base_url}", flush=True)
    for name in available_adapters():
        if name != CONSOLE:
            app.adapter(adapter(name))  # each builds itself from the settings, if configured
    if args.console:
        return await _serve_console(app, None)
    try:
        stop = asyncio.Event()  # a signal during start-up also stops cleanly
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await app.start()
        print("Chorus is running; stop it with Ctrl-C or SIGTERM.", flush=True)
        await stop.wait()
        return 0
    finally:
        await app.stop()


async def _migrate(target: str) -> str:
    async with await Store.open(target) as store:
        version = await store.schema_version()
    return f"{store.location}: schema version {version} ({store.applied} migration(s) applied)"


def _copied(copied: Copied) -> str:
    tables = ", ".join(f"{table} {count}" for table, count in copied.rows.items() if count)
    return (
        f"Copied {copied.source} into {copied.target}: {len(copied.rows)} tables,"
        f" {sum(copied.rows.values())} rows ({tables or 'all empty'}).\n"
        f"{copied.accounts} accounts hold {copied.credits} credits ({copied.held} of them in open"
        " holds); every balance equals the source's and the ledger reconciles."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chorus", description="AI music for Discord and Telegram")
    sub = parser.add_subparsers(dest="command", required=True)
    _sim_parser(sub)
    demo = sub.add_parser("demo", help="run Chorus end to end on the simulator")
    demo.add_argument("--data", type=Path, default=Path("data/demo"), help="database and songs")
    demo.add_argument("--script", type=Path, help="run the commands in FILE, then exit")
    demo.add_argument(
        "--time-scale", type=float, default=1 / 12, help="simulated seconds per vendor second"
    )
    demo.add_argument("--song-seconds", type=float, default=30.0)
    run = sub.add_parser("run", help="run Chorus for real (settings from .env)")
    run.add_argument("--console", action="store_true", help="also serve the terminal")
    for each in (demo, run):
        each.add_argument(
            "--language", help="the language spoken when no one chose one (DEFAULT_LANGUAGE)"
        )
    sub.add_parser("doctor", help="check the configuration")
    migrate = sub.add_parser("migrate", help="apply pending database migrations")
    migrate.add_argument(
        "--from",
        dest="source",
        metavar="SQLITE",
        help="copy this SQLite database (sqlite:///path/chorus.db, at this Chorus's schema) into"
        " the empty PostgreSQL database DATABASE_URL names; stop Chorus first",
    )
    args = parser.parse_args(argv)
    logs.configure("WARNING")  # until the settings are read; `chorus sim` keeps it
    try:
        if args.command == "sim":
            asyncio.run(_serve_sim(args))
        elif args.command == "demo":
            return asyncio.run(_demo(args))
        elif args.command == "run":
            return asyncio.run(_run(args))
        elif args.command == "doctor":
            settings = load_settings()
            logs.configure_from(settings)
            key = "set" if settings.aimusic_api_key else "NOT SET"
            print(f"AIMUSIC_API_KEY: {key}\nAIMUSIC_BASE_URL: {settings.aimusic_base_url}")
            print(f"database: {describe(settings.database)}")
            print(f"logging: {settings.log_level}, {settings.log_format}")
        elif args.command == "migrate":
            settings = load_settings()
            logs.configure_from(settings)
            if args.source:
                print(_copied(asyncio.run(copy_sqlite(args.source, str(settings.database)))))
            else:
                print(asyncio.run(_migrate(settings.database)))
    except (ConfigError, StoreError) as exc:
        print(f"chorus: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
