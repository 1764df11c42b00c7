"""Ledger throughput: hold+capture pairs per second, against bare aiosqlite insert transactions.

The floor is the cheapest durable write the same store could make: one ``BEGIN IMMEDIATE``,
one single-row INSERT, ``COMMIT``, on the same kind of file with the same pragmas. A hold and its
capture are two logical writes with limit checks and journal queries: one after another they
cannot reach 0.5 of the floor, since each pays for its own transaction. Members acting at the
same time can, because their writes are group-committed (``Store.write``): that is the headline
figure, with the one-at-a-time rate beside it.
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


async def pairs(path: Path, count: int, together: bool) -> tuple[float, int]:
    """Hold + capture pairs per second over members of one scope, and the commits they took:
    one member after another, or every member at once (each its own pairs in order)."""
    async with await Store.open(path) as store:
        ledger = Ledger(store, Defaults(starting_credits=1_000_000, max_concurrent=1000))
        scope = Scope("discord", "bench")
        members = [Member(scope, f"user-{n}") for n in range(USERS)]
        for member in members:
            await ledger.balance(member)

        async def member_pairs(m: int, ns: range) -> None:
            for n in ns:
                hold = await ledger.hold(members[m], 14, job_id=f"job-{n}")
                await ledger.capture(hold.hold_id)

        commits = store.commits
        started = time.perf_counter()
        if together:
            share = count // USERS
            await asyncio.gather(
                *(member_pairs(m, range(m * share, (m + 1) * share)) for m in range(USERS))
            )
        else:
            for n in range(count):
                await member_pairs(n % USERS, range(n, n + 1))
        elapsed = time.perf_counter() - started
        commits = store.commits - commits
        await ledger.reconcile()
        return count / elapsed, commits


async def main() -> str:
    with tempfile.TemporaryDirectory() as folder:
        base = (PAIRS * 2) / sum(await insert_floor(Path(folder) / "floor.db", PAIRS * 2))
        alone, alone_commits = await pairs(Path(folder) / "alone.db", PAIRS, together=False)
        grouped, commits = await pairs(Path(folder) / "together.db", PAIRS, together=True)
    body = (
        "| measure | per second | commits | ratio to the floor |\n|---|---|---|---|\n"
        f"| floor: bare aiosqlite single-row insert transactions | {base:,.0f} "
        f"| {PAIRS * 2:,} | 1.000 |\n"
        f"| hold + capture pairs, one at a time ({PAIRS:,} pairs, {USERS} members) "
        f"| {alone:,.0f} | {alone_commits:,} | {alone / base:.3f} |\n"
        f"| **hold + capture pairs, {USERS} members at once (group commit)** "
        f"| **{grouped:,.0f}** | {commits:,} | **{grouped / base:.3f}** |\n\n"
        "A pair is two logical writes: one at a time each pays for a transaction of its own, so\n"
        "0.5 is out of reach whatever the ledger does. With members acting at once, the writes\n"
        "waiting for the connection join one transaction (each in its own SAVEPOINT, each told\n"
        "its outcome only after the COMMIT), so the pairs share a few commits."
    )
    write_section("Ledger: hold + capture throughput", body)
    return body


if __name__ == "__main__":
    print(asyncio.run(main()))
