"""Verifying the vendor's webhooks (reference §4.3).

``X-Webhook-Signature: sha256=<hex HMAC_SHA256(secret, f"{timestamp}.{raw body}")>`` over the
exact raw bytes, compared in constant time, inside a timestamp window. The event id is returned
so the receiver can de-duplicate replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_TOLERANCE = 300.0


class WebhookRejected(ValueError):
    """The request is not a genuine, fresh webhook from the vendor; ``str()`` says why."""


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    event: str
    timestamp: int
    task_id: str
    payload: dict[str, Any]


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> WebhookEvent:
    """Check signature and freshness, then parse; raises :class:`WebhookRejected`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    provided = lowered.get("x-webhook-signature", "")
    stamp = lowered.get("x-webhook-timestamp", "")
    event_id = lowered.get("x-webhook-id") or lowered.get("idempotency-key") or ""
    if not provided or not stamp or not event_id:
        raise WebhookRejected("missing signature, timestamp or event id headers")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookRejected("malformed timestamp") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookRejected("timestamp outside the accepted window")
    if not hmac.compare_digest(provided.encode(), signature(secret, timestamp, body).encode()):
        raise WebhookRejected("signature mismatch")
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise WebhookRejected("body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("task_id"), str):
        raise WebhookRejected("body has no task_id")
    event = lowered.get("x-webhook-event") or str(payload.get("event", ""))
    return WebhookEvent(event_id, event, timestamp, payload["task_id"], payload)
