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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from adapters.discord import DiscordAdapter
from benchmarks.harness import app_on, percentile
from benchmarks.report import write_section
from bot.schedule import EngineConfig
from simulator import Knobs, running_simulator
from tests.fakes.discord import FakeDiscord, Interaction
from tests.fakes.discord import payloads as dc
from tests.fakes.discord.server import LOADING

COMMANDS = 500
SINGLES = 100
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
            adapter = app.adapter(lambda core: DiscordAdapter(core, fake.token, ready_timeout=0.05))
            assert adapter is not None
            await adapter.start()
            try:
                yield
            finally:
                await adapter.stop()


@dataclass
class Measured:
    burst: list[float]  # seconds from event to defer, COMMANDS arriving at once
    late: int  # of those, how many missed Discord's three-second deadline
    single: list[float]  # the same for SINGLES commands sent one after another


async def measure(bot: Bot, answers: bool) -> Measured:
    """Run the burst, then SINGLES commands one at a time. With ``answers`` the bot replaces
    each "thinking…" with an answer: wait for those too, so that no work is cut off."""
    fake = FakeDiscord()
    await fake.start()
    guild = fake.add_guild()
    members = [dc.user(f"member{n}") for n in range(MEMBERS)]

    async def command(n: int) -> Interaction:
        option = [dc.option("prompt", f"song number {n}", dc.STRING)]
        sent = await fake.command(members[n % MEMBERS], "song", option, guild=guild)
        return fake.state(sent)

    async def settled(states: list[Interaction]) -> None:
        await fake.wait_until(
            lambda: all(s.response is not None or s.late for s in states), patience=120
        )
        if answers:
            await fake.wait_until(
                lambda: all(s.late or answered(fake, s) for s in states), patience=120
            )

    try:
        with fake.aimed():
            async with bot(fake):
                states = [await command(n) for n in range(COMMANDS)]
                await settled(states)
                singles = []
                for n in range(SINGLES):
                    singles.append(await command(COMMANDS + n))
                    await settled(singles[-1:])
    finally:
        await fake.stop()
    return Measured(waits(states), sum(s.late for s in states), waits(singles))


def waits(states: list[Interaction]) -> list[float]:
    return [s.acknowledged - s.dispatched for s in states if s.acknowledged is not None]


def answered(fake: FakeDiscord, state: Interaction) -> bool:
    return state.original is not None and not fake.messages[state.original]["flags"] & LOADING


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def main() -> str:
    floor = await measure(bare_bot, answers=False)
    chorus = await measure(chorus_bot, answers=True)
    rows = [
        ("floor: bare discord.py bot that only defers", floor.burst, floor.late),
        ("Chorus (defer, then hold + job + status + answer)", chorus.burst, chorus.late),
    ]
    table = "".join(
        f"| {name} | {ms(percentile(w, 50))} | {ms(percentile(w, 99))} | {ms(max(w))} | {late} |\n"
        for name, w, late in rows
    )
    ratio = percentile(chorus.burst, 50) / percentile(floor.burst, 50)
    ratio99 = percentile(chorus.burst, 99) / percentile(floor.burst, 99)
    one50 = percentile(chorus.single, 50) / percentile(floor.single, 50)
    body = (
        f"| bot, {COMMANDS} at once | p50 | p99 | max | missed the 3 s deadline |\n"
        "|---|---|---|---|---|\n"
        f"{table}"
        f"| **ratio Chorus / floor** | **{ratio:.1f}x** | **{ratio99:.1f}x** | | |\n\n"
        f"One command at a time ({SINGLES} in a row): event to defer p50 "
        f"{ms(percentile(floor.single, 50))} for the bare bot, "
        f"{ms(percentile(chorus.single, 50))} for Chorus (**{one50:.2f}x**, goal ≤ 1.3x); p99 "
        f"{ms(percentile(floor.single, 99))} and {ms(percentile(chorus.single, 99))}.\n\n"
        f"{COMMANDS} `/song` interactions from {MEMBERS} members are written to the gateway "
        "at once; each one's time runs from the fake writing INTERACTION_CREATE to it\n"
        "receiving the defer callback. The fake, the bot and (for Chorus) the store and the "
        "simulator share one event loop, so both rows include the fake's own work.\n"
        "Chorus defers before its first awaited step, so its work (validation, the hold and "
        "job transaction, the status message, the answer) queues behind the\n"
        "acknowledgements instead of delaying them: what both bots wait for is the burst "
        f"itself, {COMMANDS} events parsed and {COMMANDS} callbacks sent on one loop."
    )
    write_section("Discord: 500 slash commands at once, event to defer", body)
    return body


if __name__ == "__main__":
    print(asyncio.run(main()))
