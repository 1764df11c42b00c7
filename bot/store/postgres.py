"""The PostgreSQL store: several Chorus instances sharing one database (``DATABASE_URL``).

How the ledger keeps the promises it keeps on SQLite, under PostgreSQL's concurrency:

- :meth:`PgStore.transact` — the hot paths (a command's hold and job, captures, releases) — runs
  each transaction function ``SERIALIZABLE`` and runs it again when PostgreSQL reports a
  serialization failure or a deadlock. Serializable snapshot isolation makes every check the
  ledger does (balance, daily cap, concurrent jobs, cooldown, the scope's pool, a request key
  seen before) hold exactly as if the transactions had run one after another, without the
  query modules naming rows to lock in a safe order; and the functions are safe to run again
  because, as on SQLite, they touch nothing but the store.
- :meth:`PgStore.write` — the remaining, rarer writes (moderation, outcomes, delivery marks) —
  are blocks that cannot be run twice, so they must never fail on a conflict: each takes the
  store-wide advisory lock exclusively, while transaction functions hold it shared. A block
  therefore runs alone among writers (as every write does on SQLite) and cannot conflict, and
  transaction functions run side by side with each other.
- Reads (:meth:`read`, :meth:`snapshot`) are ``REPEATABLE READ READ ONLY`` snapshots that take
  no lock and see only committed data.

Instances wake each other with ``NOTIFY`` (:meth:`PgStore.notify`, sent after the commit it
announces) heard on one dedicated connection per instance (:meth:`PgStore.listen`).

Migrations run under a lock of their own, so instances starting together apply them once.
The query modules are written once for both backends (``?`` and ``:name`` parameters);
:func:`translate` turns them into PostgreSQL's ``$n``.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import random
import re
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.store.connection import Conn
from bot.store.database import Store, StoreError, describe, latest_version, migrations

T = TypeVar("T")
log = logging.getLogger(__name__)

WRITE_LOCK = 0x43686F72  # the store-wide writer lock ("Chor")
MIGRATE_LOCK = WRITE_LOCK + 1
RETRIES = 30  # serialization failures one transaction function may meet before giving up
Raw = asyncpg.Connection | PoolConnectionProxy  # a connection, or one lent by the pool
RETRYABLE = (asyncpg.SerializationError, asyncpg.DeadlockDetectedError)

_TOKEN = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|::|\?|(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=2048)
def _translated(sql: str) -> tuple[str, tuple[str, ...]]:
    """``sql`` with its ``?`` / ``:name`` parameters numbered ``$n`` (string literals and
    ``::`` casts untouched), and the names in their ``$n`` order (empty for ``?``)."""
    names: list[str] = []
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        text = match[0]
        if text == "?":
            count += 1
            return f"${count}"
        if match[1] is None:  # a literal, a quoted name or a cast
            return text
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return _TOKEN.sub(number, sql), tuple(names)


def translate(
    sql: str, parameters: Iterable[Any] | Mapping[str, Any] = ()
) -> tuple[str, list[Any]]:
    """A query written for the store (``?`` or ``:name`` parameters) as PostgreSQL runs it."""
    query, names = _translated(sql)
    if isinstance(parameters, Mapping):
        return query, [parameters[name] for name in names]
    return query, list(parameters)


class PgCursor:
    """What a statement run for its effect reports: the rows it changed (from its status)."""

    def __init__(self, status: str) -> None:
        last = status.rsplit(" ", 1)[-1]
        self.rowcount = int(last) if last.isdigit() else -1


class PgConn:
    """One transaction's connection, offering what the query modules use
    (:class:`bot.store.connection.Conn`)."""

    def __init__(self, raw: Raw) -> None:
        self._raw = raw

    async def execute(self, sql: str, parameters: Any = (), /) -> PgCursor:
        query, args = translate(sql, parameters)
        return PgCursor(await self._raw.execute(query, *args))

    async def execute_fetchall(self, sql: str, parameters: Any = (), /) -> list[asyncpg.Record]:
        query, args = translate(sql, parameters)
        rows: list[asyncpg.Record] = await self._raw.fetch(query, *args)
        return rows

    async def copy_in(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Append ``rows`` to ``table`` with COPY, the fastest way in: a bulk copy's rows
        (:mod:`bot.store.copy`), each value already of its column's exact type."""
        await self._raw.copy_records_to_table(table, columns=list(columns), records=rows)


def _numeric(text: str) -> int | float:
    """``sum()`` of integers is NUMERIC in PostgreSQL: read it as the int SQLite returns."""
    return float(text) if any(c in text for c in ".eEN") else int(text)


async def _prepare(raw: asyncpg.Connection) -> None:
    await raw.set_type_codec(
        "numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text"
    )


