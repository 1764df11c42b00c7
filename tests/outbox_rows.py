"""Outbox rows to deliver, queued straight into a store: tests of delivery across instances
need rows due without running the jobs that would make them."""

from __future__ import annotations

from bot.domain import ReplyTarget, ResultCard
from bot.ledger import Ledger
from bot.store import jobs, outbox
from tests.ledger_fixtures import ALICE

TARGET = ReplyTarget("console", "channel")


async def queued(ledger: Ledger, jobs_: int, rows_per_job: int, now: float) -> list[int]:
    """The ids of rows due at ``now`` for the console: ``rows_per_job`` results (text only,
    nothing to fetch) for each of ``jobs_`` finished jobs, paid for by one settled hold."""
    hold = await ledger.hold(ALICE, 1, reason="test")
    await ledger.capture(hold.hold_id, 1)
    async with ledger.store.write() as conn:
        for n in range(jobs_):
            await jobs.insert_job(
                conn,
                job_id=f"job{n}",
                member=ALICE,
                op="song",
                params={},
                inputs={},
                target=TARGET,
                hold_id=hold.hold_id,
                now=now,
            )
            await jobs.update_job(conn, f"job{n}", state="succeeded", finished_at=now)
            for k in range(rows_per_job):
                card = ResultCard(job_id=f"job{n}", title=f"take {k}", text=f"take {k}")
                await outbox.enqueue(conn, f"job{n}", outbox.OutboxItem.result(card), TARGET, now)
        rows = await conn.execute_fetchall("SELECT id FROM outbox ORDER BY id")
    return [int(r[0]) for r in rows]
