"""Verifying the vendor's webhooks (reference §4.3).

``X-Webhook-Signature: sha256=<hex HMAC_SHA256(secret, f"{timestamp}.{raw body}")>`` over the
exact raw bytes, compared in constant time, inside a timestamp window.

Only the timestamp and the body are signed: ``X-Webhook-Event`` and ``X-Webhook-Id`` could be
rewritten by anyone who captured a delivery. So the event type and the task come from the signed
body, a header that disagrees with the body is refused, and the id used to de-duplicate is the
body's own id when it has one, else a hash of the signed body (the vendor's retries resend the
same body, so they de-duplicate; a changed body fails the signature).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

DEFAULT_TOLERANCE = 300.0
SIGNATURE_HEADER = "x-webhook-signature"
TIMESTAMP_HEADER = "x-webhook-timestamp"
BODY_ID_FIELDS = ("event_id", "id")


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


def signed_headers_present(headers: Mapping[str, str]) -> bool:
    """Whether a request carries what verification needs: checked before any body is read."""
    lowered = {k.lower() for k in headers}
    return SIGNATURE_HEADER in lowered and TIMESTAMP_HEADER in lowered


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> WebhookEvent:
    """Check signature and freshness, then take event, task and id from the signed body;
    raises :class:`WebhookRejected`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    provided = lowered.get(SIGNATURE_HEADER, "")
    stamp = lowered.get(TIMESTAMP_HEADER, "")
    if not provided or not stamp:
        raise WebhookRejected("missing signature or timestamp headers")
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
    event = payload.get("event")
    if not isinstance(event, str) or not event:
        raise WebhookRejected("body has no event")
    if lowered.get("x-webhook-event", event) != event:
        raise WebhookRejected("X-Webhook-Event disagrees with the signed body")
    return WebhookEvent(
        _event_id(payload, body, lowered), event, timestamp, payload["task_id"], payload
    )


def _event_id(payload: dict[str, Any], body: bytes, lowered: dict[str, str]) -> str:
    """The body's own id if it carries one (a header must then agree), else the body's hash."""
    own = next((payload[k] for k in BODY_ID_FIELDS if isinstance(payload.get(k), str)), None)
    if own is None:
        return "sha256:" + hashlib.sha256(body).hexdigest()
    for header in ("x-webhook-id", "idempotency-key"):
        if lowered.get(header, own) != own:
            raise WebhookRejected(f"{header} disagrees with the signed body")
    return str(own)


def job_signature(secret: str, job_id: str) -> str:
    return hmac.new(secret.encode(), f"job:{job_id}".encode(), hashlib.sha256).hexdigest()[:32]


def job_hook_url(base_url: str, secret: str, job_id: str) -> str:
    """The webhook URL sent with a job's create: it names the job, signed by us (the vendor's
    HMAC covers the body, not the URL), so a task whose create answer was lost can be matched
    to its job when the task's webhook arrives."""
    return f"{base_url}?{urlencode({'job': job_id, 'sig': job_signature(secret, job_id)})}"


def named_job(secret: str, query: Mapping[str, str]) -> str | None:
    """The job a webhook URL names, if its signature is ours."""
    job_id, sig = query.get("job", ""), query.get("sig", "")
    if not job_id or not hmac.compare_digest(sig.encode(), job_signature(secret, job_id).encode()):
        return None
    return job_id
