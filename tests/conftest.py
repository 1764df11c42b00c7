"""Shared fixtures: the fakes' plugin, a client for the simulator, and a tiny file host.

The simulator runs in the test's own event loop with time compressed (a song takes about a
quarter of a second) so that the full task lifecycle is exercised without slowing the suite.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import numpy as np
import pytest
import soundfile as sf
from aiohttp import web

from bot.aimusic import AIMusicClient
from bot.ledger import Defaults, Ledger
from bot.store import Store
from simulator import RunningSimulator
from tests.ledger_fixtures import Clock

pytest_plugins = ["tests.fakes.plugin", "tests.pg"]


@pytest.fixture
def sim(aimusic_sim: RunningSimulator) -> RunningSimulator:
    """The simulator under the short name the vendor-client tests use."""
    return aimusic_sim


@pytest.fixture
async def client(sim: RunningSimulator) -> AsyncIterator[AIMusicClient]:
    async with AIMusicClient(sim.api_key, sim.url, backoff=0.001, timeout=10) as c:
        yield c


def tone(seconds: float, hz: float = 440.0, fmt: str = "WAV", rate: int = 44_100) -> bytes:
    """A real, decodable audio file: a sine with a pulse every half second (a 120 bpm beat)."""
    t = np.arange(int(seconds * rate)) / rate
    pulse = (np.mod(t, 0.5) < 0.05).astype(np.float32)
    samples = (0.4 * np.sin(2 * np.pi * hz * t) * (0.5 + 0.5 * pulse)).astype(np.float32)
    out = io.BytesIO()
    sf.write(out, samples, rate, format=fmt)
    return out.getvalue()


def mp3(seconds: float = 6.0) -> bytes:
    """What a member posts as their own recording: a short MP3 that chat platforms show as audio."""
    return tone(seconds, hz=330, fmt="MP3")


@dataclass
class FileHost:
    """Serves bytes at URLs, like a user's CDN; records every path requested."""

    url: str
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    requested: list[str] = field(default_factory=list)
    head_404: set[str] = field(default_factory=set)

    def put(self, name: str, data: bytes, content_type: str = "audio/wav") -> str:
        self.files[name] = (data, content_type)
        return f"{self.url}/{name}"


@pytest.fixture
async def files() -> AsyncIterator[FileHost]:
    host = FileHost(url="")

    async def serve(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        host.requested.append(f"{request.method} {name}")
        if name not in host.files or (request.method == "HEAD" and name in host.head_404):
            return web.Response(status=404)
        data, kind = host.files[name]
        return web.Response(body=data, content_type=kind)

    app = web.Application()
    app.router.add_get("/{name}", serve)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield host
    await runner.cleanup()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(database: str) -> AsyncIterator[Store]:
    async with await Store.open(database) as opened:
        yield opened


@pytest.fixture
def ledger(store: Store, clock: Clock) -> Ledger:
    return Ledger(store, Defaults(starting_credits=50, max_concurrent=5), clock)
