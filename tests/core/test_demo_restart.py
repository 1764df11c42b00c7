"""The demo keeps the simulator's account under --data: later runs can use earlier tracks, and a
demo killed mid-song delivers that song, once, when it starts again."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.harness import chorus_cli

FAST = ("--time-scale", "0.02", "--song-seconds", "3")


def demo(data: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    return chorus_cli("demo", "--data", str(data), *FAST, cwd=data.parent, stdin=stdin)


def sim_state(data: Path) -> dict[str, object]:
    state: dict[str, object] = json.loads((data / "simulator" / "state.json").read_text())
    return state


def test_a_later_demo_run_can_extend_cover_and_split_an_earlier_track(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    first = demo(data, "/song a lo-fi beat about rain\n")
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    track = re.findall(r"\[([0-9a-f]{6})\]", first.stdout)[0]
    lines = f"/extend {track}\n/cover {track} as a jazz ballad\n/stems {track}\n/wav {track}\n"
    second = demo(data, lines)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-2000:]
    assert "clip not found" not in second.stdout
    assert second.stdout.count("✅") == 4
    assert list((data / "songs").glob("*.wav"))  # the first run's song as WAV
    stems = [p.name for p in (data / "songs").glob("*") if "vocals" in p.name.lower()]
    assert stems  # the split of the first run's song was delivered


def test_a_demo_killed_mid_song_delivers_it_once_after_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    data.mkdir()
    script = tmp_path / "song.txt"
    script.write_text("/song a slow ballad about the sea\n")
    slow = ("--time-scale", "0.05", "--song-seconds", "3")  # a song takes 6 s of wall time
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo", "--data", str(data), *slow],
        cwd=tmp_path,
        stdin=script.open(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={"PATH": "", "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    banner = process.stdout.readline()
    for line in process.stdout:  # the bot is polling the vendor's task
        if "🎧" in line:  # streaming: the vendor is partway through the song
            break
    tasks = sim_state(data)["tasks"]
    assert isinstance(tasks, list) and tasks[0]["phase"] != "succeeded"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not list((data / "songs").glob("*.mp3"))  # killed before anything was delivered

    again = chorus_cli("demo", "--data", str(data), *slow, cwd=tmp_path, stdin="/balance\n")
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert "left from a previous run" in again.stdout
    # the same address as before: the resumed task's webhooks reach the restarted demo
    assert (
        again.stdout.splitlines()[0].split("bot web server at ")[1]
        == banner.split("bot web server at ")[1].strip()
    )
    assert again.stdout.count("♪ ") == 2  # both clips of the song, delivered once
    assert len(list((data / "songs").glob("*.mp3"))) == 2
    state = sim_state(data)
    vendor_charged = 10_000 - int(state["credits"])  # type: ignore[call-overload]
    assert vendor_charged == 14
    settled = chorus_cli("demo", "--data", str(data), *slow, cwd=tmp_path, stdin="/balance\n")
    assert "You have 186 credits: enough for 13 songs.\n" in settled.stdout  # captured once
