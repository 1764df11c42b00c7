"""Moderation: only moderators, bad input refused with nothing changed, everything audited."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain import Actor
from bot.ledger import Ledger
from bot.moderation import Moderation, ModerationRefused, NotModerator
from bot.store import Store, audit
from tests.ledger_fixtures import ALICE, BOB, GUILD, MEMBER, MOD


@pytest.fixture
def moderation(ledger: Ledger) -> Moderation:
    return Moderation(ledger)


async def audit_count(store: Store) -> int:
    async with store.read() as conn:
        return await audit.count(conn, GUILD)


async def test_grant_and_revoke_move_credits_and_are_audited(
    moderation: Moderation, store: Store
) -> None:
    after_grant = await moderation.grant(MOD, ALICE, 100, "event prize")
    assert after_grant.available == 150
    after_revoke = await moderation.revoke(MOD, ALICE, 30, "typo")
    assert after_revoke.available == 120
    page = await moderation.audit_log(MOD, GUILD)
    assert [(r.action, r.target, r.details, r.reason, r.actor) for r in page] == [
        ("revoke", "alice", {"amount": 30}, "typo", "mod"),
        ("grant", "alice", {"amount": 100}, "event prize", "mod"),
    ]


@pytest.mark.parametrize(
    ("call", "complaint"),
    [
        (lambda m: m.grant(MOD, ALICE, -5, "oops"), "whole number from 1"),
        (lambda m: m.grant(MOD, ALICE, 0), "whole number from 1"),
        (lambda m: m.grant(MOD, ALICE, 10**9), "whole number from 1"),
        (lambda m: m.revoke(MOD, BOB, 5), "never used Chorus"),
        (lambda m: m.ban(MOD, BOB), "never used Chorus"),
        (lambda m: m.revoke(MOD, ALICE, 51), "only 50 credits available"),
        (lambda m: m.set_limits(MOD, ALICE, max_concurrent=500), "max_concurrent"),
        (lambda m: m.set_limits(MOD, ALICE, cooldown_seconds=-1), "cooldown_seconds"),
        (lambda m: m.set_limits(MOD, ALICE, favourite_colour=3), "favourite_colour"),
        (lambda m: m.set_limits(MOD, ALICE), "Nothing to change"),
        (lambda m: m.update_settings(MOD, GUILD, price_multiplier=1000), "price_multiplier"),
        (lambda m: m.grant(MOD, ALICE, 5, "x" * 201), "too long"),
        (lambda m: m.ban(Actor("alice", is_admin=True), ALICE), "yourself"),
        (lambda m: m.unban(MOD, ALICE), "not banned"),
    ],
)
async def test_bad_moderator_input_is_refused_and_changes_nothing(
    moderation: Moderation, ledger: Ledger, store: Store, call: Any, complaint: str
) -> None:
    await ledger.balance(ALICE)  # alice has used the bot; bob has not
    with pytest.raises(ModerationRefused, match=complaint):
        await call(moderation)
    assert (await ledger.balance(ALICE)).available == 50
    assert (await ledger.policy(ALICE)).max_concurrent == 5
    assert await audit_count(store) == 0
    await ledger.reconcile()


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.grant(MEMBER, ALICE, 100),
        lambda m: m.revoke(MEMBER, ALICE, 1),
        lambda m: m.set_limits(MEMBER, ALICE, max_concurrent=9),
        lambda m: m.clear_limits(MEMBER, ALICE),
        lambda m: m.ban(MEMBER, BOB),
        lambda m: m.unban(MEMBER, ALICE),
        lambda m: m.show(MEMBER, ALICE),
        lambda m: m.audit_log(MEMBER, GUILD),
        lambda m: m.settings(MEMBER, GUILD),
        lambda m: m.update_settings(MEMBER, GUILD, moderator_roles=["everyone"]),
    ],
)
async def test_members_cannot_moderate_whatever_the_ui_shows(
    moderation: Moderation, ledger: Ledger, store: Store, call: Any
) -> None:
    await ledger.balance(ALICE)
    with pytest.raises(NotModerator, match="Only moderators"):
        await call(moderation)
    assert (await ledger.balance(ALICE)).available == 50
    assert await audit_count(store) == 0


async def test_a_configured_role_makes_a_moderator(moderation: Moderation) -> None:
    helper = Actor("helper", roles=frozenset({"role-dj"}))
    with pytest.raises(NotModerator):
        await moderation.grant(helper, ALICE, 5)
    await moderation.update_settings(MOD, GUILD, moderator_roles=["role-dj"], reason="DJs help out")
    assert (await moderation.grant(helper, ALICE, 5)).available == 55


async def test_show_reports_balance_limits_and_today(
    moderation: Moderation, ledger: Ledger
) -> None:
    hold = await ledger.hold(ALICE, 14, job_id="song-1")
    await ledger.capture(hold.hold_id)
    await moderation.set_limits(MOD, ALICE, daily_spend_cap=100, reason="keep it fair")
    report = await moderation.show(MOD, ALICE)
    assert report.balance.available == 36
    assert report.policy.daily_spend_cap == 100
    assert report.spent_today == 14
    assert [(e.kind, e.job_id) for e in report.recent[:2]] == [
        ("capture", "song-1"),
        ("hold", "song-1"),
    ]
    cleared = await moderation.clear_limits(MOD, ALICE, "back to normal")
    assert cleared.daily_spend_cap is None


async def test_the_audit_log_pages_and_filters(moderation: Moderation) -> None:
    for n in range(1, 6):
        await moderation.grant(MOD, ALICE, n, f"grant {n}")
    await moderation.grant(MOD, BOB, 9, "bob's")
    first = await moderation.audit_log(MOD, GUILD, member="alice", limit=2)
    second = await moderation.audit_log(MOD, GUILD, member="alice", limit=2, before=first[-1].id)
    assert [r.reason for r in first + second] == ["grant 5", "grant 4", "grant 3", "grant 2"]
    everyone = await moderation.audit_log(MOD, GUILD, limit=100)
    assert len(everyone) == 6 and everyone[0].target == "bob"
