"""Queries over jobs, tracks, the outbox, media, voices, webhook events and notices."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.domain import Member, ReplyTarget, Scope
from bot.store.database import fetch

TERMINAL = ("succeeded", "failed")


@dataclass(frozen=True)
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

    @property
    def member(self) -> Member:
        return Member(Scope(self.platform, self.scope), self.user_id)


@dataclass(frozen=True)
class TrackRow:
    id: str
    job_id: str
    platform: str
    scope: str
    user_id: str
    clip_id: str | None
    origin: str
    title: str
    tags: str | None
    lyrics: str | None
    duration: float | None
    audio_url: str | None
    image_url: str | None
    created_at: float


@dataclass(frozen=True)
class OutboxRow:
    id: int
    job_id: str
    kind: str
    payload: dict[str, Any]
    target: ReplyTarget
    attempts: int
    tried_at: float | None = None  # the first attempt, if there was one


@dataclass(frozen=True)
class UndeliveredRow:
    """A result no platform route would take, kept for the member's /mysongs."""

    id: int
    job_id: str
    op: str
    payload: dict[str, Any]
    error: str | None
    created_at: float


@dataclass(frozen=True)
class MediaRow:
    id: str
    platform: str
    scope: str
    user_id: str
    filename: str
    mime: str
    size: int
    duration: float
    created_at: float
    expires_at: float
    vendor_clip_id: str | None
    vendor_clip_at: float | None


_JOB_COLUMNS = (
    "id, platform, scope, user_id, op, params, inputs, target, hold_id, state, upstream, task_id,"
    " status_ref, attempts, not_before, error, preview_url, created_at, submitted_at, finished_at"
)


def _job(row: Any) -> JobRow:
    values = list(row)
    values[5], values[6] = json.loads(values[5]), json.loads(values[6])
    values[7] = ReplyTarget(**json.loads(values[7]))
    return JobRow(*values)


def target_json(target: ReplyTarget) -> str:
    return json.dumps(target.__dict__, sort_keys=True)


async def insert_job(
    conn: aiosqlite.Connection,
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
    await conn.execute(
        f"INSERT INTO jobs ({_JOB_COLUMNS}) VALUES"
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', NULL, NULL, NULL, 0, ?, NULL, NULL, ?, NULL, NULL)",
        (
            job_id,
            member.scope.platform,
            member.scope.id,
            member.user_id,
            op,
            json.dumps(params, sort_keys=True),
            json.dumps(inputs, sort_keys=True),
            target_json(target),
            hold_id,
            now,
            now,
        ),
    )


async def job(conn: aiosqlite.Connection, job_id: str) -> JobRow | None:
    rows = await fetch(conn, f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,))
    return _job(rows[0]) if rows else None


async def job_by_hold(conn: aiosqlite.Connection, hold_id: int) -> JobRow | None:
    rows = await fetch(conn, f"SELECT {_JOB_COLUMNS} FROM jobs WHERE hold_id = ?", (hold_id,))
    return _job(rows[0]) if rows else None


async def job_by_task(conn: aiosqlite.Connection, task_id: str) -> JobRow | None:
    rows = await fetch(conn, f"SELECT {_JOB_COLUMNS} FROM jobs WHERE task_id = ?", (task_id,))
    return _job(rows[0]) if rows else None


async def jobs_in(
    conn: aiosqlite.Connection, state: str, *, due_by: float | None = None, limit: int = 1000
) -> list[JobRow]:
    query = f"SELECT {_JOB_COLUMNS} FROM jobs WHERE state = ?"
    params: list[Any] = [state]
    if due_by is not None:
        query += " AND not_before <= ?"
        params.append(due_by)
    query += " ORDER BY created_at LIMIT ?"
    params.append(limit)
    return [_job(row) for row in await conn.execute_fetchall(query, params)]


