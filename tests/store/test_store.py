"""The store: migrations, version checks, and the guarantees the schema itself enforces."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiosqlite
import asyncpg
import pytest

from bot.ledger import Ledger
from bot.store import Store, StoreError
from bot.store.database import describe, is_postgres, latest_version, migrations
from tests.ledger_fixtures import ALICE

# What each backend raises when the schema refuses a write.
INTEGRITY = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)


async def raw_execute(database: str, sql: str) -> None:
    """Run ``sql`` on the database behind the store's back, as another program would."""
    if is_postgres(database):
        raw = await asyncpg.connect(database)
        try:
            await raw.execute(sql)
        finally:
            await raw.close()
        return
    async with aiosqlite.connect(database) as conn:
        await conn.execute(sql)
        await conn.commit()


async def test_a_new_store_is_migrated_to_the_latest_schema(database: str) -> None:
    async with await Store.open(database) as store:
        assert await store.schema_version() == latest_version()
    async with await Store.open(database, migrate=False) as again:  # nothing pending
        assert await again.schema_version() == latest_version()


async def test_a_store_from_a_newer_chorus_refuses_to_open(database: str) -> None:
    async with await Store.open(database):
        pass
    await raw_execute(database, "UPDATE schema_version SET version = 999")
    with pytest.raises(StoreError, match=r"newer Chorus \(schema 999"):
        await Store.open(database)


async def test_a_store_behind_refuses_without_migrate(database: str) -> None:
    await raw_execute(database, "CREATE TABLE schema_version (version INTEGER NOT NULL)")
    with pytest.raises(StoreError, match="chorus migrate"):
        await Store.open(database, migrate=False)


async def test_the_journal_cannot_be_edited_or_a_hold_resolved_twice(
    ledger: Ledger, store: Store
) -> None:
    hold = await ledger.hold(ALICE, 10, job_id="j1")
    await ledger.capture(hold.hold_id)
    # Each in a transaction of its own: PostgreSQL aborts a transaction at its first error.
    with pytest.raises(INTEGRITY, match="append-only"):
        async with store.write() as conn:
            await conn.execute("UPDATE journal SET amount = 0")
    with pytest.raises(INTEGRITY, match="append-only"):
        async with store.write() as conn:
            await conn.execute("DELETE FROM journal")
    with pytest.raises(INTEGRITY, match=r"(?i)unique|journal_one_resolution"):
        async with store.write() as conn:
            await conn.execute(
                "INSERT INTO journal (account_id, kind, amount, hold_id, actor, reason, created_at)"
                " VALUES (1, 'release', 10, ?, 'x', 'sneaky', 0)",
                (hold.hold_id,),
            )
    await ledger.reconcile()


def test_chorus_migrate_applies_and_reports(tmp_path: Path, database: str) -> None:
    env = {"DATA_DIR": str(tmp_path), "PATH": "", "DATABASE_URL": database}
    command = [sys.executable, "-m", "bot.cli", "migrate"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert (
        f"schema version {latest_version()} ({len(migrations())} migration(s) applied)"
        in first.stdout
    )
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert "(0 migration(s) applied)" in again.stdout
    assert f"{describe(database)}: schema version" in again.stdout


async def test_a_postgresql_password_never_reaches_the_operator(pg_url: str) -> None:
    """``chorus migrate`` prints where the store is; a URL's password stays out of it, and out
    of the refusal when the server cannot be reached."""
    parts = urlsplit(pg_url)
    with_password = urlunsplit(parts._replace(netloc=f"chorus:s3cret-pw@{parts.netloc}"))
    assert "s3cret-pw" not in describe(with_password)
    unreachable = "postgresql://chorus:s3cret-pw@127.0.0.1:9/chorus"
    with pytest.raises(StoreError) as refused:
        await Store.open(unreachable)
    assert "s3cret-pw" not in str(refused.value) and "127.0.0.1:9" in str(refused.value)
