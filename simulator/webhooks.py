"""Webhook delivery the way the vendor's guide describes it (reference §4.3).

``X-Webhook-Signature: sha256=HMAC_SHA256(secret, f"{timestamp}.{raw body}")`` over the exact
bytes sent, an event id in ``X-Webhook-Id`` mirrored in ``Idempotency-Key``. Failed deliveries
are retried a few times with backoff, so receivers must de-duplicate by event id.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import aiohttp

from simulator.state import Simulator, Task

RETRIES = 3


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def payload(sim: Simulator, task: Task, event: str) -> dict[str, Any]:
    platform = sim.knobs.platform if task.product == "sonic" else task.product
    body: dict[str, Any] = {"task_id": task.task_id, "platform": platform, "event": event}
    if event == "song.failed":
        body.update(type="failed", code=500, message=task.message, refund_processed=True)
    elif task.result is not None:
        body.update(code=200, message="success", data=task.result)
    else:
        body.update(
            code=200,
            message="streaming" if event == "song.streaming" else "success",
            data=sim.task_data(task),
        )
    return body


class WebhookSender:
    """Signs and posts task events; one session for the simulator's lifetime."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self.session:
            await self.session.close()

    async def __call__(self, task: Task, event: str) -> None:
        assert task.webhook_url
        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        body = json.dumps(payload(self.sim, task, event)).encode()
        event_id = str(uuid.uuid4())
        secret = task.webhook_secret or self.sim.knobs.default_webhook_secret
        for attempt in range(RETRIES):
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "X-Webhook-Id": event_id,
                "Idempotency-Key": event_id,
                "X-Webhook-Event": event,
                "X-Webhook-Timestamp": str(timestamp),
                "X-Webhook-Signature": sign(secret, timestamp, body),
            }
            try:
                async with self.session.post(task.webhook_url, data=body, headers=headers) as resp:
                    ok = resp.status < 300
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            self.sim.webhooks_sent.append({"event": event, "task_id": task.task_id, "ok": ok})
            if ok:
                return
            await asyncio.sleep(0.5 * 2**attempt * max(self.sim.knobs.time_scale, 0.01))
