"""The vendor's submission rate as one token bucket in the database, shared by every instance.

Each instance refilling a bucket of its own would multiply the rate by the number of instances;
instead the bucket is a row (:file:`migrations/0010_leases.sql`) that a transaction refills by
the wall-clock time elapsed since its stamp and takes tokens from, read and written in one
transaction (PostgreSQL runs it SERIALIZABLE and retries it, so two instances never take the
same token). A 429 empties it for everyone.
"""

from __future__ import annotations

from bot.store.connection import Conn
from bot.store.database import fetch


async def _current(conn: Conn, name: str, capacity: float, now: float) -> tuple[float, float]:
    """(tokens, stamp) of bucket ``name``, made full on first use."""
    query = "SELECT tokens, stamp FROM rate_buckets WHERE name = ?"
    rows = await fetch(conn, query, (name,))
    if not rows:
        await conn.execute(
            "INSERT INTO rate_buckets (name, tokens, stamp) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO NOTHING",
            (name, float(capacity), float(now)),
        )
        rows = await fetch(conn, query, (name,))
    return float(rows[0][0]), float(rows[0][1])


async def take(
    conn: Conn, name: str, wanted: int, rate: float, capacity: float, now: float
) -> tuple[int, float, float]:
    """Refill bucket ``name`` for the time elapsed and take up to ``wanted`` whole tokens:
    (tokens granted, tokens left, the stamp now). A clock behind the stamp (another host's)
    refills nothing rather than going back in time."""
    tokens, stamp = await _current(conn, name, capacity, now)
    stamp_now = max(stamp, now)
    tokens = min(capacity, tokens + (stamp_now - stamp) * rate)
    granted = max(0, min(wanted, int(tokens)))
    tokens -= granted
    await conn.execute(
        "UPDATE rate_buckets SET tokens = ?, stamp = ? WHERE name = ?",
        (float(tokens), float(stamp_now), name),
    )
    return granted, tokens, stamp_now


async def drain(conn: Conn, name: str, capacity: float, now: float) -> None:
    """The vendor answered 429: no instance submits until the bucket has refilled."""
    _, stamp = await _current(conn, name, capacity, now)
    await conn.execute(
        "UPDATE rate_buckets SET tokens = 0, stamp = ? WHERE name = ?",
        (float(max(stamp, now)), name),
    )
