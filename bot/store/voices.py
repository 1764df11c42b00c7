"""Queries over voices: the personas a member made, found again by name or id."""

from __future__ import annotations

from bot.domain import Member
from bot.store.connection import Conn
from bot.store.database import fetch


async def add_voice(conn: Conn, persona_id: str, member: Member, name: str, now: float) -> None:
    await conn.execute(
        "INSERT OR IGNORE INTO voices (persona_id, platform, scope, user_id, name, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (persona_id, member.scope.platform, member.scope.id, member.user_id, name, now),
    )


async def find_voice(conn: Conn, member: Member, name_or_id: str) -> str | None:
    rows = await fetch(
        conn,
        "SELECT persona_id FROM voices WHERE platform = ? AND scope = ? AND user_id = ?"
        " AND (persona_id = ? OR lower(name) = lower(?)) ORDER BY created_at DESC LIMIT 1",
        (member.scope.platform, member.scope.id, member.user_id, name_or_id, name_or_id),
    )
    return str(rows[0][0]) if rows else None


async def voices(conn: Conn, member: Member, limit: int = 25) -> list[str]:
    """The member's voice names, newest first (for autocomplete)."""
    rows = await fetch(
        conn,
        "SELECT name FROM voices WHERE platform = ? AND scope = ? AND user_id = ?"
        " ORDER BY created_at DESC LIMIT ?",
        (member.scope.platform, member.scope.id, member.user_id, limit),
    )
    return [str(row[0]) for row in rows]
