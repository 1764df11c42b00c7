"""What the moderators' panel shows about one community, each read checked like a chat command.

Every method takes the asking moderator and the scope, and refuses (:class:`NotModerator`) if
the moderation policy says they no longer moderate there: the panel's session remembers who
signed in, never that they were allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.aimusic import AIMusicClient, AIMusicError
from bot.domain import Actor, Member, Scope
from bot.ledger import Balance, Ledger, Policy, day_start
from bot.moderation import Moderation, NotModerator
from bot.store import audit as audit_store
from bot.store import journal as j
from bot.store import reports

DAY = 86_400


@dataclass(frozen=True)
class Overview:
    days: list[tuple[str, int]]  # (YYYY-MM-DD, credits spent), oldest first, every day listed
    operations: list[reports.OperationCount]
    vendor_credits: int | None  # None when the music service did not answer

    @property
    def jobs(self) -> int:
        return sum(o.jobs for o in self.operations)

    @property
    def failed(self) -> int:
        return sum(o.failed for o in self.operations)

    @property
    def refunded(self) -> int:
        return sum(o.refunded for o in self.operations)


@dataclass(frozen=True)
class MemberLine:
    user_id: str
    balance: Balance
    spent_today: int
    policy: Policy


@dataclass(frozen=True)
class AuditFilter:
    member: str | None = None
    moderator: str | None = None
    kind: str | None = None


class Reports:
    def __init__(self, ledger: Ledger, moderation: Moderation, client: AIMusicClient) -> None:
        self.ledger, self.moderation, self.client = ledger, moderation, client
        self.store = ledger.store

    async def _require(self, actor: Actor, scope: Scope) -> None:
        if not await self.moderation.is_moderator(actor, scope):
            raise NotModerator()

    async def overview(self, actor: Actor, scope: Scope, days: int = 30) -> Overview:
        """Spending per UTC day over ``days`` days (today included), jobs per operation over the
        same days, and the music service's credits left."""
        await self._require(actor, scope)
        today = datetime.fromtimestamp(day_start(self.ledger.clock()), UTC)
        first = today - timedelta(days=days - 1)
        async with self.store.read() as conn:
            spent = await reports.spent_per_day(conn, scope, first.timestamp())
            operations = await reports.jobs_per_operation(conn, scope, first.timestamp())
        listed = [(first + timedelta(days=n)).strftime("%Y-%m-%d") for n in range(days)]
        try:
            credits = await self.client.get_credits()
            vendor: int | None = credits.credits + credits.extra_credits
        except AIMusicError:
            vendor = None
        return Overview([(day, spent.get(day, 0)) for day in listed], operations, vendor)

    async def members(
        self, actor: Actor, scope: Scope, search: str = "", limit: int = 50
    ) -> list[MemberLine]:
        """The members whose id contains ``search``, with balance, today's spend and limits."""
        await self._require(actor, scope)
        since = day_start(self.ledger.clock())
        async with self.store.read() as conn:
            rows = await reports.members(conn, scope, search.strip(), limit)
            spent = {r.user_id: await j.spent_since(conn, r.account_id, since) for r in rows}
        found = []
        for row in rows:
            member = Member(scope, row.user_id)
            balance = await self.ledger.balance(member)
            policy = await self.ledger.policy(member)
            found.append(MemberLine(row.user_id, balance, spent[row.user_id], policy))
        return found

    async def jobs(
        self, actor: Actor, scope: Scope, state: str | None = None, limit: int = 100
    ) -> list[reports.JobLine]:
        await self._require(actor, scope)
        async with self.store.read() as conn:
            return await reports.jobs(conn, scope, state=state, limit=limit)

    async def audit(
        self, actor: Actor, scope: Scope, where: AuditFilter, limit: int = 200
    ) -> list[audit_store.AuditRow]:
        await self._require(actor, scope)
        async with self.store.read() as conn:
            return await reports.audit(
                conn,
                scope,
                member=where.member,
                moderator=where.moderator,
                action=where.kind,
                limit=limit,
            )

    async def audit_kinds(self, actor: Actor, scope: Scope) -> list[str]:
        await self._require(actor, scope)
        async with self.store.read() as conn:
            return await reports.audit_kinds(conn, scope)
