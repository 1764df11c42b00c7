"""The bot's own web server: vendor webhooks, signed media for the vendor, health and metrics."""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING, Any

from aiohttp import hdrs, web
from aiohttp.abc import AbstractStreamWriter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.aimusic import AIMusicError
from bot.aimusic.models import Clip, ProducerTask, SonicTask
from bot.aimusic.webhooks import WebhookRejected, verify
from bot.store import jobs as q
from bot.store import journal as j

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


class Holder:
    """Lets the server bind (and learn its port) before the app it serves is fully built."""

    app: App | None = None


HOLDER_KEY = web.AppKey("chorus", Holder)


def chorus(request: web.Request) -> App:
    app = request.app[HOLDER_KEY].app
    if app is None:
        raise web.HTTPServiceUnavailable(text="starting")
    return app


async def webhook(request: web.Request) -> web.Response:
    """Verify, de-duplicate by event id, then finish or advance the job at once."""
    app = chorus(request)
    metrics = app.engine.metrics
    body = await request.read()
    secret = app.webhook_secret
    if secret is None:
        return web.Response(status=404, text="webhooks are not enabled")
    try:
        event = verify(secret, request.headers, body)
    except WebhookRejected as exc:
        metrics.webhooks.labels(result="rejected").inc()
        log.warning("rejected a webhook: %s", exc)
        return web.Response(status=401, text="rejected")
    async with app.store.write() as conn:
        fresh = await q.first_sighting(conn, event.event_id, time.time())
        job = await q.job_by_task(conn, event.task_id)
    if not fresh:
        metrics.webhooks.labels(result="duplicate").inc()
        return web.Response(text="duplicate")
    if job is None or job.state in q.TERMINAL:
        metrics.webhooks.labels(result="ignored").inc()
        return web.Response(text="ignored")
    metrics.webhooks.labels(result="accepted").inc()
    await apply(app, job, event.event, event.payload)
    return web.Response(text="ok")


async def apply(app: App, job: q.JobRow, event: str, payload: dict[str, Any]) -> None:
    engine = app.engine
    failed = event == "song.failed" or payload.get("code") not in (None, 200)
    data = payload.get("data")
    if job.upstream == "producer":
        status = "FAILED" if failed else "SUCCESS" if event == "song.completed" else "RUNNING"
        items = data if isinstance(data, list) else []
        task = ProducerTask(
            task_id=job.task_id or "", status=status, message=payload.get("message"), data=items
        )
        await engine.apply_producer(job.id, task)
        return
    if failed:
        await engine.fail(job.id, "task_failed", str(payload.get("message") or ""))
        return
    if isinstance(data, dict):
        await engine.apply_sonic(
            job.id, SonicTask(task_id=job.task_id or "", ready=True, result=data)
        )
        return
    clips = [Clip.model_validate(clip) for clip in data or [] if isinstance(clip, dict)]
    await engine.apply_sonic(job.id, SonicTask(task_id=job.task_id or "", ready=True, clips=clips))


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
            counts = await q.state_counts(conn)
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
    gauges = app.engine.metrics
    async with app.store.read() as conn:
        for state in ("queued", "submitting", "running", "succeeded", "failed"):
            gauges.jobs.labels(state=state).set(0)
        for state, n in (await q.state_counts(conn)).items():
            gauges.jobs.labels(state=state).set(n)
        for state, n in (await q.outbox_counts(conn)).items():
            gauges.outbox.labels(state=state).set(n)
        totals = await j.totals(conn)
        held = await conn.execute_fetchall("SELECT coalesce(sum(held), 0) FROM accounts")
    gauges.credits.labels(kind="captured").set(totals.get("capture", 0))
    gauges.credits.labels(kind="held").set(next(iter(held))[0])
    return web.Response(
        body=generate_latest(gauges.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


def make_web(holder: Holder) -> web.Application:
    site = web.Application(client_max_size=1024**2)
    site[HOLDER_KEY] = holder
    site.router.add_post("/hooks/aimusic", webhook)
    site.router.add_post("/hooks/{platform}", platform_hook)
    site.router.add_get("/media/{token}", media)
    site.router.add_get("/healthz", healthz)
    site.router.add_get("/metrics", metrics)
    return site


async def vendor_reachable(app: App) -> str:
    try:
        await app.client.get_credits()
    except AIMusicError as exc:
        return f"error: {exc.kind}"
    return "ok"
