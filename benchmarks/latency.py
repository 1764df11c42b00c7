"""Command-to-hold latency: from ``service.run`` called to the hold and job committed.

The floor is one bare aiosqlite single-row insert transaction on the same kind of file: the
least a durable "yes, queued" could cost.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from adapters.console import ConsoleAdapter
from adapters.console.adapter import SCOPE, TARGET
from benchmarks.harness import app_on, insert_floor, percentile
from benchmarks.report import write_section
from bot.domain import Actor
from bot.engine import EngineConfig
from bot.service import Request
from simulator import Knobs, running_simulator

COMMANDS = 400
BURST = 100
# Jobs stay queued (no vendor tokens): this measures the command path, not the vendor.
ENGINE = EngineConfig(rate_per_second=1e-6, burst=0)


async def commands(sim_url: str, folder: Path) -> tuple[list[float], list[float]]:
    async with app_on(sim_url, folder, ENGINE, public=False) as app:
        console = ConsoleAdapter(app, folder / "songs")
        console.platform.write = lambda _: None

        async def timed(n: int) -> float:
            request = Request(
                op="song",
                actor=Actor(f"m{n % 50}"),
                scope=SCOPE,
                target=TARGET,
                request_key=f"lat-{n}",
                args={"prompt": f"song {n}"},
            )
            started = time.perf_counter()
            await app.service.run(request)
            return time.perf_counter() - started

        sequential = [await timed(n) for n in range(COMMANDS)]
        burst = await asyncio.gather(*(timed(COMMANDS + n) for n in range(BURST)))
        return sequential, list(burst)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


async def main() -> str:
    with tempfile.TemporaryDirectory() as folder:
        base = await insert_floor(Path(folder) / "floor.db", COMMANDS)
        async with running_simulator("bench-key", Knobs()) as sim:
            sequential, burst = await commands(sim.url, Path(folder) / "app")
    p50, p99 = percentile(sequential, 50), percentile(sequential, 99)
    f50, f99 = percentile(base, 50), percentile(base, 99)
    rows = [
        ("floor: bare aiosqlite single-row insert transaction", f50, f99),
        (f"/song command to hold + job committed ({COMMANDS} one after another)", p50, p99),
        (
            f"the same, {BURST} commands arriving at once (each one's wait)",
            percentile(burst, 50),
            percentile(burst, 99),
        ),
    ]
    table = "".join(f"| {name} | {ms(a)} | {ms(b)} |\n" for name, a, b in rows)
    body = (
        f"| measure | p50 | p99 |\n|---|---|---|\n{table}"
        f"| **ratio command / floor** | **{p50 / f50:.1f}x** | **{p99 / f99:.1f}x** |\n\n"
        "A command validates its arguments, reads the member's policy, then places the hold\n"
        "and inserts the job in one `BEGIN IMMEDIATE` transaction; the status is posted after."
    )
    write_section("Command-to-hold latency", body)
    return body


if __name__ == "__main__":
    print(asyncio.run(main()))
