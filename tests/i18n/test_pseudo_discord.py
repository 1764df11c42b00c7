"""The pseudo-locale through the fake Discord: everything the bot sent (answers, status
messages, results with their embeds and buttons) is translated.

The server's language is set to the pseudo-locale in the store (moderators can pick only
shipped languages), so members' answers and public posts both speak it; what the fake received
is checked, not what the bot meant to send.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import i18n
from bot.domain import Scope
from bot.store import languages, tracks
from tests.discord_harness import ALICE, running_discord
from tests.fakes.discord import payloads as dc
from tests.i18n.leaks import discord_texts, leaks
from tests.i18n.test_pseudo_console import names

ADA = dc.user("Ada")


async def test_nothing_leaks_on_discord_under_the_pseudo_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_discord(tmp_path, monkeypatch, caplog) as d:
        store = d.chorus.app.store
        async with store.write() as conn:
            await languages.set_scope_language(
                conn, Scope("discord", d.guild["id"]), i18n.PSEUDO, 0
            )
        mod = {"permissions": dc.MANAGE_GUILD}
        for name, options, how in [
            ("help", [], {}),
            ("credits", [], {}),
            ("song", [dc.option("prompt", "a lo-fi beat", dc.STRING)], {}),
            ("cover", [], {}),
            ("mysongs", [], {}),
            ("language", [], {}),
            ("mod", [dc.subcommand("settings", [])], mod),
            ("mod", [dc.subcommand("show", [dc.option("member", ALICE["id"], dc.USER)])], mod),
            ("mod", [dc.subcommand("audit", [])], mod),
        ]:
            await d.reply(await d.slash(ADA if how else ALICE, name, *options, **how))
            if name == "song":
                await d.wait_for_results(2)
        form = await d.slash(ALICE, "compose")  # no lyrics given: a form asks for them
        await d.fake.wait_until(lambda: d.fake.state(form).modal is not None)
        modal = d.fake.state(form).modal or {}
        shown = [modal.get("title") or ""] + [
            str(item.get(key) or "")
            for row in modal.get("components") or []
            for item in row.get("components") or []
            for key in ("label", "placeholder")
        ]
        async with store.read() as conn:
            made = [t for job in await _jobs(conn) for t in await tracks.job_tracks(conn, job)]
        data = [t.title for t in made] + [t.tags or "" for t in made] + ["a lo-fi beat", "Chorus"]
        data += [line for t in made for line in (t.lyrics or "").splitlines()]
        data += [*i18n.NAMES.values(), "Alice", "Ada"]
        data += ["ID: "]  # a result's footer: the track id, read back by the adapter
        sent = [text for m in d.fake.messages.values() for text in discord_texts(m)]
        sent += [text for text in shown if text]
        found = leaks(sent, data, names() | {"credits", "mysongs", "help", "mod", "language"})
        assert found == [], "\n".join(f"{words!r} in {text!r}" for text, words in found)
        assert any("⟦" in text for text in sent)


async def _jobs(conn: object) -> list[str]:
    from bot.store.database import fetch

    return [str(row[0]) for row in await fetch(conn, "SELECT id FROM jobs", ())]  # type: ignore[arg-type]
