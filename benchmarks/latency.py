"""Command-to-hold latency: from ``service.run`` called to the hold and job committed.

The floor is one bare aiosqlite single-row insert transaction on the same kind of file: the
least a durable "yes, queued" could cost.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from adapters.console import ConsoleAdapter, create
from adapters.console.adapter import SCOPE, TARGET
from benchmarks.harness import app_on, insert_burst_floor, insert_floor, percentile
from benchmarks.report import write_section
from bot.domain import Actor
from bot.schedule import EngineConfig
from bot.service import Request
from simulator import Knobs, running_simulator

COMMANDS = 400
BURST = 100
# Jobs stay queued (no vendor tokens): this measures the command path, not the vendor.
ENGINE = EngineConfig(rate_per_second=1e-6, burst=0)


async def commands(sim_url: str, folder: Path) -> tuple[list[float], list[float]]:
    async with app_on(sim_url, folder, ENGINE, public=False) as app:
        console = app.adapter(lambda core: create(core, out_dir=folder / "songs"))
        assert isinstance(console, ConsoleAdapter)
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
        base_burst = await insert_burst_floor(Path(folder) / "burst.db", BURST)
        async with running_simulator("bench-key", Knobs()) as sim:
            sequential, burst = await commands(sim.url, Path(folder) / "app")
    p50, p99 = percentile(sequential, 50), percentile(sequential, 99)
    f50, f99 = percentile(base, 50), percentile(base, 99)
    b99 = percentile(burst, 99)
    rows = [
        ("floor: bare aiosqlite single-row insert transaction", base),
        (f"/song command to hold + job committed ({COMMANDS} one after another)", sequential),
        (f"the same, {BURST} commands arriving at once (each one's wait)", burst),
        (f"floor: {BURST} bare insert transactions arriving at once (each one's wait)", base_burst),
    ]
    table = "".join(
        f"| {name} | {ms(percentile(v, 50))} | {ms(percentile(v, 90))} | {ms(percentile(v, 99))} "
        f"| {ms(max(v))} |\n"
        for name, v in rows
    )
    body = (
        f"| measure | p50 | p90 | p99 | max |\n|---|---|---|---|---|\n{table}\n"
        f"| ratio | value |\n|---|---|\n"
        f"| one command / floor, p50 | {p50 / f50:.1f}x |\n"
        f"| one command / floor, p99 | {p99 / f99:.1f}x |\n"
        f"| **burst wait p99 / one-at-a-time p99** (goal ≤ 5x) | **{b99 / p99:.1f}x** |\n"
        f"| the floor's own: burst p99 / one-at-a-time p99 "
        f"| {percentile(base_burst, 99) / f99:.1f}x |\n"
        f"| burst wait p99 / the floor's burst p99 | {b99 / percentile(base_burst, 99):.1f}x |\n\n"
        "A command validates its arguments, then hands the store one transaction function that\n"
        "reads the member's policy, places the hold, inserts the job and counts its queue\n"
        "position; the status is posted after. The store runs every function queued meanwhile\n"
        "on its database thread in one round trip and one commit, so a burst's commands are\n"
        "answered together once that batch is committed."
    )
    write_section("Command-to-hold latency", body)
    return body


if __name__ == "__main__":
    print(asyncio.run(main()))
