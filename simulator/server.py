"""The simulator's HTTP surface: vendor routes, file hosting, fault injection and admin knobs.

``chorus sim`` serves it; tests use :func:`running_simulator`, an in-process server on an
ephemeral loopback port.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from simulator import analysis, codecs, producer, sonic
from simulator.persistence import StateDir, resume
from simulator.responses import SIM_KEY, error, ok, read_json, sim_of
from simulator.state import Knobs, Simulator
from simulator.webhooks import WebhookSender

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RETIRED = (
    "The Nuro API has been deprecated and is no longer available. "
    "Migrate to /api/v1/sonic/create or /api/v1/producer/create."
)


@web.middleware
async def vendor_gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bearer auth and injected faults for the API and admin paths; files are public like a CDN."""
    path = request.path
    if not path.startswith(("/api/", "/_sim/")):
        return await handler(request)
    sim = sim_of(request)
    header = request.headers.get("Authorization")
    if header is None:
        return error(401, "Authorization header is missing.")
    scheme, _, key = header.partition(" ")
    if scheme != "Bearer" or not key:
        return error(401, "Invalid authorization format.")
    if not hmac.compare_digest(key.encode(), sim.api_key.encode()):
        return error(401, "Invalid API key.")
    if path.startswith("/_sim/"):
        response = await handler(request)
        if request.method != "GET":
            await sim.changed()
        return response
    resource = request.match_info.route.resource
    endpoint = f"{request.method} {resource.canonical if resource else path}"
    sim.calls[endpoint] += 1
    knobs = sim.knobs
    if sim.chance(knobs.slow_rate):
        await asyncio.sleep(knobs.slow_seconds)
    if sim.chance(knobs.fail_429):
        sim.faults[f"429 {endpoint}"] += 1
        return error(429, "Too many requests. Please slow down.", headers={"Retry-After": "1"})
    if sim.chance(knobs.fail_500):
        sim.faults[f"500 {endpoint}"] += 1
        return error(500, "Internal Server Error.")
    response = await handler(request)
    if request.method != "GET":
        await sim.changed()  # durable before the client hears of it
    if (
        sim.chance(knobs.malformed)
        and isinstance(response, web.Response)
        and response.status == 200
    ):
        # The request took effect but its answer arrives garbled: a client must not resend a POST.
        sim.faults[f"garbled {endpoint}"] += 1
        return web.Response(status=200, text='{"message": "succ', content_type="application/json")
    return response


# What the CDN serves besides covers and MIDI; an MP4 exists once a video-clip task made it.
MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "m4a": "audio/mp4", "mp4": "video/mp4"}


async def files(request: web.Request) -> web.StreamResponse:
    """The CDN: audio, covers and MIDI of clips. HEAD works too, as a prober expects."""
    sim = sim_of(request)
    clip = sim.clips.get(request.match_info["clip_id"])
    ext = request.match_info["ext"]
    streaming = request.path.startswith("/stream/")
    if clip is None or clip.purged:
        return web.Response(status=404, text="Not Found")
    if ext == "png":
        body, kind = codecs.cover_png(clip.plan.seed if clip.plan else 0), "image/png"
    elif ext == "mid" and clip.notes is not None and clip.plan is not None:
        body, kind = codecs.midi_file(clip.notes, clip.plan.bpm), "audio/midi"
    elif ext in MEDIA_TYPES and clip.rendered:  # read or rendered again in the thread below
        ready = clip.state == "succeeded" or (streaming and clip.state == "streaming")
        if not ready or (ext == "mp4" and not clip.video):
            return web.Response(status=404, text="Not Found")
        body = await asyncio.to_thread(clip.encoded, ext)
        kind = MEDIA_TYPES[ext]
    else:
        return web.Response(status=404, text="Not Found")
    return web.Response(body=body, content_type=kind)


async def retired(_: web.Request) -> web.Response:
    return error(410, RETIRED)


async def missing_task_id(_: web.Request) -> web.Response:
    return error(400, "missing task id.")


async def admin_config(request: web.Request) -> web.Response:
    sim = sim_of(request)
    if request.method == "POST":
        body = await read_json(request)
        if isinstance(body, web.Response):
            return body
        known = {f.name for f in dataclasses.fields(Knobs)}
        unknown = set(body) - known
        if unknown:
            return error(400, f"unknown knobs: {sorted(unknown)}")
        sim.knobs = dataclasses.replace(sim.knobs, **body)
        if "credits" in body:
            sim.credits = int(body["credits"])
    return ok({**dataclasses.asdict(sim.knobs), "credits": sim.credits})


async def admin_clip(request: web.Request) -> web.Response:
    """Age a clip (to test the 24-hour rules) or purge it (to test download's 404)."""
    sim = sim_of(request)
    clip = sim.clips.get(request.match_info["clip_id"])
    if clip is None:
        return error(404, "clip not found.")
    body = await read_json(request)
    if isinstance(body, web.Response):
        return body
    clip.created_at -= float(body.get("age_hours", 0)) * 3600
    clip.purged = bool(body.get("purge", clip.purged))
    return ok({"clip_id": clip.clip_id, "created_at": clip.created_at, "purged": clip.purged})


