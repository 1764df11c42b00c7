"""The Producer endpoints through the client."""

from __future__ import annotations

import io

import av
import httpx
import mutagen
import mutagen.mp4
import pytest
from pydantic import ValidationError

from bot.aimusic import AIMusicClient, EndpointRetired
from bot.aimusic import models as m
from simulator import RunningSimulator
from tests.conftest import FileHost, tone
from tests.polling import producer_finished


async def test_producer_song_then_download_and_lyrics(client: AIMusicClient) -> None:
    created = await client.producer_create(
        m.ProducerCreateRequest(sound="warm synthwave", title="Neon")
    )
    song = await producer_finished(client, created.task_id)
    assert song.status == "SUCCESS" and len(song.data) == 1  # one song per request
    clip = song.data[0]
    assert clip["title"] == "Neon" and clip["audio_url"].endswith(".mp3") and clip["wav_url"]
    download = await client.producer_download(
        m.ProducerDownloadRequest(clip_id=clip["clip_id"], format="wav")
    )
    done = await producer_finished(client, download.task_id)
    assert done.data[0]["audio_url"].endswith(".wav") and done.data[0]["task_type"] == "download"
    lyrics = await producer_finished(
        client,
        (
            await client.producer_lyrics_create(m.ProducerLyricsRequest(prompt="city lights"))
        ).task_id,
    )
    assert "city" in lyrics.data[0]["lyrics"]


async def test_producer_upload_gives_a_clip(client: AIMusicClient, files: FileHost) -> None:
    task = await client.producer_upload(m.ProducerUploadRequest(url=files.put("a.wav", tone(6))))
    done = await producer_finished(client, task.task_id)
    assert done.status == "SUCCESS" and done.data[0]["clip_id"]


async def test_video_clip_is_a_playable_mp4_of_the_song(
    client: AIMusicClient, sim: RunningSimulator
) -> None:
    """The video is H.264 over the song's AAC audio, as long as the song; 5 credits."""
    song = await producer_finished(
        client,
        (await client.producer_create(m.ProducerCreateRequest(lyrics="[Verse]\nhi"))).task_id,
    )
    clip = song.data[0]
    before = sim.sim.credits
    video = await client.producer_video_clip(m.ClipRequest(clip_id=clip["clip_id"]))
    done = await producer_finished(client, video.task_id)
    assert done.status == "SUCCESS" and done.data[0]["task_type"] == "video_clip"
    assert sim.sim.credits == before - 5
    async with httpx.AsyncClient() as http:
        answer = await http.get(done.data[0]["video_url"])
    assert answer.headers["content-type"] == "video/mp4"
    movie = mutagen.File(io.BytesIO(answer.content))
    assert isinstance(movie, mutagen.mp4.MP4)
    assert movie.info.length == pytest.approx(float(clip["duration"]), abs=0.1)
    with av.open(io.BytesIO(answer.content)) as container:
        codecs = {s.type: s.codec_context.name for s in container.streams}
        frames = sum(1 for _ in container.decode(video=0))
    assert codecs == {"video": "h264", "audio": "aac"} and frames > 1


async def test_retired_producer_task_types_are_410(client: AIMusicClient) -> None:
    with pytest.raises(EndpointRetired):
        await client._call(
            "POST", "/api/v1/producer/create", {"task_type": "extend_music", "sound": "x"}
        )
    with pytest.raises(ValidationError):
        m.ProducerCreateRequest(title="no sound and no lyrics")
