"""The append-only audit log of moderator changes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.domain import Scope
from bot.store.connection import Conn
from bot.store.rows import columns, read


@dataclass(frozen=True, kw_only=True)
class AuditRow:
    id: int
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]
    reason: str
    created_at: float


async def record(
    conn: Conn,
    scope: Scope,
    *,
    actor: str,
    action: str,
    target: str | None,
    details: dict[str, Any],
    reason: str,
    now: float,
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (platform, scope, actor, action, target, details, reason,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            scope.platform,
            scope.id,
            actor,
            action,
            target,
            json.dumps(details, sort_keys=True),
            reason,
            now,
        ),
    )


async def page(
    conn: Conn,
    scope: Scope,
    *,
    target: str | None,
    before_id: int | None,
    limit: int,
) -> list[AuditRow]:
    """Newest first; ``before_id`` is the cursor of the next page."""
    query = f"SELECT {columns(AuditRow)} FROM audit_log"
    query += " WHERE platform = ? AND scope = ?"
    params: list[Any] = [scope.platform, scope.id]
    if target is not None:
        query += " AND target = ?"
        params.append(target)
    if before_id is not None:
        query += " AND id < ?"
        params.append(before_id)
    query += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    rows = await conn.execute_fetchall(query, params)
    return [read(AuditRow, row, details=json.loads) for row in rows]


async def count(conn: Conn, scope: Scope) -> int:
    rows = await conn.execute_fetchall(
        "SELECT count(*) FROM audit_log WHERE platform = ? AND scope = ?",
        (scope.platform, scope.id),
    )
    row = next(iter(rows), None)
    return int(row[0]) if row else 0
