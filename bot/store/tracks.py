"""Queries over tracks: every result a member can name by id (songs, stems, lyrics sets)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bot.domain import Member
from bot.store.connection import Conn
from bot.store.database import fetch
from bot.store.rows import columns, read


@dataclass(frozen=True, kw_only=True)
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


COLUMNS = columns(TrackRow)


async def insert_track(conn: Conn, track: TrackRow) -> None:
    values = asdict(track)
    # After the job's tracks already written: the order a member reads them in.
    await conn.execute(
        f"INSERT INTO tracks ({', '.join(values)}, position)"
        f" VALUES ({', '.join(f':{n}' for n in values)},"
        " (SELECT count(*) FROM tracks WHERE job_id = :job_id))",
        values,
    )


async def track(conn: Conn, track_id: str) -> TrackRow | None:
    rows = await fetch(conn, f"SELECT {COLUMNS} FROM tracks WHERE id = ?", (track_id,))
    return read(TrackRow, rows[0]) if rows else None


async def job_tracks(conn: Conn, job_id: str) -> list[TrackRow]:
    rows = await fetch(
        conn,
        f"SELECT {COLUMNS} FROM tracks WHERE job_id = ? ORDER BY position",
        (job_id,),
    )
    return [read(TrackRow, row) for row in rows]


async def user_tracks(conn: Conn, member: Member, *, limit: int, offset: int = 0) -> list[TrackRow]:
    rows = await fetch(
        conn,
        f"SELECT {COLUMNS} FROM tracks WHERE platform = ? AND scope = ? AND user_id = ?"
        " AND clip_id IS NOT NULL ORDER BY created_at DESC, position DESC LIMIT ? OFFSET ?",
        (member.scope.platform, member.scope.id, member.user_id, limit, offset),
    )
    return [read(TrackRow, row) for row in rows]
