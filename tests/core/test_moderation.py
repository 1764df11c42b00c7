"""Moderation: only moderators, bad input refused with nothing changed, everything audited."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from bot.domain import Actor
from bot.ledger import Ledger
from bot.moderation import Moderation, ModerationRefused, NotModerator
from bot.store import Store, audit
from tests.harness import Chorus, chorus
from tests.ledger_fixtures import ALICE, BOB, DAY, GUILD, MEMBER, MOD


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
        (lambda m: m.revoke(MOD, ALICE, 51), "only 50 credits of their own available"),
        (lambda m: m.update_settings(MOD, GUILD, {"disabled_ops": "stemz"}), "no /stemz command"),
        (
            lambda m: m.update_settings(MOD, GUILD, {"disabled_ops": ["song", "x-y"]}),
            "disabled_ops",
        ),
        (lambda m: m.set_limits(MOD, ALICE, {"max_concurrent": 500}), "max_concurrent"),
        (lambda m: m.set_limits(MOD, ALICE, {"cooldown_seconds": -1}), "cooldown_seconds"),
        (lambda m: m.set_limits(MOD, ALICE, {"favourite_colour": 3}), "favourite_colour"),
        (lambda m: m.set_limits(MOD, ALICE, {}), "Nothing to change"),
        (lambda m: m.update_settings(MOD, GUILD, {"price_multiplier": 1000}), "price_multiplier"),
        (lambda m: m.grant(MOD, ALICE, 5, "x" * 201), "too long"),
        (lambda m: m.ban(Actor("alice", is_admin=True), ALICE), "yourself"),
        (lambda m: m.unban(MOD, ALICE), "not banned"),
    ],
)
async def test_bad_moderator_input_is_refused_and_changes_nothing(
    moderation: Moderation, ledger: Ledger, store: Store, call: Any, complaint: str
) -> None:
    await ledger.balance(ALICE)
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
        lambda m: m.set_limits(MEMBER, ALICE, {"max_concurrent": 9}),
        lambda m: m.clear_limits(MEMBER, ALICE),
        lambda m: m.ban(MEMBER, BOB),
        lambda m: m.unban(MEMBER, ALICE),
        lambda m: m.show(MEMBER, ALICE),
        lambda m: m.audit_log(MEMBER, GUILD),
        lambda m: m.settings(MEMBER, GUILD),
        lambda m: m.update_settings(MEMBER, GUILD, {"moderator_roles": ["everyone"]}),
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
    await moderation.update_settings(
        MOD, GUILD, {"moderator_roles": ["role-dj"]}, reason="DJs help out"
    )
    assert (await moderation.grant(helper, ALICE, 5)).available == 55


async def test_show_reports_balance_limits_and_today(
    moderation: Moderation, ledger: Ledger
) -> None:
    hold = await ledger.hold(ALICE, 14, job_id="song-1")
    await ledger.capture(hold.hold_id)
    await moderation.set_limits(MOD, ALICE, {"daily_spend_cap": 100}, reason="keep it fair")
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


# --- through the console, as a moderator reads it -------------------------------------------------
STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"


async def said(h: Chorus, line: str) -> str:
    """What the console printed for one line."""
    before = len(h.lines)
    await h.console.execute(line)
    return "\n".join(h.lines[before:])


async def test_a_grant_survives_the_daily_allowance_in_the_console(tmp_path: Path) -> None:
    async with chorus(tmp_path, starting_credits=200, daily_allowance=300) as h:
        granted = await said(h, "/mod grant bob 10 welcome")
        assert granted.startswith("Done. bob has 510 credits: enough for 36 songs.")
        assert "300 credits of that are today's allowance" in granted
        h.app.ledger.clock = lambda: time.time() + DAY
        tomorrow = await said(h, "/mod show bob")
        assert tomorrow.startswith("bob has 510 credits")  # 200 + 10 own, 300 allowance


async def test_show_gives_balance_limits_ban_state_and_dated_entries(tmp_path: Path) -> None:
    async with chorus(tmp_path, daily_spend_cap=100) as h:
        assert await said(h, "/mod grant bob 10 welcome") == (
            "Done. bob has 1010 credits: enough for 72 songs."
        )
        await said(h, "/mod revoke bob 3 typo")
        await said(h, "/mod ban bob spamming the channel")
        shown = (await said(h, "/mod show bob")).splitlines()
        assert shown[:4] == [
            "bob has 1007 credits: enough for 71 songs. Spent today: 0 credits.",
            "Limits: daily allowance 0 credits; daily spend cap 100 credits; 50 jobs at once;"
            " cooldown none.",
            "Banned: spamming the channel.",
            "Recent entries:",
        ]
        entries = shown[4:]
        assert [re.sub(STAMP, "<when>", line) for line in entries] == [
            "<when>  3 credits taken back by you (typo)",
            "<when>  +10 credits granted by you (welcome)",
            "<when>  +1000 credits granted (starting credits)",
        ]


async def test_showing_a_member_who_never_came_opens_no_account(tmp_path: Path) -> None:
    """A mistyped name is not a new member: looking changes nothing."""
    async with chorus(tmp_path) as h:
        shown = await said(h, "/mod show nobdy")
        assert "nobdy has not used Chorus here yet" in shown
        async with h.app.store.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT count(*) FROM accounts WHERE user_id = 'nobdy'"
            )
        assert next(iter(rows))[0] == 0


async def test_the_audit_log_says_when_who_what_and_why(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        await said(h, "/mod grant bob 10 welcome")
        await said(h, "/mod limits bob max_concurrent=1 one at a time")
        lines = (await said(h, "/mod audit")).splitlines()
        assert len(lines) == 2
        assert re.fullmatch(
            rf"#2 {STAMP} you set_limits bob \(max_concurrent=1\): one at a time", lines[0]
        )
        assert re.fullmatch(rf"#1 {STAMP} you grant bob \(amount=10\): welcome", lines[1])


async def test_limits_and_bans_work_on_a_newcomer_like_a_grant(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        limited = await said(h, "/mod limits carol max_concurrent=1 cooldown_seconds=120")
        assert limited == (
            "carol's limits are updated. Limits: daily allowance 0 credits; daily spend cap none;"
            " 1 job at once; cooldown 2 min."
        )
        assert await said(h, "/mod ban dave") == (
            "dave is banned: their running jobs finish, new ones are refused."
        )
        assert (await said(h, "/mod show carol")).startswith("carol has 1000 credits")


async def test_settings_read_as_sentences_and_take_one_disabled_command(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        changed = await said(h, "/mod settings disabled_ops=lyrics trying it out")
        assert "Policy(" not in changed and "frozenset" not in changed
        assert "Turned off: /lyrics." in changed.splitlines()
        shown = (await said(h, "/mod settings")).splitlines()
        assert shown[0] == "New members start with 1000 credits."
        assert "Turned off: /lyrics." in shown
        assert (
            await said(h, "/lyrics a rainy day")
            == "✋ The moderators have turned off /lyrics here."
        )
        assert await said(h, "/mod settings disabled_ops=stemz") == (
            "✋ There is no /stemz command to turn off; /help lists them."
        )
        assert "Turned off: nothing." in await said(h, "/mod settings disabled_ops=none")
