"""The pseudo-locale through the console end to end: everything printed is translated.

Chorus runs with DEFAULT_LANGUAGE=en_XA (every catalog string wrapped in ⟦…⟧); a session of
commands, refusals, moderation and a finished song is checked as printed, so any sentence made
outside the catalogs shows up as words outside the wrappers.
"""

from __future__ import annotations

from pathlib import Path

from bot import i18n
from bot.catalog import CATALOG
from bot.store import tracks
from tests.harness import chorus
from tests.i18n.leaks import leaks


def names() -> set[str]:
    """Words a member types as they are: command and option names, language codes."""
    typed = {"nosuchthing", "nosuch", "xx", "auto", "pt", "BR", *i18n.LANGUAGES}
    for op in CATALOG.values():
        typed |= {op.name, *op.params.model_fields}
    return typed


SESSION = [
    "/help",
    "/balance",
    "/song a lo-fi beat about rain duration=8",
    "/song a lo-fi beat about rain duration=12",
    "/midi last",
    "/mysongs",
    "/song",
    "/cover",
    "/cover 123456",
    "/nosuchthing",
    "/song a beat nosuch=1",
    "/mod settings",
    "/mod settings cooldown_seconds=5",
    "/mod show you",
    "/mod grant you 5 thanks",
    "/mod audit",
    "/mod limits you max_concurrent=1",
    "/as bob /balance",
    "/language",
    "/language xx",
    "/mod settings language=en_XA",
    "/mod ban bob spam",
    "/as bob /song hi",
]


async def test_nothing_leaks_in_the_console_under_the_pseudo_locale(tmp_path: Path) -> None:
    async with chorus(tmp_path, default_language="en_XA") as h:
        for line in SESSION:
            await h.run(line)
        async with h.app.store.read() as conn:
            made = [
                row for job_id in h.console.started for row in await tracks.job_tracks(conn, job_id)
            ]
        data = (
            [t.title for t in made]
            + [t.tags or "" for t in made]
            + ["you", "bob", "spam", "thanks"]
        )
        data += [*i18n.NAMES.values()]
        data += ["drums, bass, keys, vocals"]  # the MIDI file's own track names
        data += [line for t in made for line in (t.lyrics or "").splitlines()]
        assert h.lines, "the console printed nothing"
        assert any("⟦" in line for line in h.lines)
        found = leaks(h.lines, data, names())
        assert found == [], "\n".join(f"{words!r} in {text!r}" for text, words in found)
