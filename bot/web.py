"""The bot's own web server: vendor webhooks, signed media for the vendor, health and metrics."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import hdrs, web
from aiohttp.abc import AbstractStreamWriter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.aimusic import AIMusicClient, AIMusicError
from bot.aimusic.models import ProducerTask, SonicTask
from bot.aimusic.webhooks import WebhookRejected, named_job, signed_headers_present, verify
from bot.media import Media
from bot.metrics import Metrics
from bot.outcomes import Outcomes, applying_event
from bot.store import Store, events, jobs, outbox
from bot.store import journal as j
from bot.tracking import Tracker

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Backend:
    """What the routes serve from: the parts of the core they read, not the whole root."""

    store: Store
    metrics: Metrics
    tracker: Tracker  # applies the task states webhooks report
    outcomes: Outcomes
    media: Media
    webhook_secret: str | None
    vendor_status: Callable[[], Awaitable[str]]
    # POST /hooks/{name} handlers that adapters register (Telegram's webhook mode)
    hooks: dict[str, Handler] = field(default_factory=dict)
    # the schedulers' wake-up (every instance's, see bot.wake): a task that ended frees a slot
    engine_wake: asyncio.Event | None = None


class Holder:
    """Lets the server bind (and learn its port) before the core it serves is fully built."""

    backend: Backend | None = None


HOLDER_KEY = web.AppKey("chorus", Holder)


def chorus(request: web.Request) -> Backend:
    backend = request.app[HOLDER_KEY].backend
    if backend is None:
        raise web.HTTPServiceUnavailable(text="starting")
    return backend


WEBHOOK_MAX_BYTES = 512 * 1024  # a finished 24-stem task is ~100 KB; nothing real comes near
WEBHOOK_READS = 4  # bodies read at once
WEBHOOK_WAITING = 16  # requests waiting for a reading slot; past that the vendor retries later
WEBHOOK_READ_SECONDS = 10.0  # waiting for a reading slot plus reading the body
# aiohttp stops reading a connection once twice this much of its body is buffered (default
# 256 KiB): with hundreds of connections sending bodies at once, that buffer is what costs memory.
READ_BUFFER = 32 * 1024


class BodyTooLarge(Exception):
    """More bytes arrived than a webhook may have, whatever Content-Length said (or if chunked)."""


class Reads:
    """Bounds the webhook bodies in memory: ``WEBHOOK_READS`` being read, a few more waiting."""

    def __init__(self) -> None:
        self.slots = asyncio.Semaphore(WEBHOOK_READS)
        self.waiting = 0


READS_KEY = web.AppKey("webhook_reads", Reads)


async def _read_capped(request: web.Request, cap: int) -> bytes:
    """The body, read in chunks and abandoned as soon as it passes ``cap``."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def _hang_up(request: web.Request, status: int, text: str) -> web.Response:
    """Answer, then drop the connection: aiohttp would otherwise read (and discard) the rest of
    a body we refused, buffering it for up to ten seconds per connection."""
    response = web.Response(status=status, text=text)
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    request.protocol.force_close()
    return response


