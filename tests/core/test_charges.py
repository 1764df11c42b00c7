"""What a member pays is what was delivered, and the vendor's own bill agrees.

Each test compares three figures: the member's credits, the journal's capture, and what the
simulator charged the vendor account (its credits before and after).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.store import jobs
from tests.conftest import tone
from tests.harness import Chorus, chorus


async def captured(h: Chorus, job: jobs.JobRow) -> list[tuple[str, int]]:
    async with h.app.store.read() as conn:
        rows = await conn.execute_fetchall(
            "SELECT kind, amount FROM journal WHERE hold_id = ? AND kind != 'hold'", (job.hold_id,)
        )
    return [(str(kind), int(amount)) for kind, amount in rows]


def vendor_spent(h: Chorus, before: int) -> int:
    return before - h.sim.sim.credits


async def test_a_song_with_one_failed_version_costs_half_and_says_so(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        h.sim.sim.knobs.clip_fail = 1.0
        vendor_before = h.sim.sim.credits
        job = await h.run("/song one of these will fail")
        assert job is not None and job.state == "succeeded"
        assert len(await h.tracks(job)) == 1
        assert await h.available() == 1000 - 7
        assert await captured(h, job) == [("capture", 7)]
        assert vendor_spent(h, vendor_before) == 7  # the vendor refunded the failed clip's share
        assert any("1 of 2 versions failed; 7 credits returned." in line for line in h.lines)
        await h.app.ledger.reconcile()


async def test_a_partial_result_rounds_in_the_members_favour(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        await h.console.execute("/mod settings price_multiplier=0.5")  # a song costs 7 here
        h.sim.sim.knobs.clip_fail = 1.0
        job = await h.run("/song half of seven")
        assert job is not None and job.state == "succeeded"
        assert await captured(h, job) == [("capture", 3)]  # 7 / 2 = 3.5, rounded down
        assert await h.available() == 1000 - 3
        assert any("1 of 2 versions failed; 4 credits returned." in line for line in h.lines)


async def test_the_upload_fee_is_charged_only_when_the_vendor_uploads(tmp_path: Path) -> None:
    riff = tmp_path / "riff.wav"
    riff.write_bytes(tone(12))
    async with chorus(tmp_path) as h:
        vendor_before = h.sim.sim.credits
        first = await h.run(f"/cover {riff} as a jazz ballad")
        assert first is not None and first.state == "succeeded"
        assert await captured(h, first) == [("capture", 16)]  # 14 + the upload, 2
        again = await h.run(f"/cover {riff} as a rock anthem")  # the vendor still has it
        assert again is not None and again.state == "succeeded"
        assert await captured(h, again) == [("capture", 14)]
        assert h.sim.sim.calls["POST /api/v1/sonic/upload"] == 1
        assert await h.available() == 1000 - 30
        assert vendor_spent(h, vendor_before) == 30
        assert any("→ job" in line and "14 credits reserved" in line for line in h.lines)
        await h.app.ledger.reconcile()


async def test_a_sample_sends_a_link_and_pays_no_upload_fee(tmp_path: Path) -> None:
    hum = tmp_path / "hum.wav"
    hum.write_bytes(tone(12))
    async with chorus(tmp_path) as h:
        vendor_before = h.sim.sim.credits
        job = await h.run(f"/sample {hum} a song from my humming")
        assert job is not None and job.state == "succeeded"
        assert await captured(h, job) == [("capture", 14)]
        assert h.sim.sim.calls["POST /api/v1/sonic/upload"] == 0
        assert await h.available() == 1000 - 14
        assert vendor_spent(h, vendor_before) == 14


class Faults:
    """Makes a bookkeeping step fail the first ``times`` times it runs, then work again."""

    def __init__(self, real: Callable[..., Awaitable[Any]], times: int = 1) -> None:
        self.real, self.left = real, times

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.left:
            self.left -= 1
            raise OSError("simulated store failure after the vendor accepted")
        return await self.real(*args, **kwargs)


async def _song_despite(h: Chorus) -> None:
    """A song whose bookkeeping after the vendor accepted it failed: it is still delivered,
    and the member pays exactly what the vendor charged (not refunded while billed)."""
    vendor_before = h.sim.sim.credits
    job = await h.run("/song a lo-fi beat about rain")
    assert job is not None and job.state == "succeeded", job and job.error
    assert len(await h.tracks(job)) == 2
    assert await captured(h, job) == [("capture", vendor_spent(h, vendor_before))]
    assert await h.available() == 1000 - vendor_spent(h, vendor_before) == 1000 - 14
    await h.app.ledger.reconcile()


async def test_a_failed_first_poll_estimate_after_acceptance_neither_refunds_nor_loses_the_song(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path) as h:
        h.app.tracker.first_poll = Faults(h.app.tracker.first_poll)  # type: ignore[method-assign]
        await _song_despite(h)


async def test_a_failed_status_message_after_acceptance_neither_refunds_nor_loses_the_song(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path) as h:
        progress = h.app.submitter.progress
        progress.generating = Faults(progress.generating)  # type: ignore[method-assign]
        await _song_despite(h)


async def test_a_failed_write_of_the_running_state_is_retried_not_refunded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = jobs.update_leased  # the running state is written under the submitter's lease
    failed: list[str] = []

    async def flaky(conn: Any, job_id: str, owner: str, **fields: Any) -> bool:
        if fields.get("state") == "running" and not failed:
            failed.append(job_id)
            raise OSError("simulated disk error while recording the vendor's task")
        return await real(conn, job_id, owner, **fields)

    monkeypatch.setattr(jobs, "update_leased", flaky)
    async with chorus(tmp_path) as h:
        await _song_despite(h)
        assert failed  # the fault did hit the write


async def test_an_answer_at_once_that_fails_to_record_is_retried_and_charged_as_billed(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path) as h:
        results = h.app.submitter.results
        results.immediate = Faults(results.immediate, times=2)  # type: ignore[method-assign]
        vendor_before = h.sim.sim.credits
        job = await h.run("/tags lo-fi, rain")
        assert job is not None and job.state == "succeeded", job and job.error
        assert vendor_spent(h, vendor_before) == 1
        assert await captured(h, job) == [("capture", 1)]
        assert await h.available() == 1000 - 1
