"""A whole Chorus on loopback for end-to-end tests: simulator, app, web server, console adapter."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters import console as console_adapter
from adapters.console import ConsoleAdapter
from adapters.console.adapter import SCOPE
from bot.app import App
from bot.config import load_settings
from bot.domain import Member
from bot.schedule import EngineConfig
from bot.store import jobs, outbox, tracks
from simulator import Knobs, RunningSimulator, running_simulator

SIM_KNOBS = Knobs(time_scale=0.002, song_seconds=4.0)
ENGINE = EngineConfig(
    time_scale=0.002,
    rate_per_second=50,
    burst=50,
    status_interval=0,
    max_in_flight=50,
    max_in_flight_per_scope=50,
    max_in_flight_per_member=50,
    # The simulator renders audio in real CPU time, which time_scale does not shrink: a scaled
    # 20-minute timeout (2.4 s) could expire while a long song is still being rendered.
    job_timeout=50_000,
)


@dataclass
class Chorus:
    app: App
    console: ConsoleAdapter
    sim: RunningSimulator
    out: Path
    lines: list[str] = field(default_factory=list)

    @property
    def member(self) -> Member:
        return Member(SCOPE, self.console.actor.user_id)

    async def run(self, line: str) -> jobs.JobRow | None:
        """Run a console line; if it started a job, wait for it to finish and be delivered."""
        before = len(self.console.started)
        await self.console.execute(line)
        if len(self.console.started) == before:
            return None
        await self.console.wait_for_jobs(30)
        job = await self.app.service.job(self.console.started[-1])
        assert job is not None
        return job

    async def tracks(self, job: jobs.JobRow) -> list[tracks.TrackRow]:
        async with self.app.store.read() as conn:
            return await tracks.job_tracks(conn, job.id)

    async def available(self) -> int:
        return (await self.app.ledger.balance(self.member)).available

    async def settled(self, patience: float = 60) -> None:
        """Every job of every platform finished and every row of the outbox delivered (the
        console's own wait covers only the jobs it started)."""
        async with asyncio.timeout(patience):
            while True:
                async with self.app.store.read() as conn:
                    states = await jobs.state_counts(conn)
                    counts = await outbox.outbox_counts(conn)
                busy = sum(n for s, n in states.items() if s not in jobs.TERMINAL)
                if not busy and not counts.get("pending"):
                    return
                await asyncio.sleep(0.02)


@asynccontextmanager
async def chorus(
    tmp: Path,
    *,
    knobs: Knobs = SIM_KNOBS,
    engine: EngineConfig = ENGINE,
    public: bool = True,
    **settings: Any,
) -> AsyncIterator[Chorus]:
    async with running_simulator("e2e-key", knobs) as sim:
        config = load_settings(
            aimusic_api_key="e2e-key",
            aimusic_base_url=sim.url,
            data_dir=tmp / "data",
            web_port=0,
            starting_credits=settings.pop("starting_credits", 1000),
            max_concurrent_jobs=50,
            **settings,
        )
        app = await App.create(config, engine_config=engine, local_public=public)
        console = app.adapter(lambda core: console_adapter.create(core, out_dir=tmp / "songs"))
        assert isinstance(console, ConsoleAdapter)
        harness = Chorus(app, console, sim, tmp / "songs")
        console.platform.write = harness.lines.append
        await app.start()
        try:
            yield harness
        finally:
            await harness.app.stop()  # a test may have restarted it
            await asyncio.sleep(0)


@asynccontextmanager
async def chorus_run(tmp: Path, **env: str) -> AsyncIterator[None]:
    """``chorus run`` in its own process on the simulator, configured by ``env`` (a platform's
    token and address). On leaving it gets SIGTERM, and must exit 0 with no traceback."""
    async with running_simulator("run-key", SIM_KNOBS) as sim:
        settings = {
            "PATH": "",
            "AIMUSIC_API_KEY": "run-key",
            "AIMUSIC_BASE_URL": sim.url,
            "DATA_DIR": str(tmp),
            "WEB_PORT": "0",
            "PUBLIC_BASE_URL": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env={**settings, **env},
            cwd=Path(__file__).resolve().parents[1],
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            yield
        finally:
            process.send_signal(signal.SIGTERM)
            _, errors = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, errors.decode()[-2000:]
    assert "Traceback" not in errors.decode()


def chorus_cli(
    *args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """One ``chorus`` command in a subprocess with an empty environment plus ``env`` (so the
    machine's .env and LOG_* variables cannot leak in), its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        input=stdin,
        env={"PATH": "", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