async def webhook(request: web.Request) -> web.Response:
    """Refuse what cannot be a webhook before reading it, then verify, de-duplicate, apply.

    The signature headers and the declared length are checked before a byte of the body is
    read, and only a few bodies are read at once, so a flood of unsigned, forged or oversized
    requests costs little memory. The event is recorded as seen only once it has been applied
    (in the transaction that moves the job's money), so a delivery that failed half-way is
    applied when the vendor redelivers it.
    """
    app = chorus(request)
    metrics = app.metrics
    secret = app.webhook_secret
    if secret is None:
        return await _hang_up(request, 404, "webhooks are not enabled")
    if not signed_headers_present(request.headers):
        metrics.webhooks.labels(result="rejected").inc()
        return await _hang_up(request, 401, "rejected")
    if (request.content_length or 0) > WEBHOOK_MAX_BYTES:
        metrics.webhooks.labels(result="too_large").inc()
        return await _hang_up(request, 413, "too large")
    reads = request.app[READS_KEY]
    if reads.waiting >= WEBHOOK_WAITING:
        metrics.webhooks.labels(result="busy").inc()
        return await _hang_up(request, 503, "busy")
    reads.waiting += 1
    queued = True
    try:
        async with asyncio.timeout(WEBHOOK_READ_SECONDS):
            async with reads.slots:
                reads.waiting, queued = reads.waiting - 1, False
                body = await _read_capped(request, WEBHOOK_MAX_BYTES)
    except BodyTooLarge:  # read up to the cap already; aiohttp discards the rest as it comes
        metrics.webhooks.labels(result="too_large").inc()
        return web.Response(status=413, text="too large")
    except TimeoutError:
        metrics.webhooks.labels(result="timeout").inc()
        return await _hang_up(request, 408, "too slow")
    finally:
        if queued:
            reads.waiting -= 1
    try:
        event = verify(secret, request.headers, body)
    except WebhookRejected as exc:
        metrics.webhooks.labels(result="rejected").inc()
        log.info("rejected a webhook: %s", exc)
        return web.Response(status=401, text="rejected")
    async with app.store.read() as conn:
        seen = await events.seen_event(conn, event.event_id)
        job = await jobs.job_by_task(conn, event.task_id)
        named = named_job(secret, request.query) if job is None else None
        waiting = await jobs.job(conn, named) if named else None
    if seen:
        metrics.webhooks.labels(result="duplicate").inc()
        return web.Response(text="duplicate")
    if waiting is not None and waiting.state == "submitting":
        # Its create is still waiting for an answer: the vendor's retry will find the job by
        # its task id, or adopt it if that answer is lost.
        metrics.webhooks.labels(result="early").inc()
        return web.Response(status=503, text="not yet")
    result = "adopted"
    if waiting is not None and waiting.state == "unconfirmed":
        upstream = "producer" if event.payload.get("platform") == "producer" else "sonic"
        job = await app.tracker.adopt(waiting.id, event.task_id, upstream)
    else:
        result = "accepted"
    if job is None or job.state in jobs.TERMINAL:
        result = "ignored"
    else:
        token = applying_event.set(event.event_id)
        try:
            await apply(app, job, event.event, event.payload)
        finally:
            applying_event.reset(token)
        if app.engine_wake is not None and event.event in ("song.completed", "song.failed"):
            app.engine_wake.set()
    # Progress and ignored events move no money: recorded here. A finish or a failure already
    # recorded it in its own transaction, so this is then a no-op.
    async with app.store.write() as conn:
        await events.record_event(conn, event.event_id, time.time())
    metrics.webhooks.labels(result=result).inc()
    return web.Response(text="ignored" if result == "ignored" else "ok")


async def apply(app: Backend, job: jobs.JobRow, event: str, payload: dict[str, Any]) -> None:
    failed = event == "song.failed" or payload.get("code") not in (None, 200)
    data = payload.get("data")
    if job.upstream == "producer":
        status = "FAILED" if failed else "SUCCESS" if event == "song.completed" else "RUNNING"
        items = data if isinstance(data, list) else []
        task = ProducerTask(
            task_id=job.task_id or "", status=status, message=payload.get("message"), data=items
        )
        await app.tracker.apply_producer(job, task)
        return
    if failed:
        await app.outcomes.fail(job, "task_failed", str(payload.get("message") or ""))
        return
    await app.tracker.apply_sonic(job, SonicTask.from_data(job.task_id or "", data))


async def platform_hook(request: web.Request) -> web.StreamResponse:
    """Updates pushed by a chat platform (Telegram's webhook mode), handed to its adapter, which
    checks the platform's secret itself."""
    handler = chorus(request).hooks.get(request.match_info["platform"])
    if handler is None:
        return web.Response(status=404, text="not found")
    return await handler(request)


