"""Queries over accounts, the append-only journal and request keys.

Every function takes the connection of a transaction opened by :class:`bot.store.Store`; none
commits. Cached balances are changed only here, next to the journal entry that justifies them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import Member, Scope
from bot.store.connection import Conn
from bot.store.rows import columns, read


@dataclass(frozen=True, kw_only=True)
class AccountRow:
    id: int
    balance: int
    held: int
    open_holds: int
    created_at: float

    @property
    def available(self) -> int:
        """The member's own credits not held (today's allowance is not in here)."""
        return self.balance - self.held


@dataclass(frozen=True, kw_only=True)
class HoldRow:
    id: int
    account_id: int
    amount: int
    job_id: str | None
    created_at: float
    expires_at: float
    resolution: str | None  # 'capture' | 'release' | None while open
    resolved_amount: int | None
    allowance: int  # the part of ``amount`` taken from the day's allowance

    @property
    def own(self) -> int:
        """The part of the hold taken from the member's own credits."""
        return self.amount - self.allowance


@dataclass(frozen=True, kw_only=True)
class EntryRow:
    id: int
    kind: str
    amount: int
    job_id: str | None
    actor: str
    reason: str
    created_at: float


@dataclass(frozen=True, kw_only=True)
class Mismatch:
    account_id: int
    cached_balance: int
    journal_balance: int
    cached_held: int
    journal_held: int
    cached_open: int
    journal_open: int


_ACCOUNT = f"SELECT {columns(AccountRow)} FROM accounts"


async def find_account(conn: Conn, member: Member) -> AccountRow | None:
    rows = await conn.execute_fetchall(
        f"{_ACCOUNT} WHERE platform = ? AND scope = ? AND user_id = ?",
        (member.scope.platform, member.scope.id, member.user_id),
    )
    row = next(iter(rows), None)
    return read(AccountRow, row) if row else None


async def account_by_id(conn: Conn, account_id: int) -> AccountRow:
    rows = await conn.execute_fetchall(f"{_ACCOUNT} WHERE id = ?", (account_id,))
    row = next(iter(rows), None)
    assert row is not None, f"account {account_id} vanished inside a transaction"
    return read(AccountRow, row)


async def create_account(conn: Conn, member: Member, now: float) -> AccountRow:
    rows = await conn.execute_fetchall(
        "INSERT INTO accounts (platform, scope, user_id, created_at) VALUES (?, ?, ?, ?)"
        " RETURNING id",
        (member.scope.platform, member.scope.id, member.user_id, now),
    )
    ((account_id,),) = rows
    return await account_by_id(conn, int(account_id))


async def append(
    conn: Conn,
    account_id: int,
    kind: str,
    amount: int,
    *,
    actor: str,
    reason: str,
    now: float,
    job_id: str | None = None,
    hold_id: int | None = None,
    expires_at: float | None = None,
    balance_delta: int = 0,
    held_delta: int = 0,
    allowance: int = 0,
) -> int:
    """Append one journal entry and move the cached balances by what it means, together.

    ``allowance`` is the part of a hold's or a capture's amount that is the day's allowance; the
    cached balances count the member's own credits only.
    """
    rows = await conn.execute_fetchall(
        "INSERT INTO journal (account_id, kind, amount, hold_id, job_id, actor, reason, created_at,"
        " expires_at, allowance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (account_id, kind, amount, hold_id, job_id, actor, reason, now, expires_at, allowance),
    )
    opened = {"hold": 1, "capture": -1, "release": -1}.get(kind, 0)
    if balance_delta or held_delta or opened:
        await conn.execute(
            "UPDATE accounts SET balance = balance + ?, held = held + ?,"
            " open_holds = open_holds + ? WHERE id = ?",
            (balance_delta, held_delta, opened, account_id),
        )
    ((entry_id,),) = rows
    return int(entry_id)


_HOLD = (
    f"SELECT {columns(HoldRow, 'h', resolution='r.kind', resolved_amount='r.amount')}"
    " FROM journal h LEFT JOIN journal r ON r.hold_id = h.id WHERE h.kind = 'hold'"
)


async def find_hold(conn: Conn, hold_id: int) -> HoldRow | None:
    rows = await conn.execute_fetchall(f"{_HOLD} AND h.id = ?", (hold_id,))
    row = next(iter(rows), None)
    return read(HoldRow, row) if row else None


async def expired_holds(conn: Conn, now: float, limit: int) -> list[HoldRow]:
    rows = await conn.execute_fetchall(
        f"{_HOLD} AND r.id IS NULL AND h.expires_at <= ? ORDER BY h.expires_at LIMIT ?",
        (now, limit),
    )
    return [read(HoldRow, row) for row in rows]


async def last_hold_at(conn: Conn, account_id: int) -> float | None:
    rows = await conn.execute_fetchall(
        "SELECT max(created_at) FROM journal WHERE kind = 'hold' AND account_id = ?", (account_id,)
    )
    row = next(iter(rows), None)
    return float(row[0]) if row and row[0] is not None else None


_SPENT = (
    "SELECT coalesce(sum(CASE WHEN r.kind = 'capture' THEN r.amount"
    " WHEN r.id IS NULL THEN h.amount ELSE 0 END), 0)"
    " FROM journal h LEFT JOIN journal r ON r.hold_id = h.id"
)