async def in_flight(conn: aiosqlite.Connection) -> dict[tuple[str, str, str], int]:
    """Jobs submitting or running per (platform, scope, user): what the caps are checked on."""
    rows = await fetch(
        conn,
        "SELECT platform, scope, user_id, count(*) FROM jobs"
        " WHERE state IN ('submitting', 'running') GROUP BY platform, scope, user_id",
    )
    return {(str(r[0]), str(r[1]), str(r[2])): int(r[3]) for r in rows}


async def in_flight_total(conn: aiosqlite.Connection) -> int:
    rows = await fetch(conn, "SELECT count(*) FROM jobs WHERE state IN ('submitting', 'running')")
    return int(rows[0][0]) if rows else 0


async def next_due(conn: aiosqlite.Connection) -> float | None:
    rows = await fetch(
        conn, "SELECT min(not_before) FROM jobs WHERE state IN ('queued', 'running')"
    )
    value = next(iter(rows), (None,))[0]
    return float(value) if value is not None else None


async def update_job(conn: aiosqlite.Connection, job_id: str, **fields: Any) -> None:
    allowed = {"state", "upstream", "task_id", "status_ref", "attempts", "not_before", "error",
               "preview_url", "submitted_at", "finished_at"}  # fmt: skip
    assert set(fields) <= allowed, f"unknown job fields {set(fields) - allowed}"
    assignments = ", ".join(f"{name} = ?" for name in fields)
    await conn.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*fields.values(), job_id))


async def mark_uploaded(conn: aiosqlite.Connection, job_id: str) -> None:
    """Record that the vendor uploaded this job's audio, so the member pays the upload fee."""
    await conn.execute(
        "UPDATE jobs SET inputs = json_set(inputs, '$.uploaded', json('true')) WHERE id = ?",
        (job_id,),
    )


async def reschedule(conn: aiosqlite.Connection, job_id: str, when: float) -> None:
    """Set a running job's next poll; a job finished meanwhile is left alone."""
    await conn.execute(
        "UPDATE jobs SET not_before = ? WHERE id = ? AND state = 'running'", (when, job_id)
    )


async def queue_position(conn: aiosqlite.Connection, job: JobRow) -> int:
    rows = await fetch(
        conn,
        "SELECT count(*) FROM jobs WHERE state = 'queued' AND created_at <= ?",
        (job.created_at,),
    )
    return int(rows[0][0]) if rows else 1


async def state_counts(conn: aiosqlite.Connection) -> dict[str, int]:
    rows = await fetch(conn, "SELECT state, count(*) FROM jobs GROUP BY state")
    return {str(state): int(n) for state, n in rows}


# --- tracks -------------------------------------------------------------------------------------

_TRACK_COLUMNS = (
    "id, job_id, platform, scope, user_id, clip_id, origin, title, tags, lyrics, duration,"
    " audio_url, image_url, created_at"
)


async def insert_track(conn: aiosqlite.Connection, track: TrackRow) -> None:
    await conn.execute(
        f"INSERT INTO tracks ({_TRACK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        tuple(track.__dict__.values()),
    )


async def track(conn: aiosqlite.Connection, track_id: str) -> TrackRow | None:
    rows = await fetch(conn, f"SELECT {_TRACK_COLUMNS} FROM tracks WHERE id = ?", (track_id,))
    return TrackRow(*rows[0]) if rows else None


async def job_tracks(conn: aiosqlite.Connection, job_id: str) -> list[TrackRow]:
    rows = await fetch(
        conn,
        f"SELECT {_TRACK_COLUMNS} FROM tracks WHERE job_id = ? ORDER BY rowid",
        (job_id,),
    )
    return [TrackRow(*row) for row in rows]


async def user_tracks(
    conn: aiosqlite.Connection, member: Member, *, limit: int, offset: int = 0
) -> list[TrackRow]:
    rows = await fetch(
        conn,
        f"SELECT {_TRACK_COLUMNS} FROM tracks WHERE platform = ? AND scope = ? AND user_id = ?"
        " AND clip_id IS NOT NULL ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
        (member.scope.platform, member.scope.id, member.user_id, limit, offset),
    )
    return [TrackRow(*row) for row in rows]


