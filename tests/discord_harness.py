"""The Discord test bench: a fake Discord, a whole Chorus, and the real discord.py between."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from adapters import discord as discord_adapter
from adapters.discord import DiscordAdapter
from bot.app import App
from bot.domain import Member, Scope
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as dc
from tests.fakes.discord.payloads import Json
from tests.fakes.plugin import serving_discord
from tests.harness import ENGINE, Chorus, chorus

ALICE = dc.user("Alice")
BOB = dc.user("Bob")
ADA = dc.user("Ada")  # has Manage Server
ROLE_MOD = dc.user("Rhea")  # holds the moderator role the server configured
MESSAGES = r"/channels/\d+/messages"


@dataclass
class Discord:
    fake: FakeDiscord
    guild: Json
    chorus: Chorus
    adapter: DiscordAdapter
    caplog: pytest.LogCaptureFixture

    async def start(self, **settings: Any) -> None:
        """Build the adapter as ``chorus run`` does (from the settings, with ``settings``
        changed) and start it: the core is running already."""
        settings.setdefault("discord_token", SecretStr(self.fake.token))
        self.adapter = adapter_for(self.chorus.app, **settings)
        await self.adapter.start()

    async def restart(self) -> None:
        """Stop the bot and its core, and start both again on the same data, as after a crash."""
        await self.adapter.stop()
        await self.chorus.app.stop()
        self.chorus.app = await App.create(
            self.chorus.app.settings, engine_config=ENGINE, local_public=True
        )
        await self.chorus.app.start()
        await self.start()

    async def slash(self, who: Json, name: str, *options: Json, **how: Any) -> Json:
        return await self.fake.command(who, name, list(options), guild=self.guild, **how)

    async def reply(self, interaction: Json) -> str:
        return str((await self.fake.reply(interaction))["content"])

    def posted(self) -> list[Json]:
        """What the bot posted in the channel for everyone (not its answers to interactions)."""
        return [
            m
            for m in self.fake.channel_messages(self.guild)
            if m["author"]["id"] == self.fake.app_id and "webhook_id" not in m
        ]

    def results(self) -> list[Json]:
        """Result messages: the ones with an embed (status messages are plain text)."""
        return [m for m in self.posted() if m["embeds"]]

    async def wait_for_results(self, count: int) -> list[Json]:
        await self.fake.wait_until(lambda: len(self.results()) >= count, patience=60)
        await self.settled()
        return self.results()

    async def settled(self) -> None:
        """Every job finished and every result delivered."""
        await self.chorus.settled(60)

    async def credits(self, who: Json) -> int:
        member = Member(Scope("discord", self.guild["id"]), who["id"])
        return (await self.chorus.app.ledger.balance(member)).available


def adapter_for(app: App, **settings: Any) -> DiscordAdapter:
    """The Discord adapter built by ``app`` from its settings with ``settings`` changed."""
    changed = app.settings.model_copy(update=settings)
    adapter = app.adapter(
        lambda core: discord_adapter.create(replace(core, settings=changed), ready_timeout=0.05)
    )
    assert isinstance(adapter, DiscordAdapter)
    return adapter


@asynccontextmanager
async def running_discord(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    prepare: Callable[[FakeDiscord, Json], None] | None = None,
    **chorus_options: Any,
) -> AsyncIterator[Discord]:
    """A fake Discord with one guild (``prepare`` may add channels and threads before the bot
    connects), a whole Chorus, and the adapter between them. On leaving, any warning or error
    that discord.py or Chorus logged while the test ran (pytest's call phase) fails the test."""
    caplog.set_level(logging.WARNING)
    async with serving_discord(monkeypatch) as fake:
        guild = fake.add_guild()
        if prepare is not None:
            prepare(fake, guild)
        async with chorus(tmp_path, **chorus_options) as harness:
            handle = Discord(fake, guild, harness, None, caplog)  # type: ignore[arg-type]
            await handle.start()
            try:
                yield handle
            finally:
                await handle.adapter.stop()
    complaints = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.get_records("call")
        if r.levelno >= logging.WARNING and r.name.startswith(("discord", "adapters", "bot"))
    ]
    assert complaints == [], f"discord.py or Chorus logged errors or warnings: {complaints}"


def expected_warnings(caplog: pytest.LogCaptureFixture, text: str, count: int) -> None:
    """Take out the ``count`` warnings a test provoked on purpose (and only those): the fixture
    fails the test on any other warning logged while it ran."""
    records = caplog.get_records("call")
    provoked = [r for r in records if text in r.getMessage()]
    assert len(provoked) == count, [r.getMessage() for r in records]
    for record in provoked:
        records.remove(record)
