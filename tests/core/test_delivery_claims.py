"""Outbox claims across restarts, on both backends.

A SQLite file serves one instance, so a claim found at start was left by a run that was killed,
and its rows go out at once, as before claims existed. On PostgreSQL another instance may be
alive and posting them, so they wait until the claim runs out; an instance that stops cleanly
hands its claims back, and they go out at once there too.
"""

from __future__ import annotations

import time
from pathlib import Path

from bot.store import outbox
from tests.harness import Chorus, chorus
from tests.outbox_rows import queued


async def left_claimed(h: Chorus, seconds: float) -> list[int]:
    """Rows claimed for ``seconds`` by an instance that is gone (killed mid-pass)."""
    now = time.time()
    ids = await queued(h.app.ledger, 2, 1, now)
    store = h.app.store
    await store.transact(
        lambda conn: outbox.claim(
            conn, store.dialect, "killed-instance", now, now + seconds, 50, ["console"]
        )
    )
    return ids


async def pending(h: Chorus) -> int:
    async with h.app.store.read() as conn:
        return (await outbox.outbox_counts(conn)).get("pending", 0)


async def test_a_killed_runs_claims_wait_only_where_another_instance_may_hold_them(
    tmp_path: Path, database: str
) -> None:
    async with chorus(tmp_path, database_url=database) as first:
        await left_claimed(first, 3_600)
    async with chorus(tmp_path, database_url=database) as restarted:
        if restarted.app.store.dialect == "sqlite":
            await restarted.settled(30)  # handed back at start: posted now
            assert await pending(restarted) == 0
        else:
            pause = await restarted.app.delivery.drain()
            assert await pending(restarted) == 2  # perhaps another instance's, still posting
            assert 3_500 < pause <= 3_600  # looked at again when the claim runs out


async def test_a_clean_stop_hands_the_claims_back(tmp_path: Path, database: str) -> None:
    async with chorus(tmp_path, database_url=database) as first:
        await left_claimed(first, 3_600)
        async with first.app.store.write() as conn:
            await conn.execute("UPDATE outbox SET claimed_by = ?", (first.app.instance,))
    async with chorus(tmp_path, database_url=database) as restarted:
        await restarted.settled(30)
        assert await pending(restarted) == 0
