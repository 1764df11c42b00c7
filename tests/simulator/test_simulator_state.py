"""The simulator's account on disk (``chorus sim --state DIR``, and the demo's <data>/simulator):
what a restart keeps, and that a kill never leaves a state that cannot be read."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

from bot.aimusic import AIMusicClient
from bot.aimusic import models as m
from simulator import Knobs, running_simulator
from tests.polling import finished
from tests.simulator.test_simulator import DESCRIBED, wav

KEY = "state-key"
SLOW = Knobs(time_scale=0.05, song_seconds=3.0)  # a song takes 6 s, 1.5 s before rendering


async def test_a_task_in_flight_when_the_simulator_stops_finishes_after_a_restart(
    tmp_path: Path,
) -> None:
    async with running_simulator(KEY, SLOW, state_dir=tmp_path) as first:
        async with AIMusicClient(KEY, first.url, backoff=0.001) as client:
            accepted = await client.sonic_create(m.SonicCreateRequest(**DESCRIBED))
        assert first.sim.tasks[accepted.task_id].phase == "not_ready"  # stopped before rendering
    async with (
        running_simulator(KEY, SLOW, state_dir=tmp_path) as second,
        AIMusicClient(KEY, second.url, backoff=0.001) as client,
    ):
        task = await finished(client, accepted.task_id)
        assert not task.failed and len(task.clips) == 2
        audio = await wav(task.clips[0].audio_url.replace(".mp3", ".wav"))
        assert abs(len(audio) / 44_100 - 3.0) < 0.05 and np.abs(audio).max() > 0.05
        assert (await client.get_credits()).credits == 10_000 - 14  # charged once
        clip_id = task.clips[0].clip_id
    # A third run serves the finished song's saved audio and can derive from it.
    async with (
        running_simulator(KEY, SLOW, state_dir=tmp_path) as third,
        AIMusicClient(KEY, third.url, backoff=0.001) as client,
    ):
        again = await wav(f"{third.url}/files/{clip_id}.wav")
        assert np.allclose(again, audio, atol=2e-3)  # kept as 16-bit floats
        stems = await client.stems_basic(m.ClipRequest(clip_id=clip_id))
        split = await finished(client, stems.task_id)
        assert not split.failed
        assert {c.stem_type for c in split.clips} == {"vocals", "instrumental"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(state: Path, port: int) -> subprocess.Popen[str]:
    options = ["--api-key", KEY, "--time-scale", "0.02", "--song-seconds", "3"]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "sim",
            "--state",
            str(state),
            "--port",
            str(port),
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={"PATH": "", "PYTHONUNBUFFERED": "1"},
    )


async def test_chorus_sim_killed_with_songs_in_flight_resumes_them(tmp_path: Path) -> None:
    port = free_port()
    process = serve(tmp_path, port)
    assert process.stdout is not None and "simulator on" in process.stdout.readline()
    url = f"http://127.0.0.1:{port}"
    async with AIMusicClient(KEY, url, backoff=0.001) as client:
        ids = [
            (await client.sonic_create(m.SonicCreateRequest(**DESCRIBED))).task_id for _ in range(3)
        ]
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    saved = json.loads((tmp_path / "state.json").read_text())  # whole, never torn
    assert {t["task_id"] for t in saved["tasks"]} == set(ids)

    process = serve(tmp_path, port)
    try:
        assert process.stdout is not None and "simulator on" in process.stdout.readline()
        async with AIMusicClient(KEY, url, backoff=0.001) as client:
            for task_id in ids:
                assert not (await finished(client, task_id)).failed
            assert (await client.get_credits()).credits == 10_000 - 3 * 14
    finally:
        process.terminate()
        process.wait()