class PgStore(Store):
    """A pool of connections to one PostgreSQL database, shared by every instance."""

    dialect = "postgresql"
    shared = True

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self._url = url
        self.retries = 0  # transaction functions run again after a serialization failure
        self._listener: asyncpg.Connection | None = None  # LISTENs, outside the pool
        # channel -> (the listener asyncpg calls, the wake-up it calls) for each listen()
        self._heard: dict[str, list[tuple[Callable[..., None], Callable[[], None]]]] = {}
        self._relisten: asyncio.Task[None] | None = None
        self._closing = False
        self.relistens = 0  # times the listening connection was lost and opened again

    @classmethod
    async def connect(cls, url: str, *, migrate: bool = True, size: int = 10) -> PgStore:
        """Connect a pool and bring the schema up to date (see :meth:`Store.open`)."""
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=size, init=_prepare, command_timeout=60
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreError(
                f"cannot reach PostgreSQL at {describe(url)} ({type(exc).__name__}); check"
                " DATABASE_URL and that the server is up."
            ) from None
        store = cls(pool, url)
        try:
            store.applied = await store._migrate(migrate)
        except BaseException:
            await pool.close()
            raise
        return store

    @property
    def location(self) -> str:
        return describe(self._url)

    @property
    def url(self) -> str:
        """The URL this store was opened with (it may hold a password: never print it)."""
        return self._url

    async def close(self) -> None:
        self._closing = True
        if self._relisten is not None:
            self._relisten.cancel()
            await asyncio.gather(self._relisten, return_exceptions=True)
        if self._listener is not None:
            await self._listener.close()
            self._listener = None
        await self._pool.close()

    async def notify(self, channel: str, sender: str) -> None:
        """``NOTIFY channel`` with the sender's instance id as payload (so that it can ignore its
        own), in a transaction of its own: called once the change it announces is committed."""
        async with self._pool.acquire() as raw:
            await raw.execute("SELECT pg_notify($1, $2)", channel, sender)

    async def listen(self, channel: str, sender: str, heard: Callable[[], None]) -> None:
        """``LISTEN channel`` on this instance's listening connection (opened on first use: a
        pooled connection could not keep listening between two uses)."""

        def callback(
            conn: asyncpg.Connection | PoolConnectionProxy, pid: int, name: str, payload: object
        ) -> None:
            if payload != sender:
                heard()

        self._heard.setdefault(channel, []).append((callback, heard))
        if self._listener is None:
            await self._open_listener()
        else:
            await self._listener.add_listener(channel, callback)

    async def _open_listener(self) -> None:
        """Open the listening connection and LISTEN on every channel asked for so far."""
        listener = await asyncpg.connect(self._url)
        for channel, callbacks in self._heard.items():
            for callback, _ in callbacks:
                await listener.add_listener(channel, callback)
        listener.add_termination_listener(self._lost)
        self._listener = listener

    def _lost(self, conn: object) -> None:
        """The listening connection died (a server restart, a failover, a proxy's timeout): open
        it again in the background, or this instance would sleep through the others' work."""
        if self._closing or self._relisten is not None:
            return
        self._listener = None
        self._relisten = asyncio.get_running_loop().create_task(self._listen_again())

    async def _listen_again(self) -> None:
        try:
            for attempt in itertools.count():
                try:
                    await self._open_listener()
                    break
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    log.warning("listening for other instances failed; trying again")
                    await asyncio.sleep(min(30.0, 0.5 * 2**attempt))
            self.relistens += 1
            # Notices sent while nobody listened are gone: wake every loop once to look.
            for callbacks in self._heard.values():
                for _, heard in callbacks:
                    heard()
        finally:
            self._relisten = None

    async def schema_version(self) -> int:
        async with self._pool.acquire() as raw:
            return await _version(raw)

    async def _migrate(self, migrate: bool) -> int:
        async with self._pool.acquire() as raw, raw.transaction():
            # Instances starting together: one migrates, the others wait and find it done.
            await raw.execute("SELECT pg_advisory_xact_lock($1)", MIGRATE_LOCK)
            await raw.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
            await raw.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            current = await _version(raw)
            newest = latest_version()
            if current > newest:
                raise StoreError(
                    f"{self.location} was written by a newer Chorus (schema {current}; this one"
                    f" knows up to {newest}). Upgrade Chorus, or point DATABASE_URL elsewhere."
                )
            pending = [(v, sql) for v, _, sql in migrations("postgresql") if v > current]
            if pending and not migrate:
                raise StoreError(
                    f"{self.location} needs migrations {pending[0][0]}..{newest};"
                    " run `chorus migrate`."
                )
            for version, sql in pending:
                await raw.execute(sql)  # a whole file: the simple protocol runs many statements
                await raw.execute("DELETE FROM schema_version")
                await raw.execute("INSERT INTO schema_version (version) VALUES ($1)", version)
            return len(pending)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Conn]:
        async with self._pool.acquire() as raw:
            async with raw.transaction():
                await raw.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
                yield PgConn(raw)
            self.commits += 1

    async def transact(self, work: Callable[[Conn], Coroutine[Any, Any, T]]) -> T:
        for attempt in range(RETRIES + 1):
            try:
                async with self._pool.acquire() as raw:
                    async with raw.transaction(isolation="serializable"):
                        await raw.execute("SELECT pg_advisory_xact_lock_shared($1)", WRITE_LOCK)
                        result = await work(PgConn(raw))
                    self.commits += 1
                    return result
            except RETRYABLE:
                if attempt == RETRIES:
                    raise
                self.retries += 1
                # Back off a little, at random, so the transactions that collided do not
                # collide again in step.
                await asyncio.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def snapshot(self, work: Callable[[Conn], Coroutine[Any, Any, T]]) -> T:
        async with self.read() as conn:
            return await work(conn)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Conn]:
        async with (
            self._pool.acquire() as raw,
            raw.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield PgConn(raw)


async def _version(raw: Raw) -> int:
    exists = await raw.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    value = await raw.fetchval("SELECT version FROM schema_version")
    return int(value) if value is not None else 0
