"""The store: one interface over two backends, picked by ``DATABASE_URL``.

SQLite (:mod:`bot.store.sqlite`, the embedded default) serves one instance; PostgreSQL
(:mod:`bot.store.postgres`) serves several instances sharing jobs, credits and deliveries. Both
offer the same four ways into a transaction and run the same numbered migrations (each written
per dialect where the dialects differ), so everything above the store is written once.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from bot.store.connection import Conn

T = TypeVar("T")
Work = Callable[[Conn], Coroutine[Any, Any, T]]

DIALECTS = ("sqlite", "postgresql")


class StoreError(Exception):
    """The store cannot be used as it is; ``str()`` tells the operator what to do."""


def migrations(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every bundled migration of ``dialect``, in order.

    Both dialects have the same numbers and names: migration N means the same schema change.
    """
    package = "bot.store.migrations" if dialect == "sqlite" else "bot.store.migrations.postgres"
    found = []
    for entry in resources.files(package).iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found)


def latest_version() -> int:
    return migrations()[-1][0]


def is_postgres(target: str | Path) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


def sqlite_path(target: str | Path) -> Path:
    """The file a SQLite target names: a plain path, or ``sqlite:///relative`` /
    ``sqlite:////absolute`` as in SQLAlchemy's URLs."""
    text = str(target)
    if text.startswith("sqlite://"):
        return Path(text.removeprefix("sqlite:///") or ":memory:")
    return Path(text)


def describe(target: str | Path) -> str:
    """Where a store is, fit to print: a PostgreSQL URL loses its password."""
    if not is_postgres(target):
        return str(sqlite_path(target))
    parts = urlsplit(str(target))
    host = parts.hostname or "localhost"
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}{parts.path}"


class Store(ABC):
    """A database Chorus keeps its state in; the query modules take the connection a
    transaction hands out (:class:`bot.store.connection.Conn`).

    - :meth:`write` — an atomic read-check-write block, serialised against every other writer;
    - :meth:`transact` — the same for a transaction *function* (the hot paths), which a backend
      may batch (SQLite) or retry on a serialization failure (PostgreSQL): it must touch nothing
      but the store;
    - :meth:`read` / :meth:`snapshot` — a consistent read-only snapshot.
    """

    dialect: str = ""
    # Whether several instances may share this store (PostgreSQL): jobs are then claimed under
    # leases that only expire, wake-ups travel by NOTIFY and the vendor's rate is a shared row.
    shared = False
    applied = 0  # migrations applied when this store was opened
    commits = 0  # write transactions committed (a SQLite group counts once)

    @staticmethod
    async def open(target: str | Path, *, migrate: bool = True) -> Store:
        """Open the store ``target`` names (a SQLite path or URL, or a PostgreSQL URL), bringing
        its schema up to date; ``migrate=False`` refuses a store that is behind instead, and a
        store written by a newer Chorus is always refused."""
        if is_postgres(target):
            from bot.store.postgres import PgStore

            return await PgStore.connect(str(target), migrate=migrate)
        from bot.store.sqlite import SqliteStore

        return await SqliteStore.connect(sqlite_path(target), migrate=migrate)

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the store is, fit to print (no password)."""

    @abstractmethod
    async def close(self) -> None: ...

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    def write(self) -> AbstractAsyncContextManager[Conn]:
        """An atomic write: all of the block's statements are committed, or none of them are;
        it returns only once they are committed."""

    @abstractmethod
    def read(self) -> AbstractAsyncContextManager[Conn]:
        """A consistent snapshot that sees only committed writes."""

    @abstractmethod
    async def transact(self, work: Work[T]) -> T:
        """Run ``work(conn)`` as one atomic write; its result or exception once committed."""

    @abstractmethod
    async def snapshot(self, work: Work[T]) -> T:
        """Run the read-only ``work(conn)`` on a consistent snapshot."""

    @abstractmethod
    async def notify(self, channel: str, sender: str) -> None:
        """Tell the other instances sharing this store that something happened on ``channel``
        (called after the commit it is about)."""

    @abstractmethod
    async def listen(self, channel: str, sender: str, heard: Callable[[], None]) -> None:
        """Call ``heard()`` whenever another instance than ``sender`` notifies ``channel``."""


async def fetch(conn: Conn, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """All rows of a query."""
    return list(await conn.execute_fetchall(sql, params))
