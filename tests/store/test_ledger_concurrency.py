"""Many holds at once, from one process and from two, and a process killed mid-storm."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.domain import Member
from bot.ledger import Defaults, Ledger, LedgerRefusal
from bot.moderation import Moderation
from bot.store import Store
from bot.store import journal as j
from tests.ledger_fixtures import ALICE, GUILD, MOD, Clock

ROOT = Path(__file__).resolve().parents[2]


def worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.ledger_worker", *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


async def fund_alice(path: Path, credits: int) -> None:
    async with await Store.open(path) as store:
        ledger = Ledger(store, Defaults(starting_credits=0))
        await Moderation(ledger).grant(MOD, ALICE, credits, "enough for three songs")


async def test_200_concurrent_holds_against_three_songs_succeed_three_times(
    store: Store, clock: Clock
) -> None:
    ledger = Ledger(store, Defaults(starting_credits=42, max_concurrent=1000), clock)

    async def attempt() -> bool:
        try:
            await ledger.hold(ALICE, 14)
        except LedgerRefusal:
            return False
        return True

    results = await asyncio.gather(*(attempt() for _ in range(200)))
    assert sum(results) == 3
    assert (await ledger.balance(ALICE)).available == 0
    await ledger.reconcile()


async def test_two_processes_racing_on_one_file_succeed_three_times(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    await fund_alice(path, 42)
    racers = [worker("race", str(path), "100") for _ in range(2)]
    for racer in racers:
        assert racer.stdout is not None and racer.stdout.readline().strip() == "ready"
    for racer in racers:
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    wins = [int(racer.communicate(timeout=120)[0].strip()) for racer in racers]
    assert sum(wins) == 3
    async with await Store.open(path) as store:
        ledger = Ledger(store)
        await ledger.reconcile()
        assert (await ledger.balance(ALICE)).available == 0


async def test_a_process_killed_mid_storm_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "storm.db"
    reported = 0
    for kill_after in (150, 400):
        storm = worker("storm", str(path))
        assert storm.stdout is not None
        committed = 0
        while committed < kill_after:
            committed = int(storm.stdout.readline())
        os.kill(storm.pid, signal.SIGKILL)
        storm.wait(timeout=30)
        async with await Store.open(path) as store:
            clock = Clock(now=4_000_000_000.0)  # far past every hold's expiry
            ledger = Ledger(store, clock=clock)
            await ledger.reconcile()
            async with store.read() as conn:
                counted = await conn.execute("SELECT count(*) FROM journal WHERE kind = 'hold'")
                (holds,) = await counted.fetchone()  # type: ignore[misc]
            reported += committed
            assert holds >= reported  # every hold the worker saw committed survived the kill
            await ledger.sweep_expired()  # holds left open by the kill go back to their owners
            await ledger.reconcile()
            async with store.read() as conn:
                totals = await j.totals(conn)
                cached = await conn.execute("SELECT sum(balance), sum(held) FROM accounts")
                balance, held = await cached.fetchone()  # type: ignore[misc]
            assert held == 0
            assert balance == totals["grant"] - totals.get("capture", 0) + totals.get("adjust", 0)
            member_balance = await ledger.balance(Member(GUILD, "user-0"))
            assert member_balance.available == member_balance.balance >= 0
