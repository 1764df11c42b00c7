"""Migration 0005 keeps every member's credits: allowance topped up by older versions stays
theirs, and a hold placed before the upgrade still resolves and reconciles."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.domain import Member, Scope
from bot.ledger import Defaults, Ledger
from bot.store import Store
from bot.store.database import migrations
from tests.ledger_fixtures import Clock

YOU = Member(Scope("console", "local"), "you")


def a_version_4_store(path: Path) -> None:
    """Before 0005: 60 credits (30 of them an old allowance top-up) and a hold of 14 open."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    for version, _, sql in migrations():
        if version <= 4:
            conn.executescript(sql)
    conn.executescript(
        "CREATE TABLE schema_version (version INTEGER NOT NULL);"
        "INSERT INTO schema_version VALUES (4);"
        "INSERT INTO accounts (id, platform, scope, user_id, balance, held, open_holds,"
        " allowance_day, created_at) VALUES (1, 'console', 'local', 'you', 60, 14, 1,"
        " '2027-01-15', 0);"
        "INSERT INTO journal (account_id, kind, amount, actor, reason, created_at)"
        " VALUES (1, 'grant', 30, 'system', 'starting credits', 0),"
        " (1, 'grant', 30, 'system', 'daily allowance 2027-01-15', 0);"
        "INSERT INTO journal (id, account_id, kind, amount, job_id, actor, reason, created_at,"
        " expires_at) VALUES (3, 1, 'hold', 14, 'j1', 'you', 'song', 0, 9999999999);"
    )
    conn.close()


async def test_old_credits_stay_the_members_own_and_an_old_hold_still_resolves(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    a_version_4_store(path)
    async with await Store.open(path) as store:
        # 0005 and whatever came after it (numbers may skip: a branch can land 0011 before 0010)
        assert store.applied == len([v for v, _, _ in migrations() if v > 4])
        ledger = Ledger(store, Defaults(daily_allowance=20), Clock())
        await ledger.reconcile()
        before = await ledger.balance(YOU)
        assert (before.balance, before.held, before.allowance, before.available) == (60, 14, 20, 66)
        await ledger.release(3, reason="failed")
        after = await ledger.balance(YOU)
        assert (after.balance, after.held, after.available) == (60, 0, 80)
        await ledger.reconcile()
