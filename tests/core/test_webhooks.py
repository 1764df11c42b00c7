"""Webhooks: the simulator signs real deliveries; the verifier accepts them and nothing forged."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp import web

from bot.aimusic import AIMusicClient
from bot.aimusic import models as m
from bot.aimusic.webhooks import (
    WebhookEvent,
    WebhookRejected,
    job_hook_url,
    named_job,
    signature,
    verify,
)

SECRET = "whsec-test"


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A loopback endpoint that records raw webhook requests."""
    seen: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: web.Request) -> web.Response:
        seen.append((dict(request.headers), await request.read()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hooks/aimusic", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/hooks/aimusic", seen
    await runner.cleanup()


async def test_real_deliveries_verify_and_carry_the_song(
    client: AIMusicClient, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, seen = receiver
    accepted = await client.sonic_create(
        m.SonicCreateRequest(
            custom_mode=False,
            mv="sonic-v5",
            gpt_description_prompt="techno",
            webhook_url=url,
            webhook_secret=SECRET,
        )
    )
    async with asyncio.timeout(10):
        while not any(h.get("X-Webhook-Event") == "song.completed" for h, _ in seen):
            await asyncio.sleep(0.02)
    events = [verify(SECRET, headers, body) for headers, body in seen]
    assert [e.event for e in events] == ["song.streaming", "song.completed"]
    done = events[-1]
    assert done.task_id == accepted.task_id and done.payload["platform"] == "sonic"
    assert [clip["state"] for clip in done.payload["data"]] == ["succeeded", "succeeded"]
    assert len({e.event_id for e in events}) == 2


def signed(
    body: bytes, *, secret: str = SECRET, at: int | None = None, event_id: str = "evt-1"
) -> dict[str, str]:
    """Headers as the vendor sends them: the event header mirrors the body's event."""
    stamp = int(time.time()) if at is None else at
    try:
        event = str(json.loads(body).get("event", ""))
    except ValueError:
        event = "song.completed"
    return {
        "X-Webhook-Id": event_id,
        "X-Webhook-Event": event,
        "X-Webhook-Timestamp": str(stamp),
        "X-Webhook-Signature": signature(secret, stamp, body),
    }


BODY = json.dumps({"task_id": "t1", "event": "song.completed", "data": []}).encode()


def test_a_genuine_event_is_read_from_its_signed_body() -> None:
    event = verify(SECRET, signed(BODY), BODY)
    digest = "sha256:" + hashlib.sha256(BODY).hexdigest()
    assert event == WebhookEvent(digest, "song.completed", event.timestamp, "t1", json.loads(BODY))


def test_a_header_that_disagrees_with_the_signed_body_is_refused() -> None:
    """A captured streaming event resent as song.failed would fail and refund a paid job."""
    streaming = json.dumps({"task_id": "t1", "event": "song.streaming", "data": []}).encode()
    relabelled = {**signed(streaming), "X-Webhook-Event": "song.failed"}
    with pytest.raises(WebhookRejected, match="X-Webhook-Event disagrees"):
        verify(SECRET, relabelled, streaming)
    with_id = json.dumps({"task_id": "t1", "event": "song.completed", "id": "e9"}).encode()
    with pytest.raises(WebhookRejected, match="x-webhook-id disagrees"):
        verify(SECRET, signed(with_id, event_id="e10"), with_id)
    assert verify(SECRET, signed(with_id, event_id="e9"), with_id).event_id == "e9"


def test_a_replay_under_a_new_id_header_is_still_the_same_event() -> None:
    first = verify(SECRET, signed(BODY, event_id="evt-1"), BODY)
    replayed = verify(SECRET, signed(BODY, event_id="evt-2"), BODY)
    assert first.event_id == replayed.event_id
    other = json.dumps({"task_id": "t1", "event": "song.streaming", "data": []}).encode()
    assert verify(SECRET, signed(other, event_id="evt-1"), other).event_id != first.event_id


# Headers are made when each case runs, not when the module is collected: a long suite would
# otherwise age the "fresh" cases out of the five-minute window.
@pytest.mark.parametrize(
    ("headers", "body", "why"),
    [
        (lambda: signed(BODY, secret="guessed"), BODY, "signature mismatch"),
        (lambda: signed(BODY), BODY.replace(b"t1", b"t2"), "signature mismatch"),
        (lambda: signed(BODY, at=int(time.time()) - 3600), BODY, "window"),
        (lambda: signed(BODY, at=int(time.time()) + 3600), BODY, "window"),
        (
            lambda: {k: v for k, v in signed(BODY).items() if k != "X-Webhook-Signature"},
            BODY,
            "missing",
        ),
        (lambda: {**signed(BODY), "X-Webhook-Timestamp": "yesterday"}, BODY, "timestamp"),
        (lambda: signed(b"not json"), b"not json", "JSON"),
    ],
    ids=["guessed", "tampered", "stale", "future", "unsigned", "bad-time", "not-json"],
)
def test_forged_stale_or_broken_events_are_rejected(
    headers: Callable[[], dict[str, str]], body: bytes, why: str
) -> None:
    with pytest.raises(WebhookRejected, match=why):
        verify(SECRET, headers(), body)


def test_a_webhook_url_names_its_job_only_with_our_signature() -> None:
    url = job_hook_url("https://bot.example/hooks/aimusic", SECRET, "job1")
    query = dict(parse_qsl(urlsplit(url).query))
    assert named_job(SECRET, query) == "job1"
    assert named_job("other-secret", query) is None
    assert named_job(SECRET, {**query, "job": "job2"}) is None  # a signature is for one job
    assert named_job(SECRET, {"job": "job1"}) is None
