"""``/mod panel`` on the chat platforms: the one-time link reaches the moderator who asked and
nobody else (Discord: an ephemeral answer; Telegram: their private chat), and a member who does
not moderate gets no link."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.panel.access import SIGN_IN_PATH
from tests.discord_harness import ADA, BOB, Discord, running_discord
from tests.fakes.discord import payloads as dc
from tests.fakes.discord.server import EPHEMERAL
from tests.panel.panel_session import http, sign_in
from tests.telegram_harness import ADMIN, ALICE, BOT, GROUP, Telegram, telegram

__all__ = ["telegram"]  # the fixture
LINK = re.compile(r"https?://\S+" + re.escape(SIGN_IN_PATH) + r"[A-Za-z0-9_-]+")


@pytest.fixture
async def discord_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Discord]:
    async with running_discord(tmp_path, monkeypatch, caplog) as handle:
        yield handle


async def test_discord_answers_mod_panel_with_a_link_only_the_moderator_sees(
    discord_bot: Discord,
) -> None:
    panel = dc.subcommand("panel", [])
    refused = await discord_bot.fake.reply(await discord_bot.slash(BOB, "mod", panel))
    assert "Only moderators" in refused["content"] and SIGN_IN_PATH not in refused["content"]
    asked = await discord_bot.slash(ADA, "mod", panel, permissions=dc.MANAGE_GUILD)
    answer = await discord_bot.fake.reply(asked)
    assert answer["flags"] & EPHEMERAL
    found = LINK.search(answer["content"])
    assert found is not None and "10 minutes" in answer["content"]
    assert all(SIGN_IN_PATH not in m["content"] for m in discord_bot.posted())
    async with http() as client:  # the link opens the guild's panel
        await sign_in(discord_bot.chorus, client, found.group(0))
        async with client.get(f"{discord_bot.chorus.app.base_url}/panel/") as page:
            assert f"discord community <strong>{discord_bot.guild['id']}" in await page.text()


async def test_telegram_sends_the_link_to_the_moderators_private_chat(telegram: Telegram) -> None:
    fake = telegram.fake
    fake.members[(int(GROUP["id"]), int(ADMIN["id"]))] = "administrator"
    telegram.say(ALICE, f"/mod{BOT} panel")
    telegram.say(ADMIN, f"/mod{BOT} panel")
    sent = await fake.wait_for("sendMessage", 3)
    by_chat = {(c.params["chat_id"], c.params["text"]) for c in sent}
    in_group = [text for chat, text in by_chat if chat == GROUP["id"]]
    private = [text for chat, text in by_chat if chat == ADMIN["id"]]
    assert any("Only moderators" in text for text in in_group)
    assert any("in a private message" in text for text in in_group)
    assert all(SIGN_IN_PATH not in text for text in in_group)
    [link] = [LINK.search(text) for text in private]
    assert link is not None
    async with http() as client:
        await sign_in(telegram.chorus, client, link.group(0))


async def test_telegram_says_how_to_get_the_link_when_it_cannot_write_privately(
    telegram: Telegram,
) -> None:
    fake = telegram.fake
    fake.members[(int(GROUP["id"]), int(ADMIN["id"]))] = "administrator"
    fake.block(int(ADMIN["id"]))  # 403 from sendMessage, as for a member who never pressed Start
    telegram.say(ADMIN, f"/mod{BOT} panel")
    await fake.wait_until(
        lambda: any(c.params.get("chat_id") == GROUP["id"] for c in fake.calls_to("sendMessage"))
    )
    [answer] = [
        c.params["text"] for c in fake.calls_to("sendMessage") if c.params["chat_id"] == GROUP["id"]
    ]
    assert "open a private chat with me" in answer and SIGN_IN_PATH not in answer
