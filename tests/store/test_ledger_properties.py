"""A hypothesis state machine drives random grants, holds, captures, releases, expiries, days,
limit changes and bans, and checks after every step what an operator relies on: the books
balance, and every member's own credits and daily allowance are what the rules say (the
allowance is spent first, resets each UTC day and never eats granted credits). The machine runs
on a SQLite file and on a fresh PostgreSQL database per example."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from bot.domain import Member
from bot.ledger import (
    Defaults,
    HoldAlreadyResolved,
    InsufficientCredits,
    Ledger,
    LedgerRefusal,
    day_of,
)
from bot.moderation import Moderation, ModerationRefused
from bot.store import Store, audit
from tests.ledger_fixtures import DAY, GUILD, MOD, Clock
from tests.pg import drop_database, fresh_database

T = TypeVar("T")
USERS = st.sampled_from(["ann", "ben", "cy"])
STARTING = 20
ALLOWANCE = 10


class LedgerMachine(RuleBasedStateMachine):
    holds = Bundle("holds")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = tempfile.mkdtemp()
        self.clock = Clock()
        self.store = self.run(Store.open(self.target()))
        defaults = Defaults(
            starting_credits=STARTING,
            daily_allowance=ALLOWANCE,
            max_concurrent=3,
            hold_ttl_seconds=600,
        )
        self.ledger = Ledger(self.store, defaults, self.clock)
        self.moderation = Moderation(self.ledger)
        # The model: each member's own credits and daily allowance, each hold's amount and the
        # part of it taken from the allowance, the day it was placed, and how it was resolved.
        self.balance: dict[str, int] = {}
        self.allowance: dict[str, int] = {}
        self.hold_amount: dict[int, tuple[str, int]] = {}
        self.hold_allowance: dict[int, int] = {}
        self.hold_day: dict[int, str] = {}
        self.captured_allowance: dict[int, int] = {}
        self.resolved: dict[int, str] = {}
        self.audited = 0

    def target(self) -> str:
        """Where this example's ledger lives: a SQLite file of its own."""
        return str(Path(self.folder) / "ledger.db")

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.run(self.store.close())
        self.forget()
        self.loop.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def forget(self) -> None:
        """Remove what :meth:`target` made outside the folder (nothing, for SQLite)."""

    def touch(self, user: str) -> None:
        self.balance.setdefault(user, STARTING)
        self.allowance.setdefault(user, ALLOWANCE)

    def is_open(self, hold: int) -> bool:
        return hold not in self.resolved

    def allowance_left(self, user: str) -> int:
        """Today's allowance less what today's open and captured holds took from it."""
        today = day_of(self.clock.now)
        used = 0
        for hold, (owner, _) in self.hold_amount.items():
            if owner != user or self.hold_day[hold] != today:
                continue
            if self.is_open(hold):
                used += self.hold_allowance[hold]
            elif self.resolved[hold] == "capture":
                used += self.captured_allowance[hold]
        return max(0, self.allowance[user] - used)

    def held(self, user: str, part: str) -> int:
        """Credits in the member's open holds: their own ("own") or the allowance's."""
        total = 0
        for hold, (owner, amount) in self.hold_amount.items():
            if owner == user and self.is_open(hold):
                from_allowance = self.hold_allowance[hold]
                total += from_allowance if part == "allowance" else amount - from_allowance
        return total

    def available(self, user: str) -> int:
        return self.balance[user] - self.held(user, "own") + self.allowance_left(user)

    @rule(target=holds, user=USERS, amount=st.integers(0, 30))
    def hold(self, user: str, amount: int) -> Any:
        self.touch(user)
        left, available = self.allowance_left(user), self.available(user)
        try:
            placed = self.run(self.ledger.hold(Member(GUILD, user), amount))
        except InsufficientCredits:
            assert available < amount
            return multiple()
        except LedgerRefusal:
            return multiple()
        assert available >= amount
        assert placed.available_after == available - amount
        self.hold_amount[placed.hold_id] = (user, amount)
        self.hold_allowance[placed.hold_id] = min(amount, left)  # the allowance is spent first
        self.hold_day[placed.hold_id] = day_of(self.clock.now)
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
        from_allowance = min(result.amount, self.hold_allowance[hold])
        self.captured_allowance[hold] = from_allowance
        self.balance[user] -= result.amount - from_allowance

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

    @rule(seconds=st.sampled_from([1, 300, 601, 3600, int(DAY)]))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(seconds)
        self.run(self.ledger.sweep_expired())
        for hold in self.hold_amount:
            if hold not in self.resolved and self.clock.now >= self._expiry(hold):
                self.resolved[hold] = "release"

    def _expiry(self, hold: int) -> float:
        async def expires() -> float:
            async with self.store.read() as conn:
                rows = list(
                    await conn.execute_fetchall(
                        "SELECT expires_at FROM journal WHERE id = ?", (hold,)
                    )
                )
            assert len(rows) == 1
            return float(rows[0][0])

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
            assert amount > self.balance.get(user, STARTING) - self.held(user, "own")
            return
        self.touch(user)  # a moderator may act on a member who has not used Chorus yet
        self.balance[user] -= amount
        self.audited += 1

    @rule(
        user=USERS,
        limit=st.sampled_from(
            ["max_concurrent", "daily_spend_cap", "cooldown_seconds", "daily_allowance"]
        ),
        value=st.integers(-1, 60),
    )
    def set_limit(self, user: str, limit: str, value: int) -> None:
        try:
            self.run(self.moderation.set_limits(MOD, Member(GUILD, user), {limit: value}))
        except ModerationRefused:
            return
        self.touch(user)
        if limit == "daily_allowance":
            self.allowance[user] = value
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
            assert balance.allowance == self.allowance_left(user)
            assert balance.available == self.available(user)
            assert balance.held == self.held(user, "own") + self.held(user, "allowance")
            assert balance.available >= 0

    @invariant()
    def every_hold_resolved_at_most_once(self) -> None:
        async def twice() -> list[Any]:
            async with self.store.read() as conn:
                return list(
                    await conn.execute_fetchall(
                        "SELECT hold_id FROM journal WHERE hold_id IS NOT NULL"
                        " GROUP BY hold_id HAVING count(*) > 1"
                    )
                )

        assert self.run(twice()) == []

    @invariant()
    def every_moderator_change_is_audited(self) -> None:
        async def count() -> int:
            async with self.store.read() as conn:
                return await audit.count(conn, GUILD)

        assert self.run(count()) == self.audited


class PgLedgerMachine(LedgerMachine):
    """The same machine on PostgreSQL: a fresh database per example, dropped after it."""

    def target(self) -> str:
        self.url = self.run(fresh_database("prop"))
        return self.url

    def forget(self) -> None:
        self.run(drop_database(self.url))


SETTINGS = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLedgerMachine = LedgerMachine.TestCase
TestLedgerMachine.settings = SETTINGS
TestPgLedgerMachine = PgLedgerMachine.TestCase
TestPgLedgerMachine.settings = SETTINGS
# Each example opens and migrates a database of its own: about 35 s in all on a quiet machine.
TestPgLedgerMachine.pytestmark = [pytest.mark.timeout(600)]
