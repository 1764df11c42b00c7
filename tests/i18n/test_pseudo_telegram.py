"""The pseudo-locale through the fake Telegram: everything the bot sent (answers, status
messages, captions, buttons, the command menu, the compose conversation's questions) is
translated. What the fake received is checked, not what the bot meant to send."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import i18n
from bot.store.database import fetch
from bot.store.tracks import job_tracks
from tests.fakes.plugin import serving_telegram
from tests.fakes.telegram import payloads as tg
from tests.fakes.telegram.clock import FakeClock
from tests.harness import chorus
from tests.i18n.leaks import leaks, telegram_texts
from tests.i18n.test_pseudo_console import names
from tests.telegram_harness import BOT, GROUP, Telegram, adapter_for, quiet

ANNA = tg.user(801, "Anna")  # her app sends no language_code: the operator's default applies
ADA = tg.user(802, "Ada")
PRIVATE = tg.chat(801, "private")


async def test_nothing_leaks_on_telegram_under_the_pseudo_locale(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with (
        serving_telegram(clock=FakeClock()) as fake,
        chorus(tmp_path, default_language=i18n.PSEUDO) as harness,
    ):
        adapter = adapter_for(harness, fake)
        await adapter.start()
        handle = Telegram(fake, harness, adapter)
        fake.members[(int(GROUP["id"]), int(ADA["id"]))] = "administrator"
        try:
            steps = [
                (ANNA, f"/help{BOT}", "sendMessage"),
                (ANNA, f"/credits{BOT}", "sendMessage"),
                (ANNA, f"/song{BOT} a lo-fi beat about rain", "sendAudio"),
                (ANNA, f"/cover{BOT}", "sendMessage"),
                (ANNA, f"/mysongs{BOT}", "sendMessage"),
                (ANNA, f"/language{BOT}", "sendMessage"),
                (ANNA, f"/nosuch{BOT}", None),
                (ADA, f"/mod{BOT} audit", "sendMessage"),
                (ADA, f"/mod{BOT}", "sendMessage"),
                (ANNA, "/compose", "sendMessage"),  # step by step, in a private chat
                (ANNA, "My Title", "sendMessage"),
                (ANNA, "/cancel", "sendMessage"),
            ]
            for sender, text, answer in steps:
                before = len(fake.calls_to(answer)) if answer else 0
                if BOT in text:
                    handle.say(sender, text)
                else:
                    fake.push(message=tg.message(PRIVATE, sender, text))
                if answer:
                    await fake.wait_for(answer, before + (2 if answer == "sendAudio" else 1))
            async with harness.app.store.read() as conn:
                jobs = [str(row[0]) for row in await fetch(conn, "SELECT id FROM jobs", ())]
                made = [t for job in jobs for t in await job_tracks(conn, job)]
        finally:
            fake.clock.release()
            await adapter.stop()
    quiet(caplog)
    data = [t.title for t in made] + [t.tags or "" for t in made] + ["a lo-fi beat about rain"]
    data += [line for t in made for line in (t.lyrics or "").splitlines()]
    data += [*i18n.NAMES.values(), "Anna", "Ada", "My Title", "ID: "]
    data += ["chorus_test_bot"]  # the bot's username
    # every call but the menus of the shipped languages (each in its own language)
    calls = [c for c in fake.calls if not c.params.get("language_code")]
    sent = [text for call in calls for text in telegram_texts(call.params)]
    found = leaks(sent, data, names() | {"credits", "mysongs", "help", "mod", "language"})
    assert found == [], "\n".join(f"{words!r} in {text!r}" for text, words in found)
    assert any("⟦" in text for text in sent)
