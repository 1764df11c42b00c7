"""Shared pieces of the benchmarks: an app on the simulator, and percentile maths."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.app import App
from bot.config import Settings, load_settings
from bot.ledger import BOUNDS
from bot.schedule import EngineConfig
from bot.store.sqlite import BUSY_TIMEOUT_MS


async def insert_floor(path: Path, count: int) -> list[float]:
    """Seconds taken by each of ``count`` bare single-row insert transactions on a fresh file
    with the store's pragmas: the least a durable write can cost on this machine."""
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        for pragma in (
            f"busy_timeout = {BUSY_TIMEOUT_MS}",
            "journal_mode = WAL",
            "synchronous = NORMAL",
        ):
            await conn.execute(f"PRAGMA {pragma}")
        await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        samples = []
        for n in range(count):
            started = time.perf_counter()
            await conn.execute("BEGIN IMMEDIATE")
            await conn.execute("INSERT INTO t (v) VALUES (?)", (str(n),))
            await conn.execute("COMMIT")
            samples.append(time.perf_counter() - started)
        return samples


async def insert_burst_floor(path: Path, count: int) -> list[float]:
    """Each one's wait when ``count`` bare single-row insert transactions arrive at once on one
    connection (an asyncio lock keeps their statements apart, as any shared connection must)."""
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL"):
            await conn.execute(f"PRAGMA {pragma}")
        await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        lock = asyncio.Lock()

        async def one(n: int) -> float:
            started = time.perf_counter()
            async with lock:
                await conn.execute("BEGIN IMMEDIATE")
                await conn.execute("INSERT INTO t (v) VALUES (?)", (str(n),))
                await conn.execute("COMMIT")
            return time.perf_counter() - started

        return list(await asyncio.gather(*(one(n) for n in range(count))))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench_settings(sim_url: str, data: Path) -> Settings:
    """Room for every benchmark's load: the most credits and jobs at once the settings allow a
    member (a test loads these, so a tightened bound cannot break `make bench` unseen)."""
    return load_settings(
        aimusic_api_key="bench-key",
        aimusic_base_url=sim_url,
        data_dir=data,
        web_port=0,
        starting_credits=BOUNDS.starting_credits[1],
        max_concurrent_jobs=BOUNDS.max_concurrent[1],
    )


@asynccontextmanager
async def app_on(
    sim_url: str, data: Path, engine: EngineConfig, public: bool
) -> AsyncIterator[App]:
    settings = bench_settings(sim_url, data)
    app = await App.create(settings, engine_config=engine, local_public=public)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()
