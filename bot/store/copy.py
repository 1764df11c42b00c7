"""Moving a community from SQLite to PostgreSQL: ``chorus migrate --from sqlite:///chorus.db``.

The copy is all or nothing. The source must be at exactly this Chorus's schema (an older one is
migrated in place first, a newer one needs the newer Chorus), so that every column has a place
to go; the target must hold no data, so that no id can collide and no balance mix with another
community's. The target is brought up to date, then every table is copied in foreign-key order
inside one PostgreSQL transaction that holds the store-wide writer lock (an instance started too
early waits instead of writing between the tables), keeping every id: a job names its hold, an
outbox row its job, a capture the hold it resolves. Each identity sequence is then set past the
largest id copied, or the next hold would collide with a copied one. Before the commit the copy
proves itself: every table has as many rows as the source, the ledger reconciles
(:func:`bot.store.journal.mismatches`, what :meth:`bot.ledger.Ledger.reconcile` checks) and
every account's balance, held credits and open holds equal the source's. Any difference rolls
the whole copy back.

The source is read in one read transaction, a consistent snapshot even if something writes to
it meanwhile; but writes after the snapshot would be lost, so Chorus must be stopped first.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

from bot.store import journal
from bot.store.connection import Conn
from bot.store.database import (
    Store,
    StoreError,
    describe,
    fetch,
    is_postgres,
    latest_version,
    sqlite_path,
)
from bot.store.postgres import PgConn

STORE_OWN = "schema_version"  # kept by each store itself, at the version it migrated to
BATCH = 5_000  # rows read from SQLite and sent to PostgreSQL at a time


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # PostgreSQL's data_type
    identity: bool


@dataclass(frozen=True)
class Copied:
    """What a copy moved (``chorus migrate --from`` prints it; the target is described, without
    its password)."""

    source: str
    target: str
    rows: dict[str, int]  # per table, in the order they were copied
    accounts: int
    credits: int  # the accounts' balances: own credits, held ones included
    held: int


async def copy_sqlite(source: str | Path, target: str) -> Copied:
    """Copy the SQLite database ``source`` into the empty PostgreSQL database ``target``.

    Raises :class:`StoreError` (nothing changed in either database, bar the target's schema
    being brought up to date) when the source is missing or at another schema, the target
    holds data, or the copy does not check out.
    """
    if not is_postgres(target):
        raise StoreError(
            f"DATABASE_URL must name the PostgreSQL database to copy into, not {describe(target)}."
        )
    path = sqlite_path(source)
    if not path.is_file():
        raise StoreError(f"{path}: no SQLite database there; nothing was copied.")
    async with aiosqlite.connect(path) as lite:
        await _check_source(lite, path)
        await _refuse_filled(target)
        async with await Store.open(target) as store:
            await lite.execute("BEGIN")  # one snapshot of the source for the whole copy
            async with store.write() as conn:
                if not isinstance(conn, PgConn):
                    raise AssertionError("a PostgreSQL store hands out PgConn")
                filled = await _filled(conn)  # an instance may have written since we looked
                if filled:
                    raise _filled_error(target, filled)
                copied = await _copy(lite, conn, path, describe(target))
            await lite.execute("ROLLBACK")
    return copied


async def _check_source(lite: aiosqlite.Connection, path: Path) -> None:
    exists = await lite.execute_fetchall(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    )
    rows = list(await lite.execute_fetchall("SELECT version FROM schema_version")) if exists else []
    version = int(rows[0][0]) if rows else 0
    newest = latest_version()
    if version > newest:
        raise StoreError(
            f"{path} was written by a newer Chorus (schema {version}; this one knows up to"
            f" {newest}): run `chorus migrate --from` with that Chorus. Nothing was copied."
        )
    if version < newest:
        raise StoreError(
            f"{path} is at schema {version} and this Chorus at {newest}: bring it up to date in"
            f" place first (DATABASE_URL=sqlite:///{path} chorus migrate), then run"
            " this again. Nothing was copied."
        )


async def _refuse_filled(target: str) -> None:
    """Refuse a target holding data before touching it (not even its schema)."""
    try:
        raw = await asyncpg.connect(target)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise StoreError(
            f"cannot reach PostgreSQL at {describe(target)} ({type(exc).__name__}); check"
            " DATABASE_URL and that the server is up."
        ) from None
    try:
        filled = await _filled(PgConn(raw))
    finally:
        await raw.close()
    if filled:
        raise _filled_error(target, filled)


async def _filled(conn: Conn) -> list[str]:
    """The target's tables that hold rows."""
    tables = await fetch(
        conn,
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        " AND tablename <> ? ORDER BY tablename",
        (STORE_OWN,),
    )
    filled = []
    for (table,) in tables:
        if await fetch(conn, f'SELECT 1 FROM "{table}" LIMIT 1'):
            filled.append(str(table))
    return filled


