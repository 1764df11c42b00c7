"""Memory and CPU with 10,000 jobs in flight.

The simulator runs in its own process with time slowed so that no task finishes: every job
stays in flight and is polled on Chorus's real schedule (first poll after 10 s, then every
15-25 s). Over a 30 s window we measure this process's CPU per poll and its resident memory
per job. The floor is a bare httpx loop polling the same simulator, measured in the same run.
"""

from __future__ import annotations

import asyncio
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from adapters.console import ConsoleAdapter, create
from adapters.console.adapter import SCOPE, TARGET
from benchmarks.harness import app_on
from benchmarks.report import write_section
from bot.domain import Actor
from bot.schedule import EngineConfig
from bot.service import Request
from bot.store import jobs

JOBS = 10_000
MEMBERS = 100
WINDOW = 30.0
ENGINE = EngineConfig(
    rate_per_second=5000,
    burst=5000,
    max_in_flight=20_000,
    max_in_flight_per_scope=20_000,
    max_in_flight_per_member=200,
    status_interval=3600,
)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_simulator(port: int) -> subprocess.Popen[str]:
    """The vendor in a process of its own, so its CPU is not counted as Chorus's."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "sim",
            "--port",
            str(port),
            "--api-key",
            "bench-key",
            "--time-scale",
            "1000",
            "--credits",
            "100000000",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def bare_cpu_per_get(url: str, task_id: str, count: int = 2000) -> float:
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": "Bearer bench-key"}
    ) as http:
        started = cpu()
        for _ in range(count):
            (await http.get(f"/api/v1/sonic/task/{task_id}")).json()
        return (cpu() - started) / count


async def main() -> str:
    port = free_port()
    sim = start_simulator(port)
    try:
        assert sim.stdout is not None
        sim.stdout.readline()
        url = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as folder:
            async with app_on(url, Path(folder), ENGINE, public=False) as app:
                console = app.adapter(lambda core: create(core, out_dir=Path(folder) / "songs"))
                assert isinstance(console, ConsoleAdapter)
                console.platform.write = lambda _: None
                idle_rss = rss_mb()
                for n in range(JOBS):
                    await app.service.run(
                        Request(
                            op="song",
                            actor=Actor(f"m{n % MEMBERS}"),
                            scope=SCOPE,
                            target=TARGET,
                            request_key=f"fly-{n}",
                            args={"prompt": f"song {n}"},
                        )
                    )
                while True:
                    async with app.store.read() as conn:
                        states = await jobs.state_counts(conn)
                    if states.get("running", 0) >= JOBS:
                        break
                    await asyncio.sleep(0.5)
                calls, started_cpu, started = app.client.calls, cpu(), time.monotonic()
                await asyncio.sleep(WINDOW)
                polls = app.client.calls - calls
                used = cpu() - started_cpu
                elapsed = time.monotonic() - started
                full_rss = rss_mb()
                async with app.store.read() as conn:
                    sample = (await jobs.jobs_in(conn, "running", limit=1))[0].task_id or ""
            floor = await bare_cpu_per_get(url, sample)
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    per_poll = used / max(polls, 1)
    body = (
        f"{JOBS:,} songs in flight ({MEMBERS} members), polled on the real schedule "
        f"for {elapsed:.0f} s.\n\n"
        "| measure | value |\n|---|---|\n"
        f"| polls made in the window | {polls:,} ({polls / elapsed:.0f}/s) |\n"
        f"| CPU used by Chorus in the window | {used:.1f} s "
        f"({used / elapsed * 100:.0f}% of one core) |\n"
        f"| floor: CPU per bare httpx poll of the same simulator "
        f"| {floor * 1000:.2f} ms |\n"
        f"| Chorus CPU per poll (read, HTTP, parse, reschedule) | {per_poll * 1000:.2f} ms |\n"
        f"| **ratio per poll / floor** | **{per_poll / floor:.1f}x** |\n"
        f"| resident memory, idle → 10,000 in flight | {idle_rss:.0f} MB → {full_rss:.0f} MB "
        f"({(full_rss - idle_rss) * 1024 / JOBS:.1f} KB per job) |\n\n"
        "Jobs in flight live in SQLite, not in memory: the engine keeps only the set of jobs\n"
        "being polled at this moment."
    )
    write_section("Memory and CPU with 10,000 jobs in flight", body)
    return body


if __name__ == "__main__":
    print(asyncio.run(main()))
