"""The simulator is honest: its audio, stems, MIDI and derivations are what they claim to be,
its credits move like the vendor's, and ``chorus sim`` serves the same over real HTTP."""

from __future__ import annotations

import asyncio
import io
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import httpx
import mutagen
import numpy as np
import pytest
import soundfile as sf
from aiohttp import web

from bot.aimusic import AIMusicClient, ValidationRejected
from bot.aimusic import models as m
from simulator import RunningSimulator
from tests.conftest import FileHost, tone
from tests.polling import finished

DESCRIBED = {
    "custom_mode": False,
    "mv": "sonic-v5",
    "gpt_description_prompt": "a pop song about the sea",
}


async def wav(url: str) -> np.ndarray:
    async with httpx.AsyncClient() as http:
        data, _ = sf.read(io.BytesIO((await http.get(url)).content), dtype="float32")
    return np.asarray(data)


async def first_clip(client: AIMusicClient, **fields: object) -> m.Clip:
    task = await finished(
        client, (await client.sonic_create(m.SonicCreateRequest(**{**DESCRIBED, **fields}))).task_id
    )
    return task.clips[0]


async def test_full_stems_add_up_to_the_song(client: AIMusicClient) -> None:
    clip = await first_clip(client)
    stems = await finished(
        client, (await client.stems_full(m.ClipRequest(clip_id=clip.clip_id))).task_id
    )
    layers = [
        await wav((await client.wav(m.ClipRequest(clip_id=s.clip_id))).wav_url) for s in stems.clips
    ]
    song = await wav((await client.wav(m.ClipRequest(clip_id=clip.clip_id))).wav_url)
    summed = np.sum(layers, axis=0)
    assert np.corrcoef(summed, song)[0, 1] > 0.99


async def test_a_cover_sings_the_source_tune_and_an_extension_keeps_its_tempo(
    client: AIMusicClient,
) -> None:
    source = await first_clip(client, tags="pop")
    cover = await first_clip(
        client, task_type="cover_music", continue_clip_id=source.clip_id, tags="jazz"
    )
    extension = await first_clip(
        client, task_type="extend_music", continue_clip_id=source.clip_id, continue_at=3
    )

    async def tune(clip: m.Clip) -> list[int]:
        midi = await client.midi(m.ClipRequest(clip_id=clip.clip_id))
        vocals = next(i for i in midi.instruments if i.name == "vocals")
        return [n.pitch % 12 for n in vocals.notes[:16]]

    cover_tune, source_tune = await tune(cover), await tune(source)
    shared = min(len(cover_tune), len(source_tune))  # the slower cover fits fewer notes in 6 s
    assert shared >= 8 and cover_tune[:shared] == source_tune[:shared]
    source_bpm = (await client.bpm(m.ClipRequest(clip_id=source.clip_id))).avg_bpm
    assert (
        await client.bpm(m.ClipRequest(clip_id=cover.clip_id))
    ).avg_bpm != source_bpm  # jazz tempo
    assert (await client.bpm(m.ClipRequest(clip_id=extension.clip_id))).avg_bpm == source_bpm


async def test_the_bpm_of_an_upload_is_measured_from_its_audio(
    client: AIMusicClient, files: FileHost
) -> None:
    uploaded = await client.upload(m.UploadRequest(url=files.put("beat.wav", tone(10))))
    bpm = await client.bpm(m.ClipRequest(clip_id=uploaded.clip_id))
    assert bpm.avg_bpm == pytest.approx(120, abs=3)  # tone() pulses twice a second


async def test_a_failed_task_is_refunded(client: AIMusicClient, sim: RunningSimulator) -> None:
    sim.sim.knobs.task_fail = 1.0
    before = sim.sim.credits
    task = await finished(
        client, (await client.sonic_create(m.SonicCreateRequest(**DESCRIBED))).task_id
    )
    assert task.failed and all(c.error_message for c in task.clips)
    assert sim.sim.credits == before


