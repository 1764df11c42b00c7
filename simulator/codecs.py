"""Bytes in and out of the simulator: MP3/WAV audio, a PNG cover, a Standard MIDI File."""

from __future__ import annotations

import io
import struct
import zlib

import mido
import numpy as np
import soundfile as sf

from simulator.music import SAMPLE_RATE, Note


class NotAudioError(ValueError):
    """The bytes could not be decoded as audio (what the vendor calls 'Invalid audio file')."""


def encode(samples: np.ndarray, fmt: str) -> bytes:
    """Encode mono float samples as MP3 (libsndfile's LAME) or 16-bit WAV."""
    buffer = io.BytesIO()
    if fmt == "mp3":
        sf.write(buffer, samples, SAMPLE_RATE, format="MP3")
    elif fmt == "wav":
        sf.write(buffer, samples, SAMPLE_RATE, format="WAV", subtype="PCM_16")
    else:
        raise ValueError(f"unsupported format {fmt!r}")
    return buffer.getvalue()


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


def cover_png(seed: int, size: int = 64) -> bytes:
    """A small gradient PNG in colours drawn from the seed, written with zlib alone."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 256, size=3), rng.integers(0, 256, size=3)
    ramp = np.linspace(0, 1, size)[:, None, None]
    pixels = (a * (1 - ramp) + b * ramp).astype(np.uint8)
    image = np.repeat(pixels, size, axis=1)
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
