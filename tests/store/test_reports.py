"""What the panel reports, from the store: spending per UTC day (captures only, on the day they
were captured), jobs per operation with the failed and refunded ones, members found by a search
that takes ``%`` and ``_`` literally, and never another community's rows."""

from __future__ import annotations

import pytest

from bot.aimusic import AIMusicClient
from bot.domain import Member, ReplyTarget, Scope
from bot.ledger import Ledger, day_of
from bot.moderation import Moderation, NotModerator
from bot.reports import Reports
from bot.store import jobs, reports
from tests.ledger_fixtures import ALICE, BOB, DAY, GUILD, MEMBER, MOD, Clock

OTHER = Member(Scope("discord", "guild-2"), "alice")


async def spend(ledger: Ledger, member: Member, amount: int, kept: int | None = None) -> int:
    """A hold of ``amount`` captured in full, in part (``kept``), or released (``kept=0``)."""
    hold = await ledger.hold(member, amount, reason="test")
    if kept == 0:
        await ledger.release(hold.hold_id, reason="failed")
    else:
        await ledger.capture(hold.hold_id, kept)
    return hold.hold_id


async def job(ledger: Ledger, member: Member, op: str, hold_id: int, state: str, n: int) -> None:
    async with ledger.store.write() as conn:
        await jobs.insert_job(
            conn,
            job_id=f"job{n}",
            member=member,
            op=op,
            params={},
            inputs={},
            target=ReplyTarget(member.scope.platform, "channel"),
            hold_id=hold_id,
            now=ledger.clock(),
        )
        await jobs.update_job(conn, f"job{n}", state=state)


async def test_spending_is_counted_per_day_of_capture_in_one_scope(
    ledger: Ledger, clock: Clock
) -> None:
    first = day_of(clock())
    await spend(ledger, ALICE, 10)
    await spend(ledger, BOB, 7, kept=3)  # a partial result: 3 spent, 4 returned
    await spend(ledger, BOB, 9, kept=0)  # a failure: nothing spent
    await spend(ledger, OTHER, 40)  # another community
    clock.advance(DAY)
    await spend(ledger, ALICE, 5)
    async with ledger.store.read() as conn:
        spent = await reports.spent_per_day(conn, GUILD, clock() - 3 * DAY)
        recent = await reports.spent_per_day(conn, GUILD, clock() - 60)
    assert spent == {first: 13, day_of(clock()): 5}
    assert recent == {day_of(clock()): 5}


async def test_jobs_per_operation_count_failures_and_refunds(ledger: Ledger) -> None:
    await job(ledger, ALICE, "song", await spend(ledger, ALICE, 14), "succeeded", 1)
    await job(ledger, ALICE, "song", await spend(ledger, ALICE, 14, kept=7), "succeeded", 2)
    await job(ledger, BOB, "song", await spend(ledger, BOB, 14, kept=0), "failed", 3)
    await job(ledger, BOB, "bpm", await spend(ledger, BOB, 1), "succeeded", 4)
    await job(ledger, OTHER, "bpm", await spend(ledger, OTHER, 1, kept=0), "failed", 5)
    async with ledger.store.read() as conn:
        counted = await reports.jobs_per_operation(conn, GUILD, 0)
        listed = await reports.jobs(conn, GUILD, state=None, limit=10)
        failed = await reports.jobs(conn, GUILD, state="failed", limit=10)
    assert [(c.op, c.jobs, c.failed, c.refunded) for c in counted] == [
        ("song", 3, 1, 2),
        ("bpm", 1, 0, 0),
    ]
    assert {line.id: (line.price, line.captured) for line in listed} == {
        "job1": (14, 14),
        "job2": (14, 7),
        "job3": (14, 0),
        "job4": (1, 1),
    }
    assert [line.id for line in failed] == ["job3"]


async def test_a_member_search_takes_wildcards_literally(ledger: Ledger) -> None:
    for name in ("a_b", "axb", "100%", "1000"):
        await ledger.balance(Member(GUILD, name))
    await ledger.balance(Member(OTHER.scope, "a_bc"))
    async with ledger.store.read() as conn:
        underscore = await reports.members(conn, GUILD, "_", 10)
        percent = await reports.members(conn, GUILD, "%", 10)
        everyone = await reports.members(conn, GUILD, "", 10)
    assert [m.user_id for m in underscore] == ["a_b"]
    assert [m.user_id for m in percent] == ["100%"]
    assert [m.user_id for m in everyone] == ["100%", "1000", "a_b", "axb"]


async def test_reports_are_for_moderators(ledger: Ledger, client: AIMusicClient) -> None:
    found = Reports(ledger, Moderation(ledger), client)
    await spend(ledger, ALICE, 10)
    members = await found.members(MOD, GUILD)
    assert [(m.user_id, m.spent_today, m.balance.available) for m in members] == [("alice", 10, 40)]
    overview = await found.overview(MOD, GUILD)
    assert len(overview.days) == 30 and overview.days[-1] == (day_of(ledger.clock()), 10)
    assert overview.vendor_credits is not None
    for read in (found.members, found.overview, found.jobs, found.audit_kinds):
        with pytest.raises(NotModerator):
            await read(MEMBER, GUILD)