# --- outbox -------------------------------------------------------------------------------------


async def enqueue(
    conn: aiosqlite.Connection,
    job_id: str,
    kind: str,
    payload: dict[str, Any],
    target: ReplyTarget,
    now: float,
) -> None:
    await conn.execute(
        "INSERT INTO outbox (job_id, kind, payload, target, not_before, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (job_id, kind, json.dumps(payload, sort_keys=True), target_json(target), now, now),
    )


async def pending(conn: aiosqlite.Connection, now: float, limit: int) -> list[OutboxRow]:
    rows = await fetch(
        conn,
        "SELECT id, job_id, kind, payload, target, attempts, tried_at FROM outbox"
        " WHERE state = 'pending' AND not_before <= ? ORDER BY id LIMIT ?",
        (now, limit),
    )
    return [
        OutboxRow(r[0], r[1], r[2], json.loads(r[3]), ReplyTarget(**json.loads(r[4])), r[5], r[6])
        for r in rows
    ]


async def next_delivery(conn: aiosqlite.Connection) -> float | None:
    rows = await fetch(conn, "SELECT min(not_before) FROM outbox WHERE state = 'pending'")
    value = next(iter(rows), (None,))[0]
    return float(value) if value is not None else None


async def mark_delivered(conn: aiosqlite.Connection, outbox_id: int, ref: str, now: float) -> None:
    await conn.execute(
        "UPDATE outbox SET state = 'delivered', delivered_ref = ?, delivered_at = ? WHERE id = ?",
        (ref, now, outbox_id),
    )


async def retry_later(conn: aiosqlite.Connection, outbox_id: int, when: float) -> None:
    await conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, not_before = ? WHERE id = ?", (when, outbox_id)
    )


async def mark_tried(conn: aiosqlite.Connection, outbox_id: int, now: float) -> None:
    """Remember when a row was first attempted (later attempts keep the first time)."""
    await conn.execute(
        "UPDATE outbox SET tried_at = coalesce(tried_at, ?) WHERE id = ?", (now, outbox_id)
    )


async def mark_undelivered(
    conn: aiosqlite.Connection, outbox_id: int, payload: dict[str, Any], error: str, now: float
) -> None:
    """No route would take this row: keep it (with the files it had) for /mysongs."""
    await conn.execute(
        "UPDATE outbox SET state = 'undelivered', payload = ?, error = ?, attempts = attempts + 1,"
        " delivered_at = ? WHERE id = ?",
        (json.dumps(payload, sort_keys=True), error, now, outbox_id),
    )


async def undelivered_results(conn: aiosqlite.Connection, job_id: str) -> int:
    rows = await fetch(
        conn,
        "SELECT count(*) FROM outbox"
        " WHERE job_id = ? AND kind = 'result' AND state = 'undelivered'",
        (job_id,),
    )
    return int(rows[0][0])


