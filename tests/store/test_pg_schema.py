"""The PostgreSQL migrations build the schema the SQLite ones do, with the same protections.

The code binds the same values on both backends, so after the last migration both must have
the same tables, columns (in order, with equivalent types, nullability and defaults), keys,
foreign keys, named indexes (columns, uniqueness, partial predicates), CHECK constraints and
triggers. The SQLite side is read from a store ``Store.open`` migrated; the PostgreSQL side from
a fresh database the ``postgres/`` files were applied to the way the store runs them.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.store import Store
from bot.store.database import migrations

# The store keeps this table itself, on both backends; the migration files do not create it.
STORE_OWN = {"schema_version"}
SQLITE_TYPES = {"INTEGER": "bigint", "REAL": "double precision", "TEXT": "text"}
# SQLite's INTEGER PRIMARY KEY columns that are not identities in PostgreSQL: the key is always
# another row's id, given by the code, never one the database makes up.
NOT_IDENTITIES = {("member_limits", "account_id")}

Schema = dict[str, Any]


def pg_migrations() -> list[tuple[int, str, str]]:
    """(version, name, SQL) of the PostgreSQL migrations, as the store would find them."""
    found = []
    for entry in resources.files("bot.store.migrations.postgres").iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found)


async def migrate(url: str) -> None:
    """Apply every PostgreSQL migration as the store does: one file, one transaction."""
    conn = await asyncpg.connect(url)
    try:
        for _, _, sql in pg_migrations():
            async with conn.transaction():
                await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to a fresh database with every PostgreSQL migration applied."""
    await migrate(pg_url)
    conn = await asyncpg.connect(pg_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def sqlite_path(tmp_path: Path) -> Path:
    """A SQLite store migrated to the latest schema, closed."""
    path = tmp_path / "s.db"
    store = await Store.open(path)
    await store.close()
    return path


def _normal(sql: str) -> str:
    """An expression with PostgreSQL's casts and both dialects' parentheses and case removed."""
    sql = re.sub(r"::[a-z ]+", "", sql.lower())
    return " ".join(sql.replace("(", " ").replace(")", " ").split())


def sqlite_schema(path: Path) -> Schema:
    conn = sqlite3.connect(path)
    try:
        q = conn.execute
        tables = [
            row[0]
            for row in q("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            if row[0] not in STORE_OWN
        ]
        schema: Schema = {"tables": tables}
        for t in tables:
            info = list(q(f"PRAGMA table_info({t})"))
            schema[t, "columns"] = [
                # (name, type, not null, default); a PRIMARY KEY is NOT NULL in PostgreSQL, and
                # SQLite's INTEGER ones (rowid aliases) cannot be NULL either
                (name, SQLITE_TYPES[kind], bool(notnull or pk), default)
                for _, name, kind, notnull, default, pk in info
            ]
            schema[t, "primary key"] = [
                row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]
            ]
            rowid_aliases = [row[1] for row in info if row[5] == 1 and row[2] == "INTEGER"]
            schema[t, "identity"] = sorted(
                name
                for name in rowid_aliases
                if len(schema[t, "primary key"]) == 1 and (t, name) not in NOT_IDENTITIES
            )
            indexes = {}
            uniques = set()
            for _, name, unique, origin, partial in q(f"PRAGMA index_list({t})"):
                cols = tuple(row[2] for row in q(f"PRAGMA index_info({name})"))
                if origin == "u":
                    uniques.add(cols)
                elif origin == "c":
                    (sql,) = q("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
                    where = sql.split(" WHERE ", 1)[1] if partial else None
                    indexes[name] = (bool(unique), cols, where and _normal(where))
            schema[t, "unique"] = uniques
            schema[t, "indexes"] = indexes
            fks: dict[int, list[tuple[str, str, str, str, str]]] = {}
            for fk_id, _, ref, src, dst, on_update, on_delete, _ in q(
                f"PRAGMA foreign_key_list({t})"
            ):
                fks.setdefault(fk_id, []).append((ref, src, dst, on_update, on_delete))
            schema[t, "foreign keys"] = {
                (
                    parts[0][0],
                    tuple(p[1] for p in parts),
                    tuple(p[2] for p in parts),
                    parts[0][3],
                    parts[0][4],
                )
                for parts in fks.values()
            }
            (table_sql,) = q("SELECT sql FROM sqlite_master WHERE name = ?", (t,)).fetchone()
            schema[t, "checks"] = len(re.findall(r"\bCHECK\s*\(", table_sql))
            schema[t, "triggers"] = {
                row[0]
                for row in q(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (t,)
                )
            }
        return schema
    finally:
        conn.close()


FK_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}


async def pg_schema(conn: asyncpg.Connection) -> Schema:
    tables = [
        r["table_name"]
        for r in await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    ]
    schema: Schema = {"tables": tables}
    for t in tables:
        columns = await conn.fetch(
            "SELECT column_name, data_type, is_nullable, column_default, is_identity"
            " FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1"
            " ORDER BY ordinal_position",
            t,
        )
        schema[t, "columns"] = [
            (
                c["column_name"],
                c["data_type"],
                c["is_nullable"] == "NO",
                c["column_default"] and re.sub(r"::\w+$", "", c["column_default"]),
            )
            for c in columns
        ]
        schema[t, "identity"] = sorted(
            c["column_name"] for c in columns if c["is_identity"] == "YES"
        )
        constraints = await conn.fetch(
            "SELECT c.contype::text, c.confupdtype::text, c.confdeltype::text,"
            " c.confrelid::regclass::text AS ref,"
            " ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)"
            "       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n"
            "       ORDER BY k.i) AS cols,"
            " ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)"
            "       JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n"
            "       ORDER BY k.i) AS refcols"
            " FROM pg_constraint c WHERE c.conrelid = $1::regclass",
            t,
        )
        (pk,) = [c["cols"] for c in constraints if c["contype"] == "p"] or [[]]
        schema[t, "primary key"] = list(pk)
        schema[t, "unique"] = {tuple(c["cols"]) for c in constraints if c["contype"] == "u"}
        schema[t, "foreign keys"] = {
            (
                c["ref"],
                tuple(c["cols"]),
                tuple(c["refcols"]),
                FK_ACTIONS[c["confupdtype"]],
                FK_ACTIONS[c["confdeltype"]],
            )
            for c in constraints
            if c["contype"] == "f"
        }
        schema[t, "checks"] = sum(c["contype"] == "c" for c in constraints)
        indexes = await conn.fetch(
            "SELECT i.relname AS name, x.indisunique AS is_unique,"
            " pg_get_expr(x.indpred, x.indrelid) AS predicate,"
            " ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, o)"
            "       JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n"
            "       ORDER BY k.o) AS cols"
            " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = $1::regclass"
            # indexes that back a PRIMARY KEY or UNIQUE constraint are compared as constraints
            " AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            t,
        )
        schema[t, "indexes"] = {
            i["name"]: (
                i["is_unique"],
                tuple(i["cols"]),
                i["predicate"] and _normal(i["predicate"]),
            )
            for i in indexes
        }
        schema[t, "triggers"] = {
            r["trigger_name"]
            for r in await conn.fetch(
                "SELECT trigger_name FROM information_schema.triggers"
                " WHERE event_object_schema = 'public' AND event_object_table = $1",
                t,
            )
        }
    return schema


def test_every_sqlite_migration_has_a_postgresql_one() -> None:
    assert [(v, n) for v, n, _ in pg_migrations()] == [(v, n) for v, n, _ in migrations()]
    for _, _, sql in pg_migrations():
        # the store wraps each file in its transaction and keeps schema_version itself
        assert not re.search(r"^\s*(BEGIN|COMMIT)\s*;", sql, re.MULTILINE | re.IGNORECASE)
        assert "schema_version" not in sql


async def test_postgresql_schema_equals_sqlite_schema(
    pg: asyncpg.Connection, sqlite_path: Path
) -> None:
    lite = sqlite_schema(sqlite_path)
    post = await pg_schema(pg)
    assert post["tables"] == lite["tables"]
    for t in lite["tables"]:
        for aspect in (
            "columns",
            "primary key",
            "identity",
            "unique",
            "foreign keys",
            "indexes",
            "checks",
            "triggers",
        ):
            assert (t, aspect, post[t, aspect]) == (t, aspect, lite[t, aspect])
    # the comparison saw what matters: a partial unique index, rebuilt tables' checks, triggers
    assert lite["journal", "indexes"]["journal_one_resolution"] == (
        True,
        ("hold_id",),
        "hold_id is not null",
    )
    assert lite["jobs", "checks"] == 1 and lite["outbox", "checks"] == 2
    assert lite["audit_log", "triggers"] == {"audit_no_update", "audit_no_delete"}


JOURNAL_AND_AUDIT = (
    "INSERT INTO accounts (id, platform, scope, user_id, balance, created_at)"
    " VALUES (1, 'console', 'local', 'you', 10, 0);"
    "INSERT INTO journal (id, account_id, kind, amount, actor, reason, created_at)"
    " VALUES (1, 1, 'grant', 10, 'op', 'welcome', 0);"
    "INSERT INTO audit_log (id, platform, scope, actor, action, details, reason, created_at)"
    " VALUES (1, 'console', 'local', 'op', 'grant', '{}', 'welcome', 0);"
)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE journal SET amount = 1000 WHERE id = 1",
        "DELETE FROM journal WHERE id = 1",
        "UPDATE audit_log SET reason = 'nothing happened' WHERE id = 1",
        "DELETE FROM audit_log",
    ],
)
async def test_journal_and_audit_log_refuse_changes_with_sqlites_message(
    pg: asyncpg.Connection, sqlite_path: Path, statement: str
) -> None:
    lite = sqlite3.connect(sqlite_path)
    try:
        lite.executescript(JOURNAL_AND_AUDIT)
        with pytest.raises(sqlite3.IntegrityError) as sqlite_refusal:
            lite.execute(statement)
    finally:
        lite.close()
    await pg.execute(JOURNAL_AND_AUDIT)
    with pytest.raises(asyncpg.RestrictViolationError) as pg_refusal:
        await pg.execute(statement)
    assert pg_refusal.value.args[0] == str(sqlite_refusal.value)
    assert str(sqlite_refusal.value).endswith("is append-only")
    assert await pg.fetchval("SELECT amount FROM journal") == 10
    assert await pg.fetchval("SELECT reason FROM audit_log") == "welcome"


