"""Queries over the outbox: what is to be posted to members, written in the transaction that
decided it and delivered (at least once, deduplicated by key) by :mod:`bot.delivery`."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from bot.domain import Action, Attachment, Member, ReplyTarget, ResultCard
from bot.store.connection import Conn
from bot.store.database import fetch
from bot.store.jobs import target_from_json, target_json
from bot.store.rows import columns, read

Kind = Literal["notice", "result"]


def _file_json(file: Attachment) -> dict[str, str]:
    if file.url is not None:
        return {"url": file.url, "filename": file.filename, "mime": file.mime}
    return {"path": file.path, "filename": file.filename, "mime": file.mime}


def _file(data: dict[str, Any]) -> Attachment:
    if "url" in data:
        return Attachment.remote(str(data["url"]), str(data["filename"]), str(data["mime"]))
    return Attachment(
        path=str(data["path"]), filename=str(data["filename"]), mime=str(data["mime"])
    )


@dataclass(frozen=True)
class OutboxItem:
    """What one outbox row posts: a notice's text, or a result's card with the files delivery
    still has to fetch for it (``fetch``, each with a ``url``).

    Stored as the JSON the rows have always held (``{"text": ...}`` or ``{"card": ...,
    "fetch": [...]}``), so rows written by an older Chorus still deliver.
    """

    text: str | None = None
    card: ResultCard | None = None
    fetch: tuple[Attachment, ...] = ()

    @classmethod
    def notice(cls, text: str) -> OutboxItem:
        return cls(text=text)

    @classmethod
    def result(cls, card: ResultCard, fetch: Sequence[Attachment] = ()) -> OutboxItem:
        return cls(card=card, fetch=tuple(fetch))

    @property
    def kind(self) -> Kind:
        return "notice" if self.card is None else "result"

    def to_json(self) -> str:
        if self.card is None:
            return json.dumps({"text": self.text}, sort_keys=True)
        card = {
            **asdict(self.card),
            "attachments": [_file_json(a) for a in self.card.attachments],
        }
        fetch = [_file_json(f) for f in self.fetch]
        return json.dumps({"card": card, "fetch": fetch}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> OutboxItem:
        data = json.loads(text)
        if "card" not in data:
            return cls.notice(str(data["text"]))
        card = dict(data["card"])
        card["actions"] = tuple(Action(**a) for a in card.get("actions", ()))
        card["attachments"] = tuple(_file(a) for a in card.get("attachments", ()))
        return cls.result(ResultCard(**card), [_file(f) for f in data.get("fetch", ())])


@dataclass(frozen=True, kw_only=True)
class OutboxRow:
    id: int
    job_id: str
    kind: str
    item: OutboxItem
    target: ReplyTarget
    attempts: int
    tried_at: float | None = None  # the first attempt, if there was one


@dataclass(frozen=True, kw_only=True)
class UndeliveredRow:
    """A result no platform route would take, kept for the member's /mysongs."""

    id: int
    job_id: str
    op: str
    item: OutboxItem
    error: str | None
    created_at: float


COLUMNS = columns(OutboxRow, item="payload")


async def enqueue(
    conn: Conn,
    job_id: str,
    item: OutboxItem,
    target: ReplyTarget,
    now: float,
) -> None:
    await conn.execute(
        "INSERT INTO outbox (job_id, kind, payload, target, platform, not_before, created_at)"
        " VALUES (:job_id, :kind, :payload, :target, :platform, :now, :now)",
        {
            "platform": target.platform,
            "job_id": job_id,
            "kind": item.kind,
            "payload": item.to_json(),
            "target": target_json(target),
            "now": now,
        },
    )


def _served(platforms: Collection[str], table: str = "") -> tuple[str, tuple[str, ...]]:
    """The SQL condition (``AND ...``, and its parameters) keeping only rows bound for
    ``platforms``; ``table``: the outbox's alias in the query."""
    marks = ", ".join("?" for _ in platforms) or "NULL"
    column = f"{table}.platform" if table else "platform"
    return f"AND {column} IN ({marks})", tuple(platforms)


async def claim(
    conn: Conn,
    dialect: str,
    instance: str,
    now: float,
    until: float,
    limit: int,
    platforms: Collection[str],
) -> list[OutboxRow]:
    """Claim for ``instance``, until ``until``, the rows due for the platforms it serves, and
    return them (oldest first): each row is claimed by one instance at a time, so several
    instances on one database never post the same row side by side.

    A row is free when it was never claimed, its claim has expired (the instance that held it
    died or stalled) or it is this instance's own. A row waits while an earlier row of its job
    is claimed by another instance, so one job's results still go out in order. A row for a
    platform not served here waits, untouched, for an instance that serves it. On PostgreSQL
    the rows are picked ``FOR UPDATE SKIP LOCKED``: instances claiming at the same moment take
    different rows instead of waiting for each other.
    """
    served, names = _served(platforms, "o")
    locking = " FOR UPDATE OF o SKIP LOCKED" if dialect == "postgresql" else ""
    rows = await fetch(
        conn,
        "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN ("
        " SELECT o.id FROM outbox o"
        f" WHERE o.state = 'pending' AND o.not_before <= ? {served}"
        " AND (o.claimed_until IS NULL OR o.claimed_until < ? OR o.claimed_by = ?)"
        " AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.job_id = o.job_id AND e.id < o.id"
        " AND e.state = 'pending' AND e.claimed_until >= ? AND e.claimed_by <> ?)"
        f" ORDER BY o.id LIMIT ?{locking})"
        f" RETURNING {COLUMNS}",
        (instance, until, now, *names, now, instance, now, instance, limit),
    )
    claimed = [
        read(OutboxRow, row, item=OutboxItem.from_json, target=target_from_json) for row in rows
    ]
    return sorted(claimed, key=lambda row: row.id)


