"""The platform fakes and the AI Music simulator as pytest fixtures, for any adapter's tests.

Register it with ``pytest_plugins = ["tests.fakes.plugin"]`` in a top-level conftest.py. Each
fixture serves one fake on an ephemeral loopback port for the length of a test and yields an
object to point a client library at; what the client sent is recorded on it for assertions:

- ``fake_discord``: a :class:`FakeDiscord` (gateway and REST v10) with discord.py already aimed
  at it. ``token`` logs in, ``rest_url`` and ``gateway_url`` are its addresses, ``requests``
  records every REST call (:class:`tests.fakes.discord.Request`).
- ``fake_telegram``: a :class:`FakeTelegram` Bot API on real time. ``token`` authenticates,
  ``url`` is its root (python-telegram-bot wants ``base_url=f"{url}/bot"`` and
  ``base_file_url=f"{url}/file/bot"``), ``calls`` records every method called.
- ``aimusic_sim``: a :class:`simulator.RunningSimulator` on compressed time (a song takes about a
  quarter of a second): ``url`` and ``api_key`` for the vendor client, ``sim`` its state.

The context managers below are what the fixtures and this suite's own harnesses start them with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from simulator import Knobs, RunningSimulator, running_simulator
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram

FAST = Knobs(time_scale=0.002, song_seconds=6.0)
SIM_KEY = "test-key-0123456789"


@asynccontextmanager
async def serving_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """A fake Discord on loopback with discord.py pointed at it (undone by ``monkeypatch``)."""
    fake = FakeDiscord()
    await fake.start()
    fake.aim(monkeypatch)
    try:
        yield fake
    finally:
        await fake.stop()


@asynccontextmanager
async def serving_telegram(**options: Any) -> AsyncIterator[FakeTelegram]:
    """A fake Bot API on loopback; ``options`` go to :class:`FakeTelegram` (a shared ``clock``
    for flood limits in virtual time, ``privacy``)."""
    fake = FakeTelegram(**options)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """A running fake Discord, discord.py aimed at it; see the module docstring."""
    async with serving_discord(monkeypatch) as fake:
        yield fake


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A running fake Telegram Bot API on real time; see the module docstring."""
    async with serving_telegram() as fake:
        yield fake


@pytest.fixture
async def aimusic_sim() -> AsyncIterator[RunningSimulator]:
    """A running AI Music simulator on compressed time; see the module docstring."""
    async with running_simulator(SIM_KEY, FAST) as running:
        yield running
