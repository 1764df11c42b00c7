"""Queries over jobs: a member's request from queued to succeeded or failed.

Several instances may share the jobs (PostgreSQL): a job being submitted or running is *leased*
to one instance (``lease_owner`` until ``lease_until``, wall-clock seconds). An instance claims a
queued job with one conditional UPDATE that only one instance can win (:func:`claim_queued`), a
running job before it polls it (:func:`claim_running`), renews its leases while it lives
(:func:`renew_leases`), and a lease that has run out is its owner's death certificate: another
instance takes the job over (:func:`expired`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain import Member, ReplyTarget, Scope
from bot.store.connection import Conn
from bot.store.database import fetch
from bot.store.rows import columns, insert, read

TERMINAL = ("succeeded", "failed")


def target_json(target: ReplyTarget) -> str:
    """Where a job's messages go, as stored in the jobs and outbox tables."""
    return json.dumps(target.__dict__, sort_keys=True)


def target_from_json(text: str) -> ReplyTarget:
    return ReplyTarget(**json.loads(text))


@dataclass(frozen=True, kw_only=True)
class JobRow:
    id: str
    platform: str
    scope: str
    user_id: str
    op: str
    params: dict[str, Any]
    inputs: dict[str, Any]
    target: ReplyTarget
    hold_id: int
    state: str
    upstream: str | None
    task_id: str | None
    status_ref: str | None
    attempts: int
    not_before: float
    error: str | None
    preview_url: str | None
    created_at: float
    submitted_at: float | None
    finished_at: float | None
    lease_owner: str | None = None  # the instance submitting or polling it
    lease_until: float | None = None  # when that instance's claim runs out unless renewed

    @property
    def member(self) -> Member:
        return Member(Scope(self.platform, self.scope), self.user_id)


COLUMNS = columns(JobRow)


def _job(row: Sequence[Any]) -> JobRow:
    return read(JobRow, row, params=json.loads, inputs=json.loads, target=target_from_json)


async def insert_job(
    conn: Conn,
    *,
    job_id: str,
    member: Member,
    op: str,
    params: dict[str, Any],
    inputs: dict[str, Any],
    target: ReplyTarget,
    hold_id: int,
    now: float,
) -> None:
    values = {
        "id": job_id,
        "platform": member.scope.platform,
        "scope": member.scope.id,
        "user_id": member.user_id,
        "op": op,
        "params": json.dumps(params, sort_keys=True),
        "inputs": json.dumps(inputs, sort_keys=True),
        "target": target_json(target),
        "hold_id": hold_id,
        "state": "queued",
        "upstream": None,
        "task_id": None,
        "status_ref": None,
        "attempts": 0,
        "not_before": now,
        "error": None,
        "preview_url": None,
        "created_at": now,
        "submitted_at": None,
        "finished_at": None,
        "lease_owner": None,
        "lease_until": None,
    }
    await conn.execute(insert("jobs", values), values)


async def job(conn: Conn, job_id: str) -> JobRow | None:
    rows = await fetch(conn, f"SELECT {COLUMNS} FROM jobs WHERE id = ?", (job_id,))
    return _job(rows[0]) if rows else None


async def job_by_hold(conn: Conn, hold_id: int) -> JobRow | None:
    rows = await fetch(conn, f"SELECT {COLUMNS} FROM jobs WHERE hold_id = ?", (hold_id,))
    return _job(rows[0]) if rows else None


async def job_by_task(conn: Conn, task_id: str) -> JobRow | None:
    rows = await fetch(conn, f"SELECT {COLUMNS} FROM jobs WHERE task_id = ?", (task_id,))
    return _job(rows[0]) if rows else None


async def jobs_in(
    conn: Conn, state: str, *, due_by: float | None = None, limit: int = 1000
) -> list[JobRow]:
    query = f"SELECT {COLUMNS} FROM jobs WHERE state = ?"
    params: list[Any] = [state]
    if due_by is not None:
        query += " AND not_before <= ?"
        params.append(due_by)
    query += " ORDER BY created_at LIMIT ?"
    params.append(limit)
    return [_job(row) for row in await conn.execute_fetchall(query, params)]


