"""Migration 0003 rebuilds the jobs table for the 'unconfirmed' state and keeps every row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import bot.store.tracks
from bot.store import Store, jobs
from bot.store.database import migrations


def a_version_2_store(path: Path) -> None:
    """A database as Chorus left it before 0003: one member, a hold, a job with a track."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for version, _, sql in migrations():
        if version <= 2:
            conn.executescript(sql)
    conn.executescript(
        "CREATE TABLE schema_version (version INTEGER NOT NULL);"
        "INSERT INTO schema_version VALUES (2);"
        "INSERT INTO accounts (id, platform, scope, user_id, balance, held, open_holds,"
        " created_at) VALUES (1, 'console', 'local', 'you', 100, 0, 0, 0);"
        "INSERT INTO journal (id, account_id, kind, amount, job_id, actor, reason, created_at,"
        " expires_at) VALUES (1, 1, 'hold', 14, 'j1', 'you', 'song', 0, 3600);"
        "INSERT INTO jobs (id, platform, scope, user_id, op, params, inputs, target, hold_id,"
        " state, task_id, not_before, created_at) VALUES ('j1', 'console', 'local', 'you',"
        " 'song', '{}', '{}', '{\"channel\": \"c\", \"platform\": \"console\"}', 1,"
        " 'succeeded', 't1', 0, 0);"
        "INSERT INTO tracks (id, job_id, platform, scope, user_id, clip_id, origin, title,"
        " created_at) VALUES ('k1', 'j1', 'console', 'local', 'you', 'c1', 'generated', 'A', 0);"
    )
    conn.close()


async def test_an_old_store_gains_the_unconfirmed_state_and_keeps_its_jobs(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    a_version_2_store(path)
    async with await Store.open(path) as store:
        assert store.applied >= 1
        async with store.write() as conn:
            await conn.execute("UPDATE jobs SET state = 'unconfirmed' WHERE id = 'j1'")
            job = await jobs.job(conn, "j1")
            tracks = await bot.store.tracks.job_tracks(conn, "j1")
            problems = await conn.execute_fetchall("PRAGMA foreign_key_check")
            foreign_keys = await conn.execute_fetchall("PRAGMA foreign_keys")
        assert job is not None and job.state == "unconfirmed" and job.task_id == "t1"
        assert [t.id for t in tracks] == ["k1"]
        assert list(problems) == [] and next(iter(foreign_keys))[0] == 1
