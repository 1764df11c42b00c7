"""What the moderators' panel reports about one scope: spending per day, jobs per operation,
its members, its jobs with their price and refund, and its audit log filtered.

Every query is bound to one scope (platform and id): the panel's session names the scope, and
no query here can read another community's rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.domain import Scope
from bot.store.audit import AuditRow
from bot.store.connection import Conn
from bot.store.database import fetch
from bot.store.rows import columns, read


@dataclass(frozen=True, kw_only=True)
class OperationCount:
    op: str
    jobs: int
    failed: int
    refunded: int  # jobs whose hold was released in full or in part


@dataclass(frozen=True, kw_only=True)
class MemberRow:
    user_id: str
    account_id: int
    banned: bool
    last_seen: float


@dataclass(frozen=True, kw_only=True)
class JobLine:
    id: str
    user_id: str
    op: str
    state: str
    created_at: float
    error: str | None
    price: int  # the hold placed when the job was accepted
    captured: int | None  # what was kept, once the hold is resolved
    undelivered: int  # results no platform route would take


async def spent_per_day(conn: Conn, scope: Scope, since: float) -> dict[str, int]:
    """Credits captured per UTC day (``YYYY-MM-DD``) since ``since``; days with none are absent."""
    rows = await fetch(
        conn,
        "SELECT r.created_at, r.amount FROM journal r JOIN accounts a ON a.id = r.account_id"
        " WHERE r.kind = 'capture' AND a.platform = ? AND a.scope = ? AND r.created_at >= ?",
        (scope.platform, scope.id, since),
    )
    # Grouped here: the two dialects name a timestamp's UTC day differently.
    days: dict[str, int] = {}
    for created_at, amount in rows:
        day = datetime.fromtimestamp(created_at, UTC).date().isoformat()
        days[day] = days.get(day, 0) + int(amount)
    return days


async def jobs_per_operation(conn: Conn, scope: Scope, since: float) -> list[OperationCount]:
    """Jobs created since ``since`` per operation, most used first."""
    rows = await fetch(
        conn,
        "SELECT j.op, count(*), sum(CASE WHEN j.state = 'failed' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN EXISTS (SELECT 1 FROM journal r WHERE r.hold_id = j.hold_id"
        "   AND (r.kind = 'release' OR (r.kind = 'capture' AND r.amount < h.amount)))"
        " THEN 1 ELSE 0 END)"
        " FROM jobs j JOIN journal h ON h.id = j.hold_id"
        " WHERE j.platform = ? AND j.scope = ? AND j.created_at >= ?"
        " GROUP BY j.op ORDER BY count(*) DESC, j.op",
        (scope.platform, scope.id, since),
    )
    return [
        OperationCount(op=str(op), jobs=int(n), failed=int(failed), refunded=int(refunded))
        for op, n, failed, refunded in rows
    ]


async def members(conn: Conn, scope: Scope, search: str, limit: int) -> list[MemberRow]:
    """The scope's members whose id contains ``search`` (all when empty), by id."""
    pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await fetch(
        conn,
        "SELECT a.user_id, a.id, coalesce(m.banned, 0),"
        " coalesce((SELECT max(e.created_at) FROM journal e WHERE e.account_id = a.id),"
        "   a.created_at)"
        " FROM accounts a LEFT JOIN member_limits m ON m.account_id = a.id"
        " WHERE a.platform = ? AND a.scope = ? AND a.user_id LIKE ? ESCAPE '\\'"
        " ORDER BY a.user_id LIMIT ?",
        (scope.platform, scope.id, pattern, limit),
    )
    return [
        MemberRow(user_id=str(u), account_id=int(i), banned=bool(b), last_seen=float(seen))
        for u, i, b, seen in rows
    ]


JOB_COLUMNS = columns(
    JobLine,
    "j",
    price="h.amount",
    captured="(SELECT CASE r.kind WHEN 'capture' THEN r.amount ELSE 0 END"
    " FROM journal r WHERE r.hold_id = h.id)",
    undelivered="(SELECT count(*) FROM outbox o WHERE o.job_id = j.id"
    " AND o.kind = 'result' AND o.state = 'undelivered')",
)


async def jobs(conn: Conn, scope: Scope, *, state: str | None, limit: int) -> list[JobLine]:
    """The scope's newest jobs (in ``state`` if given), with what each cost."""
    query = (
        f"SELECT {JOB_COLUMNS} FROM jobs j JOIN journal h ON h.id = j.hold_id"
        " WHERE j.platform = ? AND j.scope = ?"
    )
    params: list[Any] = [scope.platform, scope.id]
    if state is not None:
        query += " AND j.state = ?"
        params.append(state)
    query += " ORDER BY j.created_at DESC, j.id LIMIT ?"
    params.append(limit)
    return [read(JobLine, row) for row in await fetch(conn, query, params)]


async def job(conn: Conn, scope: Scope, job_id: str) -> JobLine | None:
    rows = await fetch(
        conn,
        f"SELECT {JOB_COLUMNS} FROM jobs j JOIN journal h ON h.id = j.hold_id"
        " WHERE j.platform = ? AND j.scope = ? AND j.id = ?",
        (scope.platform, scope.id, job_id),
    )
    return read(JobLine, rows[0]) if rows else None


async def audit(
    conn: Conn,
    scope: Scope,
    *,
    member: str | None,
    moderator: str | None,
    action: str | None,
    limit: int,
) -> list[AuditRow]:
    """The scope's audit log, newest first, narrowed to a member, a moderator and a kind."""
    query = f"SELECT {columns(AuditRow)} FROM audit_log WHERE platform = ? AND scope = ?"
    params: list[Any] = [scope.platform, scope.id]
    for column, value in (("target", member), ("actor", moderator), ("action", action)):
        if value is not None:
            query += f" AND {column} = ?"
            params.append(value)
    query += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    rows = await fetch(conn, query, params)
    return [read(AuditRow, row, details=json.loads) for row in rows]


async def audit_kinds(conn: Conn, scope: Scope) -> list[str]:
    rows = await fetch(
        conn,
        "SELECT DISTINCT action FROM audit_log WHERE platform = ? AND scope = ? ORDER BY action",
        (scope.platform, scope.id),
    )
    return [str(action) for (action,) in rows]
