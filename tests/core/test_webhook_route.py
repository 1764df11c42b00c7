"""The bot's webhook route: what it refuses before reading, what it trusts, and redelivery."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bot.aimusic.models import SonicTask
from bot.aimusic.webhooks import signature
from bot.store import jobs
from bot.web import WEBHOOK_MAX_BYTES
from tests.harness import ENGINE, SIM_KNOBS, Chorus, chorus

SLOW = dataclasses.replace(SIM_KNOBS, time_scale=0.03)  # a song takes a few seconds
NO_FALLBACK_POLL = dataclasses.replace(ENGINE, webhook_poll=1e6)  # only webhooks finish jobs


async def running(h: Chorus, job_id: str) -> jobs.JobRow:
    """The job once the vendor has accepted it (it has a task id)."""
    async with asyncio.timeout(30):
        while True:
            job = await h.app.service.job(job_id)
            assert job is not None
            if job.task_id:
                return job
            await asyncio.sleep(0.02)


def signed(secret: str, body: bytes, **headers: str) -> dict[str, str]:
    now = int(time.time())
    return {
        "X-Webhook-Timestamp": str(now),
        "X-Webhook-Signature": signature(secret, now, body),
        "Content-Type": "application/json",
        **headers,
    }


async def raw_answer(base_url: str, head: str, body: bytes = b"") -> bytes:
    """Send a request's head (and maybe part of a body) on a raw socket; the status line back."""
    parts = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(head.encode() + b"\r\n" + body)
        await writer.drain()
        async with asyncio.timeout(5):
            return await reader.readline()
    finally:
        writer.close()


async def test_a_relabelled_streaming_webhook_cannot_fail_a_paid_job(tmp_path: Path) -> None:
    """The event header is not signed: a captured streaming event resent as song.failed under a
    new id must not fail and refund a job the vendor is making (and charging for)."""
    async with chorus(tmp_path, knobs=SLOW) as h:
        await h.console.execute("/song a tune")
        job = await running(h, h.console.started[-1])
        body = json.dumps(
            {
                "task_id": job.task_id,
                "platform": "sonic",
                "event": "song.streaming",
                "code": 200,
                "message": "streaming",
                "data": [],
            }
        ).encode()
        secret = h.app.webhook_secret or ""
        relabelled = signed(
            secret, body, **{"X-Webhook-Event": "song.failed", "X-Webhook-Id": "fresh-id"}
        )
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                f"{h.app.base_url}/hooks/aimusic", content=body, headers=relabelled
            )
        assert answer.status_code == 401
        await h.console.wait_for_jobs(60)
        finished = await h.app.service.job(job.id)
        assert finished is not None and finished.state == "succeeded"
        assert await h.available() == 1000 - 14


async def test_unsigned_or_oversized_webhooks_are_refused_before_the_body_is_read(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path) as h:
        # Headers only, a megabyte promised and never sent: the answer must not wait for it.
        unsigned = (
            "POST /hooks/aimusic HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            "Content-Length: 1048576\r\n"
        )
        assert (await raw_answer(h.app.base_url, unsigned)).startswith(b"HTTP/1.1 401")
        oversized = (
            "POST /hooks/aimusic HTTP/1.1\r\nHost: bot\r\nX-Webhook-Timestamp: 1\r\n"
            f"X-Webhook-Signature: sha256=00\r\nContent-Length: {WEBHOOK_MAX_BYTES + 1}\r\n"
        )
        assert (await raw_answer(h.app.base_url, oversized)).startswith(b"HTTP/1.1 413")

        # Chunked, with no length declared: reading stops at the cap.
        async def endless() -> AsyncIterator[bytes]:
            for _ in range(WEBHOOK_MAX_BYTES // 1024 + 64):
                yield b" " * 1024

        forged = {"X-Webhook-Timestamp": str(int(time.time())), "X-Webhook-Signature": "sha256=0"}
        async with httpx.AsyncClient() as http:
            chunked = await http.post(
                f"{h.app.base_url}/hooks/aimusic", content=endless(), headers=forged
            )
        assert chunked.status_code == 413
        metrics = (await httpx.AsyncClient().get(f"{h.app.base_url}/metrics")).text
        assert 'chorus_webhooks_total{result="too_large"} 2.0' in metrics


async def test_a_webhook_that_failed_to_apply_is_applied_on_redelivery(tmp_path: Path) -> None:
    """The first delivery of the finished song hits a failure (500); the vendor's retry of the
    very same event must finish the job, not be dropped as a duplicate."""
    async with chorus(tmp_path, engine=NO_FALLBACK_POLL) as h:
        tracker = h.app.tracker
        original = tracker.apply_sonic
        failed_once: list[str] = []

        async def hiccup_once(job: jobs.JobRow, task: SonicTask) -> None:
            if task.done and not failed_once:
                failed_once.append(job.id)
                raise RuntimeError("the store hiccuped")
            await original(job, task)

        tracker.apply_sonic = hiccup_once  # type: ignore[method-assign]
        job = await h.run("/song a tune")
        assert failed_once and job is not None and job.state == "succeeded"
        completed = [w["ok"] for w in h.sim.sim.webhooks_sent if "completed" in w["event"]]
        assert completed == [False, True]
        assert await h.available() == 1000 - 14
        assert len(await h.tracks(job)) == 2
