"""A community of 100,000 members sending 1,000 commands a minute to one instance on PostgreSQL:
the instance's resident memory, and each command's time to its hold and job committed.

The 100,000 members already have accounts, each with its starting grant in the journal: they
are written by two bulk COPYs before the instance starts (through the ledger one by one the
set-up alone would take minutes), with the same rows the ledger writes for a member's first
command, so the books reconcile at the end. The commands come open-loop, one every 60 ms for
a minute (not waiting for each other, as members do not), each from a member drawn at random;
jobs stay queued (the engine gets no vendor tokens), so this measures the command path. The
simulator runs idle in the same process: the memory figures are the process's, with the
baseline taken before the instance was created. The floor is a bare asyncpg single-row insert
transaction on the same server, one after another.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path

import asyncpg
from pydantic import SecretStr

from adapters.console.adapter import SCOPE, TARGET
from benchmarks.harness import bench_settings, percentile
from benchmarks.inflight import rss_mb
from benchmarks.postgres import embedded_postgres, new_database
from benchmarks.report import write_section
from bot import messages
from bot.app import App
from bot.domain import Actor
from bot.ledger import SYSTEM, Ledger
from bot.schedule import EngineConfig
from bot.service import Request
from bot.store import Store
from simulator import Knobs, running_simulator

MEMBERS = 100_000
PER_MINUTE = 1000
MINUTES = 1.0
STARTING = 50
ENGINE = EngineConfig(rate_per_second=1e-6, burst=0)  # jobs stay queued


async def populate(url: str) -> float:
    """Migrate, then COPY the members' accounts and starting grants; seconds taken."""
    async with await Store.open(url):
        pass
    started = time.perf_counter()
    now = time.time()
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.copy_records_to_table(
                "accounts",
                columns=["id", "platform", "scope", "user_id", "balance", "created_at"],
                records=[
                    (n, SCOPE.platform, SCOPE.id, f"m{n}", STARTING, now)
                    for n in range(1, MEMBERS + 1)
                ],
            )
            await conn.copy_records_to_table(
                "journal",
                columns=["id", "account_id", "kind", "amount", "actor", "reason", "created_at"],
                records=[
                    (n, n, "grant", STARTING, SYSTEM, messages.JOURNAL_STARTING_CREDITS, now)
                    for n in range(1, MEMBERS + 1)
                ],
            )
            for table in ("accounts", "journal"):
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), $1)", MEMBERS
                )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def floor(url: str, count: int) -> list[float]:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE t (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)")
        samples = []
        for n in range(count):
            started = time.perf_counter()
            async with conn.transaction():
                await conn.execute("INSERT INTO t (v) VALUES ($1)", str(n))
            samples.append(time.perf_counter() - started)
        return samples
    finally:
        await conn.close()


async def commands(app: App) -> tuple[list[float], float]:
    """Each command's time to hold + job committed, and the highest RSS seen meanwhile."""
    rng = random.Random(16)
    peak = rss_mb()

    async def one(n: int) -> float:
        request = Request(
            op="song",
            actor=Actor(f"m{rng.randrange(1, MEMBERS + 1)}"),
            scope=SCOPE,
            target=TARGET,
            request_key=f"community-{n}",
            args={"prompt": f"song {n}"},
        )
        started = time.perf_counter()
        await app.service.run(request)
        return time.perf_counter() - started

    total = int(PER_MINUTE * MINUTES)
    interval = 60 / PER_MINUTE
    began = time.perf_counter()
    tasks = []
    for n in range(total):
        await asyncio.sleep(max(0.0, began + n * interval - time.perf_counter()))
        tasks.append(asyncio.create_task(one(n)))
        if n % 50 == 0:
            peak = max(peak, rss_mb())
    latencies = list(await asyncio.gather(*tasks))
    return latencies, max(peak, rss_mb())


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def main() -> str:
    with embedded_postgres() as server:
        url = await new_database(server, "community")
        setup = await populate(url)
        base = await floor(await new_database(server, "floor"), 1000)
        async with (
            running_simulator("bench-key", Knobs()) as sim,
            tempfile.TemporaryDirectory() as data,
        ):
            before = rss_mb()
            settings = bench_settings(sim.url, Path(data)).model_copy(
                update={"database_url": SecretStr(url), "starting_credits": STARTING}
            )
            app = await App.create(settings, engine_config=ENGINE, local_public=False)
            await app.start()
            try:
                idle = rss_mb()
                latencies, peak = await commands(app)
                after = rss_mb()
                retries = getattr(app.store, "retries", 0)
            finally:
                await app.stop()
        async with await Store.open(url) as store:
            await Ledger(store).reconcile()
            async with store.read() as conn:
                ((accounts,),) = await conn.execute_fetchall("SELECT count(*) FROM accounts")
                ((queued,),) = await conn.execute_fetchall("SELECT count(*) FROM jobs")
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    f50, f99 = percentile(base, 50), percentile(base, 99)
    body = (
        f"{MEMBERS:,} members (accounts and starting grants written by two COPYs in {setup:.1f} s"
        f" before the instance starts), {PER_MINUTE:,} /song commands a minute for"
        f" {MINUTES:g} minute from members drawn at random, one instance on PostgreSQL 16"
        " (default, durable settings). Jobs stay queued: this is the command path.\n\n"
        "| measure | p50 | p99 | max |\n|---|---|---|---|\n"
        f"| floor: bare asyncpg single-row insert transaction | {ms(f50)} | {ms(f99)}"
        f" | {ms(max(base))} |\n"
        f"| **/song command to hold + job committed** | {ms(p50)} | **{ms(p99)}**"
        f" | {ms(max(latencies))} |\n\n"
        "| measure | value |\n|---|---|\n"
        f"| **command p99 / floor p99** | **{p99 / f99:.1f}x** |\n"
        f"| command p50 / floor p50 | {p50 / f50:.1f}x |\n"
        f"| resident memory: process before the instance (simulator, libraries)"
        f" | {before:.0f} MB |\n"
        f"| resident memory: instance started, idle | {idle:.0f} MB |\n"
        f"| **resident memory: after {len(latencies):,} commands (peak)** | {after:.0f} MB"
        f" (**{peak:.0f} MB**) |\n"
        f"| memory the instance added over the process baseline (peak) | {peak - before:.0f} MB |\n"
        f"| accounts in the database / jobs queued | {accounts:,} / {queued:,} |\n"
        f"| serialization retries | {retries:,} |\n\n"
        "An instance keeps no member in memory: accounts, limits and languages are read from the\n"
        "database by each command, so its memory does not grow with the community's size."
    )
    write_section("A community of 100,000 members on PostgreSQL", body)
    return body


if __name__ == "__main__":
    print(asyncio.run(main()))
