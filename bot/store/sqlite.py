"""The embedded SQLite store, the default backend: one connection, WAL, numbered migrations,
group-committed writes.

Every write runs inside ``BEGIN IMMEDIATE`` so that a check and the write it guards are one
atomic step even across processes sharing the file (SQLite's write lock, waited on through the
busy timeout). Within a process an asyncio lock keeps coroutines from interleaving statements
on the shared connection.

Writes that arrive together share one transaction (group commit): a writer that finds others
waiting for the connection leaves the transaction open for them, and the last of the group
commits it. Each writer after the first runs inside a SAVEPOINT of its own, so a refusal or a
failure rolls back that writer alone; and every writer waits for the group's COMMIT before its
``write()`` block returns, so nobody is told "done" about a write a crash could still lose.

:meth:`Store.transact` goes further for the hot paths (the ledger's holds and captures, a
command's hold and job): it takes a transaction *function*, queues it, and one leader runs every
function queued so far on the database thread in one round trip (``bot.store.direct``), each in
its own SAVEPOINT, then commits them together.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from contextvars import Context, copy_context
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.store.connection import Conn
from bot.store.database import Store, StoreError, fetch, latest_version, migrations
from bot.store.direct import Direct, drive

BUSY_TIMEOUT_MS = 30_000
T = TypeVar("T")
Work = Callable[[Conn], Coroutine[Any, Any, Any]]


class SqliteStore(Store):
    """Owns the one connection; the query modules take the connection a transaction hands out."""

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self.applied = 0  # migrations applied when this store was opened
        self._group: asyncio.Future[None] | None = None  # the open transaction's commit, if any
        self._joining = 0  # writers waiting for the connection, who will join the open group
        self.commits = 0  # write transactions committed (a group counts once)
        self._flushes: set[asyncio.Task[None]] = set()
        # transact() calls to run, each with its caller's context (the language it speaks)
        self._queued: list[tuple[Work, asyncio.Future[Any], Context]] = []
        self._leader: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, path: Path, *, migrate: bool = True) -> SqliteStore:
        """Open (creating if needed) and bring the schema up to date (see :meth:`Store.open`)."""
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            store = cls(conn, path)
            store.applied = await store._check_and_migrate(migrate)
        except BaseException:
            await conn.close()
            raise
        return store

    @property
    def location(self) -> str:
        return str(self.path)

    async def close(self) -> None:
        await self._conn.close()

    async def notify(self, channel: str, sender: str) -> None:
        """One instance owns a SQLite store: its wake-ups stay in the process."""

    async def listen(self, channel: str, sender: str, heard: Callable[[], None]) -> None:
        """One instance owns a SQLite store: there is nobody else to hear."""

    async def schema_version(self) -> int:
        async with self.read() as conn:
            return await _version(conn)

    async def _check_and_migrate(self, migrate: bool) -> int:
        # A migration that rebuilds a table (SQLite's only way to change a CHECK) must run with
        # foreign keys off, as SQLite's ALTER TABLE guide says; they are checked before commit.
        await self._conn.execute("PRAGMA foreign_keys = OFF")
        try:
            return await self._migrate(migrate)
        finally:
            await self._conn.execute("PRAGMA foreign_keys = ON")

    async def _migrate(self, migrate: bool) -> int:
        async with self.write() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            current = await _version(conn)
            newest = latest_version()
            if current > newest:
                raise StoreError(
                    f"{self.path} was written by a newer Chorus (schema {current}; this one knows "
                    f"up to {newest}). Upgrade Chorus, or point DATABASE_URL elsewhere."
                )
            pending = [(v, n, sql) for v, n, sql in migrations() if v > current]
            if pending and not migrate:
                raise StoreError(
                    f"{self.path} needs migrations {pending[0][0]}..{newest}; run `chorus migrate`."
                )
            for version, _, sql in pending:
                for statement in _statements(sql):
                    await conn.execute(statement)
                await conn.execute("DELETE FROM schema_version")
                await conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            if pending and await fetch(conn, "PRAGMA foreign_key_check"):
                raise StoreError(f"migrating {self.path} broke a foreign key; nothing was changed.")
            return len(pending)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Conn]:
        """An atomic write: all of the block's statements are committed, or none of them are.

        It returns only once they are committed, possibly together with other writers' in one
        ``BEGIN IMMEDIATE`` transaction; an error in the block rolls back this block alone and
        is raised (after the group's commit, which this block's failure may not prevent).
        """
        self._joining += 1
        try:
            await self._lock.acquire()
        except BaseException:  # cancelled while waiting: whoever left the group open for it
            self._joining -= 1
            self._flush_soon()
            raise
        self._joining -= 1
        failure: BaseException | None = None
        try:
            first = self._group is None
            if first:
                await self._conn.execute("BEGIN IMMEDIATE")
                self._group = asyncio.get_running_loop().create_future()
            group = self._group
            assert group is not None
            if not first:
                await self._conn.execute("SAVEPOINT request")
            try:
                yield self._conn
            except BaseException as exc:
                failure = exc
                if first:  # nobody else is in the transaction yet: drop it whole
                    await self._conn.execute("ROLLBACK")
                    self._group = None
                    group.set_result(None)
                else:
                    await self._conn.execute("ROLLBACK TO request")
                    await self._conn.execute("RELEASE request")
            else:
                if not first:
                    await self._conn.execute("RELEASE request")
            if self._group is not None and self._joining == 0:
                await self._commit()
        except BaseException as exc:
            if failure is None or exc is not failure:
                await self._abort(exc)
            raise
        finally:
            self._lock.release()
        await asyncio.shield(group)  # raises what the COMMIT raised, if it failed
        if failure is not None:
            raise failure

    async def transact(self, work: Callable[[Conn], Coroutine[Any, Any, T]]) -> T:
        """Run ``work(conn)`` as one atomic write, batched with the others queued meanwhile.

        ``work`` must await only the query modules' calls on ``conn`` (it runs on the database
        thread, where nothing else can be awaited). Its result or exception is returned or
        raised once the batch is committed; an exception rolls back ``work`` alone.
        """
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queued.append((work, done, copy_context()))
        if self._leader is None:
            self._leader = asyncio.get_running_loop().create_task(self._lead())
        return await done

    async def _lead(self) -> None:
        """Run the queued transaction functions, a batch per round trip, until none are left."""
        try:
            while self._queued:
                self._joining += 1
                try:
                    await self._lock.acquire()
                finally:
                    self._joining -= 1
                try:
                    await self._run_batch()
                finally:
                    self._lock.release()
        finally:
            self._leader = None

    async def _run_batch(self) -> None:
        batch = [queued for queued in self._queued if not queued[1].cancelled()]
        self._queued = []
        if not batch:
            return
        begin = self._group is None
        if begin:
            self._group = asyncio.get_running_loop().create_future()
        group = self._group
        assert group is not None
        raw = self._conn._conn  # the worker thread's own connection; used only on that thread
        try:
            outcomes = await self._conn._execute(  # type: ignore[no-untyped-call]
                _run_batch, raw, [(w, c) for w, _, c in batch], begin
            )
        except BaseException as exc:
            await self._abort(exc)
            for _, done, _ in batch:
                if not done.done():
                    done.set_exception(StoreError(f"the write transaction failed: {exc!r}"))
            return
        if self._joining == 0:
            await self._commit()

        def settle(finished: asyncio.Future[None]) -> None:
            failed = finished.exception()
            for (_, done, _), (ok, value) in zip(batch, outcomes, strict=True):
                if done.done():
                    continue
                if failed is not None:
                    done.set_exception(failed)
                elif ok:
                    done.set_result(value)
                else:
                    done.set_exception(value)

        group.add_done_callback(settle)

    async def _commit(self) -> None:
        """Commit the open group (the lock is held) and tell its writers how it went.

        The COMMIT runs in a task of its own: if the coroutine that happens to commit is
        cancelled meanwhile, the cancellation reaches it as usual while the group's outcome
        is still decided by the COMMIT (the statements queued after it run after it)."""
        group, self._group = self._group, None
        if group is None:
            return
        await asyncio.shield(asyncio.ensure_future(self._finish(group)))

    async def _finish(self, group: asyncio.Future[None]) -> None:
        try:
            await self._conn.execute("COMMIT")
        except Exception as exc:
            with contextlib.suppress(Exception):
                await self._conn.execute("ROLLBACK")
            group.set_exception(exc)
            return
        self.commits += 1
        group.set_result(None)

    async def _abort(self, exc: BaseException) -> None:
        """The transaction machinery itself failed: roll the whole group back, failing all."""
        group, self._group = self._group, None
        with contextlib.suppress(Exception):
            await self._conn.execute("ROLLBACK")
        if group is not None and not group.done():
            group.set_exception(StoreError(f"the write transaction failed: {exc!r}"))

    def _flush_soon(self) -> None:
        """A writer the open group was waiting for gave up: commit without it."""
        if self._group is None or self._joining:
            return
        task = asyncio.get_running_loop().create_task(self._flush())
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _flush(self) -> None:
        async with self._lock:
            await self._commit()

    async def snapshot(self, work: Callable[[Conn], Coroutine[Any, Any, T]]) -> T:
        """Run the read-only ``work(conn)`` on a consistent snapshot in one round trip to the
        database thread (see :meth:`transact` for what ``work`` may await)."""
        async with self._lock:
            await self._commit()
            raw = self._conn._conn
            result: T = await self._conn._execute(_run_read, raw, work, copy_context())  # type: ignore[no-untyped-call]
            return result

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Conn]:
        """A consistent snapshot (a deferred transaction) that never sees another coroutine's
        uncommitted writes, since it waits for the connection like a write does and commits a
        group left open for writers queued behind it."""
        async with self._lock:
            await self._commit()
            await self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                await self._conn.execute("COMMIT")


def _run_batch(
    raw: sqlite3.Connection, batch: list[tuple[Work, Context]], begin: bool
) -> list[tuple[bool, Any]]:
    """On the database thread: each function in a SAVEPOINT of its own, in one transaction,
    run in its caller's context (so a refusal it raises is worded in the caller's language)."""
    if begin:
        raw.execute("BEGIN IMMEDIATE")
    direct = Direct(raw)
    outcomes: list[tuple[bool, Any]] = []
    for work, context in batch:
        raw.execute("SAVEPOINT request")
        try:
            value = context.run(drive, work(direct))
        except Exception as exc:
            raw.execute("ROLLBACK TO request")
            raw.execute("RELEASE request")
            outcomes.append((False, exc))
        else:
            raw.execute("RELEASE request")
            outcomes.append((True, value))
    return outcomes


def _run_read(raw: sqlite3.Connection, work: Work, context: Context) -> Any:
    """On the database thread: ``work`` inside a deferred (read) transaction, in its caller's
    context."""
    raw.execute("BEGIN")
    try:
        return context.run(drive, work(Direct(raw)))
    finally:
        raw.execute("COMMIT")


async def _version(conn: Conn) -> int:
    try:
        rows = await fetch(conn, "SELECT version FROM schema_version")
    except sqlite3.OperationalError:
        return 0
    return int(rows[0][0]) if rows else 0


def _statements(sql: str) -> list[str]:
    """Split a migration into statements; trigger bodies keep their inner semicolons."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
