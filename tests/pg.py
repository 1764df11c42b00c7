"""The PostgreSQL server the tests use, and a fresh empty database per test.

``CHORUS_TEST_DATABASE_URL`` names a server to use (CI's service container, say); without it
the first test that asks starts an embedded PostgreSQL 16 from the ``pgserver`` wheel in a
temporary directory, listening on a unix socket only, and stops and deletes it when the test
process exits. It runs with ``fsync`` off: its data is thrown away, and durability is what makes
CREATE DATABASE slow. Measured on the development container (2 cores shared with other jobs,
PostgreSQL 16.2, medians of 20): the server starts in about 1 s, once per process;
``fresh_database()`` (connection included) takes 25-70 ms depending on the machine's load, of
which CREATE DATABASE 15-55 ms (about 60 ms with fsync on, on a quiet machine), and
``drop_database()`` about 10 ms.

Each test gets a database of its own (CREATE DATABASE from ``template0``), so tests never see
each other's rows and need no cleanup between them beyond the DROP.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import re
import shutil
import signal
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

ENV = "CHORUS_TEST_DATABASE_URL"
_SPEEDUPS = "\n# tests: the data is thrown away\nfsync = off\nsynchronous_commit = off\n"

_lock = threading.Lock()
_url: str | None = None


def server_url() -> str:
    """The test server's URL (its ``postgres`` database), starting the embedded one if needed.

    Safe to call from several threads: the server starts once per process.
    """
    global _url
    with _lock:
        if _url is None:
            _url = os.environ.get(ENV) or _start_embedded()
        return _url


def _start_embedded() -> str:
    # pgserver reads XDG_RUNTIME_DIR when imported (for its lock file) and warns when it is unset.
    runtime = Path(tempfile.gettempdir()) / "chorus-pg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import pgserver  # only when no server is given: CI need not have it

    pgdata = Path(tempfile.mkdtemp(prefix="chorus-pg-"))
    server = pgserver.get_server(pgdata, cleanup_mode="stop")

    def stop() -> None:
        server.cleanup()  # pg_ctl stop; pgserver's own exit hook then finds nothing to do
        shutil.rmtree(pgdata, ignore_errors=True)

    atexit.register(stop)
    with (pgdata / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(_SPEEDUPS)
    pid = server.get_pid()
    assert pid is not None
    os.kill(pid, signal.SIGHUP)  # what pg_ctl reload does; the settings only make it faster
    return str(server.get_uri())


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def fresh_database(prefix: str = "t") -> str:
    """Create a new, empty, uniquely named database on the test server; return its URL."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,20}", prefix):
        raise ValueError(f"database name prefix {prefix!r}: lower-case letters, digits and _")
    name = f"{prefix}_{uuid.uuid4().hex}"
    admin = await asyncpg.connect(_with_database(await asyncio.to_thread(server_url), "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    finally:
        await admin.close()
    return _with_database(server_url(), name)


async def drop_database(url: str) -> None:
    """Drop a database ``fresh_database()`` made, closing whatever connections it still has."""
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"not a database fresh_database() made: {url}")
    admin = await asyncpg.connect(_with_database(url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of an empty database of the test's own, dropped after the test."""
    url = await fresh_database()
    try:
        yield url
    finally:
        await drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Where a test's store lives, once per backend: a SQLite file, then a fresh database on
    the test PostgreSQL (never skipped: it starts an embedded one when none is given)."""
    if request.param == "sqlite":
        yield str(tmp_path / "chorus.db")
        return
    url = await fresh_database()
    try:
        yield url
    finally:
        await drop_database(url)
