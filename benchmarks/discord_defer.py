"""Discord defer latency: 500 slash commands arriving at once, from the gateway event to the
defer callback, for Chorus and for a bare discord.py bot that only defers.

Both bots run against the same fake Discord (tests/fakes/discord) in this process, one after the
other; each interaction's time runs from the moment the fake writes INTERACTION_CREATE to the
socket to the moment it receives the callback. The bare bot is the floor: discord.py's own
parsing and dispatch. Chorus does its real work behind each defer (validation, the hold and job
in one transaction, the status message, the confirmation), all on the same event loop, so the
ratio shows what that work costs the acknowledgement that must arrive within three seconds.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from adapters.discord import DiscordAdapter
from benchmarks.harness import app_on, percentile
from benchmarks.report import write_section
from bot.engine import EngineConfig
from simulator import Knobs, running_simulator
from tests.fakes.discord import FakeDiscord, Interaction
from tests.fakes.discord import payloads as dc
from tests.fakes.discord.server import LOADING

COMMANDS = 500
MEMBERS = 50
# Jobs stay queued (no vendor tokens): this measures the command path, not the vendor.
ENGINE = EngineConfig(rate_per_second=1e-6, burst=0)
Bot = Callable[[FakeDiscord], AbstractAsyncContextManager[Any]]


@asynccontextmanager
async def bare_bot(fake: FakeDiscord) -> AsyncIterator[None]:
    client = discord.Client(intents=discord.Intents(guilds=True), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)

    @tree.command(name="song", description="Defer, nothing else")
    async def song(interaction: discord.Interaction[Any], prompt: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)

    await client.login(fake.token)
    task = asyncio.create_task(client.connect())
    await client.wait_until_ready()
    try:
        yield
    finally:
        await client.close()
        await task


@asynccontextmanager
async def chorus_bot(fake: FakeDiscord) -> AsyncIterator[None]:
    with tempfile.TemporaryDirectory() as folder:
        async with (
            running_simulator("bench-key", Knobs()) as sim,
            app_on(sim.url, Path(folder), ENGINE, public=True) as app,
        ):
            adapter = DiscordAdapter(app, fake.token, ready_timeout=0.05)
            await adapter.start()
            try:
                yield
            finally:
                await adapter.stop()


async def burst(bot: Bot, answers: bool) -> tuple[list[float], int]:
    """Seconds from event to defer for each of COMMANDS simultaneous /song commands, and how
    many missed Discord's three-second deadline. With ``answers`` the bot replaces each
    "thinking…" with an answer: wait for those too before stopping it."""
    fake = FakeDiscord()
    await fake.start()
    guild = fake.add_guild()
    members = [dc.user(f"member{n}") for n in range(MEMBERS)]
    try:
        with fake.aimed():
            async with bot(fake):
                sent = [
                    await fake.command(
                        members[n % MEMBERS],
                        "song",
                        [dc.option("prompt", f"song number {n}", dc.STRING)],
                        guild=guild,
                    )
                    for n in range(COMMANDS)
                ]
                states = [fake.state(i) for i in sent]
                await fake.wait_until(
                    lambda: all(s.response is not None or s.late for s in states), patience=120
                )
                if answers:
                    await fake.wait_until(
                        lambda: all(s.late or answered(fake, s) for s in states), patience=120
                    )
    finally:
        await fake.stop()
    waits = [s.acknowledged - s.dispatched for s in states if s.acknowledged is not None]
    return waits, sum(s.late for s in states)


def answered(fake: FakeDiscord, state: Interaction) -> bool:
    return state.original is not None and not fake.messages[state.original]["flags"] & LOADING


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def main() -> str:
    floor, floor_late = await burst(bare_bot, answers=False)
    chorus, chorus_late = await burst(chorus_bot, answers=True)
    f50, f99 = percentile(floor, 50), percentile(floor, 99)
    c50, c99 = percentile(chorus, 50), percentile(chorus, 99)
    body = (
        "| bot | p50 | p99 | max | missed the 3 s deadline |\n|---|---|---|---|---|\n"
        f"| floor: bare discord.py bot that only defers | {ms(f50)} | {ms(f99)} "
        f"| {ms(max(floor))} | {floor_late} |\n"
        f"| Chorus (defer, then hold + job + status + reply) | {ms(c50)} | {ms(c99)} "
        f"| {ms(max(chorus))} | {chorus_late} |\n"
        f"| **ratio Chorus / floor** | **{c50 / f50:.1f}x** | **{c99 / f99:.1f}x** | | |\n\n"
        f"{COMMANDS} `/song` interactions from {MEMBERS} members are written to the gateway at "
        "once; each one's time runs from the fake writing INTERACTION_CREATE to it receiving\n"
        "the defer callback. The fake, the bot and (for Chorus) the store and the simulator share "
        "one event loop, so both rows include the fake's own work; the ratio is the figure."
    )
    write_section("Discord: 500 slash commands at once, event to defer", body)
    return body


if __name__ == "__main__":
    print(asyncio.run(main()))
