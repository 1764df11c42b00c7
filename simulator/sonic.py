"""The Sonic endpoints: /api/v1/sonic/* and the lyrics and credits endpoints beside them."""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from dataclasses import replace
from typing import Any

from aiohttp import web

from simulator import music, render, text
from simulator.intake import IntakeError, fetch_audio, uploaded_clip
from simulator.products import NO_CREDITS, Product
from simulator.responses import Body, error, json_route, ok, sim_of
from simulator.state import VENDOR_SECONDS, Clip, Simulator, Task, builder
from simulator.validation import (
    SAMPLE_MODELS,
    TASK_TYPES,
    check_generation,
    check_webhook,
    is_old,
)

DAY = 24 * 3600
PRICES = {
    "create_music": 14,
    "cover_music": 14,
    "cover_upload_music": 14,
    "persona_music": 10,
    "extend_music": 10,
    "extend_upload_music": 10,
    "remaster": 10,
    "add_vocals": 10,
    "add_instrumental": 10,
    "concat_music": 2,
    "upload": 2,
    "sample": 14,
    "mashup": 14,
    "replace_section": 10,
    "stems_basic": 20,
    "stems_full": 50,
    "download": 2,
    "wav": 1,
    "midi": 1,
    "bpm": 1,
    "vox": 1,
    "upsample_tags": 1,
    "aligned_lyrics": 1,
    "persona": 1,
    "create_voice": 4,
    "lyrics": 0,
}


def _old_model_lyrics(kind: str, body: dict[str, Any]) -> int | None:
    """Credits the vendor charges (reference §5): old models with custom lyrics cost 10."""
    if kind == "create_music" and body.get("custom_mode") and is_old(str(body.get("mv"))):
        return 10
    return None


SONIC = Product("sonic", PRICES, pricing=_old_model_lyrics)


def find_clip(sim: Simulator, clip_id: object, field: str = "clip_id") -> Clip | str:
    clip = sim.clips.get(str(clip_id)) if clip_id else None
    if clip is None or clip.purged:
        return f"The '{field}' is invalid: clip not found."
    if clip.state != "succeeded":
        return f"The '{field}' clip is not finished yet."
    return clip


def styled_plan(
    sim: Simulator, body: dict[str, Any], salt: object, persona: dict[str, Any] | None = None
) -> music.Plan:
    text_in = str(body.get("prompt") or body.get("gpt_description_prompt") or "")
    plan = music.plan_song(
        text=text_in,
        tags=str(body.get("tags") or ""),
        duration=float(body.get("duration") or sim.knobs.song_seconds),
        instrumental=bool(body.get("make_instrumental")),
        vocal_gender=body.get("vocal_gender"),
        salt=salt,
    )
    if persona:
        plan = replace(plan, voice=persona["voice"])
    return plan


def song_words(body: dict[str, Any], salt: object) -> tuple[str, str]:
    """(title, lyrics) as the vendor would fill them in for this request."""
    description = str(body.get("gpt_description_prompt") or body.get("prompt") or "")
    title = body.get("title") or text.title_for(description, salt)
    if body.get("make_instrumental"):
        return title, text.INSTRUMENTAL_LYRICS
    if body.get("custom_mode") and not body.get("auto_lyrics"):
        return title, str(body.get("prompt") or "")
    return title, text.lyrics_for(description, salt)


def moderate(body: dict[str, Any]) -> str | None:
    for field in ("gpt_description_prompt", "tags", "title", "prompt"):
        value = str(body.get(field) or "")
        if artist := text.artist_named(value):
            return f"The song description contains artist names: '{artist}' which is not allowed."
    if fragment := text.copyrighted_fragment(str(body.get("prompt") or "")):
        return f"The lyrics contain copyrighted content: '{fragment}'. Please use original lyrics."
    return None


def new_clips(sim: Simulator, body: dict[str, Any], count: int = 2) -> list[Clip]:
    clips = []
    for salt in range(count):
        title, lyrics = song_words(body, salt)
        clips.append(
            sim.new_clip(
                title=title,
                tags=str(body.get("tags") or ""),
                lyrics=lyrics,
                mv=str(body.get("mv") or "sonic-v5"),
                description=body.get("gpt_description_prompt"),
                negative_tags=body.get("negative_tags"),
                style_weight=body.get("style_weight"),
                weirdness_constraint=body.get("weirdness_constraint"),
            )
        )
    return clips


