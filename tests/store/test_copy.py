"""``chorus migrate --from sqlite:///...``: a SQLite database that saw real use moves into
PostgreSQL whole (every row, every id, every balance), or not at all."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.domain import Member
from bot.ledger import Defaults, Ledger
from bot.moderation import Moderation
from bot.store import Store, StoreError, languages
from bot.store.copy import copy_sqlite
from bot.store.database import latest_version
from tests.harness import chorus, chorus_cli
from tests.ledger_fixtures import ALICE, BOB, GUILD, MOD

ROOT = Path(__file__).resolve().parents[2]


async def busy_sqlite(tmp: Path) -> Path:
    """A SQLite database after real use: songs made and delivered end to end (jobs, tracks,
    outbox, durations, captures), then moderators' grants, limits and a ban (audit log, member
    limits), holds captured, released and left open, and languages chosen."""
    async with chorus(tmp) as h:
        for line in ("/song a tune", "/song a lo-fi beat about rain"):
            job = await h.run(line)
            assert job is not None and job.state == "succeeded"
        await h.settled()
    path = tmp / "data" / "chorus.db"
    async with await Store.open(path) as store:
        ledger = Ledger(store, Defaults(starting_credits=30, max_concurrent=10))
        moderation = Moderation(ledger)
        await moderation.grant(MOD, ALICE, 40, "a prize")
        await moderation.revoke(MOD, BOB, 5, "a correction")
        await moderation.set_limits(MOD, BOB, {"daily_spend_cap": 25})
        await moderation.ban(MOD, Member(GUILD, "mallory"), "spam")
        captured = await ledger.hold(ALICE, 12, request_key="event-1", payload={"op": "song"})
        await ledger.capture(captured.hold_id, 7)
        released = await ledger.hold(BOB, 3)
        await ledger.release(released.hold_id, reason="failed")
        await ledger.hold(ALICE, 4)  # still open when the database moves
        async with store.write() as conn:
            await languages.set_member_language(conn, "discord", "alice", "de", 1.0)
            await languages.set_scope_language(conn, GUILD, "fr", 2.0)
    return path


def sqlite_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    with sqlite3.connect(path) as conn:
        names = [
            n
            for (n,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version'"
            )
        ]
        return {
            # the names come from the schema itself
            name: conn.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall()  # noqa: S608
            for name in names
        }


async def pg_tables(url: str, names: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    conn = await asyncpg.connect(url)
    try:
        return {
            name: [tuple(r) for r in await conn.fetch(f'SELECT * FROM "{name}" ORDER BY 1')]  # noqa: S608
            for name in names
        }
    finally:
        await conn.close()


async def test_a_used_sqlite_database_moves_into_postgresql_whole(
    tmp_path: Path, pg_url: str
) -> None:
    path = await busy_sqlite(tmp_path)
    before = sqlite_tables(path)
    for table in ("jobs", "tracks", "outbox", "durations", "audit_log", "member_limits"):
        assert before[table], f"the source should have {table} rows"
    kinds = {row[2] for row in before["journal"]}
    assert kinds == {"grant", "hold", "capture", "release", "adjust"}

    copied = await copy_sqlite(f"sqlite:///{path}", pg_url)

    assert copied.rows == {name: len(rows) for name, rows in before.items()}
    after = await pg_tables(pg_url, list(before))
    for name, rows in before.items():
        assert after[name] == rows, name  # every row, ids and all, column by column
    assert copied.accounts == len(before["accounts"])
    assert copied.credits == sum(row[4] for row in before["accounts"])
    async with await Store.open(pg_url) as store:
        ledger = Ledger(store)
        await ledger.reconcile()
        for member in (ALICE, BOB):
            async with await Store.open(path) as source:
                expected = await Ledger(source).balance(member)
            assert await ledger.balance(member) == expected
        # The sequences were set past the copied ids: new rows get fresh ones.
        hold = await ledger.hold(ALICE, 1)
        assert hold.hold_id > max(row[0] for row in before["journal"])
        await Moderation(ledger).grant(MOD, BOB, 1, "after the move")
        async with store.read() as conn:
            ((audit_id,),) = await conn.execute_fetchall("SELECT max(id) FROM audit_log")
        assert audit_id == max(row[0] for row in before["audit_log"]) + 1
        await ledger.reconcile()

    with pytest.raises(StoreError, match=r"already holds data.*Nothing was changed"):
        await copy_sqlite(f"sqlite:///{path}", pg_url)
    counts = {name: len(rows) for name, rows in (await pg_tables(pg_url, ["journal"])).items()}
    assert counts == {"journal": len(before["journal"]) + 2}  # a hold and a grant; no copy


async def test_a_source_at_another_schema_is_refused_and_nothing_changes(
    tmp_path: Path, pg_url: str
) -> None:
    path = tmp_path / "chorus.db"
    async with await Store.open(path) as store:
        await Moderation(Ledger(store)).grant(MOD, ALICE, 5, "something to copy")
    for version, advice in (
        (latest_version() + 1, "newer Chorus"),
        (latest_version() - 1, "in place first"),
    ):
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE schema_version SET version = ?", (version,))
        with pytest.raises(StoreError, match=advice):
            await copy_sqlite(str(path), pg_url)
        conn2 = await asyncpg.connect(pg_url)
        try:
            tables = await conn2.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        finally:
            await conn2.close()
        assert tables == []  # the target was not even migrated
    with pytest.raises(StoreError, match="no SQLite database"):
        await copy_sqlite(str(tmp_path / "missing.db"), pg_url)
    assert not (tmp_path / "missing.db").exists()


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user = parts.username or "postgres"
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


async def test_chorus_migrate_from_in_a_process_never_prints_the_password(
    tmp_path: Path, pg_url: str
) -> None:
    path = tmp_path / "chorus.db"
    async with await Store.open(path) as store:
        await Moderation(Ledger(store)).grant(MOD, ALICE, 9, "something to copy")
    secret = "pw-not-to-be-printed"
    env = {"DATABASE_URL": with_password(pg_url, secret), "DATA_DIR": str(tmp_path)}
    done = chorus_cli("migrate", "--from", f"sqlite:///{path}", cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    assert (
        "Copied" in done.stdout and "1 accounts hold 59 credits" in done.stdout
    )  # 50 to start, 9 granted
    assert secret not in done.stdout + done.stderr
    again = chorus_cli("migrate", "--from", f"sqlite:///{path}", cwd=ROOT, env=env)
    assert again.returncode == 2
    assert "already holds data" in again.stderr
    assert secret not in again.stdout + again.stderr
    nowhere = with_password(f"postgresql://chorus@/chorus?host={tmp_path / 'no-server'}", secret)
    unreachable = chorus_cli(
        "migrate", "--from", f"sqlite:///{path}", cwd=ROOT, env={**env, "DATABASE_URL": nowhere}
    )
    assert unreachable.returncode == 2
    assert "cannot reach PostgreSQL" in unreachable.stderr
    assert secret not in unreachable.stdout + unreachable.stderr
    into_sqlite = chorus_cli(
        "migrate", "--from", f"sqlite:///{path}", cwd=ROOT, env={"DATA_DIR": str(tmp_path)}
    )
    assert into_sqlite.returncode == 2
    assert "must name the PostgreSQL database" in into_sqlite.stderr
