"""Hostile and mistaken input is refused with a clear message and changes nothing."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from adapters.console.adapter import SCOPE, TARGET
from bot.aimusic.webhooks import signature
from bot.service import Refused, Request
from tests.conftest import tone
from tests.harness import Chorus, chorus


async def refused(h: Chorus, line: str, complaint: str) -> None:
    """The line is answered with ``complaint``, starts no job, and charges nothing."""
    before, jobs = await h.available(), len(h.console.started)
    await h.console.execute(line)
    assert h.lines[-1].startswith("✋"), h.lines[-1]
    assert complaint in h.lines[-1], h.lines[-1]
    assert len(h.console.started) == jobs
    assert await h.available() == before


def long_flac(path: Path, seconds: int) -> None:
    """Two hours of silence compress to almost nothing as FLAC."""
    rate = 8000
    with sf.SoundFile(path, "w", samplerate=rate, channels=1, format="FLAC") as out:
        block = np.zeros(rate * 60, dtype=np.float32)
        for _ in range(seconds // 60):
            out.write(block)


async def test_bad_audio_files_are_refused_before_any_charge(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp3"
    text.write_text("these are my lyrics, not audio")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    whole = io.BytesIO()
    sf.write(whole, np.sin(np.arange(44100 * 10) / 20).astype(np.float32), 44100, format="MP3")
    truncated = tmp_path / "cut.mp3"
    truncated.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 3])
    huge = tmp_path / "huge.wav"
    huge.write_bytes(tone(30))  # ~2.6 MB against a 1 MB limit below
    two_hours = tmp_path / "two-hours.flac"
    long_flac(two_hours, 2 * 3600)
    async with chorus(tmp_path, media_max_mb=1) as h:
        await refused(h, f"/cover {text}", "not audio Chorus can use")
        await refused(h, f"/cover {empty}", "empty")
        await refused(h, f"/cover {truncated}", "cut short")
        await refused(h, f"/cover {huge}", "Chorus accepts audio up to 1 MB")
        await refused(h, f"/cover {two_hours}", "120 minutes long")
        await refused(h, f"/cover {tmp_path / 'nowhere.mp3'}", "There is no file")
        async with h.app.store.read() as conn:
            assert await conn.execute_fetchall("SELECT * FROM jobs") == []


async def test_bad_commands_and_tracks_are_refused(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        await refused(h, "/song " + "x" * 401, "prompt is too long: at most 400 characters")
        await refused(h, "/song", "/song needs prompt (what the music should be, in your words).")
        await refused(h, "/dance now", "There is no /dance command")
        await refused(h, "/cover abcdef as jazz", "There is no track abcdef here")
        await refused(h, "/remaster", "needs a track")
        await refused(h, "/remaster abcdef strength=loud", "strength must be one of")
        await refused(h, "/persona voice=nobody hi", "no voice called 'nobody'")
        song = await h.run("/song a tune")
        assert song is not None
        first = (await h.tracks(song))[0].id
        await refused(h, f"/fullsong {first}", "pick a track made by /extend")
        await refused(h, f"/vocals {first} la la", "needs your own audio file")
        # The vendor refuses a span that ends before it starts only after the charge and a queue.
        await refused(h, f'/replace {first} start=20 end=10 "new words"', "end (10 s) must come")
        await refused(h, f"/sample {first} start=5 end=5 a hum", "must come after start (5 s)")
        await refused(h, f"/vox {first} start=9 end=3", "end (3 s) must come after start (9 s)")
        # A track from another community is not reachable from this one.
        async with h.app.store.write() as conn:
            await conn.execute("UPDATE tracks SET scope = 'another-server' WHERE id = ?", (first,))
        await refused(h, f"/cover {first} as jazz", f"There is no track {first} here")


async def test_without_a_public_url_member_audio_is_refused_clearly(tmp_path: Path) -> None:
    riff = tmp_path / "riff.wav"
    riff.write_bytes(tone(8))
    async with chorus(tmp_path, public=False) as h:
        await refused(h, f"/cover {riff}", "PUBLIC_BASE_URL")


async def test_media_links_are_signed_and_expire(tmp_path: Path) -> None:
    riff = tmp_path / "riff.wav"
    riff.write_bytes(tone(8))
    async with chorus(tmp_path) as h:
        job = await h.run(f"/cover {riff} as jazz")
        assert job is not None and job.state == "succeeded"
        fetched = [u for u in h.sim.sim.fetched_urls if "/media/" in u]
        assert len(fetched) == 1  # the vendor fetched the member's audio through a signed link
        good = fetched[0]
        token = good.rsplit("/", 1)[1]
        media_id, expires, sig, ext = token.split(".")
        async with httpx.AsyncClient() as http:
            assert (await http.head(good)).status_code == 200
            ranged = await http.get(good, headers={"Range": "bytes=0-99"})
            assert ranged.status_code == 206 and len(ranged.content) == 100
            forged = f"{h.app.base_url}/media/{media_id}.{int(expires) + 3600}.{sig}.{ext}"
            assert (await http.get(forged)).status_code == 404
            guessed = f"{h.app.base_url}/media/{media_id}.{expires}.{'0' * 32}.{ext}"
            assert (await http.get(guessed)).status_code == 404
        h.app.media.clock = lambda: time.time() + 7200
        assert h.app.media.resolve(token) is None


async def test_forged_replayed_and_stale_webhooks_change_nothing(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        await h.console.execute("/song a tune")
        job_id = h.console.started[-1]
        body = json.dumps({"task_id": "whatever", "event": "song.failed", "code": 500}).encode()
        url = f"{h.app.base_url}/hooks/aimusic"
        now = int(time.time())

        def headers(secret: str, at: int, event_id: str = "evt-1") -> dict[str, str]:
            return {
                "X-Webhook-Id": event_id,
                "X-Webhook-Event": "song.failed",
                "X-Webhook-Timestamp": str(at),
                "X-Webhook-Signature": signature(secret, at, body),
            }

        secret = h.app.webhook_secret or ""
        async with httpx.AsyncClient() as http:
            assert (
                await http.post(url, content=body, headers=headers("guess", now))
            ).status_code == 401
            assert (
                await http.post(url, content=body, headers=headers(secret, now - 3600))
            ).status_code == 401
            first = await http.post(url, content=body, headers=headers(secret, now))
            replay = await http.post(url, content=body, headers=headers(secret, now))
        assert (first.text, replay.text) == ("ignored", "duplicate")  # unknown task, then a replay
        await h.console.wait_for_jobs(30)
        finished = await h.app.service.job(job_id)
        assert finished is not None and finished.state == "succeeded"


async def test_an_unknown_option_from_an_adapter_is_named(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        with pytest.raises(Refused, match="/song has no option called colour"):
            await h.app.service.run(
                Request(
                    op="song",
                    actor=h.console.actor,
                    scope=SCOPE,
                    target=TARGET,
                    request_key="extra",
                    args={"prompt": "hi", "colour": "red"},
                )
            )
        assert await h.available() == 1000


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        (
            "/song a tune\x00",
            "Please write prompt as plain text: control characters such as U+0000",
        ),
        (
            "/song a \x1b[31mred\x1b[0m tune",
            "Please write prompt as plain text: control characters such as U+001B",
        ),
        ("/song a\x7ftune", "Please write prompt as plain text: control characters such as U+007F"),
        ("/song a\x85tune", "Please write prompt as plain text: control characters such as U+0085"),
        ("/song \u200b\u200c\u200d\ufeff", "Please write prompt with visible characters"),
        ("/song \u3164", "Please write prompt with visible characters"),
        ('/song "\u00a0 \u2800 \u2028"', "Please write prompt with visible characters"),
        (
            "/compose la la title=\x07bell",
            "Please write title as plain text: control characters such as U+0007",
        ),
        ("/compose la la title=\u200b", "Please write title with visible characters"),
        ("/compose la la title=", "Please write title with some text: it was empty."),
        ("/compose \u200b\u200b", "Please write lyrics with visible characters"),
        ("/tags \x00", "Please write tags as plain text: control characters such as U+0000"),
        ("/lyrics \u2063\u2060", "Please write description with visible characters"),
    ],
)
async def test_text_that_is_not_text_is_refused_before_any_charge(
    tmp_path: Path, line: str, complaint: str
) -> None:
    async with chorus(tmp_path) as h:
        await refused(h, line, complaint)


async def test_line_breaks_emoji_and_every_script_are_text(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        for line in (
            '/compose "[Verse]\nRain on the roof\r\n\tand on the sea" title=Rain🌧',
            "/song 雨の歌 about the sea, ‏עברית‏ and नमस्ते 🎶",
            '/song "a song\nin two lines"',
        ):
            before = len(h.console.started)
            await h.console.execute(line)
            assert len(h.console.started) == before + 1, (line, h.lines[-1])


async def test_a_refusal_does_not_echo_a_huge_track_id(tmp_path: Path) -> None:
    huge = "f" * 1000
    async with chorus(tmp_path) as h:
        for tracks, op, args in (((huge,), "remaster", {}), ((), "persona", {"voice": huge})):
            with pytest.raises(Refused) as caught:
                await h.app.service.run(
                    Request(
                        op=op,
                        actor=h.console.actor,
                        scope=SCOPE,
                        target=TARGET,
                        request_key=f"huge-{op}",
                        args=args,
                        tracks=tracks,
                    )
                )
            message = str(caught.value)
            assert "f" * 40 + "…" in message and "f" * 41 not in message, message
            assert len(message) < 200
        assert await h.available() == 1000


@pytest.mark.parametrize("seconds", [5, 10])
async def test_voice_from_too_short_audio_is_refused_before_any_charge(
    tmp_path: Path, seconds: int
) -> None:
    """The vendor documents create-voice as needing more than 10 s (reference §2.7)."""
    sample = tmp_path / "me.wav"
    sample.write_bytes(tone(seconds, hz=220))
    async with chorus(tmp_path) as h:
        await refused(h, f"/voice {sample}", "/voice needs more than 10 s of audio")
        assert not [call for call in h.sim.sim.calls if "voice" in call or "upload" in call]
