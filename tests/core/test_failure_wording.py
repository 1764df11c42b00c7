"""How a failure reads: once, in Chorus's own words, with the refund stated correctly.

Members never see the vendor's sentences (they are written for developers and often contradict
what Chorus did, e.g. "Credits were refunded" about the vendor's own credits); each failure is
announced once; and a 404 means "that track's audio is gone" only where it does: a download.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot import messages
from bot.aimusic import AIMusicClient, AIMusicError, SourceExpired
from bot.aimusic import models as m
from tests.harness import Chorus, chorus

VENDOR_WORDS = ("Credits were refunded", "Generation failed", "is invalid", "clip not found")


def failures(h: Chorus) -> list[str]:
    return [line for line in h.lines if "returned" in line or "❌" in line]


async def purged_track(h: Chorus) -> str:
    song = await h.run("/song something to lose")
    assert song is not None and song.state == "succeeded"
    track = (await h.tracks(song))[0]
    assert track.clip_id is not None
    h.sim.sim.clips[track.clip_id].purged = True  # the vendor dropped it (the 404 of download)
    return track.id


async def test_a_failed_song_is_explained_once_in_our_own_words(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        h.sim.sim.knobs.task_fail = 1.0
        job = await h.run("/song doomed")
        assert job is not None and job.state == "failed"
        notices = [line for line in h.lines if "credits were returned" in line]
        assert notices == [
            f"❌ /song {job.id}: the music service could not make this; please try again."
            " Your 14 credits were returned."
        ]
        assert not [line for line in h.lines if any(words in line for words in VENDOR_WORDS)]
        assert await h.available() == 1000


async def test_a_refund_of_one_credit_is_singular_and_the_vendor_text_stays_hidden(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path) as h:
        track = await purged_track(h)
        job = await h.run(f"/bpm {track}")
        assert job is not None and job.state == "failed" and job.error == "validation"
        notices = [line for line in failures(h) if job.id in line and "returned" in line]
        assert notices == [
            f"❌ /bpm {job.id}: the music service no longer knows that track; make a new one."
            " Your 1 credit was returned."
        ]
        assert not [line for line in h.lines if any(words in line for words in VENDOR_WORDS)]


async def test_a_download_404_says_the_tracks_audio_is_gone(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        track = await purged_track(h)
        job = await h.run(f"/wav {track}")
        assert job is not None and job.state == "failed" and job.error == "source_expired"
        assert [line for line in failures(h) if job.id in line and "returned" in line] == [
            f"❌ /wav {job.id}: the music service no longer has that track's audio;"
            " make a new one. Your 2 credits were returned."
        ]


@pytest.fixture
async def everything_404() -> AsyncIterator[str]:
    """A vendor that answers 404 to every call (a moved endpoint, a fetched link gone)."""

    async def not_found(_: web.Request) -> web.Response:
        return web.json_response({"code": 404, "message": "Not Found"}, status=404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", not_found)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_404_outside_download_is_not_blamed_on_a_tracks_audio(everything_404: str) -> None:
    async with AIMusicClient("key", everything_404, max_attempts=1) as client:
        with pytest.raises(AIMusicError) as voice:
            await client.create_voice(m.CreateVoiceRequest(audio_url="https://example.com/a.mp3"))
        with pytest.raises(SourceExpired):
            await client.download(m.DownloadRequest(clip_id="c", formats=["wav"]))
    assert not isinstance(voice.value, SourceExpired)
    said = messages.reason(voice.value.kind, voice.value.message)
    assert "track" not in said and "Not Found" not in said
