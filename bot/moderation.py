"""Moderator operations on the ledger: grants, revocations, limits, bans, reports, settings.

The core checks permissions here, whatever the platform's UI shows: a command hidden from
members in Discord can still be invoked by a crafted interaction. Every change and its audit
entry are written in one transaction, so there is no change without its who, when and why.
A moderator may act on a member who has not used Chorus yet: their account opens then, with
the starting credits it would have had on their first command, so a grant, a limit and a ban
all work on a newcomer alike. The ``*_text`` functions word the results for every platform.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from bot import i18n, messages
from bot.catalog import CATALOG
from bot.domain import Actor, Member, Scope
from bot.ledger import BOUNDS, SYSTEM, Balance, Ledger, Policy, day_start
from bot.store import audit, languages, outbox, reports
from bot.store import journal as j
from bot.store import limits as lim
from bot.store.connection import Conn

MAX_GRANT = 1_000_000
REASON_LENGTH = 200  # characters at most in a moderator's reason


class ModerationRefused(Exception):
    """A moderator request that changes nothing; ``str()`` says why, to the moderator."""


class NotModerator(ModerationRefused):
    def __init__(self) -> None:
        super().__init__(messages.not_moderator())


class _Changes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberLimits(_Changes):
    """Per-member overrides; omitted fields stay as they are."""

    daily_allowance: Annotated[int, BOUNDS.within("daily_allowance")] | None = None
    daily_spend_cap: Annotated[int, BOUNDS.within("daily_spend_cap")] | None = None
    max_concurrent: Annotated[int, BOUNDS.within("moderated_concurrent")] | None = None
    cooldown_seconds: Annotated[int, BOUNDS.within("cooldown_seconds")] | None = None


class ScopeSettings(MemberLimits):
    """Community-wide settings; omitted fields stay as they are."""

    starting_credits: Annotated[int, BOUNDS.within("starting_credits")] | None = None
    price_multiplier: Annotated[float, BOUNDS.within("price_multiplier")] | None = None
    disabled_ops: (
        Annotated[list[Annotated[str, Field(pattern=r"^[a-z_]{1,32}$")]], Field(max_length=64)]
        | None
    ) = None
    pool_daily_budget: Annotated[int, BOUNDS.within("pool_daily_budget")] | None = None
    moderator_roles: (
        Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=32)]
        | None
    ) = None

    @field_validator("disabled_ops", "moderator_roles", mode="before")
    @classmethod
    def _listed(cls, value: Any, info: ValidationInfo) -> Any:
        """A text command gives ``stems`` or ``stems,/Remaster``: one name or several, with or
        without a slash, in any case; "none" clears the list."""
        if isinstance(value, str):
            parts = [name.strip() for name in value.split(",")]
            value = [name for name in parts if name and name.lower() != "none"]
        if not isinstance(value, list) or info.field_name != "disabled_ops":
            return value
        names = {str(name).strip().lstrip("/").lower() for name in value}
        return sorted(name for name in names if name)


def _validated(model: type[_Changes], values: Mapping[str, Any]) -> dict[str, Any]:
    try:
        parsed = model.model_validate(dict(values))
    except ValidationError as exc:
        problem = exc.errors()[0]
        name = ".".join(str(p) for p in problem["loc"]) or "value"
        if problem["type"] == "extra_forbidden":
            settings = list(model.model_fields)
            raise ModerationRefused(messages.unknown_setting(name, settings)) from None
        said = messages.validation_problem(problem["type"], problem.get("ctx"), problem["msg"])
        raise ModerationRefused(messages.invalid_value(name, said)) from None
    changes = parsed.model_dump(exclude_unset=True)
    if not changes:
        raise ModerationRefused(messages.nothing_to_change())
    return changes


def _reason(reason: str | None) -> str:
    text = (reason or "").strip() or messages.NO_REASON_GIVEN
    if len(text) > REASON_LENGTH:
        raise ModerationRefused(messages.reason_too_long(REASON_LENGTH))
    return text


@dataclass(frozen=True)
class MemberReport:
    member: Member
    balance: Balance
    policy: Policy
    spent_today: int
    recent: list[j.EntryRow]


class Moderation:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.store = ledger.store

    async def is_moderator(self, actor: Actor, scope: Scope) -> bool:
        if actor.is_admin:
            return True
        async with self.store.read() as conn:
            policy = await self.ledger.policy_in(conn, scope, None)
        return bool(actor.roles & policy.moderator_roles)

    async def _require(self, actor: Actor, scope: Scope) -> None:
        if not await self.is_moderator(actor, scope):
            raise NotModerator()

    async def _audit(
        self,
        conn: Conn,
        scope: Scope,
        actor: Actor,
        action: str,
        target: str | None,
        details: dict[str, Any],
        reason: str,
    ) -> None:
        await audit.record(
            conn,
            scope,
            actor=actor.user_id,
            action=action,
            target=target,
            details=details,
            reason=reason,
            now=self.ledger.clock(),
        )

    # --- credits -----------------------------------------------------------------------------
    async def grant(
        self, actor: Actor, member: Member, amount: int, reason: str | None = None
    ) -> Balance:
        """Give credits; the member's account is created if this is their first contact."""
        await self._require(actor, member.scope)
        if not isinstance(amount, int) or not 0 < amount <= MAX_GRANT:
            raise ModerationRefused(messages.grant_out_of_range(MAX_GRANT))
        why = _reason(reason)
        async with self.store.write() as conn:
            account = await self.ledger.account_in(conn, member)
            await self.ledger.grant_in(conn, account, amount, actor=actor.user_id, reason=why)
            await self._audit(
                conn, member.scope, actor, "grant", member.user_id, {"amount": amount}, why
            )
        return await self.ledger.balance(member)

    async def revoke(
        self, actor: Actor, member: Member, amount: int, reason: str | None = None
    ) -> Balance:
        """Take back credits, never more than the member has available."""
        await self._require(actor, member.scope)
        if not isinstance(amount, int) or not 0 < amount <= MAX_GRANT:
            raise ModerationRefused(messages.revocation_out_of_range(MAX_GRANT))
        why = _reason(reason)
        async with self.store.write() as conn:
            account = await self.ledger.account_in(conn, member)
            if amount > account.available:
                raise ModerationRefused(
                    messages.revoke_too_much(
                        messages.member_by_id(member.user_id), account.available, amount
                    )
                )
            await self.ledger.adjust_in(conn, account, -amount, actor=actor.user_id, reason=why)
            await self._audit(
                conn, member.scope, actor, "revoke", member.user_id, {"amount": amount}, why
            )
        return await self.ledger.balance(member)

    # --- limits and bans ---------------------------------------------------------------------
    async def set_limits(
        self, actor: Actor, member: Member, values: Mapping[str, Any], reason: str | None = None
    ) -> Policy:
        """``values`` is one mapping, not keyword arguments: an option a member names ``reason``
        or ``member`` is then a setting the model refuses, never a clash with a parameter."""
        await self._require(actor, member.scope)
        changes = _validated(MemberLimits, values)
        why = _reason(reason)
        async with self.store.write() as conn:
            account = await self.ledger.account_in(conn, member)
            await lim.update_member_limits(conn, account.id, changes)
            await self._audit(conn, member.scope, actor, "set_limits", member.user_id, changes, why)
        return await self.ledger.policy(member)

    async def clear_limits(self, actor: Actor, member: Member, reason: str | None = None) -> Policy:
        """Drop every per-member override: the member follows the scope's settings again."""
        await self._require(actor, member.scope)
        why = _reason(reason)
        cleared = dict.fromkeys(lim.MEMBER_FIELDS)
        async with self.store.write() as conn:
            account = await self.ledger.account_in(conn, member)
            await lim.update_member_limits(conn, account.id, cleared)
            await self._audit(conn, member.scope, actor, "clear_limits", member.user_id, {}, why)
        return await self.ledger.policy(member)

    async def ban(self, actor: Actor, member: Member, reason: str | None = None) -> None:
        await self._set_ban(actor, member, True, reason)

    async def unban(self, actor: Actor, member: Member, reason: str | None = None) -> None:
        await self._set_ban(actor, member, False, reason)

    async def _set_ban(
        self, actor: Actor, member: Member, banned: bool, reason: str | None
    ) -> None:
        await self._require(actor, member.scope)
        if banned and member.user_id == actor.user_id:
            raise ModerationRefused(messages.cannot_ban_yourself())
        why = _reason(reason)
        async with self.store.write() as conn:
            account = await self.ledger.account_in(conn, member)
            current = await lim.member_limits(conn, account.id)
            if current.banned == banned:
                who = messages.member_by_id(member.user_id)
                raise ModerationRefused(
                    messages.already_banned(who) if banned else messages.not_banned(who)
                )
            await lim.update_member_limits(
                conn, account.id, {"banned": int(banned), "ban_reason": why if banned else None}
            )
            action = "ban" if banned else "unban"
            await self._audit(conn, member.scope, actor, action, member.user_id, {}, why)

    # --- reports -----------------------------------------------------------------------------
    async def show(self, actor: Actor, member: Member, recent: int = 10) -> MemberReport:
        await self._require(actor, member.scope)
        async with self.store.read() as conn:  # looking opens no account: a typo stays a typo
            account = await j.find_account(conn, member)
            if account is None:
                raise ModerationRefused(messages.member_not_seen(member.user_id))
            spent = await j.spent_since(conn, account.id, day_start(self.ledger.clock()))
            entries = await j.recent_entries(conn, account.id, recent)
        balance = await self.ledger.balance(member)
        return MemberReport(member, balance, await self.ledger.policy(member), spent, entries)

    async def audit_log(
        self,
        actor: Actor,
        scope: Scope,
        *,
        member: str | None = None,
        before: int | None = None,
        limit: int = 20,
    ) -> list[audit.AuditRow]:
        """One page, newest first; pass the last row's id as ``before`` for the next page."""
        await self._require(actor, scope)
        if not 1 <= limit <= 100:
            raise ModerationRefused(messages.audit_page_out_of_range())
        async with self.store.read() as conn:
            return await audit.page(conn, scope, target=member, before_id=before, limit=limit)

    # --- deliveries ----------------------------------------------------------------------------
    async def repost(
        self, actor: Actor, scope: Scope, job_id: str, reason: str | None = None
    ) -> int:
        """Queue a job's undelivered results to be posted again (once whatever stopped them,
        e.g. a missing permission, is fixed); how many were queued."""
        await self._require(actor, scope)
        why = _reason(reason)
        async with self.store.write() as conn:
            line = await reports.job(conn, scope, job_id)
            if line is None:
                raise ModerationRefused(messages.unknown_job(job_id))
            count = await outbox.repost_undelivered(conn, job_id, self.ledger.clock())
            if not count:
                raise ModerationRefused(messages.nothing_to_repost(job_id))
            details = {"job": job_id, "results": count}
            await self._audit(conn, scope, actor, "repost", line.user_id, details, why)
        return count

    # --- scope settings ----------------------------------------------------------------------
    async def settings(self, actor: Actor, scope: Scope) -> Policy:
        await self._require(actor, scope)
        async with self.store.read() as conn:
            return await self.ledger.policy_in(conn, scope, None)

    async def update_settings(
        self, actor: Actor, scope: Scope, values: Mapping[str, Any], reason: str | None = None
    ) -> Policy:
        """``values`` as in :meth:`set_limits`."""
        await self._require(actor, scope)
        changes = _validated(ScopeSettings, values)
        unknown = sorted(set(changes.get("disabled_ops") or ()) - set(CATALOG))
        if unknown:
            raise ModerationRefused(messages.unknown_operations(unknown))
        why = _reason(reason)
        async with self.store.write() as conn:
            await lim.update_scope_settings(conn, scope, changes)
            await self._audit(conn, scope, actor, "settings", None, changes, why)
        async with self.store.read() as conn:
            return await self.ledger.policy_in(conn, scope, None)

    async def set_language(
        self, actor: Actor, scope: Scope, code: str, reason: str | None = None
    ) -> str:
        """The community's default language (``auto``: follow each member's platform), audited;
        the sentence says so in the new language."""
        await self._require(actor, scope)
        language = _language_code(code)
        why = _reason(reason)
        async with self.store.write() as conn:
            await languages.set_scope_language(conn, scope, language, self.ledger.clock())
            await self._audit(
                conn, scope, actor, "settings", None, {"language": language or "auto"}, why
            )
        with i18n.speaking(language):
            if language is None:
                return messages.language_cleared()
            return messages.community_language_set(language)