async def extend_claims(conn: Conn, instance: str, ids: Sequence[int], until: float) -> None:
    """Keep ``instance``'s claim on rows it is still posting (a slow download, a long wait
    for a platform's rate limit): a live instance never loses its rows to another."""
    marks = ", ".join("?" for _ in ids) or "NULL"
    await conn.execute(
        f"UPDATE outbox SET claimed_until = ? WHERE claimed_by = ? AND id IN ({marks})",
        (until, instance, *ids),
    )


async def release_claims(conn: Conn, instance: str | None) -> None:
    """Give up ``instance``'s claims on rows not yet posted (all claims: ``None``), so they go
    out at once instead of when the claims would have run out."""
    mine = " AND claimed_by = ?" if instance is not None else ""
    await conn.execute(
        f"UPDATE outbox SET claimed_until = NULL WHERE state = 'pending'{mine}",
        (instance,) if instance is not None else (),
    )


async def next_delivery(
    conn: Conn, platforms: Collection[str], instance: str, now: float
) -> float | None:
    """When the next row for these platforms is due here: its ``not_before``, or, for a row
    another instance holds, when that claim runs out (it is that instance's to post until
    then; if it died, this one takes the row over)."""
    served, names = _served(platforms)
    rows = await fetch(
        conn,
        "SELECT min(CASE WHEN claimed_until >= ? AND claimed_by <> ?"
        " AND claimed_until > not_before THEN claimed_until ELSE not_before END)"
        f" FROM outbox WHERE state = 'pending' {served}",
        (now, instance, *names),
    )
    value = next(iter(rows), (None,))[0]
    return float(value) if value is not None else None


async def mark_delivered(conn: Conn, outbox_id: int, ref: str, now: float) -> None:
    await conn.execute(
        "UPDATE outbox SET state = 'delivered', delivered_ref = ?, delivered_at = ?,"
        " claimed_until = NULL WHERE id = ?",
        (ref, now, outbox_id),
    )


async def retry_later(conn: Conn, outbox_id: int, when: float) -> None:
    """Try the row again from ``when``, on whichever instance claims it then."""
    await conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, not_before = ?, claimed_by = NULL,"
        " claimed_until = NULL WHERE id = ?",
        (when, outbox_id),
    )


async def mark_tried(conn: Conn, outbox_id: int, now: float) -> None:
    """Remember when a row was first attempted (later attempts keep the first time)."""
    await conn.execute(
        "UPDATE outbox SET tried_at = coalesce(tried_at, ?) WHERE id = ?", (now, outbox_id)
    )


async def mark_undelivered(
    conn: Conn, outbox_id: int, item: OutboxItem, error: str, now: float
) -> None:
    """No route would take this row: keep it (with the files it had) for /mysongs."""
    await conn.execute(
        "UPDATE outbox SET state = 'undelivered', payload = ?, error = ?, attempts = attempts + 1,"
        " delivered_at = ?, claimed_until = NULL WHERE id = ?",
        (item.to_json(), error, now, outbox_id),
    )


async def undelivered_results(conn: Conn, job_id: str) -> int:
    rows = await fetch(
        conn,
        "SELECT count(*) FROM outbox"
        " WHERE job_id = ? AND kind = 'result' AND state = 'undelivered'",
        (job_id,),
    )
    return int(rows[0][0])


async def undelivered(conn: Conn, member: Member, limit: int = 10) -> list[UndeliveredRow]:
    """The member's results that could not be posted, newest first."""
    rows = await fetch(
        conn,
        f"SELECT {columns(UndeliveredRow, 'o', op='j.op', item='o.payload')} FROM outbox o"
        " JOIN jobs j ON j.id = o.job_id"
        " WHERE o.state = 'undelivered' AND o.kind = 'result'"
        " AND j.platform = ? AND j.scope = ? AND j.user_id = ?"
        " ORDER BY o.id DESC LIMIT ?",
        (member.scope.platform, member.scope.id, member.user_id, limit),
    )
    return [read(UndeliveredRow, row, item=OutboxItem.from_json) for row in rows]


async def pending_of(conn: Conn, job_ids: Sequence[str]) -> int:
    """How many of these jobs' rows are still to be delivered."""
    marks = ", ".join("?" for _ in job_ids) or "NULL"
    rows = await fetch(
        conn,
        f"SELECT count(*) FROM outbox WHERE state = 'pending' AND job_id IN ({marks})",
        tuple(job_ids),
    )
    return int(rows[0][0])


async def outbox_counts(conn: Conn) -> dict[str, int]:
    rows = await fetch(conn, "SELECT state, count(*) FROM outbox GROUP BY state")
    return {str(state): int(n) for state, n in rows}


async def repost_undelivered(conn: Conn, job_id: str, now: float) -> int:
    """Put a job's undelivered results back in the queue, as fresh rows would be (a moderator
    asked once the reason they failed, e.g. a missing permission, was fixed); how many."""
    cursor = await conn.execute(
        "UPDATE outbox SET state = 'pending', attempts = 0, not_before = ?, error = NULL,"
        " delivered_at = NULL, claimed_by = NULL, claimed_until = NULL"
        " WHERE job_id = ? AND kind = 'result' AND state = 'undelivered'",
        (now, job_id),
    )
    return cursor.rowcount
