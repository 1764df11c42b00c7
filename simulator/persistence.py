"""The simulator's account on disk, so a restarted simulator still knows every clip and task.

``state.json`` holds credits, personas, clips (without audio) and tasks; ``audio/<clip>.npz``
holds a finished clip's audio and stems, read back only when a restored clip is first used.
A clip rendered from its plan and notes alone (a new song, a cover, an extension) keeps no
audio file: it is rendered again from them on first use, which gives the same samples.
Every file is written to a temporary name and renamed into place, so a kill at any moment
leaves either the previous file or the new one, never a torn one; a clip's audio is written
before the state that says it exists. Tasks that were still running resume on their stored
timeline, and are rendered again if they died before their audio was saved (rendering is
deterministic, so the result is the same song).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from simulator import music
from simulator.state import Clip, Simulator, Task

STATE_VERSION = 1
PARTIAL = ".partial-"  # files being written; renamed into place when complete
_SAVED_STATES = ("streaming", "succeeded")  # a clip's audio is final from these states on
_CLIP_FIELDS = (
    "clip_id",
    "title",
    "tags",
    "lyrics",
    "mv",
    "created_at",
    "origin",
    "state",
    "description",
    "negative_tags",
    "style_weight",
    "weirdness_constraint",
    "stem_type",
    "error_message",
    "purged",
    "extra",
)
_TASK_FIELDS = (
    "task_id",
    "product",
    "kind",
    "cost",
    "base_url",
    "recipe",
    "created",
    "phase",
    "vendor_seconds",
    "webhook_url",
    "webhook_secret",
    "result",
    "message",
    "refunded",
)


def _replace_atomically(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=PARTIAL, delete=False) as f:
        f.write(data)
    os.replace(f.name, path)


class StateDir:
    """One simulator account kept in a folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.audio = root / "audio"
        self.state_file = root / "state.json"
        self.written: set[str] = set()  # clips whose audio file is in place
        self._lock = asyncio.Lock()

    def attach(self, sim: Simulator) -> None:
        """Restore the account saved here (if any) into ``sim`` and save it after each change."""
        self.audio.mkdir(parents=True, exist_ok=True)
        for partial in [*self.root.glob(f"{PARTIAL}*"), *self.audio.glob(f"{PARTIAL}*")]:
            partial.unlink()  # a write a kill interrupted: never read, so just swept
        if self.state_file.exists():
            self._restore(sim, json.loads(self.state_file.read_text()))

        async def save() -> None:
            await self.save(sim)

        sim.save = save

    # --- saving -------------------------------------------------------------------------------
    async def save(self, sim: Simulator) -> None:
        """Snapshot the account in the event loop (so it is consistent), write it in a thread."""
        fresh = [
            clip
            for clip in sim.clips.values()
            if clip.clip_id not in self.written
            and clip.state in _SAVED_STATES
            and not clip.reproducible
            and clip.audio is not None
        ]
        arrays = [(clip.clip_id, clip.audio, clip.stems) for clip in fresh]
        saved = self.written | {clip.clip_id for clip in fresh}
        snapshot = {
            "version": STATE_VERSION,
            "credits": sim.credits,
            "personas": sim.personas,
            "aligned": sorted(sim.aligned),
            "clips": [
                _clip_json(clip, clip.clip_id in saved or _kept_by_notes(clip))
                for clip in sim.clips.values()
            ],
            "tasks": [_task_json(task) for task in sim.tasks.values()],
        }
        body = json.dumps(snapshot).encode()
        async with self._lock:
            await asyncio.to_thread(self._write, arrays, body)

    def _write(
        self,
        arrays: list[tuple[str, np.ndarray | None, dict[str, np.ndarray] | None]],
        state: bytes,
    ) -> None:
        for clip_id, audio, stems in arrays:
            assert audio is not None
            layers: dict[str, Any] = {"audio": audio.astype(np.float16)}
            for name, track in (stems or {}).items():
                layers[f"stem_{name}"] = track.astype(np.float16)
            path = self.audio / f"{clip_id}.npz"
            with tempfile.NamedTemporaryFile(dir=self.audio, prefix=PARTIAL, delete=False) as f:
                np.savez(f, **layers)
            os.replace(f.name, path)
            self.written.add(clip_id)
        _replace_atomically(self.state_file, state)

    # --- restoring ----------------------------------------------------------------------------
    def _restore(self, sim: Simulator, state: dict[str, Any]) -> None:
        sim.credits = int(state["credits"])
        sim.personas = dict(state["personas"])
        sim.aligned = set(state["aligned"])
        for saved in state["clips"]:
            clip = _clip_of(saved)
            if saved["audio"] and saved["reproducible"]:
                clip._seconds = float(saved["seconds"])
                clip._load = _renderer(clip)
                clip.reproducible = True
            elif saved["audio"] and (self.audio / f"{clip.clip_id}.npz").exists():
                clip._seconds = float(saved["seconds"])
                clip._load = self._loader(clip.clip_id)
                self.written.add(clip.clip_id)
            elif clip.state in _SAVED_STATES:  # audio lost with the process: render it again
                clip.state = "running"
            sim.clips[clip.clip_id] = clip
        for saved in state["tasks"]:
            task = Task(**{name: saved[name] for name in _TASK_FIELDS})
            task.clips = [sim.clips[clip_id] for clip_id in saved["clips"]]
            sim.tasks[task.task_id] = task

    def _loader(self, clip_id: str) -> Any:
        path = self.audio / f"{clip_id}.npz"

        def load() -> tuple[np.ndarray, dict[str, np.ndarray] | None]:
            with np.load(path) as saved:
                stems = {
                    name.removeprefix("stem_"): saved[name].astype(np.float32)
                    for name in saved.files
                    if name.startswith("stem_")
                }
                return saved["audio"].astype(np.float32), stems or None

        return load