def _language_code(code: str) -> str | None:
    """One of Chorus's languages for what a member typed; None for ``auto``."""
    if code.strip().lower() in ("auto", "none", ""):
        return None
    language = i18n.resolve(code)
    if language is None:
        raise ModerationRefused(messages.unknown_language(code, list(i18n.SHIPPED)))
    return language


# --- what moderators read ------------------------------------------------------------------------
Namer = Callable[[str], str]  # a platform's way of naming a user (or a role) by its id


def _plain(user_id: str) -> str:
    return user_id


def limits_text(policy: Policy) -> str:
    return messages.member_limits(
        policy.daily_allowance,
        policy.daily_spend_cap,
        policy.max_concurrent,
        policy.cooldown_seconds,
    )


def report_text(report: MemberReport, name: Namer = _plain) -> str:
    """``/mod show``: balance, today's spend, limits, ban state and the newest journal entries."""
    who = name(report.member.user_id)
    entries = [
        messages.journal_entry(
            e.created_at,
            e.kind,
            e.amount,
            e.job_id,
            name(e.actor) if e.kind in ("grant", "adjust") and e.actor != SYSTEM else None,
            e.reason if e.kind in ("grant", "adjust", "hold", "release") else "",
        )
        for e in report.recent
    ]
    return "\n".join(
        (
            f"{report.balance.describe_member(who)} {messages.spent_today(report.spent_today)}",
            limits_text(report.policy),
            messages.ban_state(report.policy.banned, report.policy.ban_reason),
            messages.recent_entries(entries),
        )
    )


