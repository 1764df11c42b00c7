"""A separate process that hammers a ledger file, for the cross-process and crash tests.

``DB`` is a SQLite path or a PostgreSQL URL (the store's ``DATABASE_URL``).

``race DB N``: wait for "go" on stdin, place N holds at once, print how many succeeded.
``keyed DB N``: the same, every hold with one platform event id; print the hold ids returned.
``storm DB``: place and resolve holds forever, printing the number committed after each one.
"""

from __future__ import annotations

import asyncio
import random
import sys

from bot.domain import Member, Scope
from bot.ledger import Defaults, Ledger, LedgerRefusal
from bot.store import Store

SCOPE = Scope("discord", "guild-1")


async def race(target: str, count: int) -> None:
    store = await Store.open(target)
    ledger = Ledger(store, Defaults(starting_credits=0, max_concurrent=1000))
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)

    async def attempt() -> bool:
        try:
            await ledger.hold(Member(SCOPE, "alice"), 14)
        except LedgerRefusal:
            return False
        return True

    results = await asyncio.gather(*(attempt() for _ in range(count)))
    print(sum(results), flush=True)
    await store.close()


async def keyed(target: str, count: int) -> None:
    store = await Store.open(target)
    ledger = Ledger(store, Defaults(starting_credits=0, max_concurrent=1000))
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    holds = await asyncio.gather(
        *(ledger.hold(Member(SCOPE, "alice"), 14, request_key="event-1") for _ in range(count))
    )
    print(" ".join(str(hold.hold_id) for hold in holds), flush=True)
    await store.close()


async def storm(target: str) -> None:
    store = await Store.open(target)
    ledger = Ledger(store, Defaults(starting_credits=1000, max_concurrent=1000))
    rng = random.Random(1)
    committed = 0
    while True:
        member = Member(SCOPE, f"user-{rng.randrange(5)}")
        try:
            hold = await ledger.hold(member, rng.randrange(1, 6), job_id=f"job-{committed}")
        except LedgerRefusal:
            continue
        choice = rng.random()
        if choice < 0.6:
            await ledger.capture(hold.hold_id, rng.randrange(0, hold.amount + 1))
        elif choice < 0.9:
            await ledger.release(hold.hold_id, reason="failed")
        committed += 1
        print(committed, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "race":
        asyncio.run(race(sys.argv[2], int(sys.argv[3])))
    elif sys.argv[1] == "keyed":
        asyncio.run(keyed(sys.argv[2], int(sys.argv[3])))
    else:
        asyncio.run(storm(sys.argv[2]))
