"""What members read through the console: refusals name the command, help says plainly what a
command needs, lyrics print as plain text and a new voice is named by its name."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import tone
from tests.harness import Chorus, chorus


async def said(h: Chorus, line: str) -> str:
    before = len(h.lines)
    await h.run(line)
    return "\n".join(h.lines[before:])


async def test_a_cooldown_refusal_names_the_command_not_songs(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        await said(h, "/mod limits you cooldown_seconds=600")
        job = await h.run("/lyrics a rainy day")
        assert job is not None and job.state == "succeeded"
        refused = await said(h, "/lyrics a sunny day")
        assert refused == "✋ Slow down a little: you can run /lyrics in 10 min."


async def test_help_and_refusals_say_plainly_that_a_command_needs_your_own_audio(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path) as h:
        help_text = await said(h, "/help")
        assert (
            "/vocals [your own audio file] — Sing your lyrics over your instrumental" in help_text
        )
        assert "(the music service adds to uploads only)" not in help_text
        assert await said(h, "/vocals la la la") == (
            "✋ /vocals needs your own audio file: attach one or reply to one. It cannot use a "
            "track Chorus made: the music service adds to uploaded audio only."
        )


async def test_lyrics_print_as_plain_text_without_markup(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        job = await h.run("/lyrics a rainy day")
        assert job is not None and job.state == "succeeded"
        sets = h.console.platform.saved[-2:]  # two sets, each its own result under its title
        assert all(s.job_id == job.id and s.title and s.text for s in sets)
        assert not any("**" in (s.text or "") for s in sets) and "**" not in "\n".join(h.lines)


async def test_a_new_voice_is_offered_by_its_name_and_the_hint_works(tmp_path: Path) -> None:
    sample = tmp_path / "me.wav"
    sample.write_bytes(tone(14, hz=220))
    async with chorus(tmp_path) as h:
        job = await h.run(f"/voice {sample}")
        assert job is not None and job.state == "succeeded", job.error if job else None
        card = h.console.platform.saved[-1]
        hint = (card.text or "").removeprefix("Sing with it: ")
        async with h.app.store.read() as conn:
            rows = await conn.execute_fetchall("SELECT persona_id, name FROM voices")
        ((persona_id, name),) = rows
        assert hint == f"/persona voice='{name}' <lyrics or description>"
        assert persona_id not in (card.text or "")
        sung = await h.run(hint.replace("<lyrics or description>", "a song in my voice"))
        assert sung is not None and sung.state == "succeeded", sung.error if sung else None
