"""Polls timed by experience: the first poll comes when recent songs took to finish, the
history survives a restart, and the progress bar moves with the time left (issue 14 item 1,
issue 13 item 8). Vendor calls are counted at the simulator; nothing here measures time."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from adapters.console.adapter import SCOPE, TARGET
from bot.app import App
from bot.domain import Actor
from bot.schedule import Timing, first_poll, learned, next_poll
from bot.service import Request
from bot.store import jobs
from tests.harness import ENGINE, SIM_KNOBS, Chorus, chorus

# A song takes 120 vendor seconds, 1.2 s of wall time: long enough for the bar to move.
KNOBS = dataclasses.replace(SIM_KNOBS, time_scale=0.01)
SLOW = dataclasses.replace(ENGINE, time_scale=0.01)
LEFT = re.compile(r"generating \S+ ([1-9]\d?)%, about (\d+) s left")


async def songs(h: Chorus, count: int, tag: str) -> list[jobs.JobRow]:
    ids = []
    for n in range(count):
        request = Request(
            op="song",
            actor=Actor(f"{tag}-{n}"),
            scope=SCOPE,
            target=TARGET,
            request_key=f"{tag}-{n}",
            args={"prompt": f"song {tag} {n}"},
        )
        ids.append((await h.app.service.run(request)).job_id)
    h.console.started.extend(ids)
    await h.console.wait_for_jobs(120)
    async with h.app.store.read() as conn:
        return [job for job_id in ids if (job := await jobs.job(conn, job_id)) is not None]


def polls(h: Chorus) -> int:
    return sum(
        n for call, n in h.sim.sim.calls.items() if call.startswith("GET /api/v1/sonic/task")
    )


async def test_once_durations_are_learned_a_song_is_polled_near_its_end(tmp_path: Path) -> None:
    async with chorus(tmp_path, knobs=KNOBS, engine=SLOW, public=False) as h:
        learning = await songs(h, 3, "learn")  # polled on the fixed schedule: 10 s, then 15-25 s
        assert all(job.state == "succeeded" for job in learning)
        fixed = polls(h)
        before = polls(h)
        learned_jobs = await songs(h, 5, "learned")
        assert all(job.state == "succeeded" for job in learned_jobs)
        # The fixed schedule asks about a 120 s song six times or more; near its end, once or
        # twice (a few more if this busy machine makes one song slower than the others).
        assert fixed >= 3 * 5
        assert polls(h) - before <= 5 * 3


async def test_the_bar_shows_a_percentage_and_the_time_left_mid_song(tmp_path: Path) -> None:
    async with chorus(tmp_path, knobs=KNOBS, engine=SLOW, public=False) as h:
        await songs(h, 3, "learn")
        h.lines.clear()
        [job] = await songs(h, 1, "watched")
        assert job.state == "succeeded"
        shown = [m for line in h.lines if job.id in line and (m := LEFT.search(line))]
        # Moved between polls, not stuck at 0%: a percentage above zero with seconds left.
        assert shown, h.lines
        assert all(0 < int(m[1]) < 100 and int(m[2]) <= 120 for m in shown)


async def test_what_was_learned_survives_a_restart(tmp_path: Path) -> None:
    async with chorus(tmp_path, knobs=KNOBS, engine=SLOW, public=False) as h:
        await songs(h, 3, "learn")
        await h.app.stop()
        restarted = await App.create(h.app.settings, engine_config=SLOW)
        h.app = restarted
        h.console.service = restarted.service
        restarted.platforms["console"] = h.console.platform
        await restarted.start()
        before = polls(h)
        [job] = await songs(h, 1, "after")
        assert job.state == "succeeded"
        # Without the history the fixed schedule would ask at 10 s, 25-35 s, ... six times.
        assert polls(h) - before <= 3
        assert await restarted.statuses.expected_seconds("song", restarted.statuses.model(job))


def test_with_no_history_the_fixed_schedule_stays() -> None:
    timing = Timing()
    assert first_poll(None, timing) == timing.first
    assert timing.poll_min <= next_poll(30.0, None, timing) <= timing.poll_max


def test_a_song_past_its_estimate_is_polled_closely_then_on_the_fixed_schedule() -> None:
    timing = Timing()
    assert first_poll(120.0, timing) == 120.0
    assert next_poll(40.0, 120.0, timing) == 80.0  # wait for the estimate
    assert next_poll(121.0, 120.0, timing) == timing.close
    assert timing.poll_min <= next_poll(400.0, 120.0, timing) <= timing.poll_max


def test_a_poll_that_finds_a_song_done_teaches_a_little_earlier_than_it_saw() -> None:
    """Otherwise a first poll that always finds the song done would never move earlier."""
    timing = Timing()
    assert learned(120.0, by_webhook=False, timing=timing) < 120.0
    assert learned(120.0, by_webhook=True, timing=timing) == 120.0
