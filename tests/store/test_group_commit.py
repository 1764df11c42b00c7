"""Group commit: writes that arrive together share a transaction, yet each keeps its own
outcome, a failing one rolls back alone, and nobody is told "done" before the COMMIT."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest

from bot.domain import Member
from bot.ledger import Defaults, Hold, InsufficientCredits, Ledger
from bot.store import Store
from bot.store import durations as d
from tests.ledger_fixtures import GUILD

MEMBERS = [f"member-{n}" for n in range(10)]


async def test_a_burst_of_holds_shares_a_few_commits_and_each_keeps_its_outcome(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    async with await Store.open(path) as store:
        ledger = Ledger(store, Defaults(starting_credits=30, max_concurrent=100))
        members = [Member(GUILD, name) for name in MEMBERS]
        for member in members:
            await ledger.balance(member)
        before = store.commits

        async def hold_and_check(member: Member) -> Hold:
            hold = await ledger.hold(member, 14)
            # Told "held": another connection to the file already sees it committed.
            async with aiosqlite.connect(path) as other:
                rows = await other.execute_fetchall(
                    "SELECT count(*) FROM journal WHERE id = ?", (hold.hold_id,)
                )
            assert next(iter(rows))[0] == 1
            return hold

        # 30 credits pay for two holds of 14: of five tries each, two hold and three are refused.
        results = await asyncio.gather(
            *(hold_and_check(m) for m in members for _ in range(5)), return_exceptions=True
        )
        commits = store.commits - before
        held = [r for r in results if isinstance(r, Hold)]
        refused = [r for r in results if isinstance(r, InsufficientCredits)]
        assert (len(held), len(refused)) == (20, 30), results
        for member in members:
            assert (await ledger.balance(member)).available == 2
        # 50 ledger writes arrived together: a handful of transactions, not fifty.
        assert commits <= 10
        await ledger.reconcile()


async def test_a_writer_that_fails_inside_a_group_rolls_back_alone(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "group.db") as store:
        before = store.commits

        async def write(n: int) -> None:
            async with store.write() as conn:
                await d.record(conn, "song", f"model-{n}", float(n), 0.0)
                if n % 2:
                    raise RuntimeError(f"writer {n} fails after writing")

        results = await asyncio.gather(*(write(n) for n in range(40)), return_exceptions=True)
        failed = [n for n, r in enumerate(results) if isinstance(r, RuntimeError)]
        assert failed == list(range(1, 40, 2))
        async with store.read() as conn:
            rows = await conn.execute_fetchall("SELECT seconds FROM durations ORDER BY seconds")
        assert [int(row[0]) for row in rows] == list(range(0, 40, 2))
        assert store.commits - before < 20  # the 20 that succeeded did not commit one by one


async def test_a_writer_cancelled_while_waiting_does_not_leave_the_group_open(
    tmp_path: Path,
) -> None:
    async with await Store.open(tmp_path / "cancel.db") as store:
        inside, release = asyncio.Event(), asyncio.Event()

        async def first() -> None:
            async with store.write() as conn:
                await d.record(conn, "song", "first", 1.0, 0.0)
                inside.set()
                await release.wait()

        async def second() -> None:
            async with store.write() as conn:
                await d.record(conn, "song", "second", 2.0, 0.0)

        one = asyncio.create_task(first())
        await inside.wait()
        two = asyncio.create_task(second())
        await asyncio.sleep(0)  # the second writer now waits for the connection
        release.set()
        await asyncio.sleep(0)  # the first finishes its block and leaves the group open
        two.cancel()
        await asyncio.wait_for(one, 30)  # a hang guard, not a time limit: it must commit
        with pytest.raises(asyncio.CancelledError):
            await two
        async with store.read() as conn:
            rows = await conn.execute_fetchall("SELECT model FROM durations")
        assert [row[0] for row in rows] == ["first"]