async def test_one_failed_clip_of_two_refunds_its_share(
    client: AIMusicClient, sim: RunningSimulator
) -> None:
    sim.sim.knobs.clip_fail = 1.0
    before = sim.sim.credits
    task = await finished(
        client, (await client.sonic_create(m.SonicCreateRequest(**DESCRIBED))).task_id
    )
    assert task.done and not task.failed
    assert [c.state for c in task.clips] == ["succeeded", "failed"]
    assert task.clips[1].error_message
    assert before - sim.sim.credits == 7  # 14 for the song, half of it refunded
    assert [t.charged for t in sim.sim.tasks.values()] == [7]


async def test_add_vocals_accepts_only_fresh_uploads(
    client: AIMusicClient, files: FileHost
) -> None:
    generated = await first_clip(client)
    vocals = {
        "task_type": "add_vocals",
        "mv": "sonic-v5",
        "custom_mode": True,
        "prompt": "[Verse]\nla",
    }
    with pytest.raises(ValidationRejected, match="uploaded"):
        await client.sonic_create(
            m.SonicCreateRequest(continue_clip_id=generated.clip_id, **vocals)
        )
    uploaded = await client.upload(m.UploadRequest(url=files.put("v.wav", tone(6))))
    async with httpx.AsyncClient(headers={"Authorization": "Bearer test-key-0123456789"}) as admin:
        aged = await admin.post(
            f"{client.base_url}/_sim/clips/{uploaded.clip_id}", json={"age_hours": 25}
        )
    assert aged.status_code == 200
    with pytest.raises(ValidationRejected, match="24 hours"):
        await client.sonic_create(m.SonicCreateRequest(continue_clip_id=uploaded.clip_id, **vocals))


async def test_audio_longer_than_eight_minutes_is_refused(
    client: AIMusicClient, files: FileHost
) -> None:
    long_audio = tone(9 * 60, rate=8000)
    with pytest.raises(ValidationRejected, match="8 minutes"):
        await client.upload(m.UploadRequest(url=files.put("long.wav", long_audio)))


@pytest.fixture
async def callback_sink() -> AsyncIterator[tuple[str, asyncio.Queue[dict[str, object]]]]:
    received: asyncio.Queue[dict[str, object]] = asyncio.Queue()

    async def sink(request: web.Request) -> web.Response:
        await received.put(await request.json())
        return web.Response()

    app = web.Application()
    app.router.add_post("/cb", sink)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/cb", received
    await runner.cleanup()


async def test_async_upload_posts_the_clip_to_the_callback(
    client: AIMusicClient,
    files: FileHost,
    callback_sink: tuple[str, asyncio.Queue[dict[str, object]]],
) -> None:
    url, received = callback_sink
    accepted = await client.upload_async(
        m.UploadRequest(url=files.put("a.wav", tone(6)), callback_url=url)
    )
    result = await asyncio.wait_for(received.get(), 10)
    assert result["task_id"] == accepted.task_id and result["clip_id"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_chorus_sim_serves_a_song_over_http() -> None:
    """What the README shows with curl: create, poll to succeeded, download a matching MP3."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "sim",
            "--port",
            str(port),
            "--api-key",
            "k",
            "--time-scale",
            "0.005",
            "--song-seconds",
            "5",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert "simulator on http://127.0.0.1" in server.stdout.readline()
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": "Bearer k"}
        ) as http:
            task_id = http.post("/api/v1/sonic/create", json=DESCRIBED).json()["task_id"]
            for _ in range(400):
                answer = http.get(f"/api/v1/sonic/task/{task_id}").json()
                if "data" in answer and all(c["state"] == "succeeded" for c in answer["data"]):
                    break
                time.sleep(0.05)  # polling, as a curl user would
            clip = answer["data"][0]
            audio = http.get(clip["audio_url"]).content
        info = mutagen.File(io.BytesIO(audio))  # type: ignore[attr-defined]
        assert info is not None and info.mime[0] == "audio/mp3"
        assert info.info.length == pytest.approx(float(clip["duration"]), abs=0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
