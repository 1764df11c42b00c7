"""Discord in the member's language: localized commands in the picker, replies in the
interaction's locale, public posts in the server's, and a member's or moderator's choice first.

A stand-in German catalog (``[de] …``, names ``…-de``; :mod:`tests.i18n.marked`) makes the
language visible without depending on the translators' text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot import i18n
from bot.catalogs import po_path
from tests.discord_harness import ALICE, BOB, Discord, running_discord
from tests.fakes.discord import payloads as dc
from tests.i18n.marked import marked_catalog

ADA = dc.user("Ada")


@pytest.fixture
async def german(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Discord]:
    with marked_catalog(monkeypatch, tmp_path / "locale", "de"):
        async with running_discord(tmp_path, monkeypatch, caplog) as handle:
            yield handle


def published(handle: Discord) -> dict[str, dc.Json]:
    [sync] = handle.fake.requests_to("PUT", r"/applications/\d+/commands")
    return {c["name"]: c for c in sync.json}


async def test_the_command_picker_is_localized_from_the_catalogs(german: Discord) -> None:
    commands = published(german)
    assert commands["song"]["name_localizations"] == {"de": "song-de"}
    assert commands["credits"]["description_localizations"] == {"de": "[de] Your credits here"}
    page = commands["mysongs"]["options"][0]
    assert page["name_localizations"] == {"de": "page-de"}
    assert page["description_localizations"] == {"de": "[de] Which page of ten"}
    grant = {o["name"]: o for o in commands["mod"]["options"]}["grant"]
    assert grant["name_localizations"] == {"de": "grant-de"}
    strength = {o["name"]: o for o in commands["remaster"]["options"]}["strength"]
    assert strength["choices"][0]["name_localizations"] == {"de": "subtle-de"}
    assert commands["Cover with Chorus"]["name_localizations"] == {"de": "[de] Cover with Chorus"}
    # Spanish has no catalog here: Discord shows the English name to es-ES and es-419 members
    assert "es-ES" not in commands["song"]["name_localizations"]
    # what the fake accepted (it refuses what Discord refuses) is what it recorded
    assert german.fake.commands["global"][0].get("name_localizations") is not None


async def test_a_member_is_answered_in_their_discords_language(german: Discord) -> None:
    in_german = await german.slash(ALICE, "credits", locale="de")
    assert (await german.reply(in_german)).startswith("[de] You have")
    in_english = await german.slash(BOB, "credits", locale="en-US")
    assert (await german.reply(in_english)).startswith("You have")
    in_brazil = await german.slash(BOB, "credits", locale="pt-BR")  # no catalog: English
    assert (await german.reply(in_brazil)).startswith("You have")


async def test_public_posts_follow_the_servers_locale(german: Discord) -> None:
    prompt = dc.option("prompt", "a lo-fi beat", dc.STRING)
    asked = await german.slash(ALICE, "song", prompt, locale="en-US", guild_locale="de")
    assert (await german.reply(asked)).startswith("🎵 /song is on its way")  # for Alice
    await german.wait_for_results(2)
    status = german.posted()[0]["content"]  # for everyone in the channel
    assert "[de] ✅ /song" in status, status


async def test_a_members_choice_wins_over_the_server_and_their_discord(german: Discord) -> None:
    settings = dc.subcommand("settings", [dc.option("language", "de", dc.STRING)])
    set_by_mod = await german.slash(ADA, "mod", settings, permissions=dc.MANAGE_GUILD)
    assert await german.reply(set_by_mod) == "[de] This community's language is now Deutsch."
    server = await german.slash(BOB, "credits", locale="en-US")
    assert (await german.reply(server)).startswith("[de] You have")  # the server's choice
    chosen = await german.slash(BOB, "language", dc.option("code", "en", dc.STRING), locale="de")
    assert await german.reply(chosen) == "Chorus now speaks English to you."
    mine = await german.slash(BOB, "credits", locale="de")
    assert (await german.reply(mine)).startswith("You have")  # Bob's own choice
    back = await german.slash(BOB, "language", dc.option("code", "auto", dc.STRING))
    assert (await german.reply(back)).startswith("[de] Chorus now speaks to you in this")
    audit = dc.subcommand("audit", [])
    logged = await german.reply(await german.slash(ADA, "mod", audit, permissions=dc.MANAGE_GUILD))
    assert "(language=de)" in logged


def test_every_shipped_catalogs_command_names_are_valid_for_discord() -> None:
    """A translated name Discord would refuse is dropped by the translator (English is shown
    instead): catch it here, where the translator can fix it."""
    from adapters.discord.translator import valid_name

    bad = []
    for language in i18n.SHIPPED:
        with po_path(language).open("rb") as file:
            catalog = read_po(file, locale=language)
        for message in catalog:
            if message.context == i18n.NAME and message.string and not valid_name(message.string):
                bad.append((language, message.id, message.string))
    assert bad == []


async def test_the_fake_accepts_every_shipped_languages_localized_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The commands as published with the shipped catalogs: the fake refuses (400, 50035) a
    localized name that repeats within a command, so publishing succeeds only if none does."""
    async with running_discord(tmp_path, monkeypatch, caplog) as handle:
        assert len(handle.fake.commands["global"]) == len(published(handle))
