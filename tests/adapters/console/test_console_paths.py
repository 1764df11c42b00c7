"""Console words that look like paths: the member's audio only for an operation that takes audio;
in a prompt they are words, unless they name a file that exists (then refused as audio)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import tone
from tests.harness import chorus


async def test_a_prompt_may_mention_slashes_and_audio_names(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        job = await h.run("/song a song about /r/music fans and ~tilde song.mp3")
        assert job is not None
        assert job.params["prompt"] == "a song about /r/music fans and ~tilde song.mp3"


async def test_a_real_audio_file_given_to_song_is_still_refused(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        path = tmp_path / "take.wav"
        path.write_bytes(tone(1.0))
        assert await h.run(f"/song a tune {path}") is None
        assert "/song works on nothing, not on an audio file." in h.lines[-1]
        assert await h.available() == 1000
