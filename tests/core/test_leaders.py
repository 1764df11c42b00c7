"""A role one instance plays at a time: taken, renewed, given up, taken over when its lease
runs out, and never held by two (on both backends; the store's own rows on a fixed clock)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.leaders import Leaders
from bot.store import Store
from bot.store import leaders as rows
from bot.store.connection import Conn

ROLE = "telegram-polling"


@pytest.fixture
async def store(database: str) -> AsyncIterator[Store]:
    async with await Store.open(database) as opened:
        yield opened


async def claim(store: Store, holder: str, now: float, until: float) -> bool:
    async def work(conn: Conn) -> bool:
        return await rows.claim(conn, ROLE, holder, now, until)

    return await store.transact(work)


async def leader(store: Store, now: float) -> str | None:
    async with store.read() as conn:
        return await rows.leader(conn, ROLE, now)


async def test_a_lease_is_taken_renewed_refused_and_taken_over_once_it_runs_out(
    store: Store,
) -> None:
    assert await claim(store, "a", now=100, until=130)
    assert not await claim(store, "b", now=110, until=140)  # a leads until 130
    assert await claim(store, "a", now=120, until=150)  # a renews
    assert not await claim(store, "b", now=149, until=179)
    assert await leader(store, 149) == "a"
    assert await leader(store, 151) is None  # a died: its lease ran out
    assert await claim(store, "b", now=151, until=181)  # and b takes over
    assert not await claim(store, "a", now=152, until=182)  # a, back, is refused
    async with store.write() as conn:
        await rows.release(conn, ROLE, "a")  # not a's any more: nothing happens
    assert await leader(store, 152) == "b"
    async with store.write() as conn:
        await rows.release(conn, ROLE, "b")
    assert await leader(store, 152) is None
    assert await claim(store, "a", now=153, until=183)  # given up: free at once


async def test_of_instances_racing_for_a_role_exactly_one_leads(store: Store) -> None:
    instances = [Leaders(store, f"instance-{n}", ttl=30, sole=False) for n in range(8)]
    leases = [each.lease(ROLE) for each in instances]
    won = await asyncio.gather(*(lease.claim() for lease in leases))
    assert sum(won) == 1
    try:
        assert await leader(store, time.time()) == leases[won.index(True)].holder
    finally:
        for lease in leases:
            await lease.release()


async def test_the_leader_gives_up_and_a_waiting_instance_takes_over(store: Store) -> None:
    first = Leaders(store, "first", ttl=0.6, sole=False).lease(ROLE)
    second = Leaders(store, "second", ttl=0.6, sole=False).lease(ROLE)
    assert await first.claim()
    assert not await second.claim()
    waiting = asyncio.create_task(second.acquire())
    await asyncio.sleep(first.ttl * 1.5)  # renewed meanwhile: the waiting instance still waits
    assert not waiting.done() and first.leading and not first.lost.is_set()
    await first.release()
    await asyncio.wait_for(waiting, first.ttl)  # taken at its next attempt, not after a lease
    assert second.leading
    await second.release()


async def test_a_leader_whose_lease_was_taken_over_knows_it_lost_it(store: Store) -> None:
    """An instance stalled past its lease (here: its row handed to another, as a takeover
    after expiry would) sees at its next renewal that it no longer leads, and says so."""
    lease = Leaders(store, "stalled", ttl=0.6, sole=False).lease(ROLE)
    assert await lease.claim()
    async with store.write() as conn:
        await conn.execute("UPDATE leaders SET holder = 'other' WHERE role = ?", (ROLE,))
    await asyncio.wait_for(lease.lost.wait(), lease.ttl)
    assert not lease.leading
    await lease.release()
    assert await leader(store, 0) == "other"  # releasing what it lost gives nothing away


async def test_on_a_store_one_instance_owns_it_leads_at_once_and_writes_nothing(
    tmp_path: Path,
) -> None:
    async with await Store.open(tmp_path / "chorus.db") as store:
        leaders = Leaders(store, "only")
        assert leaders.sole
        assert await leaders.lease(ROLE).claim()
        assert await leaders.lease(ROLE).claim()  # a restarted adapter: never waits
        async with store.read() as conn:
            assert list(await conn.execute_fetchall("SELECT * FROM leaders")) == []