@json_route
async def create(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    task_type = body.get("task_type", "create_music")
    if task_type not in TASK_TYPES:
        return error(400, f"The 'task_type' field is invalid: {task_type!r}.")
    if problem := check_generation(body, task_type):
        return error(400, problem)
    if problem := moderate(body):
        return error(403, problem)
    handler = _CREATE[task_type]
    return await handler(sim, request, body, task_type)


async def _new_song(
    sim: Simulator, request: web.Request, body: dict[str, Any], task_type: str
) -> web.Response:
    persona = None
    if task_type == "persona_music":
        persona = sim.personas.get(str(body.get("persona_id") or ""))
        if not body.get("persona_id"):
            return error(400, "The 'persona_id' field is required when task_type = persona_music.")
        if persona is None:
            return error(400, "The 'persona_id' is invalid: persona not found.")
    interval = sim.knobs.create_interval * sim.knobs.time_scale
    now = time.monotonic()
    if interval and now - sim.last_create < interval:
        wait = math.ceil((interval - (now - sim.last_create)) * 1000 + 1) / 1000
        return error(
            429, "Too many requests. Please slow down.", headers={"Retry-After": f"{wait:.3f}"}
        )
    sim.last_create = now
    clips = new_clips(sim, body)
    return SONIC.launch(sim, request, body, task_type, clips)


@builder("sonic", "create_music", "persona_music")
def _render_new_song(sim: Simulator, task: Task) -> None:
    body = task.recipe["body"]
    persona = sim.personas.get(str(body.get("persona_id") or ""))
    for salt, clip in enumerate(task.clips):
        render.fresh(clip, styled_plan(sim, body, salt, persona))


async def _from_source(
    sim: Simulator, request: web.Request, body: dict[str, Any], task_type: str
) -> web.Response:
    source = find_clip(sim, body.get("continue_clip_id"), "continue_clip_id")
    if isinstance(source, str):
        return error(400, source)
    uploaded = source.origin == "uploaded"
    if task_type.endswith("_upload_music") and not uploaded:
        return error(400, f"task_type = {task_type} needs a clip uploaded through /sonic/upload.")
    if task_type in ("extend_music", "cover_music") and uploaded:
        return error(
            400, f"Uploaded clips need task_type = {task_type.replace('_music', '_upload_music')}."
        )
    if task_type in ("add_vocals", "add_instrumental", "remaster"):
        if task_type != "remaster" and not uploaded:
            return error(400, f"{task_type} only accepts clips uploaded through /sonic/upload.")
        if time.time() - source.created_at > DAY:
            return error(400, f"{task_type} only accepts clips created within the last 24 hours.")
    continue_at = body.get("continue_at")
    if task_type.startswith("extend") and not (
        isinstance(continue_at, int | float) and 0 < continue_at < source.duration
    ):
        return error(
            400,
            f"The 'continue_at' field must be between 0 and the clip's duration "
            f"({source.duration:.2f}s).",
        )
    if task_type == "concat_music" and source.source is None:
        return error(400, "concat_music needs the clip_id of an extension.")
    count = 1 if task_type == "concat_music" else 2
    clips = new_clips(sim, {**body, "tags": body.get("tags") or source.tags}, count)
    if task_type in ("concat_music", "remaster"):
        for clip in clips:
            clip.title, clip.lyrics = source.title, source.lyrics
    # upload-extend with auto_concat: the extension, then the upload joined to it
    if task_type == "extend_upload_music" and body.get("auto_concat"):
        clips[0].extra["segment"], clips[1].extra["segment"] = "extended", "full"
    if task_type == "remaster" and body.get("variation_category", "normal") not in (
        "subtle",
        "normal",
        "high",
    ):
        return error(400, "The 'variation_category' field should be 'subtle', 'normal' or 'high'.")
    return SONIC.launch(sim, request, body, task_type, clips)


@builder("sonic", *(t for t in TASK_TYPES if t not in ("create_music", "persona_music")))
def _render_from_source(sim: Simulator, task: Task) -> None:
    body, task_type, clips = task.recipe["body"], task.kind, task.clips
    source = sim.clips[str(body["continue_clip_id"])]
    continue_at, duration = body.get("continue_at"), body.get("duration")
    joined = task_type == "extend_upload_music" and bool(body.get("auto_concat"))
    for salt, clip in enumerate(clips):
        styled = styled_plan(sim, body, salt)
        if joined and salt == 1:
            render.concat(clip, source, clips[0], float(continue_at or 0.0))
        elif task_type.startswith("extend"):
            render.extension(
                clip,
                source,
                styled,
                float(duration or sim.knobs.song_seconds),
                float(continue_at or 0.0),
            )
        elif task_type.startswith("cover"):
            render.cover(clip, source, styled, duration)
        elif task_type == "concat_music":
            original = sim.clips[source.source[0]]  # type: ignore[index]
            render.concat(clip, original, source, source.source[1])  # type: ignore[index]
        elif task_type == "remaster":
            render.remaster(clip, source, body.get("variation_category") or "normal", salt)
        elif task_type == "add_vocals":
            render.overlay(clip, source, styled, ("vocals",), "instrumental")
        else:
            render.overlay(clip, source, styled, ("drums", "bass", "keys"), "vocals")


_CREATE = {
    "create_music": _new_song,
    "persona_music": _new_song,
    **{t: _from_source for t in TASK_TYPES if t not in ("create_music", "persona_music")},
}


async def get_task(request: web.Request) -> web.Response:
    sim = sim_of(request)
    task = sim.tasks.get(request.match_info.get("task_id", ""))
    if task is None or task.product != "sonic":
        return error(400, "task not found.")
    if task.phase == "not_ready":
        return ok(
            {"type": "not_ready", "message": "Task is being processed, please try again later."},
            status=sim.knobs.not_ready_status,
        )
    if task.result is not None and task.phase == "succeeded":
        return ok({"code": 200, "message": "success", "data": task.result})
    if task.result is not None and task.phase != "failed":
        return ok(
            {"type": "not_ready", "message": "Task is being processed, please try again later."},
            status=sim.knobs.not_ready_status,
        )
    data = sim.task_data(task)
    return ok(
        {
            "code": 200,
            "message": "success" if task.phase != "failed" else task.message,
            "data": data,
        }
    )


async def _upload_source(sim: Simulator, url: object) -> Clip | web.Response:
    try:
        data, samples = await fetch_audio(sim, str(url or ""))
    except IntakeError as exc:
        return error(400, str(exc))
    return uploaded_clip(sim, data, samples)


@json_route
async def upload(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    if not body.get("url"):
        return error(400, "The 'url' field is required.")
    callback = body.get("callback_url")
    if callback is not None and check_webhook({"webhook_url": callback}):
        return error(400, "The 'callback_url' must be an HTTPS URL of at most 1024 characters.")
    if (refused := SONIC.charge(sim, "upload")) is not None:
        return refused
    if callback is None:
        await asyncio.sleep(sim.scaled("upload"))
        clip = await _upload_source(sim, body["url"])
        if isinstance(clip, web.Response):
            sim.refund(SONIC.price("upload"))
            return clip
        return ok({"code": 200, "message": "success", "clip_id": clip.clip_id})
    task_id = str(uuid.uuid4())
    sim.start_upload_callback(task_id, str(body["url"]), str(callback))
    return ok({"code": 200, "message": "success", "task_id": task_id})


async def _upload_then(
    sim: Simulator, body: Body, request: web.Request, task_type: str, step: str
) -> web.Response:
    if not body.get("url"):
        return error(400, "The 'url' field is required.")
    if problem := check_generation(body, task_type):
        return error(400, problem)
    if problem := moderate(body):
        return error(403, problem)
    if sim.credits < SONIC.price("upload") + SONIC.price(task_type, body):
        return error(403, NO_CREDITS)
    source = await _upload_source(sim, body["url"])
    if isinstance(source, web.Response):
        return source
    sim.charge(SONIC.price("upload"))
    body = {**body, "continue_clip_id": source.clip_id, "task_type": task_type}
    answer = await _from_source(sim, request, body, task_type)
    if answer.status != 200:
        sim.refund(SONIC.price("upload"))
        return answer
    task_id = json.loads(answer.text or "{}")["task_id"]
    return ok(
        {
            "message": "success",
            "task_id": task_id,
            "steps": {"upload": {"clip_id": source.clip_id}, step: {"task_id": task_id}},
        }
    )


@json_route
async def upload_extend(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    return await _upload_then(sim, body, request, "extend_upload_music", "extend")


@json_route
async def upload_cover(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    return await _upload_then(sim, body, request, "cover_upload_music", "cover")


@json_route
async def sample(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    if problem := check_generation(body, "create_music", SAMPLE_MODELS):
        return error(400, problem)
    if problem := moderate(body):
        return error(403, problem)
    if body.get("url"):
        source = await _upload_source(sim, body["url"])
        if isinstance(source, web.Response):
            return source
    else:
        found = find_clip(sim, body.get("sample_clip_id"), "sample_clip_id")
        if isinstance(found, str):
            return error(400, "Either 'url' or a valid 'sample_clip_id' is required.")
        source = found
    start, end = body.get("chop_sample_start_s", 0), body.get("chop_sample_end_s", source.duration)
    if not (
        isinstance(start, int | float)
        and isinstance(end, int | float)
        and 0 <= start < end <= source.duration + 0.01
    ):
        return error(
            400,
            "The sample range must satisfy "
            "0 <= chop_sample_start_s < chop_sample_end_s <= clip duration.",
        )
    clips = new_clips(sim, body)
    recipe = {"body": body, "source": source.clip_id, "start": start, "end": end}
    return SONIC.launch(sim, request, body, "sample", clips, recipe=recipe)


@builder("sonic", "sample")
def _render_sample(sim: Simulator, task: Task) -> None:
    recipe = task.recipe
    source = sim.clips[recipe["source"]]
    assert source.audio is not None and source.plan is not None
    start, end = float(recipe["start"]), float(recipe["end"])
    piece = source.audio[int(start * music.SAMPLE_RATE) : int(end * music.SAMPLE_RATE)]
    bpm = music.estimate_bpm(piece) if source.origin == "uploaded" else source.plan.bpm
    for salt, clip in enumerate(task.clips):
        styled = styled_plan(sim, recipe["body"], salt)
        render.fresh(
            clip,
            replace(styled, bpm=bpm, melody=music.melody_from_audio(piece, bpm, styled.root)),
        )


@json_route
async def mashup(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    ids = body.get("mashup_clip_ids")
    if not isinstance(ids, list) or len(ids) != 2:
        return error(400, "The 'mashup_clip_ids' field must list exactly 2 clip ids.")
    if problem := check_generation(body, "create_music", SAMPLE_MODELS):
        return error(400, problem)
    sources = [find_clip(sim, i, "mashup_clip_ids") for i in ids]
    for found in sources:
        if isinstance(found, str):
            return error(400, found)
    clips = new_clips(sim, body)
    return SONIC.launch(sim, request, body, "mashup", clips)


@builder("sonic", "mashup")
def _render_mashup(sim: Simulator, task: Task) -> None:
    body = task.recipe["body"]
    a, b = (sim.clips[str(i)] for i in body["mashup_clip_ids"])
    assert a.plan is not None and b.plan is not None
    for salt, clip in enumerate(task.clips):
        styled = styled_plan(sim, body, salt)
        plan = replace(
            styled,
            bpm=round((a.plan.bpm + b.plan.bpm) / 2),
            root=b.plan.root,
            melody=render.melody_of(a),
        )
        render.fresh(clip, plan)


@json_route
async def replace_section(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    source = find_clip(sim, body.get("clip_id"))
    if isinstance(source, str):
        return error(400, source)
    if source.notes is None:
        return error(400, "replace-section needs a clip generated by the platform.")
    start, end = body.get("infill_start_s"), body.get("infill_end_s")
    if not (
        isinstance(start, int | float)
        and isinstance(end, int | float)
        and 0 <= start < end <= source.duration
    ):
        return error(
            400, "The section must satisfy 0 <= infill_start_s < infill_end_s <= clip duration."
        )
    if not body.get("infill_lyrics"):
        return error(400, "The 'infill_lyrics' field is required.")
    if problem := check_generation({k: v for k, v in body.items() if k != "duration"}, "remaster"):
        return error(400, problem)
    full = bool(body.get("auto_concat"))
    clips = new_clips(
        sim, {**body, "custom_mode": True, "prompt": body["infill_lyrics"]}, 2 if full else 1
    )
    clips[0].extra["segment"] = "replaced"
    if full:
        clips[1].extra["segment"] = "full"
        clips[1].title, clips[1].lyrics = source.title, source.lyrics
    return SONIC.launch(sim, request, body, "replace_section", clips)


@builder("sonic", "replace_section")
def _render_replace_section(sim: Simulator, task: Task) -> None:
    body = task.recipe["body"]
    source = sim.clips[str(body["clip_id"])]
    start, end = float(body["infill_start_s"]), float(body["infill_end_s"])
    for index, clip in enumerate(task.clips):
        render.replace_section(clip, source, start, end, 0, full=index == 1)


@json_route
async def stems(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    full = request.match_info["kind"] == "full"
    source = find_clip(sim, body.get("clip_id"))
    if isinstance(source, str):
        return error(400, source)
    if not source.stems:
        return error(400, "Stems are only available for songs generated by the platform.")
    layers = list(source.stems)
    groups = (
        [[layer] for layer in layers]
        if full
        else [[v for v in layers if v == "vocals"], [v for v in layers if v != "vocals"]]
    )
    names = layers if full else ["vocals", "instrumental"]
    clips = []
    for name, group in zip(names, groups, strict=True):
        if not group:
            continue
        clip = sim.new_clip(
            title=f"{source.title} ({name})",
            tags=source.tags,
            lyrics="",
            mv=source.mv,
            origin="stem",
        )
        clip.stem_type = name
        clips.append((clip, group))
    kind = "stems_full" if full else "stems_basic"
    return SONIC.launch(
        sim,
        request,
        body,
        kind,
        [c for c, _ in clips],
        recipe={"source": source.clip_id, "groups": [g for _, g in clips]},
        vendor_seconds=VENDOR_SECONDS["stems"],
    )


@builder("sonic", "stems_full", "stems_basic")
def _render_stems(sim: Simulator, task: Task) -> None:
    source = sim.clips[task.recipe["source"]]
    for clip, group in zip(task.clips, task.recipe["groups"], strict=True):
        render.stem(clip, source, group)


@json_route
async def create_voice(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    source = await _upload_source(sim, body.get("audio_url"))
    if isinstance(source, web.Response):
        return source
    if source.duration <= 10:
        return error(400, "The voice sample must be longer than 10 seconds.")
    persona_id = str(uuid.uuid4())
    result = {"persona_id": persona_id, "name": f"Voice {persona_id[:4]}"}
    return SONIC.launch(
        sim,
        request,
        body,
        "create_voice",
        [],
        recipe={"source": source.clip_id, **result},
        vendor_seconds=VENDOR_SECONDS["voice"],
        result=result,
    )


@builder("sonic", "create_voice")
def _render_voice(sim: Simulator, task: Task) -> None:
    source = sim.clips[task.recipe["source"]]
    assert source.plan is not None
    voice = (source.plan.seed % 100) / 100
    sim.personas[task.recipe["persona_id"]] = {"voice": voice, "name": task.recipe["name"]}


@json_route
async def persona(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    if not body.get("name") or not body.get("clip_id"):
        return error(400, "name and clip_id are required fields.")
    if len(str(body["name"])) > 80:
        return error(400, "The name character length should be less than 80.")
    if len(str(body.get("describe") or "")) > 200:
        return error(400, "The description character length should be less than 200.")
    source = find_clip(sim, body["clip_id"])
    if isinstance(source, str):
        return error(400, source)
    if (refused := SONIC.charge(sim, "persona")) is not None:
        return refused
    persona_id = str(uuid.uuid4())
    voice = source.plan.voice if source.plan else 0.5
    sim.personas[persona_id] = {"voice": voice, "name": body["name"]}
    return ok({"code": 200, "message": "success", "persona_id": persona_id})


@json_route
async def lyrics(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    description = body.get("description")
    if not description or not isinstance(description, str):
        return error(400, "description is required.")
    if len(description) > 120:
        return error(400, "The description character length should be less than 120.")
    if artist := text.artist_named(description):
        return error(
            403, f"The song description contains artist names: '{artist}' which is not allowed."
        )
    results = [
        {"title": text.title_for(description, s), "lyrics": text.lyrics_for(description, s)}
        for s in (0, 1)
    ]
    return ok({"code": 200, "results": results, "message": "success"})


async def credits(request: web.Request) -> web.Response:
    return ok({"credits": sim_of(request).credits, "extra_credits": 0})
