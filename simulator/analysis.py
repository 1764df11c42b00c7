"""Synchronous Sonic endpoints that read a finished clip: BPM, VOX, WAV, download, MIDI, lyrics
timeline and tag upsampling. Each answers from the clip's real plan, notes or audio."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

import numpy as np
from aiohttp import web

from simulator import music, text
from simulator.products import base_url
from simulator.responses import Body, Route, error, json_route, ok
from simulator.sonic import SONIC, find_clip
from simulator.state import Clip, Simulator

DOWNLOAD_FORMATS = {"mp3", "wav", "m4a"}


ClipHandler = Callable[[Simulator, Body, Clip, web.Request], Awaitable[web.Response]]


def clip_route(handler: ClipHandler) -> Route:
    """A JSON route about one finished clip: the handler gets the clip its ``clip_id`` names,
    and a missing, unfinished or purged clip is answered with the vendor's 400 first."""

    @json_route
    @wraps(handler)
    async def route(sim: Simulator, body: Body, request: web.Request) -> web.Response:
        clip = find_clip(sim, body.get("clip_id"))
        if isinstance(clip, str):
            return error(400, clip)
        return await handler(sim, body, clip, request)

    return route


def _data(payload: dict[str, Any]) -> web.Response:
    return ok({"code": 200, "message": "success", "data": payload})


@clip_route
async def bpm(sim: Simulator, body: Body, clip: Clip, request: web.Request) -> web.Response:
    assert clip.plan is not None and clip.audio is not None
    if (refused := SONIC.charge(sim, "bpm")) is not None:
        return refused
    if clip.origin == "uploaded":
        half = len(clip.audio) // 2
        values = [music.estimate_bpm(clip.audio[:half]), music.estimate_bpm(clip.audio[half:])]
    else:
        values = [clip.plan.bpm]
    return _data(
        {
            "avg_bpm": round(float(np.mean(values)), 1),
            "max_bpm": max(values),
            "min_bpm": min(values),
        }
    )


@clip_route
async def vox(sim: Simulator, body: Body, clip: Clip, request: web.Request) -> web.Response:
    start = body.get("vocal_start_s", 0)
    end = body.get(
        "vocal_end_s", min(clip.duration, start + 30 if isinstance(start, int | float) else 30)
    )
    if not (
        isinstance(start, int | float)
        and isinstance(end, int | float)
        and 0 <= start < end <= clip.duration
    ):
        return error(
            400, "The vocal range must satisfy 0 <= vocal_start_s < vocal_end_s <= clip duration."
        )
    if end - start > 30:
        return error(400, "The vocal range must be at most 30 seconds.")
    if not clip.stems or "vocals" not in clip.stems:
        return error(400, "This clip has no vocals.")
    if (refused := SONIC.charge(sim, "vox")) is not None:
        return refused
    a, b = int(start * music.SAMPLE_RATE), int(end * music.SAMPLE_RATE)
    segment = clip.stems["vocals"][a:b]
    vox_clip = sim.new_clip(
        title=f"{clip.title} (vox)", tags=clip.tags, lyrics=clip.lyrics, mv=clip.mv, origin="stem"
    )
    vox_clip.plan = clip.plan
    vox_clip.set_rendered(segment, None)
    vox_clip.state = "succeeded"
    peaks = [
        round(float(np.max(np.abs(chunk))), 3)
        for chunk in np.array_split(segment, 32)
        if len(chunk)
    ]
    return _data(
        {
            "vox_audio_id": vox_clip.clip_id,
            "status": "complete",
            "source_clip_id": clip.clip_id,
            "vocal_start_s": start,
            "vocal_end_s": end,
            "wave_response": {"peaks": peaks},
        }
    )


@clip_route
async def wav(sim: Simulator, body: Body, clip: Clip, request: web.Request) -> web.Response:
    if (refused := SONIC.charge(sim, "wav")) is not None:
        return refused
    return _data({"wav_url": f"{base_url(request)}/files/{clip.clip_id}.wav"})


@json_route
async def download(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    """200 with file URLs once prepared; 202 while preparing (free); 404 once purged."""
    clip = sim.clips.get(str(body.get("clip_id") or ""))
    if clip is None or clip.purged:
        return error(404, "The source audio is no longer available. Please regenerate the song.")
    formats = body.get("formats") or ["mp3"]
    if not isinstance(formats, list) or not formats or not set(formats) <= DOWNLOAD_FORMATS:
        return error(400, "The 'formats' field must list one or more of: mp3, m4a, wav.")
    ready_at = sim.prepared.setdefault(clip.clip_id, time.monotonic() + sim.scaled("prepare"))
    sim.download_asks[clip.clip_id] += 1
    if sim.knobs.prepare_asks:  # a test's count of 202s, not the clock
        preparing = sim.download_asks[clip.clip_id] <= sim.knobs.prepare_asks
    else:
        preparing = time.monotonic() < ready_at
    if preparing:
        return ok(
            {"code": 202, "message": "Files are being prepared. Please retry shortly."}, status=202
        )
    if (refused := SONIC.charge(sim, "download")) is not None:
        return refused
    files = [
        {"format": f, "file_url": f"{base_url(request)}/files/{clip.clip_id}.{f}"} for f in formats
    ]
    return _data({"clip_id": clip.clip_id, "files": files})


@clip_route
async def midi(sim: Simulator, body: Body, clip: Clip, request: web.Request) -> web.Response:
    if clip.notes is None:
        return error(400, "MIDI is only available for songs and stems generated by the platform.")
    if (refused := SONIC.charge(sim, "midi")) is not None:
        return refused
    instruments = [
        {
            "name": layer,
            "notes": [
                {
                    "pitch": n.pitch,
                    "start": round(n.start, 4),
                    "end": round(n.end, 4),
                    "velocity": n.velocity,
                }
                for n in notes
            ],
        }
        for layer, notes in clip.notes.items()
    ]
    return _data(
        {"midi_url": f"{base_url(request)}/files/{clip.clip_id}.mid", "instruments": instruments}
    )


@clip_route
async def aligned_lyrics(
    sim: Simulator, body: Body, clip: Clip, request: web.Request
) -> web.Response:
    """Spread the lyric words over the sung notes; the first call per clip costs 1 credit."""
    sung = (clip.notes or {}).get("vocals", [])
    words = text.lyric_words(clip.lyrics)
    if not sung or not words:
        return error(400, "This clip has no sung lyrics to align.")
    if clip.clip_id not in sim.aligned:
        if (refused := SONIC.charge(sim, "aligned_lyrics")) is not None:
            return refused
        sim.aligned.add(clip.clip_id)
    alignment = []
    for index, word in enumerate(words):
        note = sung[index % len(sung)] if index < len(sung) else None
        alignment.append(
            {
                "word": word,
                "start_s": round(note.start, 3) if note else None,
                "end_s": round(note.end, 3) if note else None,
                "p_align": 0.9 if note else 0.0,
                "success": note is not None,
            }
        )
    return _data({"alignment": alignment})


@json_route
async def upsample_tags(sim: Simulator, body: Body, request: web.Request) -> web.Response:
    tags = body.get("tags")
    if not tags or not isinstance(tags, str):
        return error(400, "The 'tags' field is required.")
    if (refused := SONIC.charge(sim, "upsample_tags")) is not None:
        return refused
    return _data({"upsampled_tags": text.upsample_tags(tags)})
