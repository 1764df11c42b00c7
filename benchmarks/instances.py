"""Jobs completed per minute by one, two and three instances sharing one PostgreSQL database.

Each instance is a process of its own (``tests/instance_worker.py``, the crash test's worker)
queueing an equal share of the songs; the simulator runs in this process with no rate limit of
its own (no create interval, no faults) and Chorus's rate bucket raised out of the way, so what
is measured is how fast the instances together take songs from queued to delivered. The rate is
read from the database: songs over the time from the first queued to the last finished, so
process start-up is not counted. The floor is one instance on the same database server.

Only the first instance serves the platform, so the results are delivered (their audio fetched
from the simulator) once, by it: until the outbox is claimed across instances, each instance
serving a platform would post every row, and the figures would measure that instead.

PostgreSQL comes from ``CHORUS_TEST_DATABASE_URL`` or, without it, the tests' embedded server
(``tests/pg.py``); each run gets a fresh database.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
from pathlib import Path

from benchmarks.report import write_section
from bot.store import Store
from simulator import Knobs, running_simulator
from tests.pg import drop_database, fresh_database

SONGS = 180
KNOBS = Knobs(time_scale=0.005, song_seconds=0.5, credits=10_000_000)
ROOT = Path(__file__).resolve().parents[1]


def cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


async def run(instances: int, folder: Path) -> tuple[float, float, float]:
    """Songs finished per minute by ``instances`` processes on a fresh database, and the CPU
    seconds the instances and the simulator used."""
    url = await fresh_database("bench")
    share = SONGS // instances
    children, simulator = cpu(resource.RUSAGE_CHILDREN), cpu(resource.RUSAGE_SELF)
    try:
        async with running_simulator("multi-key", KNOBS) as sim:
            workers = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tests.instance_worker",
                    url,
                    str(folder / f"{instances}-{n}"),
                    sim.url,
                    str(n * share),
                    str(share),
                    str(share * instances),
                    str(folder / f"posts-{instances}.jsonl"),
                    f"i{n}",
                    *(["engine"] if n else []),  # one delivers: see the module's docstring
                    cwd=ROOT,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                    env={**os.environ, "LOG_LEVEL": "WARNING"},
                )
                for n in range(instances)
            ]
            codes = await asyncio.gather(*(worker.wait() for worker in workers))
            assert codes == [0] * instances, codes
        children = cpu(resource.RUSAGE_CHILDREN) - children
        simulator = cpu(resource.RUSAGE_SELF) - simulator
        async with await Store.open(url) as store, store.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT count(*), min(created_at), max(finished_at) FROM jobs"
                " WHERE state = 'succeeded'"
            )
        done, first, last = rows[0]
        assert int(done) == share * instances  # every song made (once: one job per key)
        return float(done) / (float(last) - float(first)) * 60, children, simulator
    finally:
        await drop_database(url)


def report(rates: dict[int, tuple[float, float, float]]) -> str:
    """The section's text for songs per minute, instance CPU and simulator CPU per count."""
    floor = rates[1][0]
    lines = "\n".join(
        f"| {'**' if n > 1 else ''}{n} instance{'s' if n > 1 else ''}"
        f"{'**' if n > 1 else ''} | {rate:,.0f} | {rate / floor:.2f} | {used:.1f} | {sim:.1f} |"
        for n, (rate, used, sim) in rates.items()
    )
    return (
        f"{SONGS} songs (0.5 s of audio each, rendered by the simulator) split evenly across the\n"
        "instances, each a process of its own on one PostgreSQL database; the simulator has no\n"
        "rate limit and Chorus's shared bucket is raised out of the way. The first instance\n"
        "alone delivers (serves the platform); every instance queues, submits and polls. Songs\n"
        "per minute from the first queued to the last finished; CPU seconds of the instance\n"
        "processes (start-up included) and of the simulator, over the whole run.\n\n"
        "| instances | songs finished per minute | ratio to one instance"
        " | CPU s, instances | CPU s, simulator |\n|---|---|---|---|---|\n"
        f"{lines}\n\n"
        "The instances share one queue (claims under leases) and one submission rate, and every\n"
        "song succeeded. Here all of them, PostgreSQL and the simulator share the same two\n"
        "cores, so a second instance cannot add CPU: the ratio measures what sharing costs\n"
        "(each instance's own loops, start-up and lease traffic), a floor on what instances on\n"
        "machines of their own add. Runs on a busy machine vary by a third."
    )


async def main() -> str:
    with tempfile.TemporaryDirectory() as folder:
        rates = {n: await run(n, Path(folder)) for n in (1, 2, 3)}
    body = report(rates)
    write_section("Many instances: songs finished per minute", body)
    return body
