"""The store: migrations, version checks, and the guarantees the schema itself enforces."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import aiosqlite
import pytest

from bot.ledger import Ledger
from bot.store import Store, StoreError
from bot.store.database import latest_version, migrations
from tests.ledger_fixtures import ALICE


async def test_a_new_store_is_migrated_to_the_latest_schema(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "new.db") as store:
        assert await store.schema_version() == latest_version()
    async with await Store.open(tmp_path / "new.db", migrate=False) as again:  # nothing pending
        assert await again.schema_version() == latest_version()


async def test_a_store_from_a_newer_chorus_refuses_to_open(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    async with await Store.open(path):
        pass
    async with aiosqlite.connect(path) as raw:
        await raw.execute("UPDATE schema_version SET version = 999")
        await raw.commit()
    with pytest.raises(StoreError, match=r"newer Chorus \(schema 999"):
        await Store.open(path)


async def test_a_store_behind_refuses_without_migrate(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    async with aiosqlite.connect(path) as raw:
        await raw.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        await raw.commit()
    with pytest.raises(StoreError, match="chorus migrate"):
        await Store.open(path, migrate=False)


async def test_the_journal_cannot_be_edited_or_a_hold_resolved_twice(
    ledger: Ledger, store: Store
) -> None:
    hold = await ledger.hold(ALICE, 10, job_id="j1")
    await ledger.capture(hold.hold_id)
    async with store.write() as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            await conn.execute("UPDATE journal SET amount = 0")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            await conn.execute("DELETE FROM journal")
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            await conn.execute(
                "INSERT INTO journal (account_id, kind, amount, hold_id, actor, reason, created_at)"
                " VALUES (1, 'release', 10, ?, 'x', 'sneaky', 0)",
                (hold.hold_id,),
            )
    await ledger.reconcile()


def test_chorus_migrate_applies_and_reports(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path), "PATH": ""}
    command = [sys.executable, "-m", "bot.cli", "migrate"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert (
        f"schema version {latest_version()} ({len(migrations())} migration(s) applied)"
        in first.stdout
    )
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert "(0 migration(s) applied)" in again.stdout