async def spent_since(conn: Conn, account_id: int, since: float) -> int:
    """Credits captured or still held from holds placed since ``since`` (released ones are free)."""
    rows = await conn.execute_fetchall(
        f"{_SPENT} WHERE h.kind = 'hold' AND h.account_id = ? AND h.created_at >= ?",
        (account_id, since),
    )
    row = next(iter(rows), None)
    return int(row[0]) if row else 0


async def allowance_used_since(conn: Conn, account_id: int, since: float) -> int:
    """Allowance captured from, or still held by, holds placed since ``since``.

    A released hold's share is not counted: it is back in its own day's allowance (and lapsed
    with that day if the day is over).
    """
    rows = await conn.execute_fetchall(
        "SELECT coalesce(sum(CASE WHEN r.kind = 'capture' THEN r.allowance"
        " WHEN r.id IS NULL THEN h.allowance ELSE 0 END), 0)"
        " FROM journal h LEFT JOIN journal r ON r.hold_id = h.id"
        " WHERE h.kind = 'hold' AND h.account_id = ? AND h.created_at >= ? AND h.allowance > 0",
        (account_id, since),
    )
    row = next(iter(rows), None)
    return int(row[0]) if row else 0


async def allowance_held(conn: Conn, account_id: int) -> int:
    """Allowance in the account's open holds, whatever day they were placed."""
    rows = await conn.execute_fetchall(
        "SELECT coalesce(sum(h.allowance), 0) FROM journal h"
        " WHERE h.kind = 'hold' AND h.account_id = ? AND h.allowance > 0"
        " AND NOT EXISTS (SELECT 1 FROM journal r WHERE r.hold_id = h.id)",
        (account_id,),
    )
    row = next(iter(rows), None)
    return int(row[0]) if row else 0


async def scope_spent_since(conn: Conn, scope: Scope, since: float) -> int:
    rows = await conn.execute_fetchall(
        f"{_SPENT} JOIN accounts a ON a.id = h.account_id WHERE h.kind = 'hold'"
        " AND a.platform = ? AND a.scope = ? AND h.created_at >= ?",
        (scope.platform, scope.id, since),
    )
    row = next(iter(rows), None)
    return int(row[0]) if row else 0


async def recent_entries(conn: Conn, account_id: int, limit: int) -> list[EntryRow]:
    rows = await conn.execute_fetchall(
        f"SELECT {columns(EntryRow)} FROM journal WHERE account_id = ? ORDER BY id DESC LIMIT ?",
        (account_id, limit),
    )
    return [read(EntryRow, row) for row in rows]


@dataclass(frozen=True, kw_only=True)
class RequestRow:
    """A platform event already seen: what its payload was and the hold it made."""

    fingerprint: str
    hold_id: int | None


async def find_request(conn: Conn, platform: str, key: str) -> RequestRow | None:
    rows = await conn.execute_fetchall(
        f"SELECT {columns(RequestRow)} FROM requests WHERE platform = ? AND request_key = ?",
        (platform, key),
    )
    for row in rows:  # at most one: a key is unique per platform
        return read(RequestRow, row)
    return None


async def save_request(
    conn: Conn, platform: str, key: str, fingerprint: str, hold_id: int, now: float
) -> None:
    await conn.execute(
        "INSERT INTO requests (platform, request_key, fingerprint, hold_id, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (platform, key, fingerprint, hold_id, now),
    )


_MISMATCH = columns(
    Mismatch,
    account_id="a.id",
    cached_balance="a.balance",
    journal_balance="coalesce(j.balance, 0)",
    cached_held="a.held",
    journal_held="coalesce(j.held, 0)",
    cached_open="a.open_holds",
    journal_open="coalesce(j.open, 0)",
)


async def mismatches(conn: Conn) -> list[Mismatch]:
    """Accounts whose cached balance, held credits or open holds disagree with the journal.

    The cache counts own credits: a capture's or a hold's ``allowance`` share is not in it.
    """
    rows = await conn.execute_fetchall(
        f"""
        SELECT {_MISMATCH}
        FROM accounts a LEFT JOIN (
            SELECT h.account_id,
                   sum(CASE h.kind WHEN 'grant' THEN h.amount WHEN 'adjust' THEN h.amount
                                   WHEN 'capture' THEN h.allowance - h.amount
                                   ELSE 0 END) AS balance,
                   sum(CASE WHEN h.kind = 'hold' AND NOT EXISTS (
                           SELECT 1 FROM journal r WHERE r.hold_id = h.id)
                       THEN h.amount - h.allowance ELSE 0 END) AS held,
                   sum(CASE WHEN h.kind = 'hold' AND NOT EXISTS (
                           SELECT 1 FROM journal r WHERE r.hold_id = h.id)
                       THEN 1 ELSE 0 END) AS open
            FROM journal h GROUP BY h.account_id
        ) j ON j.account_id = a.id
        WHERE a.balance != coalesce(j.balance, 0) OR a.held != coalesce(j.held, 0)
           OR a.open_holds != coalesce(j.open, 0)
        """
    )
    return [read(Mismatch, row) for row in rows]


async def held_total(conn: Conn) -> int:
    """Credits held right now across all accounts (the metrics' gauge)."""
    rows = await conn.execute_fetchall("SELECT coalesce(sum(held), 0) FROM accounts")
    ((held,),) = rows  # an aggregate: always one row of one column
    return int(held)


async def totals(conn: Conn) -> dict[str, int]:
    """Sum of entries by kind, across all accounts (for reports and crash checks)."""
    rows = await conn.execute_fetchall("SELECT kind, sum(amount) FROM journal GROUP BY kind")
    return {str(kind): int(total) for kind, total in rows}
