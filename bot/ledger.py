"""Credits and limits: two-phase holds on an append-only journal.

A paid command places a **hold** (one ``BEGIN IMMEDIATE`` transaction that checks every limit
and the available credits, then writes the hold), which later resolves exactly once: **captured**
(in full or in part) when the song is delivered, or **released** on failure or expiry. The
schema, not the code paths, guarantees the "exactly once": a unique index allows one resolution
per hold. Balances are sums over the journal, cached on the account in the same transaction and
checked by :meth:`Ledger.reconcile`.

The daily allowance is not a grant: it is a daily amount, spent before the member's own credits
and renewed at midnight UTC, so it can never absorb credits a moderator granted. Each hold (and
capture) records how much of it was allowance; what is left of today's allowance is derived
from today's holds, and the cached balances count own credits only.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from bot import messages
from bot.catalog import song_price
from bot.domain import Member, Scope
from bot.pricing import Credits
from bot.store import Store
from bot.store import journal as j
from bot.store import limits as lim
from bot.store.connection import Conn

SYSTEM = "system"


class LedgerRefusal(Exception):
    """A request the ledger refuses; ``str()`` is the sentence to show the member."""


class InsufficientCredits(LedgerRefusal):
    def __init__(self, available: int, needed: int) -> None:
        super().__init__(messages.insufficient(available, needed))
        self.available, self.needed = available, needed


class Banned(LedgerRefusal):
    def __init__(self, reason: str | None) -> None:
        super().__init__(messages.banned(reason))


class CoolingDown(LedgerRefusal):
    def __init__(self, wait: float, op: str | None = None) -> None:
        super().__init__(messages.cooling_down(wait, op))
        self.wait = wait


class TooManyJobs(LedgerRefusal):
    def __init__(self, limit: int, op: str | None = None) -> None:
        super().__init__(messages.too_many_jobs(limit, op))


class DailyCapReached(LedgerRefusal):
    def __init__(self, cap: int, left: int, needed: int) -> None:
        super().__init__(messages.daily_cap(cap, left, needed))


class PoolExhausted(LedgerRefusal):
    def __init__(self, budget: int) -> None:
        super().__init__(messages.pool_exhausted(budget))


class OperationDisabled(LedgerRefusal):
    def __init__(self, op: str) -> None:
        super().__init__(messages.operation_disabled(op))


class RequestConflict(LedgerRefusal):
    """The platform event id was already used with different arguments."""

    def __init__(self) -> None:
        super().__init__(messages.request_conflict())


class HoldAlreadyResolved(Exception):
    """A capture of a released hold, or a release of a captured one: a bug or a lost race."""


class ReconcileError(AssertionError):
    """The cached balances disagree with the journal."""


@dataclass(frozen=True)
class Defaults:
    """The operator's defaults for every scope (from Settings); scopes and members override."""

    starting_credits: int = 50
    daily_allowance: int = 0
    daily_spend_cap: int | None = None
    max_concurrent: int = 2
    cooldown_seconds: int = 0
    price_multiplier: float = 1.0
    hold_ttl_seconds: int = 3600


@dataclass(frozen=True)
class Bounds:
    """The range (lowest, highest) each setting may take, whoever sets it: the operator's
    environment (bot.config), a moderator's command (bot.moderation) and Discord's option
    ranges (adapters/discord/mod.py) all read this one declaration."""

    starting_credits: tuple[int, int] = (0, 100_000)
    daily_allowance: tuple[int, int] = (0, 100_000)
    daily_spend_cap: tuple[int, int] = (0, 1_000_000)
    max_concurrent: tuple[int, int] = (1, 100)  # the operator's default (MAX_CONCURRENT_JOBS)
    # What a moderator may allow a member or the community: fewer than the operator may, as a
    # moderator's generosity spends the operator's vendor account.
    moderated_concurrent: tuple[int, int] = (1, 20)
    cooldown_seconds: tuple[int, int] = (0, 86_400)
    price_multiplier: tuple[float, float] = (0.1, 10.0)
    pool_daily_budget: tuple[int, int] = (1, 10_000_000)

    def within(self, name: str) -> Any:
        """The pydantic ``Field`` that keeps setting ``name`` inside its range."""
        low, high = getattr(self, name)
        return Field(ge=low, le=high)


BOUNDS = Bounds()


