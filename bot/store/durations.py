"""How long recent jobs took at the vendor, per operation and model (the poll schedule's and
the progress bar's memory)."""

from __future__ import annotations

from bot.store.connection import Conn
from bot.store.database import fetch

KEPT = 50  # newest durations kept per (op, model); older ones no longer describe the vendor


async def record(conn: Conn, op: str, model: str, seconds: float, now: float) -> None:
    """Add one duration and forget those beyond the newest ``KEPT`` of its (op, model)."""
    await conn.execute(
        "INSERT INTO durations (op, model, seconds, finished_at) VALUES (?, ?, ?, ?)",
        (op, model, max(0.0, seconds), now),
    )
    await conn.execute(
        "DELETE FROM durations WHERE op = ? AND model = ? AND id <= ("
        " SELECT id FROM durations WHERE op = ? AND model = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
        (op, model, op, model, KEPT),
    )


async def recent(conn: Conn, op: str, model: str, limit: int = 20) -> list[float]:
    """The newest ``limit`` durations of (op, model), newest first."""
    rows = await fetch(
        conn,
        "SELECT seconds FROM durations WHERE op = ? AND model = ? ORDER BY id DESC LIMIT ?",
        (op, model, limit),
    )
    return [float(row[0]) for row in rows]
