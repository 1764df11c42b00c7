"""Queries over notices: one-off announcements made at most once a day per scope."""

from __future__ import annotations

import aiosqlite

from bot.domain import Scope


async def once(conn: aiosqlite.Connection, scope: Scope, topic: str, day: str) -> bool:
    """True the first time a topic comes up in a scope on a day (for one-off notices)."""
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO notices (platform, scope, topic, day) VALUES (?, ?, ?, ?)",
        (scope.platform, scope.id, topic, day),
    )
    return cursor.rowcount == 1