@dataclass(frozen=True)
class Policy:
    """Everything that applies to one member right now, resolved member > scope > defaults."""

    starting_credits: int
    daily_allowance: int
    daily_spend_cap: int | None
    max_concurrent: int
    cooldown_seconds: int
    price_multiplier: float
    disabled_ops: frozenset[str]
    pool_daily_budget: int | None
    moderator_roles: frozenset[str]
    banned: bool
    ban_reason: str | None

    def price(self, base: Credits) -> int:
        """A catalog price in this scope's credits (never below 1 for a paid operation)."""
        return 0 if base == 0 else max(1, round(base * self.price_multiplier))


@dataclass(frozen=True)
class Hold:
    hold_id: int
    member: Member
    amount: int
    job_id: str | None
    expires_at: float
    available_after: int
    replayed: bool = False  # the same request key came again: this is the first outcome


@dataclass(frozen=True)
class Resolution:
    hold_id: int
    kind: str  # capture | release
    amount: int  # captured amount, or the amount released
    already: bool = False  # it had been resolved this way before (an idempotent retry)


@dataclass(frozen=True)
class Balance:
    balance: int  # the member's own credits (grants, less revocations and spending)
    held: int  # credits reserved by jobs in progress, own and allowance
    available: int  # what a command may spend now: today's allowance left and own credits
    song_price: int
    allowance: int = 0  # what is left of today's allowance (part of ``available``)

    @property
    def songs(self) -> int:
        return messages.songs_left(self.available, self.song_price)

    def describe(self) -> str:
        """The member's own balance, as they read it."""
        return messages.balance(self.available, self.held, self.song_price, self.allowance)

    def describe_member(self, who: str) -> str:
        """Someone else's balance, as a moderator reads it; ``who`` names them."""
        return messages.member_balance(
            who, self.available, self.held, self.song_price, self.allowance
        )


