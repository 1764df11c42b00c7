"""Queries over per-scope settings and per-member limit overrides."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.domain import Scope
from bot.store.connection import Conn

SCOPE_FIELDS = (
    "starting_credits", "daily_allowance", "daily_spend_cap", "max_concurrent",
    "cooldown_seconds", "price_multiplier", "disabled_ops", "pool_daily_budget", "moderator_roles",
)  # fmt: skip
MEMBER_FIELDS = ("daily_allowance", "daily_spend_cap", "max_concurrent", "cooldown_seconds")
_JSON_FIELDS = {"disabled_ops", "moderator_roles"}


@dataclass(frozen=True)
class ScopeRow:
    """A scope's stored settings; None means "use the operator's default"."""

    values: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.values.get(name)


@dataclass(frozen=True, kw_only=True)
class MemberRow:
    overrides: dict[str, int | None]
    banned: bool
    ban_reason: str | None


async def scope_settings(conn: Conn, scope: Scope) -> ScopeRow:
    rows = await conn.execute_fetchall(
        f"SELECT {', '.join(SCOPE_FIELDS)} FROM scope_settings WHERE platform = ? AND scope = ?",
        (scope.platform, scope.id),
    )
    row = next(iter(rows), None)
    if row is None:
        return ScopeRow()
    values = {
        name: json.loads(value) if name in _JSON_FIELDS and value is not None else value
        for name, value in zip(SCOPE_FIELDS, row, strict=True)
    }
    return ScopeRow(values=values)


async def update_scope_settings(conn: Conn, scope: Scope, changes: dict[str, Any]) -> None:
    """Set (or, with None, clear) the named scope settings."""
    unknown = set(changes) - set(SCOPE_FIELDS)
    assert not unknown, f"unknown scope settings {unknown}"
    await conn.execute(
        "INSERT INTO scope_settings (platform, scope) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (scope.platform, scope.id),
    )
    for name, value in changes.items():
        stored = json.dumps(value) if name in _JSON_FIELDS and value is not None else value
        await conn.execute(
            f"UPDATE scope_settings SET {name} = ? WHERE platform = ? AND scope = ?",
            (stored, scope.platform, scope.id),
        )


async def member_limits(conn: Conn, account_id: int) -> MemberRow:
    rows = await conn.execute_fetchall(
        f"SELECT {', '.join(MEMBER_FIELDS)}, banned, ban_reason FROM member_limits"
        " WHERE account_id = ?",
        (account_id,),
    )
    row = next(iter(rows), None)
    if row is None:
        return MemberRow(overrides={}, banned=False, ban_reason=None)
    values = dict(zip((*MEMBER_FIELDS, "banned", "ban_reason"), row, strict=True))
    overrides = {name: values[name] for name in MEMBER_FIELDS}
    return MemberRow(
        overrides=overrides, banned=bool(values["banned"]), ban_reason=values["ban_reason"]
    )


async def update_member_limits(conn: Conn, account_id: int, changes: dict[str, Any]) -> None:
    """Set or clear (None) overrides, ``banned`` and ``ban_reason`` for one member."""
    unknown = set(changes) - {*MEMBER_FIELDS, "banned", "ban_reason"}
    assert not unknown, f"unknown member limits {unknown}"
    await conn.execute(
        "INSERT INTO member_limits (account_id) VALUES (?) ON CONFLICT DO NOTHING", (account_id,)
    )
    for name, value in changes.items():
        await conn.execute(
            f"UPDATE member_limits SET {name} = ? WHERE account_id = ?",
            (value, account_id),
        )
