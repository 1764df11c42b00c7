"""Queries over media: audio members supplied, kept content-addressed until it expires."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bot.store.connection import Conn
from bot.store.database import fetch
from bot.store.rows import columns, insert, read


@dataclass(frozen=True, kw_only=True)
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


COLUMNS = columns(MediaRow)


async def upsert_media(conn: Conn, media: MediaRow) -> None:
    """Content-addressed: the same bytes again refresh the expiry and keep the vendor clip."""
    values = asdict(media)
    await conn.execute(
        insert("media", values) + " ON CONFLICT (id) DO UPDATE SET expires_at = CASE"
        " WHEN excluded.expires_at > media.expires_at THEN excluded.expires_at"
        " ELSE media.expires_at END",
        values,
    )


async def media(conn: Conn, media_id: str) -> MediaRow | None:
    rows = await fetch(conn, f"SELECT {COLUMNS} FROM media WHERE id = ?", (media_id,))
    return read(MediaRow, rows[0]) if rows else None


async def set_vendor_clip(conn: Conn, media_id: str, clip_id: str, now: float) -> None:
    await conn.execute(
        "UPDATE media SET vendor_clip_id = ?, vendor_clip_at = ? WHERE id = ?",
        (clip_id, now, media_id),
    )


async def expired_media(conn: Conn, now: float) -> list[str]:
    rows = await fetch(conn, "SELECT id FROM media WHERE expires_at <= ?", (now,))
    return [str(row[0]) for row in rows]


async def forget_media(conn: Conn, media_id: str) -> None:
    await conn.execute("DELETE FROM media WHERE id = ?", (media_id,))
