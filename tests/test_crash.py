"""SIGKILL the bot at five random moments while it makes 200 songs; nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
from pathlib import Path

from bot.ledger import Ledger
from bot.store import Store
from bot.store import jobs as q
from simulator import Knobs, running_simulator

ROOT = Path(__file__).resolve().parents[1]
SONGS = 200


async def start_worker(data: Path, sim_url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.crash_worker",
        str(data),
        sim_url,
        str(SONGS),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_200_songs_survive_five_sigkills(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rng = random.Random(2026)
    async with running_simulator("crash-key", Knobs(time_scale=0.005, song_seconds=2.0)) as sim:
        for _ in range(5):
            worker = await start_worker(data, sim.url)
            assert worker.stdout is not None
            for _ in range(rng.randrange(20, 600)):  # a random moment, measured in progress
                if not await worker.stdout.readline():
                    break
            with contextlib.suppress(ProcessLookupError):  # it may have finished already
                worker.kill()
            await worker.wait()
        final = await start_worker(data, sim.url)
        output, errors = await asyncio.wait_for(final.communicate(), timeout=300)
        assert final.returncode == 0, errors.decode()[-3000:]
        assert b"all done" in output

    async with await Store.open(data / "chorus.db") as store:
        ledger = Ledger(store)
        await ledger.reconcile()
        async with store.read() as conn:
            jobs = await q.jobs_in(conn, "succeeded", limit=1000) + await q.jobs_in(
                conn, "failed", limit=1000
            )
            unfinished = [await q.jobs_in(conn, s) for s in ("queued", "submitting", "running")]
            resolved = await conn.execute_fetchall(
                "SELECT r.kind, count(*) FROM jobs j JOIN journal r ON r.hold_id = j.hold_id"
                " GROUP BY r.kind"
            )
            resolutions = {str(kind): int(n) for kind, n in resolved}
            rows = await conn.execute_fetchall("SELECT id, kind, state FROM outbox")
            tracks = await conn.execute_fetchall("SELECT id FROM tracks")
        succeeded = [job for job in jobs if job.state == "succeeded"]
        assert len(jobs) == SONGS and unfinished == [
            [],
            [],
            [],
        ]  # one job per request, however many replays
        # Every hold is resolved exactly once: captured for a song, released for a failure (a run
        # whose kills never caught a submission has no releases, so the key is then absent).
        assert resolutions.get("capture", 0) == len(succeeded)
        assert resolutions.get("release", 0) == SONGS - len(succeeded)
        assert set(resolutions) <= {"capture", "release"}
        # The only jobs that may fail are those a kill caught mid-submission: Chorus cannot know
        # whether the vendor took them, so it refunds them rather than risk a second charge.
        assert {job.error for job in jobs if job.state == "failed"} <= {"restart"}
        assert succeeded
        markers = {
            p.name for p in (data / "songs" / ".delivered").iterdir() if not p.name.startswith(".")
        }
        assert {
            f"outbox-{row[0]}" for row in rows
        } == markers  # every row posted, each recorded once
        assert all(row[2] == "delivered" for row in rows)
        songs = sorted(p.name.split("-")[0] for p in (data / "songs").glob("*.mp3"))
        assert songs == sorted(str(t[0]) for t in tracks)  # one file per track, none twice
        assert len(tracks) == 2 * len(succeeded)