async def admin_stats(request: web.Request) -> web.Response:
    sim = sim_of(request)
    return ok(
        {
            "credits": sim.credits,
            "calls": dict(sim.calls),
            "faults": dict(sim.faults),
            "fetched_urls": sim.fetched_urls,
            "webhooks_sent": sim.webhooks_sent,
            "tasks": {task_id: task.phase for task_id, task in sim.tasks.items()},
        }
    )


def create_app(
    api_key: str, knobs: Knobs | None = None, state_dir: Path | None = None
) -> web.Application:
    """The simulator's web app; with ``state_dir`` the account is kept on disk (and restored)."""
    sim = Simulator(api_key, knobs)
    if state_dir is not None:
        StateDir(state_dir).attach(sim)
    sender = WebhookSender(sim)
    sim.deliver_webhook = sender

    async def post_callback(url: str, body: dict[str, Any]) -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                await session.post(
                    url, data=json.dumps(body), headers={"Content-Type": "application/json"}
                )
        except (aiohttp.ClientError, TimeoutError):
            sim.webhooks_sent.append({"event": "upload.callback", "ok": False})

    sim.post_callback = post_callback

    async def shutdown(_: web.Application) -> None:
        for job in list(sim.background):
            job.cancel()
        await asyncio.gather(*sim.background, return_exceptions=True)
        await sender.close()

    app = web.Application(middlewares=[vendor_gate], client_max_size=1024**2)
    app[SIM_KEY] = sim
    app.on_cleanup.append(shutdown)
    v1 = "/api/v1"
    app.router.add_post(f"{v1}/sonic/create", sonic.create)
    app.router.add_get(f"{v1}/sonic/task/{{task_id}}", sonic.get_task)
    app.router.add_get(f"{v1}/sonic/task/", missing_task_id)
    app.router.add_post(f"{v1}/sonic/upload", sonic.upload)
    app.router.add_post(f"{v1}/sonic/upload-extend", sonic.upload_extend)
    app.router.add_post(f"{v1}/sonic/upload-cover", sonic.upload_cover)
    app.router.add_post(f"{v1}/sonic/sample", sonic.sample)
    app.router.add_post(f"{v1}/sonic/mashup", sonic.mashup)
    app.router.add_post(f"{v1}/sonic/replace-section", sonic.replace_section)
    app.router.add_post(f"{v1}/sonic/stems/{{kind:basic|full}}", sonic.stems)
    app.router.add_post(f"{v1}/sonic/create-voice", sonic.create_voice)
    app.router.add_post(f"{v1}/sonic/persona", sonic.persona)
    app.router.add_post(f"{v1}/sonic/lyrics", sonic.lyrics)
    app.router.add_post(f"{v1}/sonic/bpm", analysis.bpm)
    app.router.add_post(f"{v1}/sonic/vox", analysis.vox)
    app.router.add_post(f"{v1}/sonic/wav", analysis.wav)
    app.router.add_post(f"{v1}/sonic/download", analysis.download)
    app.router.add_post(f"{v1}/sonic/midi", analysis.midi)
    app.router.add_post(f"{v1}/sonic/aligned-lyrics", analysis.aligned_lyrics)
    app.router.add_post(f"{v1}/sonic/upsample-tags", analysis.upsample_tags)
    app.router.add_get(f"{v1}/get-credits", sonic.credits)
    app.router.add_post(f"{v1}/producer/create", producer.create)
    app.router.add_post(f"{v1}/producer/lyrics-create", producer.lyrics_create)
    app.router.add_post(f"{v1}/producer/video-clip", producer.video_clip)
    app.router.add_post(f"{v1}/producer/upload", producer.upload)
    app.router.add_post(f"{v1}/producer/download", producer.download)
    app.router.add_get(f"{v1}/producer/task/{{task_id}}", producer.get_task)
    app.router.add_route("*", f"{v1}/nuro/{{tail:.*}}", retired)
    app.router.add_get("/files/{clip_id}.{ext}", files)
    app.router.add_get("/stream/{clip_id}.{ext}", files)
    app.router.add_route("*", "/_sim/config", admin_config)
    app.router.add_post("/_sim/clips/{clip_id}", admin_clip)
    app.router.add_get("/_sim/stats", admin_stats)
    return app


@dataclasses.dataclass
class RunningSimulator:
    url: str
    api_key: str
    sim: Simulator


@asynccontextmanager
async def running_simulator(
    api_key: str = "sim-key",
    knobs: Knobs | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    state_dir: Path | None = None,
) -> AsyncIterator[RunningSimulator]:
    """Serve the simulator in this event loop on loopback; yields its base URL. With
    ``state_dir`` the account outlives the process: tasks left running resume here."""
    app = create_app(api_key, knobs, state_dir)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    url = f"http://{host}:{bound}"
    resume(app[SIM_KEY], url)
    try:
        yield RunningSimulator(url=url, api_key=api_key, sim=app[SIM_KEY])
    finally:
        await runner.cleanup()