async def undelivered(
    conn: aiosqlite.Connection, member: Member, limit: int = 10
) -> list[UndeliveredRow]:
    """The member's results that could not be posted, newest first."""
    rows = await fetch(
        conn,
        "SELECT o.id, o.job_id, j.op, o.payload, o.error, o.created_at FROM outbox o"
        " JOIN jobs j ON j.id = o.job_id"
        " WHERE o.state = 'undelivered' AND o.kind = 'result'"
        " AND j.platform = ? AND j.scope = ? AND j.user_id = ?"
        " ORDER BY o.id DESC LIMIT ?",
        (member.scope.platform, member.scope.id, member.user_id, limit),
    )
    return [UndeliveredRow(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]


async def outbox_counts(conn: aiosqlite.Connection) -> dict[str, int]:
    rows = await fetch(conn, "SELECT state, count(*) FROM outbox GROUP BY state")
    return {str(state): int(n) for state, n in rows}


# --- media, voices, webhooks, notices -----------------------------------------------------------

_MEDIA_COLUMNS = (
    "id, platform, scope, user_id, filename, mime, size, duration, created_at, expires_at,"
    " vendor_clip_id, vendor_clip_at"
)


async def upsert_media(conn: aiosqlite.Connection, media: MediaRow) -> None:
    """Content-addressed: the same bytes again refresh the expiry and keep the vendor clip."""
    await conn.execute(
        f"INSERT INTO media ({_MEDIA_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)",
        tuple(media.__dict__.values()),
    )


async def media(conn: aiosqlite.Connection, media_id: str) -> MediaRow | None:
    rows = await fetch(conn, f"SELECT {_MEDIA_COLUMNS} FROM media WHERE id = ?", (media_id,))
    return MediaRow(*rows[0]) if rows else None


async def set_vendor_clip(
    conn: aiosqlite.Connection, media_id: str, clip_id: str, now: float
) -> None:
    await conn.execute(
        "UPDATE media SET vendor_clip_id = ?, vendor_clip_at = ? WHERE id = ?",
        (clip_id, now, media_id),
    )


async def expired_media(conn: aiosqlite.Connection, now: float) -> list[str]:
    rows = await fetch(conn, "SELECT id FROM media WHERE expires_at <= ?", (now,))
    return [str(row[0]) for row in rows]


async def forget_media(conn: aiosqlite.Connection, media_id: str) -> None:
    await conn.execute("DELETE FROM media WHERE id = ?", (media_id,))


async def add_voice(
    conn: aiosqlite.Connection, persona_id: str, member: Member, name: str, now: float
) -> None:
    await conn.execute(
        "INSERT OR IGNORE INTO voices (persona_id, platform, scope, user_id, name, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (persona_id, member.scope.platform, member.scope.id, member.user_id, name, now),
    )


async def find_voice(conn: aiosqlite.Connection, member: Member, name_or_id: str) -> str | None:
    rows = await fetch(
        conn,
        "SELECT persona_id FROM voices WHERE platform = ? AND scope = ? AND user_id = ?"
        " AND (persona_id = ? OR lower(name) = lower(?)) ORDER BY created_at DESC LIMIT 1",
        (member.scope.platform, member.scope.id, member.user_id, name_or_id, name_or_id),
    )
    return str(rows[0][0]) if rows else None


async def voices(conn: aiosqlite.Connection, member: Member, limit: int = 25) -> list[str]:
    """The member's voice names, newest first (for autocomplete)."""
    rows = await fetch(
        conn,
        "SELECT name FROM voices WHERE platform = ? AND scope = ? AND user_id = ?"
        " ORDER BY created_at DESC LIMIT ?",
        (member.scope.platform, member.scope.id, member.user_id, limit),
    )
    return [str(row[0]) for row in rows]


async def seen_event(conn: aiosqlite.Connection, event_id: str) -> bool:
    """Whether a webhook event was already applied (a replay or a retry)."""
    rows = await fetch(conn, "SELECT 1 FROM webhook_events WHERE event_id = ?", (event_id,))
    return bool(rows)


async def record_event(conn: aiosqlite.Connection, event_id: str, now: float) -> None:
    """Mark a webhook event applied; called inside the transaction that applies it."""
    await conn.execute(
        "INSERT OR IGNORE INTO webhook_events (event_id, received_at) VALUES (?, ?)",
        (event_id, now),
    )


async def once(conn: aiosqlite.Connection, scope: Scope, topic: str, day: str) -> bool:
    """True the first time a topic comes up in a scope on a day (for one-off notices)."""
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO notices (platform, scope, topic, day) VALUES (?, ?, ?, ?)",
        (scope.platform, scope.id, topic, day),
    )
    return cursor.rowcount == 1