def _filled_error(target: str, filled: list[str]) -> StoreError:
    return StoreError(
        f"{describe(target)} already holds data (in {', '.join(filled)}): copy into an empty"
        " database (createdb a new one and point DATABASE_URL at it). Nothing was changed."
    )


async def _tables(conn: Conn) -> dict[str, list[Column]]:
    """The target's tables in foreign-key order (a table after those it refers to), with their
    columns in order."""
    columns: dict[str, list[Column]] = {}
    for table, name, kind, identity in await fetch(
        conn,
        "SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name <> ?"
        " ORDER BY table_name, ordinal_position",
        (STORE_OWN,),
    ):
        columns.setdefault(str(table), []).append(Column(name, kind, identity == "YES"))
    order: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for table in columns:
        order.add(table)
    for child, parent in await fetch(
        conn,
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
        " WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
        " ORDER BY conname",
    ):
        if child != parent:  # a table referring to itself: its rows go in id order instead
            order.add(str(child), str(parent))
    return {table: columns[table] for table in order.static_order()}


def _coercer(column: Column, table: str) -> Callable[[Any], Any]:
    """SQLite keeps whatever it was given; PostgreSQL takes exactly its column's type."""

    def integer(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if value is None or isinstance(value, int):
            return value
        raise StoreError(f"{table}.{column.name} holds {value!r}, not an integer; nothing copied.")

    if column.kind in ("bigint", "integer"):
        return integer
    if column.kind == "double precision":
        return lambda value: None if value is None else float(value)
    return lambda value: value


async def _copy(lite: aiosqlite.Connection, conn: PgConn, path: Path, target: str) -> Copied:
    tables = await _tables(conn)
    rows: dict[str, int] = {}
    for table, columns in tables.items():
        names = ", ".join(f'"{c.name}"' for c in columns)
        # Rows in primary-key order: a journal entry that resolves a hold comes after it.
        info = await lite.execute_fetchall(f'PRAGMA table_info("{table}")')
        keys = [str(column[1]) for column in sorted(info, key=lambda c: c[5]) if column[5]]
        order = ", ".join(f'"{key}"' for key in keys) or "rowid"
        coerce = [_coercer(c, table) for c in columns]
        copied = 0
        async with lite.execute(f'SELECT {names} FROM "{table}" ORDER BY {order}') as cursor:
            while batch := [
                [f(v) for f, v in zip(coerce, row, strict=True)]
                for row in await cursor.fetchmany(BATCH)
            ]:
                await conn.copy_in(table, [c.name for c in columns], batch)
                copied += len(batch)
        rows[table] = copied
        for column in columns:
            if column.identity:  # the next id the database makes up comes after every copied one
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column.name}'),"
                    f' coalesce(max("{column.name}"), 0) + 1, false) FROM "{table}"'
                )
    await _verify(lite, conn, rows)
    ((accounts, credits, held),) = await fetch(
        conn, "SELECT count(*), coalesce(sum(balance), 0), coalesce(sum(held), 0) FROM accounts"
    )
    return Copied(str(path), target, rows, int(accounts), int(credits), int(held))


async def _verify(lite: aiosqlite.Connection, conn: PgConn, rows: dict[str, int]) -> None:
    """The copy equals the source in what matters, or nothing is committed."""
    for table, copied in rows.items():
        ((source,),) = list(await lite.execute_fetchall(f'SELECT count(*) FROM "{table}"'))
        ((target,),) = await fetch(conn, f'SELECT count(*) FROM "{table}"')
        if not source == copied == target:
            raise StoreError(
                f"{table}: {source} rows in the source, {target} in the copy; nothing was copied."
            )
    wrong = await journal.mismatches(conn)
    if wrong:
        raise StoreError(
            f"the copy does not reconcile ({len(wrong)} account(s) disagree with the journal:"
            f" {wrong[:3]}); nothing was copied."
        )
    balances = "SELECT id, balance, held, open_holds FROM accounts ORDER BY id"
    source_rows = list(await lite.execute_fetchall(balances))
    target_rows = await fetch(conn, balances)
    if [tuple(r) for r in source_rows] != [tuple(r) for r in target_rows]:
        raise StoreError("the copied balances differ from the source's; nothing was copied.")
