"""What a member pays is what was delivered, and the vendor's own bill agrees.

Each test compares three figures: the member's credits, the journal's capture, and what the
simulator charged the vendor account (its credits before and after).
"""

from __future__ import annotations

from pathlib import Path

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
