"""Member text on Discord is shown as typed: a masked link, bold, a spoiler or a mention in a
title, tags or lyrics reaches the embed escaped, so Discord renders it literally."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.discord_harness import ALICE, Discord, running_discord

LINK = "[free nitro](https://evil.example/x)"


@pytest.fixture
async def discord_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Discord]:
    async with running_discord(tmp_path, monkeypatch, caplog) as handle:
        yield handle


async def test_hostile_title_tags_and_lyrics_arrive_escaped(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    asked = await discord_bot.slash(ALICE, "compose")
    state = await fake.responded(asked)
    assert state.modal is not None
    hostile = {
        "title": f"{LINK} **loud**",
        "tags": f"pop, {LINK}, @everyone",
        "lyrics": f"[Verse]\n{LINK}\n|| not hidden ||\n*stars*",
    }
    submitted = await fake.submit(ALICE, state.modal, hostile, guild=discord_bot.guild)
    assert "/compose is on its way" in await discord_bot.reply(submitted)
    [result, _] = await discord_bot.wait_for_results(2)
    shown = result["embeds"][0]
    escaped_link = r"\[free nitro](https://evil.example/x)"  # no link without its opening bracket
    assert shown["title"] == escaped_link + r" \*\*loud\*\*"
    assert escaped_link in shown["description"]
    assert "@\u200beveryone" in shown["description"] and "@everyone" not in shown["description"]
    lyrics = shown["fields"][-1]["value"]
    assert lyrics.startswith("||") and lyrics.endswith("||")
    assert escaped_link in lyrics and r"\|\| not hidden \|\|" in lyrics and r"\*stars\*" in lyrics
