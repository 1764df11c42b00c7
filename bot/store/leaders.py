"""Leases on roles one instance plays at a time (migration 0012): who leads, until when.

A lease is taken, renewed and taken over by one statement, an upsert whose update only applies
when the row is the claimant's own or has run out, so of two instances racing for a role
exactly one gets a row back: on SQLite writers are serialised, on PostgreSQL the loser of the
row lock re-reads the winner's row (or, under ``SERIALIZABLE``, is retried and then does).
Times are wall-clock seconds, compared across instances: their clocks must agree (NTP) to well
within a lease.
"""

from __future__ import annotations

from bot.store.connection import Conn
from bot.store.database import fetch


async def claim(conn: Conn, role: str, holder: str, now: float, until: float) -> bool:
    """Lead ``role`` until ``until``: take it when nobody holds it or its lease ran out before
    ``now``, or renew it when ``holder`` holds it already. False: another instance leads."""
    rows = await conn.execute_fetchall(
        "INSERT INTO leaders (role, holder, expires_at) VALUES (:role, :holder, :until)"
        " ON CONFLICT (role) DO UPDATE SET holder = excluded.holder,"
        " expires_at = excluded.expires_at"
        " WHERE leaders.holder = excluded.holder OR leaders.expires_at < :now"
        " RETURNING holder",
        {"role": role, "holder": holder, "until": until, "now": now},
    )
    return len(list(rows)) == 1


async def release(conn: Conn, role: str, holder: str) -> None:
    """Give ``role`` up, if ``holder`` still holds it, so that another instance need not wait
    for the lease to run out."""
    await conn.execute(
        "DELETE FROM leaders WHERE role = ? AND holder = ?",
        (role, holder),
    )


async def leader(conn: Conn, role: str, now: float) -> str | None:
    """The instance leading ``role`` at ``now``, if its lease has not run out."""
    rows = await fetch(
        conn,
        "SELECT holder FROM leaders WHERE role = ? AND expires_at >= ?",
        (role, now),
    )
    return str(rows[0][0]) if rows else None
