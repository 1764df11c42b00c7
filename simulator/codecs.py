"""Bytes in and out of the simulator: MP3/WAV/M4A audio, a PNG cover, a Standard MIDI File and
an MP4 music video (the cover over the song).

MP3 and WAV come from libsndfile; AAC in M4A and the H.264/AAC MP4 from PyAV, whose wheel carries
FFmpeg, so the simulator needs no system codec.
"""

from __future__ import annotations

import io
import struct
import zlib
from fractions import Fraction

import av
import mido
import numpy as np
import soundfile as sf

from simulator.music import SAMPLE_RATE, Note


class NotAudioError(ValueError):
    """The bytes could not be decoded as audio (what the vendor calls 'Invalid audio file')."""


def encode(samples: np.ndarray, fmt: str) -> bytes:
    """Encode mono float samples as MP3 (libsndfile's LAME), 16-bit WAV or AAC in M4A."""
    buffer = io.BytesIO()
    if fmt == "mp3":
        sf.write(buffer, samples, SAMPLE_RATE, format="MP3")
    elif fmt == "wav":
        sf.write(buffer, samples, SAMPLE_RATE, format="WAV", subtype="PCM_16")
    elif fmt == "m4a":
        return _mux(samples, None, "ipod")
    else:
        raise ValueError(f"unsupported format {fmt!r}")
    return buffer.getvalue()


VIDEO_SIDE = 320  # pixels; H.264 in yuv420p needs even sides
VIDEO_FPS = 2  # a still cover: two frames a second keep seeking easy and the file small


def music_video(samples: np.ndarray, seed: int) -> bytes:
    """An MP4 a phone plays: the clip's cover (H.264) over its audio (AAC), as long as the song."""
    return _mux(samples, cover_pixels(seed, VIDEO_SIDE), "mp4")


def _mux(samples: np.ndarray, picture: np.ndarray | None, container_format: str) -> bytes:
    """AAC audio, and an H.264 still picture when given, in one MP4-family container."""
    out = io.BytesIO()
    with av.open(out, mode="w", format=container_format) as container:
        audio = container.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        audio.bit_rate = 96_000
        video = None
        if picture is not None:
            video = container.add_stream("libx264", rate=VIDEO_FPS)
            video.width, video.height = picture.shape[1], picture.shape[0]
            video.pix_fmt = "yuv420p"
            video.options = {"preset": "veryfast", "tune": "stillimage"}
        pcm = np.ascontiguousarray(np.clip(samples, -1, 1), dtype=np.float32)
        step = 1024  # one AAC frame
        for start in range(0, len(pcm), step):
            chunk = pcm[start : start + step].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = SAMPLE_RATE, start
            frame.time_base = Fraction(1, SAMPLE_RATE)
            container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
        if video is not None and picture is not None:
            frames = max(1, int(np.ceil(len(pcm) / SAMPLE_RATE * VIDEO_FPS)))
            for index in range(frames):
                image = av.VideoFrame.from_ndarray(picture, format="rgb24")
                image.pts = index
                container.mux(video.encode(image))
            container.mux(video.encode(None))
    return out.getvalue()


def decode(data: bytes) -> np.ndarray:
    """Decode uploaded audio to mono float32 at the simulator's sample rate."""
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise NotAudioError("Invalid audio file") from exc
    if samples.size == 0:
        raise NotAudioError("Invalid audio file")
    mono = samples.mean(axis=1)
    if rate != SAMPLE_RATE:  # linear resampling is plenty for analysis and mixing
        positions = np.arange(0, len(mono), rate / SAMPLE_RATE)
        mono = np.interp(positions, np.arange(len(mono)), mono).astype(np.float32)
    return np.asarray(mono, dtype=np.float32)


def cover_pixels(seed: int, size: int = 64) -> np.ndarray:
    """The cover as RGB pixels: a gradient in colours drawn from the seed."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 256, size=3), rng.integers(0, 256, size=3)
    ramp = np.linspace(0, 1, size)[:, None, None]
    pixels = (a * (1 - ramp) + b * ramp).astype(np.uint8)
    return np.ascontiguousarray(np.repeat(pixels, size, axis=1))


def cover_png(seed: int, size: int = 64) -> bytes:
    """A small gradient PNG (the cover), written with zlib alone."""
    image = cover_pixels(seed, size)
    raw = b"".join(b"\x00" + row.tobytes() for row in image)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


_PROGRAMS = {"bass": 33, "keys": 0, "lead": 80, "vocals": 54}


def midi_file(notes: dict[str, list[Note]], bpm: float) -> bytes:
    """A type-1 MIDI file with one track per layer; drums on channel 10 as General MIDI says."""
    ticks = 480
    song = mido.MidiFile(type=1, ticks_per_beat=ticks)
    tempo = mido.bpm2tempo(bpm)
    for index, (layer, layer_notes) in enumerate(notes.items()):
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=layer, time=0))
        if index == 0:
            track.append(mido.MetaMessage("set_tempo", tempo=tempo, time=0))
        channel = 9 if layer == "drums" else min(index, 8)
        if layer != "drums":
            track.append(mido.Message("program_change", program=_PROGRAMS[layer], channel=channel))
        events = sorted(
            [(n.start, 1, "note_on", n) for n in layer_notes]
            + [(n.end, 0, "note_off", n) for n in layer_notes],
            key=lambda e: (e[0], e[1]),
        )
        now = 0
        for seconds, _, kind, note in events:
            tick = round(mido.second2tick(seconds, ticks, tempo))
            velocity = note.velocity if kind == "note_on" else 0
            track.append(
                mido.Message(
                    kind, note=note.pitch, velocity=velocity, channel=channel, time=tick - now
                )
            )
            now = tick
        song.tracks.append(track)
    out = io.BytesIO()
    song.save(file=out)
    return out.getvalue()