def fingerprint(payload: dict[str, Any]) -> str:
    """A stable digest of a request's arguments, to refuse a reused key with other arguments."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def day_of(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def day_start(ts: float) -> float:
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


class Ledger:
    def __init__(
        self, store: Store, defaults: Defaults | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.defaults = defaults or Defaults()
        self.clock = clock

    # --- reading -----------------------------------------------------------------------------
    async def policy_in(self, conn: Conn, scope: Scope, account_id: int | None) -> Policy:
        stored = await lim.scope_settings(conn, scope)
        member = (
            await lim.member_limits(conn, account_id)
            if account_id
            else lim.MemberRow(overrides={}, banned=False, ban_reason=None)
        )
        d = self.defaults

        def pick(name: str, default: Any) -> Any:
            for value in (member.overrides.get(name), stored.get(name)):
                if value is not None:
                    return value
            return default

        return Policy(
            starting_credits=pick("starting_credits", d.starting_credits),
            daily_allowance=pick("daily_allowance", d.daily_allowance),
            daily_spend_cap=pick("daily_spend_cap", d.daily_spend_cap),
            max_concurrent=pick("max_concurrent", d.max_concurrent),
            cooldown_seconds=pick("cooldown_seconds", d.cooldown_seconds),
            price_multiplier=pick("price_multiplier", d.price_multiplier),
            disabled_ops=frozenset(stored.get("disabled_ops") or ()),
            pool_daily_budget=stored.get("pool_daily_budget"),
            moderator_roles=frozenset(stored.get("moderator_roles") or ()),
            banned=member.banned,
            ban_reason=member.ban_reason,
        )

    async def policy(self, member: Member) -> Policy:
        async with self.store.read() as conn:
            account = await j.find_account(conn, member)
            return await self.policy_in(conn, member.scope, account.id if account else None)

    async def balance(self, member: Member) -> Balance:
        """The member's balance, today's allowance included (the account opens on first use)."""
        async with self.store.write() as conn:
            account = await self.account_in(conn, member)
            policy = await self.policy_in(conn, member.scope, account.id)
            allowance = await self._allowance_left(conn, account, policy)
            held = account.held
            if account.open_holds:
                held += await j.allowance_held(conn, account.id)
        return Balance(
            account.balance,
            held,
            account.available + allowance,
            policy.price(song_price()),
            allowance,
        )

    # --- accounts ----------------------------------------------------------------------------
    async def account_in(self, conn: Conn, member: Member) -> j.AccountRow:
        """The member's account, created with the scope's starting credits on first use."""
        account = await j.find_account(conn, member)
        if account is not None:
            return account
        now = self.clock()
        account = await j.create_account(conn, member, now)
        policy = await self.policy_in(conn, member.scope, account.id)
        if policy.starting_credits:
            await j.append(
                conn,
                account.id,
                "grant",
                policy.starting_credits,
                actor=SYSTEM,
                reason=messages.JOURNAL_STARTING_CREDITS,
                now=now,
                balance_delta=policy.starting_credits,
            )
            account = await j.account_by_id(conn, account.id)
        return account

    async def _allowance_left(
        self,
        conn: Conn,
        account: j.AccountRow,
        policy: Policy,
        now: float | None = None,
    ) -> int:
        """What is left of today's allowance: the day's amount less what today's holds took.

        The allowance is not a grant: it is never added to the balance, so it cannot absorb
        credits a moderator granted, and what is unspent at midnight UTC lapses. Derived from
        the journal inside the caller's transaction, so concurrent holds see each other.
        """
        if policy.daily_allowance <= 0:
            return 0
        since = day_start(self.clock() if now is None else now)  # a hold's own day
        used = await j.allowance_used_since(conn, account.id, since)
        return max(0, policy.daily_allowance - used)

    async def grant_in(
        self,
        conn: Conn,
        account: j.AccountRow,
        amount: int,
        *,
        actor: str,
        reason: str,
    ) -> None:
        await j.append(
            conn,
            account.id,
            "grant",
            amount,
            actor=actor,
            reason=reason,
            now=self.clock(),
            balance_delta=amount,
        )

    async def adjust_in(
        self,
        conn: Conn,
        account: j.AccountRow,
        delta: int,
        *,
        actor: str,
        reason: str,
    ) -> None:
        await j.append(
            conn,
            account.id,
            "adjust",
            delta,
            actor=actor,
            reason=reason,
            now=self.clock(),
            balance_delta=delta,
        )

    # --- two-phase spend -----------------------------------------------------------------------
    async def hold(self, member: Member, amount: int, **details: Any) -> Hold:
        """Reserve ``amount`` credits after checking every limit, atomically (group-committed
        with whatever other ledger writes arrive at the same time)."""
        return await self.store.transact(lambda conn: self.hold_in(conn, member, amount, **details))

    async def hold_in(
        self,
        conn: Conn,
        member: Member,
        amount: int,
        *,
        job_id: str | None = None,
        reason: str = "",
        op: str | None = None,
        request_key: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> Hold:
        """Reserve ``amount`` credits inside the caller's ``BEGIN IMMEDIATE`` transaction, so that
        the check, the hold and whatever the caller writes with it (the job) commit together.

        ``request_key`` is the platform's event id: the same key with the same payload returns
        the first hold (``replayed=True``); with another payload it is refused.
        """
        if amount < 0:
            raise ValueError("a hold is never negative")
        digest = fingerprint(payload or {"amount": amount, "op": op})
        now = self.clock()
        if request_key is not None:
            seen = await j.find_request(conn, member.scope.platform, request_key)
            if seen is not None:
                if seen.fingerprint != digest or seen.hold_id is None:
                    raise RequestConflict()
                return await self._replay(conn, member, seen.hold_id)
        account = await self.account_in(conn, member)
        policy = await self.policy_in(conn, member.scope, account.id)
        await self._check(conn, member, account, policy, amount, op, now)
        allowance = await self._allowance_left(conn, account, policy, now)
        available = account.available + allowance
        if available < amount:
            raise InsufficientCredits(available, amount)
        from_allowance = min(amount, allowance)  # the allowance is spent first
        expires = now + self.defaults.hold_ttl_seconds
        hold_id = await j.append(
            conn,
            account.id,
            "hold",
            amount,
            actor=member.user_id,
            reason=reason or op or "hold",
            now=now,
            job_id=job_id,
            expires_at=expires,
            held_delta=amount - from_allowance,
            allowance=from_allowance,
        )
        if request_key is not None:
            await j.save_request(conn, member.scope.platform, request_key, digest, hold_id, now)
        return Hold(hold_id, member, amount, job_id, expires, available - amount)

    async def _check(
        self,
        conn: Conn,
        member: Member,
        account: j.AccountRow,
        policy: Policy,
        amount: int,
        op: str | None,
        now: float,
    ) -> None:
        if policy.banned:
            raise Banned(policy.ban_reason)
        if op is not None and op in policy.disabled_ops:
            raise OperationDisabled(op)
        if policy.cooldown_seconds:
            last = await j.last_hold_at(conn, account.id)
            if last is not None and now - last < policy.cooldown_seconds:
                raise CoolingDown(policy.cooldown_seconds - (now - last), op)
        if account.open_holds >= policy.max_concurrent:
            raise TooManyJobs(policy.max_concurrent, op)
        since = day_start(now)
        if policy.daily_spend_cap is not None:
            spent = await j.spent_since(conn, account.id, since)
            if spent + amount > policy.daily_spend_cap:
                raise DailyCapReached(
                    policy.daily_spend_cap, max(0, policy.daily_spend_cap - spent), amount
                )
        if policy.pool_daily_budget is not None:
            used = await j.scope_spent_since(conn, member.scope, since)
            if used + amount > policy.pool_daily_budget:
                raise PoolExhausted(policy.pool_daily_budget)

    async def _replay(self, conn: Conn, member: Member, hold_id: int) -> Hold:
        row = await j.find_hold(conn, hold_id)
        assert row is not None, "a saved request points at a missing hold"
        account = await j.account_by_id(conn, row.account_id)
        policy = await self.policy_in(conn, member.scope, account.id)
        available = account.available + await self._allowance_left(conn, account, policy)
        return Hold(
            row.id, member, row.amount, row.job_id, row.expires_at, available, replayed=True
        )

    async def capture(
        self, hold_id: int, amount: int | None = None, *, actor: str = SYSTEM
    ) -> Resolution:
        """Spend a hold: all of it, or ``amount`` of it with the rest returned."""
        return await self.store.transact(
            lambda conn: self.capture_in(conn, hold_id, amount, actor=actor)
        )

    async def capture_in(
        self,
        conn: Conn,
        hold_id: int,
        amount: int | None = None,
        *,
        actor: str = SYSTEM,
    ) -> Resolution:
        hold = await self._open_hold(conn, hold_id, "capture")
        if isinstance(hold, Resolution):
            return hold
        spent = hold.amount if amount is None else amount
        if not 0 <= spent <= hold.amount:
            raise ValueError(f"cannot capture {spent} of a hold of {hold.amount}")
        # The allowance share is spent first; what is not spent goes back to own credits first,
        # as if only ``spent`` had been held.
        from_allowance = min(spent, hold.allowance)
        await j.append(
            conn,
            hold.account_id,
            "capture",
            spent,
            actor=actor,
            reason="delivered",
            now=self.clock(),
            job_id=hold.job_id,
            hold_id=hold.id,
            balance_delta=from_allowance - spent,
            held_delta=-hold.own,
            allowance=from_allowance,
        )
        return Resolution(hold.id, "capture", spent)

    async def held_in(self, conn: Conn, hold_id: int) -> int:
        """The amount a hold reserved, whether or not it is resolved yet."""
        hold = await j.find_hold(conn, hold_id)
        if hold is None:
            raise KeyError(f"no hold {hold_id}")
        return hold.amount

    async def release(self, hold_id: int, *, reason: str, actor: str = SYSTEM) -> Resolution:
        """Return a hold in full (failure, rejection, timeout, expiry)."""
        return await self.store.transact(
            lambda conn: self.release_in(conn, hold_id, reason=reason, actor=actor)
        )

    async def release_in(
        self, conn: Conn, hold_id: int, *, reason: str, actor: str = SYSTEM
    ) -> Resolution:
        hold = await self._open_hold(conn, hold_id, "release")
        if isinstance(hold, Resolution):
            return hold
        await j.append(
            conn,
            hold.account_id,
            "release",
            hold.amount,
            actor=actor,
            reason=reason,
            now=self.clock(),
            job_id=hold.job_id,
            hold_id=hold.id,
            held_delta=-hold.own,
        )
        return Resolution(hold.id, "release", hold.amount)

    async def _open_hold(self, conn: Conn, hold_id: int, kind: str) -> j.HoldRow | Resolution:
        hold = await j.find_hold(conn, hold_id)
        if hold is None:
            raise KeyError(f"no hold {hold_id}")
        if hold.resolution is None:
            return hold
        if hold.resolution == kind:
            return Resolution(hold.id, kind, hold.resolved_amount or 0, already=True)
        raise HoldAlreadyResolved(f"hold {hold_id} was already {hold.resolution}d")

    async def sweep_expired(self, batch: int = 500) -> int:
        """Release holds past their expiry; returns how many. Safe to run from any process."""
        released = 0
        while True:
            async with self.store.write() as conn:
                expired = await j.expired_holds(conn, self.clock(), batch)
                for hold in expired:
                    await self.release_in(conn, hold.id, reason=messages.JOURNAL_EXPIRED)
            released += len(expired)
            if len(expired) < batch:
                return released

    async def reconcile(self) -> None:
        """Prove that every cached balance equals its journal; raises :class:`ReconcileError`."""
        async with self.store.read() as conn:
            wrong = await j.mismatches(conn)
        if wrong:
            raise ReconcileError(f"{len(wrong)} account(s) disagree with the journal: {wrong[:5]}")
