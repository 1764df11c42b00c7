"""Queries over webhook events: which vendor callbacks were already applied (replays and
retries are dropped)."""

from __future__ import annotations

from bot.store.connection import Conn
from bot.store.database import fetch


async def seen_event(conn: Conn, event_id: str) -> bool:
    """Whether a webhook event was already applied (a replay or a retry)."""
    rows = await fetch(conn, "SELECT 1 FROM webhook_events WHERE event_id = ?", (event_id,))
    return bool(rows)


async def record_event(conn: Conn, event_id: str, now: float) -> None:
    """Mark a webhook event applied; called inside the transaction that applies it."""
    await conn.execute(
        "INSERT INTO webhook_events (event_id, received_at) VALUES (?, ?)"
        " ON CONFLICT (event_id) DO NOTHING",
        (event_id, now),
    )