@dataclass(frozen=True, kw_only=True)
class InFlightRow:
    """One member's jobs at the vendor: how many are submitting or running."""

    platform: str
    scope: str
    user_id: str
    jobs: int


async def in_flight(conn: Conn) -> dict[tuple[str, str, str], int]:
    """Jobs submitting or running per (platform, scope, user): what the caps are checked on."""
    rows = await fetch(
        conn,
        f"SELECT {columns(InFlightRow, jobs='count(*)')} FROM jobs"
        " WHERE state IN ('submitting', 'running') GROUP BY platform, scope, user_id",
    )
    counts = (read(InFlightRow, row) for row in rows)
    return {(c.platform, c.scope, c.user_id): c.jobs for c in counts}


async def in_flight_total(conn: Conn) -> int:
    rows = await fetch(conn, "SELECT count(*) FROM jobs WHERE state IN ('submitting', 'running')")
    return int(rows[0][0]) if rows else 0


# A running job this instance may poll: its own, nobody's, or one whose owner's lease ran out.
_MINE = "AND (lease_owner IS NULL OR lease_owner = :owner OR lease_until < :now)"


async def due_running(conn: Conn, owner: str, now: float, limit: int = 200) -> list[JobRow]:
    """Running jobs due for a poll that ``owner`` may poll (see :data:`_MINE`)."""
    rows = await conn.execute_fetchall(
        f"SELECT {COLUMNS} FROM jobs WHERE state = 'running' AND not_before <= :now"
        f" {_MINE} ORDER BY created_at LIMIT :limit",
        {"owner": owner, "now": now, "limit": limit},
    )
    return [_job(row) for row in rows]


async def next_due(conn: Conn, owner: str, now: float) -> float | None:
    """When the next queued job may be submitted or the next poll of ``owner``'s is due."""
    rows = await conn.execute_fetchall(
        f"SELECT min(not_before) FROM jobs WHERE state = 'queued' OR (state = 'running' {_MINE})",
        {"owner": owner, "now": now},
    )
    value = next(iter(rows), (None,))[0]
    return float(value) if value is not None else None


async def claim_queued(
    conn: Conn, job_id: str, owner: str, until: float, *, skip_locked: bool
) -> bool:
    """Move a queued job to 'submitting', leased to ``owner``; False if another instance (or an
    earlier pass) got there first. One conditional UPDATE: of two instances racing, one wins.
    On PostgreSQL (``skip_locked``) the row is picked ``FOR UPDATE SKIP LOCKED``, so the loser
    does not queue behind the winner's row lock only to find the job gone."""
    pick = (
        "(SELECT id FROM jobs WHERE id = :id AND state = 'queued' FOR UPDATE SKIP LOCKED)"
        if skip_locked
        else ":id"
    )
    cursor = await conn.execute(
        "UPDATE jobs SET state = 'submitting', attempts = attempts + 1, lease_owner = :owner,"
        f" lease_until = :until WHERE id = {pick} AND state = 'queued'",
        {"id": job_id, "owner": owner, "until": until},
    )
    return cursor.rowcount == 1


async def claim_running(conn: Conn, job_id: str, owner: str, now: float, until: float) -> bool:
    """Lease a running job to ``owner`` before polling it: it is already ``owner``'s, or nobody's,
    or its owner's lease ran out (a dead instance's job, taken over). False if another live
    instance holds it, or it is not running any more."""
    cursor = await conn.execute(
        f"UPDATE jobs SET lease_owner = :owner, lease_until = :until WHERE id = :id"
        f" AND state = 'running' {_MINE}",
        {"id": job_id, "owner": owner, "now": now, "until": until},
    )
    return cursor.rowcount == 1


async def claim_expired(conn: Conn, job_id: str, owner: str, now: float, until: float) -> bool:
    """Take over a job caught 'submitting' by an instance whose lease ran out (or that never
    had one); False if its owner renewed it meanwhile or it moved on."""
    cursor = await conn.execute(
        "UPDATE jobs SET lease_owner = :owner, lease_until = :until WHERE id = :id"
        " AND state = 'submitting' AND (lease_until IS NULL OR lease_until < :now"
        " OR lease_owner = :owner)",
        {"id": job_id, "owner": owner, "now": now, "until": until},
    )
    return cursor.rowcount == 1


