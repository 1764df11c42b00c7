"""Queries over notices: one-off announcements made at most once a day per scope."""

from __future__ import annotations

from bot.domain import Scope
from bot.store.connection import Conn


async def once(conn: Conn, scope: Scope, topic: str, day: str) -> bool:
    """True the first time a topic comes up in a scope on a day (for one-off notices)."""
    cursor = await conn.execute(
        "INSERT INTO notices (platform, scope, topic, day) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (scope.platform, scope.id, topic, day),
    )
    return cursor.rowcount == 1
