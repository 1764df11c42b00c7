"""Signing in to the panel without passwords: a one-time link from ``/mod panel`` opens a
session bound to the community it was asked in.

A link works once, for ten minutes; a session lasts ``SESSION_SECONDS``. Both tokens are random
(256 bits) and stored only as SHA-256 hashes. A session carries a CSRF token that every form
sends back. Who may sign in is decided by the same moderation policy as the chat commands, and
so is every read and change made through the session afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain import Actor, Scope
from bot.moderation import Moderation, NotModerator
from bot.store import Store
from bot.store import sessions as store
from bot.store.sessions import Grantee

LINK_MINUTES = 10
LINK_SECONDS = LINK_MINUTES * 60
SESSION_SECONDS = 2 * 60 * 60
SIGN_IN_PATH = "/panel/signin/"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    """An open panel session: the moderator, the one scope it reaches, its CSRF token."""

    token: str
    actor: Actor
    scope: Scope
    csrf: str
    expires_at: float

    def csrf_ok(self, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(sent.encode(), self.csrf.encode())


class PanelAccess:
    def __init__(
        self,
        store_: Store,
        moderation: Moderation,
        base_url: str | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.moderation, self.clock = store_, moderation, clock
        self.base_url = base_url.rstrip("/") if base_url else None

    @property
    def secure(self) -> bool:
        """Whether the panel is reached over HTTPS, so its cookie may say Secure."""
        return bool(self.base_url and self.base_url.startswith("https://"))

    async def link(self, actor: Actor, scope: Scope) -> str:
        """A one-time sign-in link for ``actor`` in ``scope``; refused unless they moderate it."""
        if not await self.moderation.is_moderator(actor, scope):
            raise NotModerator()
        if self.base_url is None:
            raise RuntimeError("the panel has no address: the web server is not configured")
        token = secrets.token_urlsafe(32)
        now = self.clock()
        async with self.store.write() as conn:
            await store.add_link(
                conn, digest(token), Grantee(scope, actor), now, now + LINK_SECONDS
            )
        return f"{self.base_url}{SIGN_IN_PATH}{token}"

    async def open(self, link_token: str) -> Session | None:
        """Use a link: a new session, or ``None`` when the link is unknown, used or expired."""
        now = self.clock()
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now + SESSION_SECONDS
        async with self.store.write() as conn:
            grantee = await store.use_link(conn, digest(link_token), now)
            if grantee is None:
                return None
            await store.add_session(conn, digest(token), grantee, csrf, now, expires)
        return Session(token, grantee.actor, grantee.scope, csrf, expires)

    async def session(self, token: str | None) -> Session | None:
        """The open, unexpired session a cookie names, if any."""
        if not token:
            return None
        async with self.store.read() as conn:
            row = await store.session(conn, digest(token), self.clock())
        if row is None:
            return None
        return Session(token, row.grantee.actor, row.grantee.scope, row.csrf, row.expires_at)

    async def end(self, token: str) -> None:
        async with self.store.write() as conn:
            await store.end_session(conn, digest(token))
