"""A hypothesis state machine drives random grants, holds, captures, releases, expiries, limit
changes and bans, and checks after every step what an operator relies on."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from bot.domain import Member
from bot.ledger import Defaults, HoldAlreadyResolved, Ledger, LedgerRefusal
from bot.moderation import Moderation, ModerationRefused
from bot.store import Store, audit
from tests.ledger_fixtures import GUILD, MOD, Clock

T = TypeVar("T")
USERS = st.sampled_from(["ann", "ben", "cy"])
STARTING = 20


class LedgerMachine(RuleBasedStateMachine):
    holds = Bundle("holds")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = tempfile.mkdtemp()
        self.clock = Clock()
        self.store = self.run(Store.open(Path(self.folder) / "ledger.db"))
        defaults = Defaults(starting_credits=STARTING, max_concurrent=3, hold_ttl_seconds=600)
        self.ledger = Ledger(self.store, defaults, self.clock)
        self.moderation = Moderation(self.ledger)
        # The model: what each balance must be, and how each hold was resolved.
        self.balance: dict[str, int] = {}
        self.hold_amount: dict[int, tuple[str, int]] = {}
        self.resolved: dict[int, str] = {}
        self.audited = 0

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.run(self.store.close())
        self.loop.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def touch(self, user: str) -> None:
        self.balance.setdefault(user, STARTING)

    @rule(target=holds, user=USERS, amount=st.integers(0, 30))
    def hold(self, user: str, amount: int) -> Any:
        self.touch(user)
        try:
            placed = self.run(self.ledger.hold(Member(GUILD, user), amount))
        except LedgerRefusal:
            return multiple()
        self.hold_amount[placed.hold_id] = (user, amount)
        return placed.hold_id

    @rule(hold=holds, share=st.none() | st.floats(0, 1))
    def capture(self, hold: int, share: float | None) -> None:
        user, amount = self.hold_amount[hold]
        part = None if share is None else int(amount * share)
        try:
            result = self.run(self.ledger.capture(hold, part))
        except HoldAlreadyResolved:
            assert self.resolved[hold] == "release"
            return
        if result.already:
            assert self.resolved[hold] == "capture"
            return
        assert hold not in self.resolved
        self.resolved[hold] = "capture"
        self.balance[user] -= result.amount

    @rule(hold=holds)
    def release(self, hold: int) -> None:
        try:
            result = self.run(self.ledger.release(hold, reason="failed"))
        except HoldAlreadyResolved:
            assert self.resolved[hold] == "capture"
            return
        if not result.already:
            assert hold not in self.resolved
            self.resolved[hold] = "release"

    @rule(seconds=st.sampled_from([1, 300, 601, 3600]))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(seconds)
        self.run(self.ledger.sweep_expired())
        for hold in self.hold_amount:
            if hold not in self.resolved and self.clock.now >= self._expiry(hold):
                self.resolved[hold] = "release"

    def _expiry(self, hold: int) -> float:
        async def expires() -> float:
            async with self.store.read() as conn:
                cursor = await conn.execute("SELECT expires_at FROM journal WHERE id = ?", (hold,))
                row = await cursor.fetchone()
            assert row is not None
            return float(row[0])

        return self.run(expires())

    @rule(user=USERS, amount=st.integers(-5, 50))
    def grant(self, user: str, amount: int) -> None:
        try:
            self.run(self.moderation.grant(MOD, Member(GUILD, user), amount, "prize"))
        except ModerationRefused:
            assert amount <= 0
            return
        self.touch(user)
        self.balance[user] += amount
        self.audited += 1

    @rule(user=USERS, amount=st.integers(1, 40))
    def revoke(self, user: str, amount: int) -> None:
        try:
            self.run(self.moderation.revoke(MOD, Member(GUILD, user), amount, "correction"))
        except ModerationRefused:
            return
        self.balance[user] -= amount
        self.audited += 1

    @rule(
        user=USERS,
        limit=st.sampled_from(["max_concurrent", "daily_spend_cap", "cooldown_seconds"]),
        value=st.integers(-1, 60),
    )
    def set_limit(self, user: str, limit: str, value: int) -> None:
        try:
            self.run(self.moderation.set_limits(MOD, Member(GUILD, user), **{limit: value}))
        except ModerationRefused:
            return
        self.audited += 1

    @rule(user=USERS, banned=st.booleans())
    def ban(self, user: str, banned: bool) -> None:
        member = Member(GUILD, user)
        try:
            self.run(
                self.moderation.ban(MOD, member) if banned else self.moderation.unban(MOD, member)
            )
        except ModerationRefused:
            return
        self.audited += 1

    @invariant()
    def books_balance(self) -> None:
        self.run(self.ledger.reconcile())

    @invariant()
    def balances_match_the_model_and_never_go_negative(self) -> None:
        for user, expected in self.balance.items():
            balance = self.run(self.ledger.balance(Member(GUILD, user)))
            assert balance.balance == expected
            assert balance.available >= 0

    @invariant()
    def every_hold_resolved_at_most_once(self) -> None:
        async def twice() -> list[Any]:
            async with self.store.read() as conn:
                cursor = await conn.execute(
                    "SELECT hold_id FROM journal WHERE hold_id IS NOT NULL"
                    " GROUP BY hold_id HAVING count(*) > 1"
                )
                return list(await cursor.fetchall())

        assert self.run(twice()) == []

    @invariant()
    def every_moderator_change_is_audited(self) -> None:
        async def count() -> int:
            async with self.store.read() as conn:
                return await audit.count(conn, GUILD)

        assert self.run(count()) == self.audited


TestLedgerMachine = LedgerMachine.TestCase
TestLedgerMachine.settings = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
