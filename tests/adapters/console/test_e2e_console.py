"""Every catalog operation end to end through the console adapter, with real audio checked."""

from __future__ import annotations

from pathlib import Path

import mido
import mutagen
import pytest

from bot.catalog import CATALOG
from tests.conftest import tone
from tests.harness import Chorus, chorus


def seconds_of(path: str) -> float:
    info = mutagen.File(path)  # type: ignore[attr-defined]
    assert info is not None, f"{path} is not audio"
    return float(info.info.length)


def saved_for(harness: Chorus, job_id: str) -> list[str]:
    return [f for s in harness.console.platform.saved if s.job_id == job_id for f in s.files]


async def test_a_song_is_delivered_as_two_real_mp3s_and_charged_once(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        job = await h.run("/song a lo-fi beat about rain duration=12")
        assert job is not None and job.state == "succeeded"
        tracks = await h.tracks(job)
        files = saved_for(h, job.id)
        assert len(tracks) == 2 and len(files) == 2
        for track in tracks:
            file = next(f for f in files if Path(f).name.startswith(track.id))
            assert file.endswith(".mp3")
            assert seconds_of(file) == pytest.approx(track.duration, abs=0.1)
            assert track.duration == pytest.approx(12, abs=0.1)
        assert await h.available() == 1000 - 14
        await h.app.ledger.reconcile()
        assert any(line.startswith("✅ /song") for line in h.lines)


async def test_every_operation_works_end_to_end(tmp_path: Path) -> None:
    upload = tmp_path / "riff.wav"
    upload.write_bytes(tone(12))
    voice_sample = tmp_path / "me.wav"
    voice_sample.write_bytes(tone(14, hz=220))
    ran: set[str] = set()
    async with chorus(tmp_path) as h:

        async def ok(line: str) -> list[str]:
            job = await h.run(line)
            assert job is not None, (line, h.lines[-3:])
            assert job.state == "succeeded", (line, job.error, h.lines[-3:])
            ran.add(job.op)
            return saved_for(h, job.id)

        song = await h.run("/song an upbeat pop song about summer")
        assert song is not None
        ran.add("song")
        first, second = (t.id for t in await h.tracks(song))
        extended = await ok(f"/extend {first} at=2 duration=10")
        assert seconds_of(extended[0]) == pytest.approx(10, abs=0.1)
        extension = h.console.platform.saved[-1].track_id
        full = await ok(f"/fullsong {extension}")
        assert seconds_of(full[0]) == pytest.approx(2 + 10, abs=0.1)
        for line in (
            f"/cover {first} as a jazz ballad tags=jazz",
            f"/remaster {first} high",
            '/compose "[Verse]\nHello world" title=Hello',
            f"/replace {first} new words start=1 end=3",
            f"/sample {first} a song from this hook start=0 end=3",
            f"/mashup {first} {second} blend",
            "/producer warm synthwave",
            f"/cover {upload} as a rock anthem",
            f"/extend {upload}",
            f"/vocals {upload} la la la",
            f"/instrumental {upload} a funk band",
            f"/sample {upload} hum",
        ):
            for file in await ok(line):
                assert seconds_of(file) > 0
        stems = await ok(f"/stems {first}")
        assert len(stems) == 2
        full_stems = await ok(f"/stemsfull {first}")
        assert len(full_stems) >= 4
        wav = await ok(f"/wav {first}")
        assert wav[0].endswith(".wav") and seconds_of(wav[0]) == pytest.approx(4.0, abs=0.1)
        for fmt in ("mp3", "m4a"):
            assert (await ok(f"/download {first} format={fmt}"))[0].endswith(f".{fmt}")
        assert (await ok(f"/video {first}"))[0].endswith(".mp4")
        assert (await ok(f"/upload {upload}"))[0].endswith(".mp3")
        midi = await ok(f"/midi {first}")
        assert len(mido.MidiFile(midi[0]).tracks) >= 3
        lrc = await ok(f"/timeline {first}")
        assert lrc[0].endswith(".lrc") and Path(lrc[0]).read_text().startswith("[00:")
        for line in (
            f"/bpm {first}",
            f"/vox {first} end=3",
            "/tags lo-fi",
            "/lyrics a song about the sky",
        ):
            await ok(line)
        assert "BPM" in (h.console.platform.saved[-5].text or "")  # lyrics: two results
        await ok(f"/voice {voice_sample}")
        hint = (h.console.platform.saved[-1].text or "").removeprefix("Sing with it: ")
        await ok(hint.replace("<lyrics or description>", "a song in my voice"))
        assert ran == set(CATALOG), set(CATALOG) - ran
        await h.app.ledger.reconcile()


async def test_a_failed_song_is_refunded_and_explained(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        h.sim.sim.knobs.task_fail = 1.0
        job = await h.run("/song doomed")
        assert job is not None and job.state == "failed"
        assert await h.available() == 1000
        assert any(
            "could not make this" in line and "14 credits were returned" in line for line in h.lines
        )
        await h.app.ledger.reconcile()


async def test_out_of_vendor_credits_tells_moderators_once(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        h.sim.sim.credits = 0
        for _ in range(2):
            job = await h.run("/song anything")
            assert job is not None and job.state == "failed"
        assert sum("Moderators: the music service account" in line for line in h.lines) == 1
        assert await h.available() == 1000


async def test_history_balance_and_help(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        await h.run("/song a tune")
        await h.console.execute("/history")
        await h.console.execute("/balance")
        await h.console.execute("/help")
        text = "\n".join(h.lines)
        assert "enough for 70 songs" in text  # 986 credits
        assert "/stemsfull [a track] — Split a track into every instrument (50 credits)" in text
        for command in ("/mysongs", "/as", "/mod", "/balance"):  # the console's own, listed too
            assert any(line.startswith(f"{command} — ") for line in text.splitlines()), command
        assert len([t for t in await h.app.service.history(h.console.actor, h.member.scope)]) == 2
