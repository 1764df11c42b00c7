"""Discord's shards split across processes: each answers the guilds of its own shards, one
publishes the commands, and what Discord refuses about sharding stops the start with a setting
named.

Two whole Chorus instances share one PostgreSQL database, as two processes of a deployment
would; their adapters connect to the same fake Discord as shards 0 and 1 of 2.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.discord import DiscordAdapter
from bot.config import ConfigError
from tests.discord_harness import ALICE, adapter_for
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.payloads import Json
from tests.fakes.plugin import serving_discord
from tests.harness import chorus

COMMANDS = r"/applications/\d+(/guilds/\d+)?/commands"


def sessions_that_got(fake: FakeDiscord, interaction: Json) -> list[tuple[int, int]]:
    """The shards of the gateway sessions an interaction was dispatched to."""
    return [
        session.shard
        for session in fake.sessions
        if any(d.get("id") == interaction["id"] for e, d in session.received)
    ]


@asynccontextmanager
async def instances(
    fake: FakeDiscord, tmp_path: Path, database_url: str, *shard_ids: tuple[int, ...]
) -> AsyncIterator[list[DiscordAdapter]]:
    """One Chorus per entry of ``shard_ids`` on one database, each with its Discord adapter
    connecting those shards of ``len(shard_ids)``."""
    async with AsyncExitStack() as stack:
        adapters = []
        for number, shards in enumerate(shard_ids):
            harness = await stack.enter_async_context(
                chorus(tmp_path / f"instance{number}", database_url=database_url)
            )
            adapter = adapter_for(
                harness.app,
                discord_token=SecretStr(fake.token),
                shard_count=len(shard_ids),
                shard_ids=shards,
            )
            await adapter.start()
            stack.push_async_callback(adapter.stop)
            adapters.append(adapter)
        yield adapters


def quiet(caplog: pytest.LogCaptureFixture) -> None:
    loud = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.get_records("call")
        if r.levelno >= logging.WARNING and r.name.startswith(("discord", "adapters", "bot"))
    ]
    assert loud == [], loud


async def test_each_process_answers_its_shards_guilds_and_one_publishes_the_commands(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    pg_url: str,
) -> None:
    caplog.set_level(logging.WARNING)
    async with serving_discord(monkeypatch) as fake:
        on_zero = fake.add_guild("on shard 0", shard=(0, 2))
        on_one = fake.add_guild("on shard 1", shard=(1, 2))
        async with instances(fake, tmp_path, pg_url, (0,), (1,)) as (zero, one):
            assert [s.shard for s in fake.sessions_on((0, 2))] == [(0, 2)]
            assert [s.shard for s in fake.sessions_on((1, 2))] == [(1, 2)]
            # each process holds its own shard's guilds, and only those
            assert one.client.get_guild(int(on_one["id"])) is not None
            assert zero.client.get_guild(int(on_one["id"])) is None
            assert zero.client.get_guild(int(on_zero["id"])) is not None

            asked = await fake.command(ALICE, "credits", guild=on_one)
            answer = await fake.reply(asked)
            assert answer["content"].startswith("You have 1000 credits")
            assert sessions_that_got(fake, asked) == [(1, 2)]
            callbacks = fake.requests_to("POST", rf"/interactions/{asked['id']}/[^/]+/callback")
            assert len(callbacks) == 1

            asked = await fake.command(ALICE, "credits", guild=on_zero)
            await fake.reply(asked)
            assert sessions_that_got(fake, asked) == [(0, 2)]

            in_dm = await fake.command(ALICE, "help", guild=None)
            await fake.reply(in_dm)
            assert sessions_that_got(fake, in_dm) == [(0, 2)]  # Discord: DMs go to shard 0

            published = fake.requests_to("PUT", COMMANDS)
            assert len(published) == 1 and published[0].json
    quiet(caplog)


async def test_without_shard_0_a_process_publishes_no_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> None:
    """``DISCORD_SYNC_COMMANDS`` stays true on every process; only shard 0's acts on it."""
    async with serving_discord(monkeypatch) as fake:
        fake.add_guild("on shard 2", shard=(2, 3))
        async with chorus(tmp_path, database_url=pg_url) as harness:
            adapter = adapter_for(
                harness.app, discord_token=SecretStr(fake.token), shard_count=3, shard_ids=(1, 2)
            )
            assert harness.app.settings.discord_sync_commands
            await adapter.start()
            try:
                assert sorted(s.shard for s in fake.sessions if s.identify) == [(1, 3), (2, 3)]
                assert fake.requests_to("PUT", COMMANDS) == []
            finally:
                await adapter.stop()


@pytest.mark.parametrize(
    ("sharding", "named"),
    [
        ({}, "SHARD_COUNT: Discord requires more shards"),  # 4011: too many guilds unsharded
        ({"shard_count": 2, "shard_ids": (2,)}, "SHARD_COUNT, SHARD_IDS"),  # 4010 (unvalidated)
    ],
)
async def test_a_shard_discord_refuses_stops_the_start_naming_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sharding: dict[str, Any], named: str
) -> None:
    async with serving_discord(monkeypatch) as fake:
        fake.max_guilds_per_shard = 1
        fake.add_guild("on shard 0", shard=(0, 2))
        fake.add_guild("on shard 1", shard=(1, 2))
        async with chorus(tmp_path) as harness:
            adapter = adapter_for(harness.app, discord_token=SecretStr(fake.token), **sharding)
            with pytest.raises(ConfigError, match=named):
                await adapter.start()
            await adapter.stop()
