"""auto_concat results: flat clips or {replaced|extended, full} pairs, by poll and by webhook."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from bot.aimusic import AIMusicClient
from bot.aimusic import models as m
from simulator import RunningSimulator
from tests.conftest import FileHost, tone
from tests.harness import SIM_KNOBS, chorus

CLIP = {"clip_id": "c1", "state": "succeeded", "title": "Song", "audio_url": "https://x/1.mp3"}


@pytest.mark.parametrize("paired", [False, True], ids=["flat", "paired"])
@pytest.mark.parametrize("webhooks", [True, False], ids=["webhook", "polling"])
async def test_replace_delivers_the_new_section_and_the_full_song(
    tmp_path: Path, paired: bool, webhooks: bool
) -> None:
    knobs = dataclasses.replace(SIM_KNOBS, paired=paired)
    async with chorus(tmp_path, knobs=knobs, public=webhooks) as h:
        song = await h.run("/song an upbeat pop song about summer")
        assert song is not None
        first = (await h.tracks(song))[0]
        job = await h.run(f"/replace {first.id} new words start=1 end=3")
        assert job is not None and job.state == "succeeded", (job, h.lines[-3:])
        titles = [track.title for track in await h.tracks(job)]
        assert titles == [
            f"{titles[0].split(' — ')[0]} — the new section",
            f"{first.title} — the full song",
        ]
        full = (await h.tracks(job))[1]
        assert full.duration == pytest.approx(first.duration, abs=0.1)
        assert await h.available() == 1000 - 14 - 10
        await h.app.ledger.reconcile()


async def test_upload_extend_with_auto_concat_parses_in_both_shapes(
    sim: RunningSimulator, client: AIMusicClient, files: FileHost
) -> None:
    url = files.put("riff.wav", tone(8))
    for paired in (False, True):
        sim.sim.knobs = dataclasses.replace(sim.sim.knobs, paired=paired)
        accepted = await client.upload_extend(
            m.UploadExtendRequest(
                url=url,
                continue_at=2.0,
                auto_concat=True,
                custom_mode=False,
                gpt_description_prompt="carry on",
                mv="sonic-v5",
            )
        )
        async with asyncio.timeout(30):
            while not (task := await client.sonic_task(accepted.task_id)).done:
                await asyncio.sleep(0.02)
        assert [c.segment for c in task.clips] == ["extended", "full"]
        assert all(c.state == "succeeded" and c.audio_url for c in task.clips)


def test_a_pair_without_its_full_song_is_not_done() -> None:
    joining = m.SonicTask.from_data("t", [{"replaced": CLIP, "full": None}])
    assert not joining.done and [c.segment for c in joining.clips] == ["replaced"]
    finished = m.SonicTask.from_data("t", {"replaced": CLIP, "full": {**CLIP, "clip_id": "c2"}})
    assert finished.done and [c.segment for c in finished.clips] == ["replaced", "full"]
    failed = m.SonicTask.from_data("t", [{"extended": {**CLIP, "state": "failed"}, "full": None}])
    assert failed.done and failed.failed
    assert m.SonicTask.from_data("t", {"persona_id": "p1", "name": "me"}).result is not None
    with pytest.raises(ValueError, match="clip_id"):
        m.SonicTask.from_data("t", [{"replaced": {"state": "succeeded"}, "full": None}])
