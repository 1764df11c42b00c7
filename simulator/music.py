"""Procedural, deterministic music: the simulator's honest stand-in for a generative model.

A song is first *planned* (tempo, key, instruments, section lengths) from the request, then
*composed* into notes per layer, then *rendered* to samples per layer. Keeping the three steps
apart is what lets every derived endpoint tell the truth: stems are the rendered layers, MIDI is
the composed notes, BPM is the planned tempo, and covers/extensions reuse the source's notes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

import numpy as np

SAMPLE_RATE = 44_100
LAYERS = ("drums", "bass", "keys", "lead", "vocals")

# (tempo, instruments that lead the melody) by the first matching tag word.
_GENRES: dict[str, tuple[float, str]] = {
    "lo-fi": (78, "keys"),
    "lofi": (78, "keys"),
    "chill": (84, "keys"),
    "ballad": (70, "keys"),
    "jazz": (96, "keys"),
    "hip hop": (90, "lead"),
    "hip-hop": (90, "lead"),
    "rap": (92, "lead"),
    "pop": (112, "lead"),
    "rock": (126, "lead"),
    "punk": (168, "lead"),
    "house": (124, "lead"),
    "edm": (128, "lead"),
    "techno": (132, "lead"),
    "drum and bass": (172, "lead"),
    "dnb": (172, "lead"),
    "metal": (140, "lead"),
    "ambient": (66, "keys"),
    "folk": (100, "keys"),
}
_PROGRESSIONS = ((0, 7, 9, 5), (0, 5, 7, 5), (9, 5, 0, 7), (0, 9, 5, 7))
_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)


def seed_of(*parts: object) -> int:
    """A stable 32-bit seed from request fields (Python's hash() is salted per process)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class Note:
    """One note of one layer, in seconds; drums use General MIDI percussion pitches."""

    pitch: int
    start: float
    end: float
    velocity: int


@dataclass(frozen=True)
class Plan:
    """Everything that decides how a song sounds; equal plans render identical audio."""

    seed: int
    bpm: float
    root: int  # MIDI pitch of the tonic
    minor: bool
    duration: float
    layers: tuple[str, ...]
    timbre: float = 0.5  # 0..1: brightness of the synth voices (covers and remasters vary it)
    voice: float = 0.5  # 0..1: vocal formant (lower is a deeper voice)
    melody: tuple[int, ...] = field(default=())  # scale degrees reused by covers and samples


def plan_song(
    *,
    text: str,
    tags: str,
    duration: float,
    instrumental: bool,
    vocal_gender: str | None = None,
    salt: object = "",
) -> Plan:
    """Plan a new song: tempo and lead instrument from the tags, the rest from a seeded RNG."""
    seed = seed_of(text, tags, duration, instrumental, vocal_gender, salt)
    rng = np.random.default_rng(seed)
    lowered = f"{tags} {text}".lower()
    # The tags name the style; the description only decides when the tags do not.
    bpm, lead = next(
        (
            genre
            for source in (tags.lower(), text.lower())
            for word, genre in _GENRES.items()
            if word in source
        ),
        (100.0, "lead"),
    )
    bpm = float(round(bpm + rng.integers(-4, 5)))
    layers = ["drums", "bass", "keys"]
    if lead == "lead" or rng.random() < 0.5:
        layers.append("lead")
    if not instrumental:
        layers.append("vocals")
    voice = {"f": 0.8, "m": 0.2}.get(vocal_gender or "", float(rng.uniform(0.2, 0.8)))
    return Plan(
        seed=seed,
        bpm=bpm,
        root=int(45 + rng.integers(0, 12)),
        minor="sad" in lowered or "dark" in lowered or bool(rng.random() < 0.4),
        duration=float(duration),
        layers=tuple(layers),
        timbre=float(rng.uniform(0.3, 0.7)),
        voice=voice,
    )


def scale_of(plan: Plan) -> tuple[int, ...]:
    return _MINOR if plan.minor else _MAJOR


def beat_seconds(plan: Plan) -> float:
    return 60.0 / plan.bpm


def compose(plan: Plan) -> dict[str, list[Note]]:
    """Turn a plan into notes: a four-chord loop, a groove, a bass line and a melody."""
    rng = np.random.default_rng(plan.seed ^ 0x5EED)
    beat = beat_seconds(plan)
    bar = 4 * beat
    scale = scale_of(plan)
    progression = _PROGRESSIONS[plan.seed % len(_PROGRESSIONS)]
    bars = max(1, int(np.ceil(plan.duration / bar)))
    melody = plan.melody or tuple(int(d) for d in rng.integers(0, 7, size=8))
    notes: dict[str, list[Note]] = {layer: [] for layer in plan.layers}

    def clip(start: float, end: float) -> tuple[float, float] | None:
        if start >= plan.duration:
            return None
        return start, min(end, plan.duration)

    for b in range(bars):
        t0 = b * bar
        chord_root = plan.root + progression[b % 4]
        third = 3 if plan.minor and progression[b % 4] in (0, 5) else 4
        if "keys" in notes and (span := clip(t0, t0 + bar)):
            for interval in (0, third, 7):
                notes["keys"].append(Note(chord_root + 12 + interval, *span, 70))
        if "bass" in notes:
            for half in (0, 2):
                if span := clip(t0 + half * beat, t0 + (half + 2) * beat):
                    notes["bass"].append(Note(chord_root - 12, *span, 90))
        if "drums" in notes:
            for step in range(8):
                t = t0 + step * beat / 2
                pitch = 36 if step in (0, 4) else 38 if step in (2, 6) else 42
                if span := clip(t, t + beat / 4):
                    notes["drums"].append(Note(pitch, *span, 100 if pitch != 42 else 60))
        for layer, octave in (("lead", 24), ("vocals", 12)):
            if layer not in notes or (layer == "vocals" and b % 8 >= 6):
                continue  # vocals rest for two bars in eight: verses and gaps
            for step in range(4):
                degree = melody[(b * 4 + step) % len(melody)]
                pitch = plan.root + octave + scale[degree % 7] + 12 * (degree // 7)
                if span := clip(t0 + step * beat, t0 + (step + 0.9) * beat):
                    notes[layer].append(Note(pitch, *span, 85))
    return notes


def _hz(pitch: int) -> float:
    return float(440.0 * 2 ** ((pitch - 69) / 12))


def _tone(layer: str, note: Note, plan: Plan, rng: np.random.Generator) -> np.ndarray:
    n = max(1, int((note.end - note.start) * SAMPLE_RATE))
    t = np.arange(n, dtype=np.float32) / SAMPLE_RATE
    gain = note.velocity / 127
    if layer == "drums":
        if note.pitch == 36:  # kick: a falling sine
            sweep = 2 * np.pi * (50 + 90 * np.exp(-t * 30)) * t
            return (np.sin(sweep) * np.exp(-t * 12) * gain).astype(np.float32)
        noise = rng.standard_normal(n).astype(np.float32)
        if note.pitch == 42:  # hat: bright, short noise
            noise = np.diff(noise, prepend=0.0).astype(np.float32)
            return noise * np.exp(-t * 60) * gain * 0.25
        return noise * np.exp(-t * 18) * gain * 0.5  # snare
    f = _hz(note.pitch)
    if layer == "vocals":
        vibrato = 1 + 0.01 * np.sin(2 * np.pi * 5.5 * t)
        phase = 2 * np.pi * f * np.cumsum(vibrato) / SAMPLE_RATE
        formant = 2 + 3 * plan.voice
        wave = np.sin(phase) + 0.5 * np.sin(formant * phase) + 0.25 * np.sin(2 * formant * phase)
        envelope = np.minimum(1, t * 20) * np.minimum(1, (t[-1] - t + 1e-3) * 20)
        return np.asarray(wave * envelope * gain * 0.35, dtype=np.float32)
    phase = 2 * np.pi * f * t
    brightness = 0.2 + 0.6 * plan.timbre
    wave = (
        np.sin(phase) + brightness * np.sin(2 * phase) / 2 + brightness**2 * np.sin(3 * phase) / 3
    )
    decay = {"bass": 3.0, "keys": 1.2, "lead": 2.5}[layer]
    envelope = np.exp(-t * decay) * np.minimum(1, t * 200)
    level = {"bass": 0.5, "keys": 0.18, "lead": 0.3}[layer]
    return np.asarray(wave * envelope * gain * level, dtype=np.float32)


def render(plan: Plan, notes: dict[str, list[Note]]) -> dict[str, np.ndarray]:
    """Render each layer to mono float32 samples of exactly the plan's duration."""
    rng = np.random.default_rng(plan.seed ^ 0xA0D10)
    total = int(plan.duration * SAMPLE_RATE)
    stems: dict[str, np.ndarray] = {}
    for layer, layer_notes in notes.items():
        track = np.zeros(total, dtype=np.float32)
        for note in layer_notes:
            start = int(note.start * SAMPLE_RATE)
            tone = _tone(layer, note, plan, rng)[: total - start]
            track[start : start + len(tone)] += tone
        stems[layer] = track
    return stems


def master(stems: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Sum the layers, keep the peak under full scale so the MP3 never clips, and scale the
    stems by the same gain so that they still add up to the song."""
    length = max(len(track) for track in stems.values())
    out = np.zeros(length, dtype=np.float32)
    for track in stems.values():
        out[: len(track)] += track
    peak = float(np.max(np.abs(out))) if length else 0.0
    gain = 0.89 / peak if peak > 0.89 else 1.0
    return out * gain, {layer: track * gain for layer, track in stems.items()}


def melody_from_audio(samples: np.ndarray, bpm: float, root: int) -> tuple[int, ...]:
    """Read a melody from real audio: the loudest pitch of each beat, as scale degrees.

    This is how covers, samples and add-vocals of *uploaded* audio follow the user's tune.
    """
    hop = max(256, int(SAMPLE_RATE * 60 / bpm))
    degrees: list[int] = []
    for start in range(0, max(1, len(samples) - hop), hop):
        window = samples[start : start + hop] * np.hanning(min(hop, len(samples) - start))
        spectrum = np.abs(np.fft.rfft(window))
        freqs = np.fft.rfftfreq(len(window), 1 / SAMPLE_RATE)
        band = (freqs > 80) & (freqs < 1000)
        if not band.any() or spectrum[band].max() <= 1e-6:
            continue
        peak_hz = float(freqs[band][np.argmax(spectrum[band])])
        pitch = round(69 + 12 * np.log2(peak_hz / 440))
        degrees.append(_MAJOR.index(min(_MAJOR, key=lambda d: abs(d - (pitch - root) % 12))))
        if len(degrees) == 16:
            break
    return tuple(degrees) or (0, 2, 4, 2)


def retime(plan: Plan, *, bpm: float | None = None, **changes: object) -> Plan:
    """A variation of a plan (cover, remaster, extension) that keeps what makes it the same song."""
    return replace(plan, bpm=bpm if bpm is not None else plan.bpm, **changes)  # type: ignore[arg-type]


def estimate_bpm(samples: np.ndarray) -> float:
    """Estimate the tempo of real audio from the autocorrelation of its onset envelope."""
    hop = 512
    frames = len(samples) // hop
    if frames < 8:
        return 100.0
    energy = np.sqrt(np.mean(samples[: frames * hop].reshape(frames, hop) ** 2, axis=1))
    onsets = np.maximum(0, np.diff(energy))
    onsets -= onsets.mean()
    corr = np.correlate(onsets, onsets, mode="full")[len(onsets) - 1 :]
    fps = SAMPLE_RATE / hop
    lags = np.arange(len(corr))
    band = (lags >= fps * 60 / 180) & (lags <= fps * 60 / 60)
    if not band.any() or corr[band].max() <= 0:
        return 100.0
    return float(round(60 * fps / float(lags[band][np.argmax(corr[band])]), 1))