def _kept_by_notes(clip: Clip) -> bool:
    return clip.reproducible and clip.state in _SAVED_STATES


def _renderer(clip: Clip) -> Any:
    def render() -> tuple[np.ndarray, dict[str, np.ndarray] | None]:
        assert clip.plan is not None and clip.notes is not None
        return music.master(music.render(clip.plan, clip.notes))

    return render


def resume(sim: Simulator, base_url: str) -> None:
    """Serve restored tasks from this run's address and let unfinished ones run to the end."""
    for task in sim.tasks.values():
        task.base_url = base_url
        if task.phase not in ("succeeded", "failed"):
            sim.start(task)


def _clip_json(clip: Clip, audio: bool) -> dict[str, Any]:
    body = {name: getattr(clip, name) for name in _CLIP_FIELDS}
    body["plan"] = asdict(clip.plan) if clip.plan else None
    body["notes"] = (
        {layer: [asdict(note) for note in notes] for layer, notes in clip.notes.items()}
        if clip.notes is not None
        else None
    )
    body["source"] = list(clip.source) if clip.source else None
    body["audio"] = audio
    body["reproducible"] = clip.reproducible
    body["seconds"] = clip.duration if audio else None
    return body


def _clip_of(saved: dict[str, Any]) -> Clip:
    clip = Clip(**{name: saved[name] for name in _CLIP_FIELDS})
    if saved["plan"] is not None:
        plan = saved["plan"]
        clip.plan = music.Plan(
            **{**plan, "layers": tuple(plan["layers"]), "melody": tuple(plan["melody"])}
        )
    if saved["notes"] is not None:
        clip.notes = {
            layer: [music.Note(**note) for note in notes] for layer, notes in saved["notes"].items()
        }
    if saved["source"] is not None:
        clip.source = (str(saved["source"][0]), float(saved["source"][1]))
    return clip


def _task_json(task: Task) -> dict[str, Any]:
    body = {name: getattr(task, name) for name in _TASK_FIELDS}
    body["clips"] = [clip.clip_id for clip in task.clips]
    return body
