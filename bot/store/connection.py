"""What the query modules may do with a transaction's connection, on either backend.

The query modules are written once, for both SQLite and PostgreSQL: they see a :class:`Conn`
(aiosqlite's connection, the SQLite store's direct connection for batched transactions, or
:class:`bot.store.postgres.PgConn`) and use only these two calls, with ``?`` or ``:name``
parameters and SQL both dialects read alike (``INSERT ... ON CONFLICT``, ``RETURNING``, no
SQLite-only functions). Rows are sequences read by position (or by :func:`bot.store.rows.read`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping, Sequence
from typing import Any, Protocol

Params = Sequence[Any] | Mapping[str, Any]


class Cursor(Protocol):
    """What a statement run for its effect tells: how many rows it changed."""

    @property
    def rowcount(self) -> int: ...


class Conn(Protocol):
    """The connection of one open transaction."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Awaitable[Cursor]:
        """Run a statement for its effect; awaiting the result gives a :class:`Cursor`."""
        ...

    async def execute_fetchall(self, sql: str, parameters: Any = ..., /) -> Iterable[Any]:
        """Run a query and return all its rows."""
        ...
