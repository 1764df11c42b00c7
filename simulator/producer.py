"""The Producer endpoints (/api/v1/producer/*): one song per request, its own poll shape."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from simulator import music, render, text
from simulator.intake import IntakeError, fetch_audio, uploaded_clip
from simulator.products import Product, base_url
from simulator.responses import Body, error, json_route, ok, sim_of
from simulator.sonic import find_clip
from simulator.state import VENDOR_SECONDS, Clip, Simulator, Task, builder
from simulator.validation import check_webhook

# Credits per task kind (the kind is what the poll answer reports as task_type).
PRODUCER = Product(
    "producer",
    {"create_music": 10, "make_lyrics": 1, "video_clip": 5, "upload": 2, "download": 2},
)
STATUS = {
    "not_ready": "PENDING",
    "running": "RUNNING",
    "streaming": "RUNNING",
    "succeeded": "SUCCESS",
    "failed": "FAILED",
}


def clip_json(sim: Simulator, clip: Clip, base: str) -> dict[str, Any]:
    done = clip.state == "succeeded"
    return {
        "clip_id": clip.clip_id,
        "title": clip.title,
        "sound": clip.extra.get("sound"),
        "lyrics": clip.lyrics,
        "image_url": f"{base}/files/{clip.clip_id}.png",
        "audio_url": f"{base}/files/{clip.clip_id}.mp3" if done else "",
        "wav_url": f"{base}/files/{clip.clip_id}.wav" if done else None,
        "video_url": f"{base}/files/{clip.clip_id}.mp4" if clip.video else None,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(clip.created_at)),
        "mv": clip.mv,
        "seed": clip.extra.get("seed"),
        "duration": round(clip.duration, 2) if done else None,
        "state": clip.state,
    }


@json_route
async def create(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    if body.get("task_type") != "create_music":
        return error(
            410, f"task_type {body.get('task_type')!r} has been retired. Use create_music."
        )
    sound, lyrics = body.get("sound"), body.get("lyrics")
    if not sound and not lyrics:
        return error(400, "One of 'sound' or 'lyrics' is required.")
    if len(str(body.get("title") or "")) > 80:
        return error(400, "The title character length should be less than 80.")
    seed = body.get("seed")
    if seed is not None and not (isinstance(seed, str) and seed.isdigit()):
        return error(400, "The 'seed' field must be a numeric string.")
    if "make_instrumental" in body and not isinstance(body["make_instrumental"], bool):
        return error(400, "The 'make_instrumental' field should be boolean.")
    if problem := check_webhook(body):
        return error(400, problem)
    description = str(sound or lyrics)
    clip = sim.new_clip(
        title=body.get("title") or text.title_for(description, seed),
        tags=str(sound or ""),
        lyrics=str(lyrics)
        if lyrics and not body.get("make_instrumental")
        else text.INSTRUMENTAL_LYRICS,
        mv=str(body.get("mv") or "FUZZ-2.0"),
        extra={"sound": sound, "seed": seed or str(music.seed_of(description))},
    )
    return PRODUCER.launch(sim, request, body, "create_music", [clip])


@builder("producer", "create_music")
def _render_song(sim: Simulator, task: Task) -> None:
    body = task.recipe["body"]
    sound, lyrics = body.get("sound"), body.get("lyrics")
    plan = music.plan_song(
        text=str(sound or lyrics),
        tags=str(sound or ""),
        duration=sim.knobs.song_seconds,
        instrumental=bool(body.get("make_instrumental")) or not lyrics,
        salt=body.get("seed"),
    )
    render.fresh(task.clips[0], plan)


@json_route
async def lyrics_create(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    prompt = body.get("prompt")
    if not prompt or not isinstance(prompt, str):
        return error(400, "The 'prompt' field is required.")
    result = [{"title": text.title_for(prompt), "lyrics": text.lyrics_for(prompt)}]
    return PRODUCER.launch(
        sim,
        request,
        body,
        "make_lyrics",
        [],
        build=lambda: None,
        result=result,
        vendor_seconds=VENDOR_SECONDS["prepare"],
    )


@json_route
async def video_clip(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    """A music video of a finished clip: its cover over its audio, rendered as an H.264/AAC MP4
    while the task runs; the task's result names the clip and its ``video_url``."""
    source = find_clip(sim, body.get("clip_id"))
    if isinstance(source, str):
        return error(400, source)
    if problem := check_webhook(body):
        return error(400, problem)
    base = base_url(request)
    result = [
        {
            "clip_id": source.clip_id,
            "title": source.title,
            "image_url": f"{base}/files/{source.clip_id}.png",
            "video_url": f"{base}/files/{source.clip_id}.mp4",
            "duration": round(source.duration, 2),
        }
    ]

    def build() -> None:
        source.encoded("mp4")
        source.video = True

    return PRODUCER.launch(
        sim,
        request,
        body,
        "video_clip",
        [],
        build=build,
        result=result,
        vendor_seconds=VENDOR_SECONDS["prepare"],
    )


@json_route
async def upload(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    try:
        data, samples = await fetch_audio(sim, str(body.get("url") or ""))
    except IntakeError as exc:
        return error(400, str(exc))
    clip = uploaded_clip(sim, data, samples)
    return PRODUCER.launch(
        sim,
        request,
        body,
        "upload",
        [],
        build=lambda: None,
        result=[
            {
                "clip_id": clip.clip_id,
                "title": clip.title,
                "audio_url": f"{base_url(request)}/files/{clip.clip_id}.mp3",
                "image_url": f"{base_url(request)}/files/{clip.clip_id}.png",
                "duration": round(clip.duration, 2),
            }
        ],
        vendor_seconds=VENDOR_SECONDS["upload"],
    )


@json_route
async def download(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    source = find_clip(sim, body.get("clip_id"))
    if isinstance(source, str):
        return error(400, source)
    fmt = body.get("format", "mp3")
    if fmt not in ("mp3", "wav"):
        return error(400, "The 'format' field should be 'mp3' or 'wav'.")
    result = [
        {
            "clip_id": source.clip_id,
            "format": fmt,
            "audio_url": f"{base_url(request)}/files/{source.clip_id}.{fmt}",
        }
    ]
    return PRODUCER.launch(
        sim,
        request,
        body,
        "download",
        [],
        build=lambda: None,
        result=result,
        vendor_seconds=VENDOR_SECONDS["prepare"],
    )


def task_json(sim: Simulator, task: Task) -> dict[str, Any]:
    status = STATUS[task.phase]
    if task.result is not None:
        data = (
            [{**item, "task_type": task.kind} for item in task.result]
            if status == "SUCCESS"
            else []
        )
    else:
        data = [
            {**clip_json(sim, clip, task.base_url), "task_type": task.kind} for clip in task.clips
        ]
    message = task.message if status == "FAILED" else "success"
    return {"code": 200, "status": status, "message": message, "data": data}


async def get_task(request: web.Request) -> web.Response:
    sim = sim_of(request)
    task = sim.tasks.get(request.match_info.get("task_id", ""))
    if task is None or task.product != "producer":
        return error(400, "task not found.")
    return ok(task_json(sim, task))
