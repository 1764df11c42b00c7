"""A job's last status is known to be the last because the engine says so, not because its
sentence starts with ✅ or ❌: a translated sentence may not, and the status message's memory
is still let go."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import messages
from tests.harness import chorus


async def test_a_translated_final_status_still_ends_the_job_s_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "done", lambda job_id, *_: f"Fertig: {job_id}.")
    async with chorus(tmp_path) as h:
        job = await h.run("/song a tune in another language")
        assert job is not None and job.state == "succeeded"
        assert f"Fertig: {job.id}." in h.lines
        assert job.id not in h.app.statuses.seen