def _details(details: dict[str, Any]) -> str:
    def shown(value: Any) -> str:
        return ",".join(map(str, value)) if isinstance(value, list) else str(value)

    return ", ".join(f"{key}={messages.echo(shown(value))}" for key, value in details.items())


def audit_text(rows: list[audit.AuditRow], name: Namer = _plain) -> str:
    """``/mod audit``: one line per change, newest first, with when (UTC), who, what and why."""
    lines = [
        messages.audit_entry(
            r.id,
            r.created_at,
            name(r.actor),
            r.action,
            name(r.target) if r.target else None,
            _details(r.details),
            r.reason,
        )
        for r in rows
    ]
    return "\n".join(lines) or messages.audit_empty()


def settings_text(policy: Policy, role: Namer = _plain) -> str:
    """``/mod settings``: the scope's settings as a moderator reads them."""
    return messages.scope_settings(
        starting_credits=policy.starting_credits,
        daily_allowance=policy.daily_allowance,
        daily_spend_cap=policy.daily_spend_cap,
        max_concurrent=policy.max_concurrent,
        cooldown=policy.cooldown_seconds,
        price_multiplier=policy.price_multiplier,
        pool_daily_budget=policy.pool_daily_budget,
        disabled=sorted(policy.disabled_ops),
        moderator_roles=[role(r) for r in sorted(policy.moderator_roles)],
    )
