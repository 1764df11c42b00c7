"""Platform-neutral types the adapters build and the core reasons about."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scope:
    """Where credits and limits live: a Discord guild, a Telegram chat, or a DM (``dm:<user>``)."""

    platform: str
    id: str


@dataclass(frozen=True)
class Member:
    """One ledger account: a user within a scope."""

    scope: Scope
    user_id: str

    @property
    def label(self) -> str:
        return f"{self.scope.platform}:{self.scope.id}:{self.user_id}"


@dataclass(frozen=True)
class Actor:
    """Who is asking, with the powers the platform reports for them in this scope.

    ``is_admin`` is Discord's Manage Server or a Telegram chat administrator; ``roles`` are the
    platform role ids the member holds (matched against the scope's moderator roles).
    """

    user_id: str
    name: str = ""
    is_admin: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
