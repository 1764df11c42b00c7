"""Queries over languages: a member's own choice, and a community's default."""

from __future__ import annotations

from bot.domain import Scope
from bot.store.connection import Conn
from bot.store.database import fetch


async def member_language(conn: Conn, platform: str, user_id: str) -> str | None:
    rows = await fetch(
        conn,
        "SELECT language FROM member_languages WHERE platform = ? AND user_id = ?",
        (platform, user_id),
    )
    return str(rows[0][0]) if rows else None


async def set_member_language(
    conn: Conn, platform: str, user_id: str, language: str | None, now: float
) -> None:
    """Remember ``language`` for the member; None forgets their choice."""
    if language is None:
        await conn.execute(
            "DELETE FROM member_languages WHERE platform = ? AND user_id = ?", (platform, user_id)
        )
        return
    await conn.execute(
        "INSERT INTO member_languages (platform, user_id, language, changed_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (platform, user_id)"
        " DO UPDATE SET language = excluded.language, changed_at = excluded.changed_at",
        (platform, user_id, language, now),
    )


async def scope_language(conn: Conn, scope: Scope) -> str | None:
    rows = await fetch(
        conn,
        "SELECT language FROM scope_languages WHERE platform = ? AND scope = ?",
        (scope.platform, scope.id),
    )
    return str(rows[0][0]) if rows else None


async def set_scope_language(conn: Conn, scope: Scope, language: str | None, now: float) -> None:
    if language is None:
        await conn.execute(
            "DELETE FROM scope_languages WHERE platform = ? AND scope = ?",
            (scope.platform, scope.id),
        )
        return
    await conn.execute(
        "INSERT INTO scope_languages (platform, scope, language, changed_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (platform, scope)"
        " DO UPDATE SET language = excluded.language, changed_at = excluded.changed_at",
        (scope.platform, scope.id, language, now),
    )
