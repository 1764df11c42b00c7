"""How each kind of task turns its inputs into audio: the honest derivations.

Every function runs in a worker thread (numpy and the MP3 encoder release the GIL) and writes
plan, notes, stems and audio into the clips it was given.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from simulator import music
from simulator.state import Clip

_VARIATION = {"subtle": 0.05, "normal": 0.15, "high": 0.3}


def fresh(clip: Clip, plan: music.Plan) -> None:
    """Compose and render a plan into a clip."""
    notes = music.compose(plan)
    clip.plan, clip.notes = plan, notes
    clip.set_rendered(*music.master(music.render(plan, notes)))
    clip.reproducible = True


def melody_of(source: Clip) -> tuple[int, ...]:
    assert source.plan is not None
    if source.plan.melody:
        return source.plan.melody
    lead = (source.notes or {}).get("vocals") or (source.notes or {}).get("lead") or []
    scale = music.scale_of(source.plan)
    root = source.plan.root
    return tuple(
        min(range(7), key=lambda d: abs(scale[d] - (n.pitch - root) % 12)) for n in lead[:16]
    ) or (
        0,
        2,
        4,
        2,
    )


def extension(
    clip: Clip, source: Clip, styled: music.Plan, duration: float, continue_at: float
) -> None:
    """A continuation in the source's key, tempo and tune, starting where the source was cut."""
    assert source.plan is not None
    plan = replace(
        styled,
        bpm=source.plan.bpm,
        root=source.plan.root,
        minor=source.plan.minor,
        duration=duration,
        melody=melody_of(source),
    )
    clip.source = (source.clip_id, continue_at)
    fresh(clip, plan)


def cover(clip: Clip, source: Clip, styled: music.Plan, duration: float | None) -> None:
    """The source's tune and key, played in the new style's tempo and instruments."""
    assert source.plan is not None
    plan = replace(
        styled,
        root=source.plan.root,
        minor=source.plan.minor,
        duration=duration or source.duration,
        melody=melody_of(source),
    )
    fresh(clip, plan)


def concat(clip: Clip, source: Clip, ext: Clip, continue_at: float) -> None:
    """The source up to continue_at, then the extension: the full song."""
    assert source.audio is not None and ext.audio is not None
    cut = int(continue_at * music.SAMPLE_RATE)
    stems = None
    if source.stems and ext.stems:
        stems = {
            layer: np.concatenate(
                [source.stems.get(layer, np.zeros(len(source.audio), np.float32))[:cut], track]
            )
            for layer, track in ext.stems.items()
        }
    if source.notes and ext.notes:
        clip.notes = {
            layer: [n for n in source.notes.get(layer, []) if n.start < continue_at]
            + [
                music.Note(n.pitch, n.start + continue_at, n.end + continue_at, n.velocity)
                for n in notes
            ]
            for layer, notes in ext.notes.items()
        }
    assert ext.plan is not None
    clip.plan = replace(ext.plan, duration=continue_at + ext.duration)
    clip.set_rendered(np.concatenate([source.audio[:cut], ext.audio]), stems)


def remaster(clip: Clip, source: Clip, variation: str, salt: int) -> None:
    assert source.plan is not None
    shift = _VARIATION[variation] * (1 if salt == 0 else -1)
    plan = replace(source.plan, timbre=float(np.clip(source.plan.timbre + shift, 0, 1)))
    if variation == "high":
        plan = replace(
            plan, seed=music.seed_of(plan.seed, "remaster", salt), melody=melody_of(source)
        )
    fresh(clip, plan)


def overlay(
    clip: Clip, source: Clip, styled: music.Plan, layers: tuple[str, ...], source_as: str
) -> None:
    """Add generated layers (vocals, or a backing band) on top of uploaded audio."""
    assert source.plan is not None and source.audio is not None
    plan = replace(
        styled,
        bpm=source.plan.bpm,
        root=source.plan.root,
        duration=source.duration,
        layers=layers,
        melody=source.plan.melody,
    )
    notes = music.compose(plan)
    clip.plan, clip.notes = plan, notes
    clip.set_rendered(*music.master({source_as: source.audio, **music.render(plan, notes)}))


def stem(clip: Clip, source: Clip, layers: list[str]) -> None:
    assert source.stems is not None and source.audio is not None
    tracks = [source.stems[layer] for layer in layers if layer in source.stems]
    audio = np.zeros(len(source.audio), np.float32)
    for track in tracks:
        audio += track
    clip.plan = source.plan
    clip.notes = {layer: (source.notes or {}).get(layer, []) for layer in layers}
    clip.set_rendered(audio, None)


def replace_section(
    clip: Clip, source: Clip, start: float, end: float, salt: int, full: bool
) -> None:
    """Re-generate one span of a song; with ``full`` the span is spliced back into the song."""
    assert source.plan is not None and source.audio is not None
    plan = replace(
        source.plan, seed=music.seed_of(source.plan.seed, "infill", salt), duration=end - start
    )
    notes = music.compose(plan)
    piece, _ = music.master(music.render(plan, notes))
    clip.plan = plan
    if not full:
        clip.notes = notes
        clip.set_rendered(piece, None)
        return
    a, b = int(start * music.SAMPLE_RATE), int(end * music.SAMPLE_RATE)
    audio = np.concatenate([source.audio[:a], piece[: b - a], source.audio[b:]])
    clip.notes = source.notes
    clip.set_rendered(audio, None)
