"""Delivery decisions a member sees: files that fit are attached, the rest are linked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from adapters.console.adapter import SCOPE, TARGET
from bot.domain import Actor, AudioInput
from bot.service import Request
from tests.conftest import FileHost, tone
from tests.harness import chorus


async def test_a_result_too_big_for_the_target_is_posted_as_a_link(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        small_target = replace(TARGET, upload_limit=10_000)  # smaller than any 4 s MP3
        accepted = await h.app.service.run(
            Request(
                op="song",
                actor=h.console.actor,
                scope=SCOPE,
                target=small_target,
                request_key="tiny-limit",
                args={"prompt": "a big song"},
            )
        )
        h.console.started.append(accepted.job_id)
        await h.console.wait_for_jobs(30)
        saved = [s for s in h.console.platform.saved if s.job_id == accepted.job_id]
        assert len(saved) == 2 and all(not s.files for s in saved)
        assert (
            sum("too big to save here, listen at http://127.0.0.1" in line for line in h.lines) == 2
        )


async def test_a_shareable_platform_url_is_passed_through_without_a_public_url(
    tmp_path: Path, files: FileHost
) -> None:
    """Discord attachment URLs are public; with no PUBLIC_BASE_URL the vendor may fetch them."""
    url = files.put("riff.wav", tone(8))
    async with chorus(tmp_path, public=False) as h:
        accepted = await h.app.service.run(
            Request(
                op="cover",
                actor=Actor("dj"),
                scope=SCOPE,
                target=TARGET,
                request_key="shared",
                args={"prompt": "as jazz"},
                audio=(AudioInput(url, "riff.wav", shareable=True),),
            )
        )
        h.console.started.append(accepted.job_id)
        await h.console.wait_for_jobs(30)
        job = await h.app.service.job(accepted.job_id)
        assert job is not None and job.state == "succeeded"
        assert h.sim.sim.fetched_urls == [url]
