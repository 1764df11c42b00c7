"""Many holds at once, from one process and from four, and a process killed mid-storm: on a
SQLite file and on PostgreSQL (the ``database`` fixture gives each test both)."""

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


async def fund_alice(database: str, credits: int) -> None:
    async with await Store.open(database) as store:
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


def started(racers: list[subprocess.Popen[str]]) -> None:
    """Wait until every racer is connected and ready, then let them all go at once."""
    for racer in racers:
        assert racer.stdout is not None and racer.stdout.readline().strip() == "ready"
    for racer in racers:
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()


async def test_200_holds_from_four_processes_against_three_songs_succeed_three_times(
    database: str,
) -> None:
    await fund_alice(database, 42)
    racers = [worker("race", database, "50") for _ in range(4)]
    started(racers)
    wins = [int(racer.communicate(timeout=120)[0].strip()) for racer in racers]
    assert all(racer.returncode == 0 for racer in racers)
    assert sum(wins) == 3
    async with await Store.open(database) as store:
        ledger = Ledger(store)
        await ledger.reconcile()
        assert (await ledger.balance(ALICE)).available == 0


async def test_one_event_id_raced_from_two_processes_makes_one_hold(database: str) -> None:
    await fund_alice(database, 42)
    racers = [worker("keyed", database, "20") for _ in range(2)]
    started(racers)
    answers = [racer.communicate(timeout=120)[0].split() for racer in racers]
    assert all(racer.returncode == 0 for racer in racers)
    assert len({hold for answer in answers for hold in answer}) == 1
    assert sum(len(answer) for answer in answers) == 40  # every caller got the one hold back
    async with await Store.open(database) as store:
        ledger = Ledger(store)
        await ledger.reconcile()
        assert (await ledger.balance(ALICE)).available == 42 - 14
        async with store.read() as conn:
            rows = await conn.execute_fetchall("SELECT count(*) FROM journal WHERE kind = 'hold'")
            assert [tuple(row) for row in rows] == [(1,)]


async def test_a_process_killed_mid_storm_loses_nothing(database: str) -> None:
    reported = 0
    for kill_after in (150, 400):
        storm = worker("storm", database)
        assert storm.stdout is not None
        committed = 0
        while committed < kill_after:
            committed = int(storm.stdout.readline())
        os.kill(storm.pid, signal.SIGKILL)
        storm.wait(timeout=30)
        async with await Store.open(database) as store:
            clock = Clock(now=4_000_000_000.0)  # far past every hold's expiry
            ledger = Ledger(store, clock=clock)
            await ledger.reconcile()
            async with store.read() as conn:
                ((holds,),) = await conn.execute_fetchall(
                    "SELECT count(*) FROM journal WHERE kind = 'hold'"
                )
            reported += committed
            assert holds >= reported  # every hold the worker saw committed survived the kill
            await ledger.sweep_expired()  # holds left open by the kill go back to their owners
            await ledger.reconcile()
            async with store.read() as conn:
                totals = await j.totals(conn)
                ((balance, held),) = await conn.execute_fetchall(
                    "SELECT sum(balance), sum(held) FROM accounts"
                )
            assert held == 0
            assert balance == totals["grant"] - totals.get("capture", 0) + totals.get("adjust", 0)
            member_balance = await ledger.balance(Member(GUILD, "user-0"))
            assert member_balance.available == member_balance.balance >= 0
