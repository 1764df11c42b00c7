"""The store's connection as seen from its own database thread, for batched transactions.

aiosqlite runs each statement on its worker thread and hands the answer back to the event loop:
a round trip per statement, which costs more than most of the statements themselves. A
transaction function (``async def fn(conn)`` whose only awaits are the query modules' calls) can
instead run whole on that thread: :class:`Direct` offers the few aiosqlite methods the query
modules use, answering at once, and :func:`drive` runs the coroutine to its end without an event
loop. A batch of such functions then costs one round trip, however many statements they make.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Coroutine, Generator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


class NotDirect(RuntimeError):
    """A transaction function awaited something other than the store: it cannot run batched."""


class Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class Result:
    """What ``conn.execute`` returns: awaitable, or used as ``async with``, like aiosqlite's."""

    def __init__(self, raw: sqlite3.Connection, sql: str, params: Sequence[Any]) -> None:
        self._cursor = Cursor(raw.execute(sql, params))

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._ready().__await__()

    async def _ready(self) -> Cursor:
        return self._cursor

    async def __aenter__(self) -> Cursor:
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        await self._cursor.close()


class Direct:
    """The subset of ``Conn`` the query modules use, on the raw connection."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        return Result(self._raw, sql, params)

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._raw.execute(sql, params).fetchall()


def drive(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends to its end, here and now."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coro.close()
    raise NotDirect("a batched store transaction awaited something other than the store")