# One byte range, as RFC 9110 §14.1.2 spells it (the unit is case-insensitive).
BYTE_RANGE = re.compile(r"bytes=[ \t]*([0-9]*)-([0-9]*)[ \t]*", re.ASCII | re.IGNORECASE)


def single_range(header: str) -> str | None:
    """The one byte range a ``Range`` header asks for, or None when the header is to be ignored.

    RFC 9110 §14.2 lets a server ignore a Range it will not serve (an invalid one, several
    ranges, which aiohttp cannot send as multipart) and requires it to ignore an unknown unit:
    the answer is then 200 with the whole file. aiohttp answers all of these 416 instead.
    """
    found = BYTE_RANGE.fullmatch(header)
    if found is None:
        return None
    first, last = found.groups()
    if not (first or last) or (first and last and int(last) < int(first)):
        return None
    return f"bytes={first}-{last}"


class MediaFile(web.FileResponse):
    """A FileResponse that sees a Range header only when it is one well-formed byte range."""

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        asked = request.headers.get(hdrs.RANGE)
        if asked is not None:
            headers = request.headers.copy()
            del headers[hdrs.RANGE]
            if (kept := single_range(asked)) is not None:
                headers[hdrs.RANGE] = kept
            request = request.clone(headers=headers)
        return await super().prepare(request)


async def media(request: web.Request) -> web.StreamResponse:
    """Members' audio for the vendor's HEAD probe and download, with HEAD and one-range GETs."""
    path = chorus(request).media.resolve(request.match_info["token"])
    if path is None:
        return web.Response(status=404, text="not found")
    return MediaFile(path)


async def healthz(request: web.Request) -> web.Response:
    app = chorus(request)
    checks: dict[str, Any] = {}
    try:
        async with app.store.read() as conn:
            counts = await jobs.state_counts(conn)
        checks["store"] = "ok"
    except Exception as exc:
        checks["store"] = f"error: {type(exc).__name__}"
        counts = {}
    checks["vendor"] = await app.vendor_status()
    checks["queue_depth"] = counts.get("queued", 0)
    checks["in_flight"] = counts.get("running", 0) + counts.get("submitting", 0)
    healthy = checks["store"] == "ok" and checks["vendor"] == "ok"
    return web.json_response(checks, status=200 if healthy else 503)


async def metrics(request: web.Request) -> web.Response:
    app = chorus(request)
    gauges = app.metrics
    async with app.store.read() as conn:
        for state in ("queued", "submitting", "unconfirmed", "running", "succeeded", "failed"):
            gauges.jobs.labels(state=state).set(0)
        for state, n in (await jobs.state_counts(conn)).items():
            gauges.jobs.labels(state=state).set(n)
        for state, n in (await outbox.outbox_counts(conn)).items():
            gauges.outbox.labels(state=state).set(n)
        totals = await j.totals(conn)
        held = await j.held_total(conn)
    gauges.credits.labels(kind="captured").set(totals.get("capture", 0))
    gauges.credits.labels(kind="held").set(held)
    return web.Response(
        body=generate_latest(gauges.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


def make_web(holder: Holder) -> web.Application:
    site = web.Application(client_max_size=1024**2, handler_args={"read_bufsize": READ_BUFFER})
    site[HOLDER_KEY] = holder
    site[READS_KEY] = Reads()
    site.router.add_post("/hooks/aimusic", webhook)
    site.router.add_post("/hooks/{platform}", platform_hook)
    site.router.add_get("/media/{token}", media)
    site.router.add_get("/healthz", healthz)
    site.router.add_get("/metrics", metrics)
    return site


async def vendor_reachable(client: AIMusicClient) -> str:
    try:
        await client.get_credits()
    except AIMusicError as exc:
        return f"error: {exc.kind}"
    return "ok"
