"""Ledger throughput: hold+capture pairs per second, against bare aiosqlite insert transactions.

The floor is the cheapest durable write the same store could make: one ``BEGIN IMMEDIATE``,
one single-row INSERT, ``COMMIT``, on the same kind of file with the same pragmas. A hold and its
capture are two such transactions with limit checks and journal queries, so a ratio near 0.5
would mean the ledger adds almost nothing to what SQLite itself costs.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.harness import insert_floor
from benchmarks.report import write_section
from bot.domain import Member, Scope
from bot.ledger import Defaults, Ledger
from bot.store import Store

PAIRS = 2000
USERS = 50


async def pairs(path: Path, count: int) -> float:
    """Hold + capture pairs per second, spread over members of one scope."""
    async with await Store.open(path) as store:
        ledger = Ledger(store, Defaults(starting_credits=1_000_000, max_concurrent=1000))
        scope = Scope("discord", "bench")
        members = [Member(scope, f"user-{n}") for n in range(USERS)]
        for member in members:
            await ledger.balance(member)
        started = time.perf_counter()
        for n in range(count):
            hold = await ledger.hold(members[n % USERS], 14, job_id=f"job-{n}")
            await ledger.capture(hold.hold_id)
        elapsed = time.perf_counter() - started
        await ledger.reconcile()
        return count / elapsed


async def main() -> str:
    with tempfile.TemporaryDirectory() as folder:
        base = (PAIRS * 2) / sum(await insert_floor(Path(folder) / "floor.db", PAIRS * 2))
        ours = await pairs(Path(folder) / "ledger.db", PAIRS)
    ratio = ours / base
    body = (
        "| measure | per second |\n|---|---|\n"
        f"| floor: bare aiosqlite single-row insert transactions | {base:,.0f} |\n"
        f"| hold + capture pairs ({PAIRS:,} pairs, {USERS} members) | {ours:,.0f} |\n"
        f"| **ratio pairs / floor** | **{ratio:.3f}** |\n\n"
        "A pair is two transactions, so 0.5 is the ceiling: everything below it is the price of\n"
        "the limit checks, journal queries and cached-balance updates."
    )
    write_section("Ledger: hold + capture throughput", body)
    return body


if __name__ == "__main__":
    print(asyncio.run(main()))
