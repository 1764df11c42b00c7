"""A file the vendor is still preparing (its /download answers 202): asked for again by the
engine's own scheduling, never by a submission that sleeps and holds a worker.

The simulator's ``prepare_asks`` knob makes /download answer 202 that many times first."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.catalog import CATALOG, Env, Immediate, NotReady, Source
from tests.harness import SIM_KNOBS, Chorus, chorus


async def a_track(h: Chorus) -> tuple[str, str]:
    song = await h.run("/song a lo-fi beat about rain")
    assert song is not None and song.state == "succeeded"
    track = (await h.tracks(song))[0]
    assert track.clip_id is not None
    return track.id, track.clip_id


async def test_a_wav_being_prepared_returns_at_once_saying_when_to_ask_again(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path, knobs=dataclasses.replace(SIM_KNOBS, prepare_asks=2)) as h:
        _, clip_id = await a_track(h)
        wav, params = CATALOG["wav"], CATALOG["wav"].params()
        source = [Source(clip_id=clip_id, title="Rain")]
        env = Env(default_model="sonic-v4")
        first = await wav.call(h.app.client, params, source, env)
        assert first == NotReady(2.0)  # one ask, no sleep: the engine asks again in 2 s
        second = await wav.call(h.app.client, params, source, dataclasses.replace(env, asked=1))
        assert second == NotReady(3.0)  # less often each time
        third = await wav.call(h.app.client, params, source, dataclasses.replace(env, asked=2))
        assert isinstance(third, Immediate) and third.remote[0].filename == "Rain.wav"
        assert h.sim.sim.download_asks[clip_id] == 3


async def test_a_wav_answered_202_three_times_is_delivered_through_the_engines_queue(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path, knobs=dataclasses.replace(SIM_KNOBS, prepare_asks=3)) as h:
        track, clip_id = await a_track(h)
        before = await h.available()
        job = await h.run(f"/wav {track}")
        assert job is not None and job.state == "succeeded"
        assert job.attempts == 1  # asking again is not a failed submission
        assert h.sim.sim.download_asks[clip_id] == 4
        assert list(h.out.glob("*.wav"))  # the file arrived
        assert await h.available() == before - 2
        assert not h.app.submitter.asked  # nothing left over for the finished job


async def test_a_file_never_ready_fails_as_still_being_prepared_and_is_refunded(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path, knobs=dataclasses.replace(SIM_KNOBS, prepare_asks=10**6)) as h:
        track, clip_id = await a_track(h)
        before = await h.available()
        job = await h.run(f"/download {track} format=mp3")
        assert job is not None and job.state == "failed" and job.error == "unavailable"
        # Each of the engine's submit attempts asked a dozen times, as the old loop did.
        assert h.sim.sim.download_asks[clip_id] == 12 * h.app.scheduler.config.submit_attempts
        assert await h.available() == before
        assert any(job.id in line and "2 credits were returned" in line for line in h.lines)