@pytest.mark.parametrize(
    ("truncate", "count"),
    [
        ("TRUNCATE journal CASCADE", "SELECT count(*) FROM journal"),
        ("TRUNCATE audit_log", "SELECT count(*) FROM audit_log"),
    ],
)
async def test_truncate_cannot_empty_an_append_only_table(
    pg: asyncpg.Connection, truncate: str, count: str
) -> None:
    """SQLite has no TRUNCATE; PostgreSQL's would skip the row triggers, so it is refused too."""
    await pg.execute(JOURNAL_AND_AUDIT)
    with pytest.raises(asyncpg.RestrictViolationError, match="is append-only"):
        await pg.execute(truncate)
    assert await pg.fetchval(count) == 1


async def test_checks_and_the_one_resolution_index_are_enforced(pg: asyncpg.Connection) -> None:
    await pg.execute(JOURNAL_AND_AUDIT)
    await pg.execute(
        "INSERT INTO journal (id, account_id, kind, amount, job_id, actor, reason, created_at,"
        " expires_at, allowance) VALUES (2, 1, 'hold', 4, 'j1', 'you', 'song', 0, 60, 4);"
        "INSERT INTO journal (id, account_id, kind, amount, hold_id, actor, reason, created_at)"
        " VALUES (3, 1, 'release', 4, 2, 'you', 'song', 0);"
    )
    with pytest.raises(asyncpg.CheckViolationError):  # balance - held >= 0
        await pg.execute("UPDATE accounts SET held = 11 WHERE id = 1")
    with pytest.raises(asyncpg.UniqueViolationError) as twice:
        await pg.execute(
            "INSERT INTO journal (id, account_id, kind, amount, hold_id, actor, reason,"
            " created_at) VALUES (4, 1, 'capture', 4, 2, 'you', 'song', 0)"
        )
    assert twice.value.constraint_name == "journal_one_resolution"
    with pytest.raises(asyncpg.CheckViolationError):  # migration 5: allowance only on holds
        await pg.execute(
            "INSERT INTO journal (id, account_id, kind, amount, actor, reason, created_at,"
            " allowance) VALUES (4, 1, 'grant', 5, 'op', 'gift', 0, 5)"
        )
    # the identity goes on from the largest id given, once set as the copier will set it
    await pg.execute("SELECT setval(pg_get_serial_sequence('journal', 'id'), 3)")
    new = await pg.fetchval(
        "INSERT INTO journal (account_id, kind, amount, actor, reason, created_at)"
        " VALUES (1, 'adjust', -1, 'op', 'fix', 0) RETURNING id"
    )
    assert new == 4


async def test_the_rebuilt_tables_accept_their_new_states_only(pg: asyncpg.Connection) -> None:
    await pg.execute(JOURNAL_AND_AUDIT)
    await pg.execute(
        "INSERT INTO jobs (id, platform, scope, user_id, op, params, inputs, target, hold_id,"
        " state, not_before, created_at) VALUES ('j1', 'console', 'local', 'you', 'song', '{}',"
        " '{}', '{}', 1, 'unconfirmed', 0, 0);"
        "INSERT INTO outbox (id, job_id, kind, payload, target, state, not_before, created_at,"
        " tried_at, error)"
        " VALUES (1, 'j1', 'result', '{}', '{}', 'undelivered', 0, 0, 0, 'gone');"
    )
    assert await pg.fetchval("SELECT state FROM outbox WHERE job_id = 'j1'") == "undelivered"
    with pytest.raises(asyncpg.CheckViolationError):
        await pg.execute("UPDATE jobs SET state = 'lost'")
    with pytest.raises(asyncpg.CheckViolationError):
        await pg.execute("UPDATE outbox SET state = 'lost'")