async def expired(conn: Conn, state: str, now: float, limit: int = 1000) -> list[JobRow]:
    """Jobs in ``state`` whose owner's lease ran out before ``now`` (or that never had one)."""
    rows = await conn.execute_fetchall(
        f"SELECT {COLUMNS} FROM jobs WHERE state = :state"
        " AND (lease_until IS NULL OR lease_until < :now) ORDER BY created_at LIMIT :limit",
        {"state": state, "now": now, "limit": limit},
    )
    return [_job(row) for row in rows]


async def renew_leases(conn: Conn, owner: str, until: float) -> int:
    """Extend every lease ``owner`` holds to ``until``: it is alive and still working on them."""
    cursor = await conn.execute(
        "UPDATE jobs SET lease_until = :until WHERE lease_owner = :owner"
        " AND state IN ('submitting', 'running')",
        {"owner": owner, "until": until},
    )
    return cursor.rowcount


async def release_leases(conn: Conn, owner: str) -> None:
    """``owner`` is stopping: its jobs are anyone's at once, not after the lease runs out (a
    job it leaves 'submitting' is then failed and refunded by whoever takes it over)."""
    await conn.execute(
        "UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?"
        " AND state IN ('submitting', 'running')",
        (owner,),
    )


async def update_leased(conn: Conn, job_id: str, owner: str, **fields: Any) -> bool:
    """Update a job only while it is still 'submitting' under ``owner``'s lease: an instance
    that stalled past its lease must not write over a job another instance has taken over
    (failed and refunded) meanwhile. False if it was taken over."""
    assert set(fields) <= _UPDATABLE, f"unknown job fields {set(fields) - _UPDATABLE}"
    assignments = ", ".join(f"{name} = :{name}" for name in fields)
    cursor = await conn.execute(
        f"UPDATE jobs SET {assignments} WHERE id = :job_id AND state = 'submitting'"
        " AND lease_owner = :lease_owner_now",
        {**fields, "job_id": job_id, "lease_owner_now": owner},
    )
    return cursor.rowcount == 1


_UPDATABLE = {"state", "upstream", "task_id", "status_ref", "attempts", "not_before", "error",
              "preview_url", "submitted_at", "finished_at"}  # fmt: skip


async def update_job(conn: Conn, job_id: str, **fields: Any) -> None:
    assert set(fields) <= _UPDATABLE, f"unknown job fields {set(fields) - _UPDATABLE}"
    assignments = ", ".join(f"{name} = ?" for name in fields)
    await conn.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*fields.values(), job_id))


async def mark_uploaded(conn: Conn, job_id: str) -> None:
    """Record that the vendor uploaded this job's audio, so the member pays the upload fee."""
    rows = await fetch(conn, "SELECT inputs FROM jobs WHERE id = ?", (job_id,))
    for (inputs,) in rows:
        changed = {**json.loads(inputs), "uploaded": True}
        await conn.execute("UPDATE jobs SET inputs = ? WHERE id = ?", (json.dumps(changed), job_id))


async def reschedule(conn: Conn, job_id: str, when: float) -> None:
    """Set a running job's next poll; a job finished meanwhile is left alone."""
    await conn.execute(
        "UPDATE jobs SET not_before = ? WHERE id = ? AND state = 'running'", (when, job_id)
    )


async def queue_position(conn: Conn, job: JobRow) -> int:
    rows = await fetch(
        conn,
        "SELECT count(*) FROM jobs WHERE state = 'queued' AND created_at <= ?",
        (job.created_at,),
    )
    return int(rows[0][0]) if rows else 1


async def state_counts(conn: Conn) -> dict[str, int]:
    rows = await fetch(conn, "SELECT state, count(*) FROM jobs GROUP BY state")
    return {str(state): int(n) for state, n in rows}
