"""Issue 13, items 5, 6, 7 and 9 through the console: the Producer's upload, download, lyrics and
video; the download formats; lyrics that lead to a song; .lrc lines; valid, reachable next steps."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import av
import mutagen
import mutagen.mp4
import pytest

from bot.catalog import CATALOG
from tests.conftest import tone
from tests.harness import SIM_KNOBS, Chorus, chorus


def saved_for(harness: Chorus, job_id: str) -> list[str]:
    return [f for s in harness.console.platform.saved if s.job_id == job_id for f in s.files]


def next_line(harness: Chorus, track_id: str) -> list[str]:
    """The commands the console lists after a result: ``/op track`` pairs."""
    lines = "\n".join(harness.lines).split("\n")
    wanted = [line for line in lines if line.strip().startswith("next:") and track_id in line]
    assert wanted, f"no next steps listed for {track_id}"
    return re.findall(r"/\w+ \w+", wanted[-1])


async def test_producer_video_download_and_upload_through_the_console(tmp_path: Path) -> None:
    own = tmp_path / "mine.wav"
    own.write_bytes(tone(6))
    async with chorus(tmp_path) as h:
        made = await h.run("/producer warm synthwave")
        assert made is not None and made.state == "succeeded"
        track = (await h.tracks(made))[0]
        assert next_line(h, track.id) == [f"/video {track.id}", f"/download {track.id}"]
        before = await h.available()
        video = await h.run(f"/video {track.id}")
        assert video is not None and video.state == "succeeded", h.lines[-3:]
        [movie] = saved_for(h, video.id)
        assert movie.endswith(".mp4")
        with av.open(movie) as container:
            kinds = {s.type: s.codec_context.name for s in container.streams}
        assert kinds == {"video": "h264", "audio": "aac"}
        info = mutagen.File(movie)
        assert isinstance(info, mutagen.mp4.MP4)
        assert info.info.length == pytest.approx(track.duration, abs=0.1)
        assert await h.available() == before - 5
        wav = await h.run(f"/download {track.id} format=wav")
        assert wav is not None and wav.state == "succeeded"
        [lossless] = saved_for(h, wav.id)
        assert lossless.endswith(".wav") and mutagen.File(lossless) is not None
        before = await h.available()
        assert await h.run(f"/download {track.id} format=m4a") is None  # refused, free
        assert "mp3 or wav" in h.lines[-1] and await h.available() == before
        uploaded = await h.run(f"/upload {own}")
        assert uploaded is not None and uploaded.state == "succeeded", h.lines[-3:]
        kept = (await h.tracks(uploaded))[0]
        assert kept.duration == pytest.approx(6, abs=0.1)
        filmed = await h.run(f"/video {kept.id}")
        assert filmed is not None and filmed.state == "succeeded"
        assert saved_for(h, filmed.id)[0].endswith(".mp4")
        await h.app.ledger.reconcile()


async def test_download_offers_mp3_m4a_and_wav(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        song = await h.run("/song an upbeat pop song about summer")
        assert song is not None
        first = (await h.tracks(song))[0]
        for fmt in ("mp3", "m4a", "wav"):
            job = await h.run(f"/download {first.id} format={fmt}")
            assert job is not None and job.state == "succeeded", (fmt, h.lines[-3:])
            [file] = saved_for(h, job.id)
            assert file.endswith(f".{fmt}")
            info = mutagen.File(file)
            assert info is not None and info.info.length == pytest.approx(first.duration, abs=0.1)
            if fmt == "m4a":
                assert isinstance(info, mutagen.mp4.MP4) and info.info.codec == "mp4a.40.2"


@pytest.mark.parametrize("writer", ["sonic", "producer"])
async def test_lyrics_lead_to_a_song_with_their_line_breaks(tmp_path: Path, writer: str) -> None:
    async with chorus(tmp_path) as h:
        job = await h.run(f"/lyrics a song about the sea writer={writer}")
        assert job is not None and job.state == "succeeded", h.lines[-3:]
        sets = await h.tracks(job)
        assert len(sets) == (2 if writer == "sonic" else 1)
        words = sets[0].lyrics or ""
        assert "\n" in words and "sea" in words
        assert next_line(h, sets[-1].id) == [f"/compose {sets[-1].id}"]
        before = await h.available()
        song = await h.run(f"/compose {sets[0].id}")
        assert song is not None and song.state == "succeeded", h.lines[-3:]
        assert all(t.lyrics == words for t in await h.tracks(song))  # line breaks and all
        assert await h.available() == before - 14
        assert await h.run(f"/cover {sets[0].id}") is None  # lyrics are not audio: refused
        assert await h.available() == before - 14


async def test_the_lrc_follows_the_lyric_lines(tmp_path: Path) -> None:
    lines = ["Hello", "the ocean sings to me tonight", "goodbye"]  # old: cut at six words
    lyrics = "[Verse]\n" + "\n".join(lines[:2]) + "\n\n[Chorus]\n" + lines[2]
    async with chorus(tmp_path, knobs=dataclasses.replace(SIM_KNOBS, song_seconds=16)) as h:
        song = await h.run(f'/compose "{lyrics}" title=Sea')
        assert song is not None and song.state == "succeeded", h.lines[-3:]
        first = (await h.tracks(song))[0]
        job = await h.run(f"/timeline {first.id}")
        assert job is not None and job.state == "succeeded"
        timed = Path(saved_for(h, job.id)[0]).read_text().splitlines()
        assert [re.sub(r"^\[\d\d:\d\d\.\d\d\]", "", line) for line in timed] == lines
        stamps = [line[1:9] for line in timed]
        assert stamps == sorted(stamps)


async def test_every_next_step_is_valid_and_listed(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        song = await h.run("/song an upbeat pop song about summer")
        assert song is not None
        first = (await h.tracks(song))[0]
        listed = next_line(h, first.id)
        assert [step.split()[0][1:] for step in listed] == list(CATALOG["song"].actions)
        assert "fullsong" not in CATALOG["song"].actions  # only extensions can be joined
        for step in listed:
            job = await h.run(step)
            assert job is not None and job.state == "succeeded", (step, h.lines[-3:])
        extended = await h.run(f"/extend {first.id} at=2")
        assert extended is not None
        extension = (await h.tracks(extended))[0]
        assert f"/fullsong {extension.id}" in next_line(h, extension.id)
        full = await h.run(f"/fullsong {extension.id}")
        assert full is not None and full.state == "succeeded"
        joined = (await h.tracks(full))[0]
        assert not any(s.startswith("/fullsong") for s in next_line(h, joined.id))
        for op in CATALOG.values():  # every declared next step exists and takes a track
            assert set(op.actions) <= set(CATALOG), op.name
            assert all(
                CATALOG[a].needs.value != "nothing" or CATALOG[a].uses_lyrics for a in op.actions
            )


async def test_an_instrumental_offers_no_lyrics_file(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        song = await h.run("/song a calm piano piece instrumental=true")
        assert song is not None and song.state == "succeeded"
        track = (await h.tracks(song))[0]
        listed = [step.split()[0] for step in next_line(h, track.id)]
        assert "/timeline" not in listed and "/video" in listed
        before = await h.available()
        assert await h.run(f"/timeline {track.id}") is None
        assert "no sung words" in h.lines[-1] and await h.available() == before


def test_video_bytes_are_checked_like_audio() -> None:
    """A result file named .mp4 that is not a video is refused by delivery, like fake audio."""
    from bot.delivery import _looks_right

    assert not _looks_right(b"<html>not a video</html>", "video/mp4")
    assert _looks_right(io.BytesIO(tone(2)).getvalue(), "audio/wav")
