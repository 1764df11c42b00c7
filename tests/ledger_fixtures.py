"""Building blocks for ledger tests: a controllable clock and members of one scope."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import Actor, Member, Scope

GUILD = Scope("discord", "guild-1")
ALICE = Member(GUILD, "alice")
BOB = Member(GUILD, "bob")
MOD = Actor("mod", name="Mod", is_admin=True)
MEMBER = Actor("alice", name="Alice")
DAY = 86_400.0


@dataclass
class Clock:
    """Time that moves only when a test says so (days, cooldowns and expiry become exact)."""

    now: float = 1_800_000_000.0  # 2027-01-15, mid-day UTC

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
