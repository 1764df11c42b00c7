"""Queries over the chat-platform updates already taken in (Telegram's webhook mode), so that an
update delivered twice is handled once, whichever instance each delivery reached.

Telegram redelivers an update it got no answer for, for as long as it keeps updates (24 hours),
and a load balancer may hand the retry to another instance; the ids are kept two days, then
forgotten, a hundredth of the time a new one is recorded (ids grow one by one, so that is
regularly, and costs no timer).
"""

from __future__ import annotations

from bot.store.connection import Conn

KEEP_SECONDS = 2 * 86_400
FORGET_EVERY = 100


async def first_sight(conn: Conn, source: str, update_id: int, now: float) -> bool:
    """Record the update ``update_id`` of ``source`` (a bot) as taken in; whether this is the
    first time it was (False: it was taken in before, here or by another instance)."""
    cursor = await conn.execute(
        "INSERT INTO platform_updates (source, update_id, seen_at) VALUES (?, ?, ?)"
        " ON CONFLICT (source, update_id) DO NOTHING",
        (source, update_id, now),
    )
    if update_id % FORGET_EVERY == 0:
        await conn.execute(
            "DELETE FROM platform_updates WHERE source = ? AND seen_at < ?",
            (source, now - KEEP_SECONDS),
        )
    return cursor.rowcount == 1
