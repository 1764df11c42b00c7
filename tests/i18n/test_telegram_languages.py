"""Telegram in the member's language: command menus per language (setMyCommands'
language_code), replies in the member's ``language_code``, captions, buttons and group posts
translated, and a member's or the chat's choice first.

A stand-in German catalog (``[de] …``; :mod:`tests.i18n.marked`) makes the language visible
without depending on the translators' text.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import i18n
from tests.fakes.plugin import serving_telegram
from tests.fakes.telegram import payloads as tg
from tests.fakes.telegram.clock import FakeClock
from tests.harness import chorus
from tests.i18n.marked import marked_catalog
from tests.telegram_harness import BOT, GROUP, Telegram, adapter_for, quiet

GERMAN = tg.user(701, "Greta", language_code="de")
ENGLISH = tg.user(702, "Ed", language_code="en")
BRAZILIAN = tg.user(703, "Bia", language_code="pt-br")
ADMIN = tg.user(704, "Ada", language_code="en")


@pytest.fixture
async def german(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Telegram]:
    caplog.set_level(logging.WARNING)
    with marked_catalog(monkeypatch, tmp_path / "locale", "de"):
        async with serving_telegram(clock=FakeClock()) as fake, chorus(tmp_path) as harness:
            adapter = adapter_for(harness, fake)
            await adapter.start()
            try:
                yield Telegram(fake, harness, adapter)
            finally:
                fake.clock.release()
                await adapter.stop()
    quiet(caplog)


async def answers(handle: Telegram, sender: dict[str, object], text: str) -> str:
    """What the bot answered ``sender``'s command with."""
    before = len(handle.fake.calls_to("sendMessage"))
    handle.say(sender, text)
    await handle.fake.wait_for("sendMessage", before + 1)
    return str(handle.fake.calls_to("sendMessage")[before].params["text"])


async def test_the_command_menu_is_published_in_every_language(german: Telegram) -> None:
    fake = german.fake
    await fake.wait_for("setMyCommands", 1 + len(i18n.SHIPPED) - 1)
    assert {language for _, language in fake.my_commands} == {
        "",
        "es",
        "pt",
        "de",
        "fr",
        "ru",
        "ja",
    }
    assert fake.menu("de")["credits"] == "[de] Your credits"
    assert fake.menu("de")["language"] == "[de] The language Chorus speaks to you"
    assert fake.menu("")["credits"] == "Your credits"
    assert fake.menu("ko")["credits"] == "Your credits"  # a language Chorus does not ship


async def test_replies_follow_the_members_language_code(german: Telegram) -> None:
    assert (await answers(german, GERMAN, f"/credits{BOT}")).startswith("[de] You have")
    assert (await answers(german, ENGLISH, f"/credits{BOT}")).startswith("You have")
    assert (await answers(german, BRAZILIAN, f"/credits{BOT}")).startswith("You have")


async def test_a_songs_status_in_a_group_speaks_the_askers_language(german: Telegram) -> None:
    """With no language chosen for the chat, its posts speak the asker's (captions and
    buttons are checked for untranslated text by the pseudo-locale run)."""
    fake = german.fake
    german.say(GERMAN, f"/song{BOT} a lo-fi beat about rain")
    await fake.wait_for("sendAudio", 2)
    assert any(c.params["text"].startswith("[de] ⏳ /song") for c in fake.calls_to("sendMessage"))
    assert any("[de] ✅ /song" in c.params["text"] for c in fake.calls_to("editMessageText"))


async def test_a_members_choice_wins_then_the_chats(german: Telegram) -> None:
    fake = german.fake
    fake.members[(int(GROUP["id"]), int(ADMIN["id"]))] = "administrator"
    said = await answers(german, ADMIN, f"/mod{BOT} settings language=de")
    assert said == "[de] This community's language is now Deutsch."
    assert (await answers(german, ENGLISH, f"/credits{BOT}")).startswith("[de] You have")
    chosen = await answers(german, ENGLISH, f"/language{BOT} en")
    assert chosen == "Chorus now speaks English to you."
    assert (await answers(german, ENGLISH, f"/credits{BOT}")).startswith("You have")
    refused = await answers(german, ENGLISH, f"/language{BOT} klingon")
    assert refused.startswith("✋ Chorus does not speak klingon")
