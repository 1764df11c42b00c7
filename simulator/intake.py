"""Fetching user audio by URL, as the vendor does for uploads: a HEAD probe, then a GET."""

from __future__ import annotations

import hashlib

import aiohttp
import numpy as np

from simulator import codecs, music
from simulator.state import Clip, Simulator

MAX_BYTES = 100 * 1024 * 1024
MAX_SECONDS = 8 * 60
NOT_ACCESSIBLE = "Audio URL is not accessible. Please provide a public direct audio file URL."


class IntakeError(ValueError):
    """A URL the vendor would refuse; the message is the vendor's."""


async def fetch_audio(sim: Simulator, url: str) -> tuple[bytes, np.ndarray]:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise IntakeError(NOT_ACCESSIBLE)
    sim.fetched_urls.append(url)
    timeout = aiohttp.ClientTimeout(total=30)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.head(url, allow_redirects=True) as head:
                if head.status >= 400:
                    raise IntakeError(NOT_ACCESSIBLE)
            async with session.get(url) as resp:
                if resp.status >= 400:
                    raise IntakeError(NOT_ACCESSIBLE)
                buffer = bytearray()
                async for chunk in resp.content.iter_chunked(1 << 16):
                    buffer += chunk
                    if len(buffer) > MAX_BYTES:
                        break
                data = bytes(buffer)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise IntakeError(NOT_ACCESSIBLE) from exc
    if len(data) > MAX_BYTES:
        raise IntakeError("Audio file is too large.")
    try:
        samples = codecs.decode(data)
    except codecs.NotAudioError as exc:
        raise IntakeError("Invalid audio file") from exc
    if len(samples) / music.SAMPLE_RATE > MAX_SECONDS:
        raise IntakeError("Audio is too long. The maximum duration is 8 minutes.")
    return data, samples


def uploaded_clip(sim: Simulator, data: bytes, samples: np.ndarray, title: str = "Upload") -> Clip:
    """Register uploaded audio as a clip, with a plan read from the audio itself."""
    seed = int.from_bytes(hashlib.sha256(data).digest()[:4], "big")
    bpm = music.estimate_bpm(samples)
    root = 57
    plan = music.Plan(
        seed=seed,
        bpm=bpm,
        root=root,
        minor=False,
        duration=len(samples) / music.SAMPLE_RATE,
        layers=(),
        melody=music.melody_from_audio(samples, bpm, root),
    )
    clip = sim.new_clip(title=title, tags="", lyrics="", mv="upload", origin="uploaded", plan=plan)
    clip.set_rendered(samples, None)
    clip.state = "succeeded"
    return clip
