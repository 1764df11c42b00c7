"""The moderators' web panel: its one-time sign-in links and the sessions they open.

Tokens arrive here already hashed (:mod:`bot.panel.access` makes them), so nothing stored here
opens a panel. Using a link is one UPDATE that succeeds once: two tabs racing with the same
link cannot both sign in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.domain import Actor, Scope
from bot.store.connection import Conn
from bot.store.database import fetch


@dataclass(frozen=True)
class Grantee:
    """Who a link or a session is for: a moderator, as the platform described them, in a scope."""

    scope: Scope
    actor: Actor


@dataclass(frozen=True)
class SessionRow:
    grantee: Grantee
    csrf: str
    expires_at: float


def _grantee(platform: str, scope: str, user_id: str, name: str, admin: int, roles: str) -> Grantee:
    actor = Actor(user_id, name=name, is_admin=bool(admin), roles=frozenset(json.loads(roles)))
    return Grantee(Scope(platform, scope), actor)


def _values(grantee: Grantee) -> tuple[str, str, str, str, int, str]:
    actor = grantee.actor
    return (
        grantee.scope.platform,
        grantee.scope.id,
        actor.user_id,
        actor.name,
        int(actor.is_admin),
        json.dumps(sorted(actor.roles)),
    )


async def add_link(
    conn: Conn, token_hash: str, grantee: Grantee, now: float, expires_at: float
) -> None:
    await conn.execute(
        "INSERT INTO panel_links (token_hash, platform, scope, user_id, name, is_admin, roles,"
        " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (token_hash, *_values(grantee), now, expires_at),
    )


async def use_link(conn: Conn, token_hash: str, now: float) -> Grantee | None:
    """The link's grantee if it is unused and unexpired, marking it used; otherwise ``None``."""
    cursor = await conn.execute(
        "UPDATE panel_links SET used_at = ?"
        " WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
        (now, token_hash, now),
    )
    if cursor.rowcount != 1:
        return None
    rows = await fetch(
        conn,
        "SELECT platform, scope, user_id, name, is_admin, roles FROM panel_links"
        " WHERE token_hash = ?",
        (token_hash,),
    )
    return _grantee(*rows[0])


async def add_session(
    conn: Conn,
    token_hash: str,
    grantee: Grantee,
    csrf: str,
    now: float,
    expires_at: float,
) -> None:
    await conn.execute(
        "INSERT INTO panel_sessions (token_hash, platform, scope, user_id, name, is_admin, roles,"
        " csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (token_hash, *_values(grantee), csrf, now, expires_at),
    )
    # Expired rows are of no use to anyone: swept whenever someone signs in.
    await conn.execute("DELETE FROM panel_sessions WHERE expires_at <= ?", (now,))
    await conn.execute("DELETE FROM panel_links WHERE expires_at <= ?", (now,))


async def session(conn: Conn, token_hash: str, now: float) -> SessionRow | None:
    rows = await fetch(
        conn,
        "SELECT platform, scope, user_id, name, is_admin, roles, csrf, expires_at"
        " FROM panel_sessions WHERE token_hash = ? AND expires_at > ?",
        (token_hash, now),
    )
    if not rows:
        return None
    *who, csrf, expires_at = rows[0]
    return SessionRow(_grantee(*who), str(csrf), float(expires_at))


async def end_session(conn: Conn, token_hash: str) -> None:
    await conn.execute("DELETE FROM panel_sessions WHERE token_hash = ?", (token_hash,))
