"""Shared pieces of the benchmarks: an app on the simulator, and percentile maths."""

from __future__ import annotations

import statistics
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app import App
from bot.config import load_settings
from bot.engine import EngineConfig


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


@asynccontextmanager
async def app_on(
    sim_url: str, data: Path, engine: EngineConfig, public: bool
) -> AsyncIterator[App]:
    settings = load_settings(
        aimusic_api_key="bench-key",
        aimusic_base_url=sim_url,
        data_dir=data,
        web_port=0,
        starting_credits=1_000_000,
        max_concurrent_jobs=100,
    )
    app = await App.create(settings, engine_config=engine, local_public=public)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()
