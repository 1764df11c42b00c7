"""Outbox claims: several instances on one database each post a row only once they hold it.

On both backends: a claimed row is nobody else's until the claim runs out (then another instance
takes it over), a job's later row waits while its earlier one is held elsewhere, and the
delivery loop of an instance that finds everything claimed sleeps until the claims run out
instead of spinning. On PostgreSQL: instances claiming at the same moment, each through its own
pool, never claim the same row. And a platform update is taken in once, whichever instance
receives it.
"""

from __future__ import annotations

import asyncio

from bot.ledger import Ledger
from bot.store import Store, outbox, updates
from tests.ledger_fixtures import Clock
from tests.outbox_rows import queued
from tests.pg import drop_database, fresh_database

SERVED = ("console",)


async def claim(
    store: Store, instance: str, now: float, seconds: float = 10, limit: int = 50
) -> list[int]:
    rows = await store.transact(
        lambda conn: outbox.claim(conn, store.dialect, instance, now, now + seconds, limit, SERVED)
    )
    return [row.id for row in rows]


async def test_a_claimed_row_is_one_instances_until_the_claim_runs_out(
    ledger: Ledger, clock: Clock
) -> None:
    store, now = ledger.store, clock()
    ids = await queued(ledger, 3, 1, now)
    assert await claim(store, "a", now) == ids
    assert await claim(store, "b", now + 5) == []  # a holds them
    assert await claim(store, "a", now + 5) == ids  # its own, again (a pass that failed)
    await store.transact(lambda conn: outbox.extend_claims(conn, "a", ids[:1], now + 20))
    # a died: its unrenewed claims ran out and b takes those rows over, the renewed one stays
    assert await claim(store, "b", now + 16) == ids[1:]
    assert await claim(store, "a", now + 16) == ids[:1]
    # a renews what it holds; rows b took over are b's, whatever a's renewal names
    await store.transact(lambda conn: outbox.extend_claims(conn, "a", ids, now + 100))
    assert await claim(store, "c", now + 30) == ids[1:]  # b's ran out at now + 26; a's holds
    async with store.write() as conn:
        await outbox.retry_later(conn, ids[0], now + 40)  # a retry is anyone's once due
        await outbox.mark_delivered(conn, ids[1], "ref", now + 30)
    assert await claim(store, "b", now + 35) == []  # not due yet; ids[2] is c's
    assert await claim(store, "b", now + 41) == ids[::2]  # due, and c's claim ran out
    async with store.read() as conn:
        owners = await conn.execute_fetchall("SELECT id, state, claimed_by FROM outbox ORDER BY id")
    assert [tuple(row) for row in owners] == [
        (ids[0], "pending", "b"),
        (ids[1], "delivered", "c"),  # who posted it stays on the row
        (ids[2], "pending", "b"),
    ]


async def test_a_jobs_later_row_waits_while_its_earlier_row_is_held_elsewhere(
    ledger: Ledger, clock: Clock
) -> None:
    store, now = ledger.store, clock()
    first, second, other_first, other_second = await queued(ledger, 2, 2, now)
    assert await claim(store, "a", now, limit=1) == [first]
    # b skips job0's second result (it would overtake the first) but takes job1's rows
    assert await claim(store, "b", now) == [other_first, other_second]
    async with store.write() as conn:
        await outbox.mark_delivered(conn, first, "ref", now + 1)
    assert await claim(store, "b", now + 1) == [second, other_first, other_second]


async def test_an_instance_finding_every_row_claimed_sleeps_until_the_claims_run_out(
    ledger: Ledger, clock: Clock
) -> None:
    store, now = ledger.store, clock()
    await queued(ledger, 1, 2, now)
    assert len(await claim(store, "a", now, seconds=10)) == 2
    async with store.read() as conn:
        assert await outbox.next_delivery(conn, SERVED, "b", now + 1) == now + 10
        assert await outbox.next_delivery(conn, SERVED, "a", now + 1) == now  # its own: due
        assert await outbox.next_delivery(conn, SERVED, "b", now + 11) == now  # ran out


async def test_a_platform_update_is_taken_in_once(store: Store, clock: Clock) -> None:
    now = clock()

    async def sight(source: str, update_id: int, at: float) -> bool:
        return await store.transact(lambda conn: updates.first_sight(conn, source, update_id, at))

    assert await sight("telegram-1", 7, now)
    assert not await sight("telegram-1", 7, now + 60)  # Telegram's retry
    assert await sight("telegram-2", 7, now)  # another bot's update 7
    # Two days on, recording update 100 forgets the old ids (of this bot only).
    assert await sight("telegram-1", updates.FORGET_EVERY, now + updates.KEEP_SECONDS + 1)
    async with store.read() as conn:
        kept = await conn.execute_fetchall(
            "SELECT source, update_id FROM platform_updates ORDER BY source, update_id"
        )
    assert [(s, int(u)) for s, u in kept] == [("telegram-1", 100), ("telegram-2", 7)]


async def test_instances_claiming_at_once_on_postgresql_never_share_a_row(clock: Clock) -> None:
    """Four instances, each with its own connection pool, claim 200 rows a few at a time, all
    at once, until none is left: every row is claimed exactly once."""
    url = await fresh_database()
    stores = [await Store.open(url) for _ in range(4)]
    try:
        now = clock()
        ids = await queued(Ledger(stores[0], clock=clock), 40, 5, now)

        async def instance(n: int) -> list[int]:
            """Claim, post (mark delivered), claim again, until nothing is left to claim."""
            got: list[int] = []
            while batch := await claim(stores[n], f"i{n}", now, seconds=1_000, limit=3):
                got += batch
                async with stores[n].write() as conn:
                    for row_id in batch:
                        await outbox.mark_delivered(conn, row_id, f"i{n}", now)
            return got

        claimed = await asyncio.gather(*(instance(n) for n in range(4)))
        every = [i for got in claimed for i in got]
        assert sorted(every) == ids  # each row once, none lost
        assert sum(1 for got in claimed if got) >= 2  # they did claim side by side
    finally:
        for opened in stores:
            await opened.close()
        await drop_database(url)
