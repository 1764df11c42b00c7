"""Ledger throughput on PostgreSQL: hold+capture pairs per second, against bare asyncpg insert
transactions on the same server, at a few concurrency levels, with SQLite's figure beside it.

The server is a PostgreSQL 16 started for the run from the ``pgserver`` wheel, on a unix socket,
with its default (durable) settings: every commit is flushed, unlike the test server. The floor
is the cheapest durable write the store could make there: a pool of as many connections as the
store's (10), ``workers`` coroutines each running BEGIN, one single-row INSERT, COMMIT. A pair
is two ledger transactions (hold, then capture), each SERIALIZABLE with the limit checks and
journal queries, so one pair per floor transaction (ratio 0.5) is the most it could reach.
SQLite runs the same pairs on a file (its own floor is in "Ledger: hold + capture throughput").
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from benchmarks.report import write_section
from bot.domain import Member, Scope
from bot.ledger import Defaults, Ledger
from bot.store import Store

PAIRS = 1000
LEVELS = (1, 10, 50)  # members acting at once, each its own pairs one after another
POOL = 10  # PgStore's pool size


@contextmanager
def embedded_postgres() -> Iterator[str]:
    """A PostgreSQL 16 of the run's own (default settings, unix socket only); its URL."""
    runtime = Path(tempfile.gettempdir()) / "chorus-pg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))  # pgserver's lock file goes there
    import pgserver  # a dev dependency, as `make bench` installs

    pgdata = Path(tempfile.mkdtemp(prefix="chorus-bench-pg-"))
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()
        shutil.rmtree(pgdata, ignore_errors=True)


async def new_database(server: str, prefix: str) -> str:
    """A fresh empty database on ``server``; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    assert re.fullmatch(r"[a-z_0-9]+", name)
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


async def pg_floor(url: str, count: int, workers: int) -> float:
    """Bare single-row insert transactions per second, ``workers`` at once over a pool."""
    pool = await asyncpg.create_pool(url, min_size=POOL, max_size=POOL)
    try:
        async with pool.acquire() as conn:
            await conn.execute("CREATE TABLE t (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)")

        async def worker(ns: range) -> None:
            for n in ns:
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute("INSERT INTO t (v) VALUES ($1)", str(n))

        share = count // workers
        started = time.perf_counter()
        await asyncio.gather(*(worker(range(w * share, (w + 1) * share)) for w in range(workers)))
        return share * workers / (time.perf_counter() - started)
    finally:
        await pool.close()


async def pairs(target: str, count: int, workers: int) -> tuple[float, int]:
    """Hold + capture pairs per second with ``workers`` members at once, and the transaction
    functions PostgreSQL made run again (serialization failures; 0 on SQLite)."""
    async with await Store.open(target) as store:
        ledger = Ledger(store, Defaults(starting_credits=1_000_000, max_concurrent=1000))
        scope = Scope("discord", "bench")
        members = [Member(scope, f"user-{n}") for n in range(workers)]
        for member in members:
            await ledger.balance(member)

        async def member_pairs(member: Member, ns: range) -> None:
            for n in ns:
                hold = await ledger.hold(member, 14, job_id=f"job-{n}")
                await ledger.capture(hold.hold_id)

        share = count // workers
        retries = getattr(store, "retries", 0)
        started = time.perf_counter()
        await asyncio.gather(
            *(member_pairs(m, range(i * share, (i + 1) * share)) for i, m in enumerate(members))
        )
        elapsed = time.perf_counter() - started
        retries = getattr(store, "retries", 0) - retries
        await ledger.reconcile()
        return share * workers / elapsed, retries


async def main() -> str:
    rows = []
    with embedded_postgres() as server, tempfile.TemporaryDirectory() as folder:
        for workers in LEVELS:
            floor = await pg_floor(await new_database(server, "floor"), PAIRS * 2, workers)
            pg, retries = await pairs(await new_database(server, "ledger"), PAIRS, workers)
            lite, _ = await pairs(str(Path(folder) / f"ledger-{workers}.db"), PAIRS, workers)
            rows.append(
                f"| {workers} | {floor:,.0f} | **{pg:,.0f}** | {retries:,} | **{pg / floor:.3f}**"
                f" | {lite:,.0f} | {lite / pg:.1f}x |\n"
            )
    body = (
        f"{PAIRS:,} hold + capture pairs per level; a level's members act at once, each its own\n"
        "pairs one after another.\n\n"
        "| members at once | floor: bare asyncpg insert transactions/s | PostgreSQL pairs/s"
        " | serialization retries | ratio to the floor | SQLite pairs/s | SQLite / PostgreSQL |\n"
        "|---|---|---|---|---|---|---|\n"
        f"{''.join(rows)}\n"
        "A pair is two SERIALIZABLE transactions, each taking the writer lock shared and reading\n"
        "the member's policy, limits and journal before it writes, so 0.5 is the most the ratio\n"
        "could reach. PostgreSQL flushes every commit (default settings); SQLite in WAL mode with\n"
        "synchronous=NORMAL does not, and batches the transactions that arrive together into one\n"
        "commit: on one machine it is the faster store. PostgreSQL is what lets several instances\n"
        "share one ledger."
    )
    write_section("Ledger on PostgreSQL: hold + capture throughput", body)
    return body


if __name__ == "__main__":
    print(asyncio.run(main()))
