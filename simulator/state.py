"""The simulator's world: knobs, credits, clips and tasks, and the task lifecycle over time.

Each task runs as one coroutine that sleeps through the vendor's phases (scaled by
``time_scale``), renders its audio in a worker thread, and fires webhooks as it goes. Polls only
read the task's current phase, so a poll never does work and any number of clients can watch.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from simulator import codecs, music

# How long the real service takes, in its own seconds; the simulator multiplies by time_scale.
VENDOR_SECONDS = {"generate": 120.0, "upload": 20.0, "stems": 60.0, "prepare": 10.0, "voice": 30.0}


@dataclass
class Knobs:
    """Everything a test or the demo may turn; also settable at runtime via POST /_sim/config."""

    time_scale: float = 1 / 12  # a song takes ~10 s of wall time
    song_seconds: float = 30.0  # length of a song whose request names no duration
    credits: int = 10_000
    fail_429: float = 0.0
    fail_500: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 2.0
    task_fail: float = 0.0
    clip_fail: float = 0.0  # rate of two-clip tasks where one clip fails (its share refunded)
    malformed: float = 0.0
    create_interval: float = 0.0  # vendor seconds between creates per key (the vendor says 3)
    platform: str = "sonic"  # webhook "platform" value for Sonic tasks
    mv_echo: str = "chirp"  # poll/webhook spelling of the model: "chirp" or "sonic"
    not_ready_status: int = 200
    prepare_asks: int = 0  # if set, a clip's /download answers 202 exactly this many times first
    # auto_concat results (replace-section, upload-extend) as one {"replaced"|"extended": clip,
    # "full": clip | null} pair instead of flat clips; the reference leaves the shape open
    paired: bool = False
    default_webhook_secret: str = "simulator-default-secret"  # noqa: S105 - the vendor's own
    seed: int = 0


@dataclass
class Clip:
    """A clip as the vendor knows it, plus what the simulator needs to make its audio."""

    clip_id: str
    title: str
    tags: str
    lyrics: str
    mv: str
    created_at: float
    origin: str = "generated"  # generated | uploaded | stem
    state: str = "pending"
    plan: music.Plan | None = None
    notes: dict[str, list[music.Note]] | None = None
    description: str | None = None
    negative_tags: str | None = None
    style_weight: float | None = None
    weirdness_constraint: float | None = None
    stem_type: str | None = None
    error_message: str | None = None
    purged: bool = False
    source: tuple[str, float] | None = None  # (clip extended, continue_at): what concat joins
    extra: dict[str, Any] = field(default_factory=dict)
    video: bool = False  # a video-clip task rendered its MP4 (served as /files/<id>.mp4)
    _encoded: dict[str, bytes] = field(default_factory=dict)
    _audio: np.ndarray | None = None
    _stems: dict[str, np.ndarray] | None = None
    # reads the audio and stems back from disk on first use (a clip restored from saved state)
    _load: Callable[[], tuple[np.ndarray, dict[str, np.ndarray] | None]] | None = None
    _seconds: float | None = None  # the saved audio's length, known before it is read
    # rendered from plan and notes alone (render.fresh): a restart renders it again rather than
    # keeping its audio, since equal plans and notes render identical samples
    reproducible: bool = False

    def _loaded(self) -> None:
        if self._load is not None:
            load, self._load = self._load, None
            self._audio, self._stems = load()

    @property
    def audio(self) -> np.ndarray | None:
        self._loaded()
        return self._audio

    @property
    def stems(self) -> dict[str, np.ndarray] | None:
        self._loaded()
        return self._stems

    @property
    def rendered(self) -> bool:
        """Whether the clip has audio, in memory or saved, without reading it from disk."""
        return self._audio is not None or self._load is not None

    @property
    def duration(self) -> float:
        if self._audio is not None:
            return len(self._audio) / music.SAMPLE_RATE
        if self._seconds is not None:
            return self._seconds
        return self.plan.duration if self.plan else 0.0

    def encoded(self, fmt: str) -> bytes:
        """The clip's audio as MP3, WAV or M4A, or its music video as MP4; made once, cached."""
        if fmt not in self._encoded:
            assert self.audio is not None
            if fmt == "mp4":
                seed = self.plan.seed if self.plan else 0
                self._encoded[fmt] = codecs.music_video(self.audio, seed)
            else:
                self._encoded[fmt] = codecs.encode(self.audio, fmt)
        return self._encoded[fmt]

    def set_rendered(self, audio: np.ndarray, stems: dict[str, np.ndarray] | None) -> None:
        self._load, self.reproducible = None, False
        self._audio, self._stems = audio, stems
        self._encoded.clear()


@dataclass
class Task:
    task_id: str
    product: str  # sonic | producer
    kind: str  # task_type or endpoint name, as the poll answer reports it
    cost: int
    base_url: str
    # renders audio into the task's clips in a worker thread; None: the builder registered for
    # (product, kind) in BUILDERS renders it from ``recipe``, which is what a restart can redo
    build: Callable[[], None] | None = None
    recipe: dict[str, Any] = field(default_factory=dict)  # JSON: what the builder needs
    clips: list[Clip] = field(default_factory=list)
    created: float = field(default_factory=time.time)  # wall clock: the timeline survives restarts
    phase: str = "not_ready"  # not_ready | running | streaming | succeeded | failed
    vendor_seconds: float = VENDOR_SECONDS["generate"]
    webhook_url: str | None = None
    webhook_secret: str | None = None
    result: Any = None  # non-clip results (voice personas, producer lyrics, uploads, downloads)
    message: str = "success"
    refunded: int = 0  # credits given back: all of ``cost`` on failure, a failed clip's share

    @property
    def charged(self) -> int:
        """What the account paid for this task in the end."""
        return self.cost - self.refunded


# (product, kind) -> how a task of that kind renders its clips from its recipe; sonic.py and
# producer.py register theirs, so a task restored after a restart can be rendered again.
Builder = Callable[["Simulator", Task], None]
BUILDERS: dict[tuple[str, str], Builder] = {}


def builder(product: str, *kinds: str) -> Callable[[Builder], Builder]:
    def register(function: Builder) -> Builder:
        for kind in kinds:
            BUILDERS[product, kind] = function
        return function

    return register


class Simulator:
    """Shared state of one simulated vendor account."""

    def __init__(self, api_key: str, knobs: Knobs | None = None) -> None:
        self.api_key = api_key
        self.knobs = dataclasses.replace(knobs) if knobs else Knobs()  # a copy: tests turn knobs
        self.credits = self.knobs.credits
        self.clips: dict[str, Clip] = {}
        self.tasks: dict[str, Task] = {}
        self.personas: dict[str, dict[str, Any]] = {}
        self.aligned: set[str] = set()  # clips whose lyrics timeline was already paid for
        self.prepared: dict[str, float] = {}  # clip_id -> when its download files are ready
        self.download_asks: Counter[str] = Counter()  # clip_id -> /download requests for it
        self.calls: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()  # injected: "500 POST /api/v1/sonic/create" -> n
        self.fetched_urls: list[str] = []  # every URL the simulator fetched (tests audit these)
        self.webhooks_sent: list[dict[str, Any]] = []
        self.rng = random.Random(self.knobs.seed)
        self.last_create = 0.0
        self.background: set[asyncio.Task[None]] = set()
        self.deliver_webhook: Callable[[Task, str], Any] | None = None
        self.post_callback: Callable[[str, dict[str, Any]], Any] | None = None
        # saves the account after each change when the simulator keeps state on disk
        self.save: Callable[[], Awaitable[None]] | None = None

    # --- time -------------------------------------------------------------------------------
    def scaled(self, kind: str) -> float:
        return VENDOR_SECONDS[kind] * self.knobs.time_scale

    def chance(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    # --- credits ----------------------------------------------------------------------------
    def charge(self, amount: int) -> bool:
        if amount > self.credits:
            return False
        self.credits -= amount
        return True

    def refund(self, amount: int) -> None:
        self.credits += amount

    # --- clips ------------------------------------------------------------------------------
    def new_clip(self, **fields: Any) -> Clip:
        clip = Clip(clip_id=str(uuid.uuid4()), created_at=time.time(), **fields)
        self.clips[clip.clip_id] = clip
        return clip

    def mv_echo(self, mv: str) -> str:
        prefix = "chirp-" if self.knobs.mv_echo == "chirp" else "sonic-"
        for known in ("chirp-", "sonic-"):
            if mv.startswith(known):
                return prefix + mv.removeprefix(known)
        return mv

    def clip_json(self, clip: Clip, base_url: str) -> dict[str, Any]:
        """A clip exactly as the vendor's poll answer shows it (duration as a decimal string)."""
        audio_url = ""
        if clip.state == "streaming":
            audio_url = f"{base_url}/stream/{clip.clip_id}.mp3"
        elif clip.state == "succeeded":
            audio_url = f"{base_url}/files/{clip.clip_id}.mp3"
        body: dict[str, Any] = {
            "clip_id": clip.clip_id,
            "state": clip.state,
            "title": clip.title,
            "tags": clip.tags,
            "lyrics": clip.lyrics,
            "image_url": f"{base_url}/files/{clip.clip_id}.png",
            "audio_url": audio_url,
            "video_url": f"{base_url}/files/{clip.clip_id}.mp4" if clip.video else None,
            "created_at": datetime.fromtimestamp(clip.created_at, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "mv": self.mv_echo(clip.mv),
            "gpt_description_prompt": clip.description,
            "duration": f"{clip.duration:.2f}"
            if clip.state in ("streaming", "succeeded")
            else None,
            "negative_tags": clip.negative_tags,
            "style_weight": clip.style_weight,
            "weirdness_constraint": clip.weirdness_constraint,
        }
        if clip.stem_type:
            body["stem_type"] = clip.stem_type
        if clip.error_message:
            body["error_message"] = clip.error_message
        body.update(clip.extra)
        return body

    def task_data(self, task: Task) -> list[dict[str, Any]]:
        """A task's ``data`` as polls and webhooks show it: flat clips, or with ``paired`` an
        auto_concat result as a pair whose ``full`` is null until the whole task is done (the
        new part is finished first, while the vendor joins it to the song)."""
        clips = [self.clip_json(clip, task.base_url) for clip in task.clips]
        pieces = [c for c in task.clips if c.extra.get("segment") in ("replaced", "extended")]
        if not self.knobs.paired or not pieces:
            return clips
        piece = pieces[0]
        full = next((c for c in task.clips if c.extra.get("segment") == "full"), None)
        shown = piece
        if task.phase == "streaming":  # the part is ready; the join is what is still running
            shown = dataclasses.replace(piece, state="succeeded")
        pair: dict[str, Any] = {
            str(piece.extra["segment"]): self.clip_json(shown, task.base_url),
            "full": None,
        }
        if full is not None and task.phase == "succeeded":
            pair["full"] = self.clip_json(full, task.base_url)
        return [pair]

    # --- tasks ------------------------------------------------------------------------------
    def start(self, task: Task) -> Task:
        self.tasks[task.task_id] = task
        job = asyncio.create_task(self._run(task))
        self.background.add(job)
        job.add_done_callback(self.background.discard)
        return task

    def render(self, task: Task) -> None:
        """Render a task's clips (in a worker thread); a restored task whose clips were saved
        rendered is not rendered again."""
        if task.clips and all(clip.rendered or clip.state == "failed" for clip in task.clips):
            return
        if task.build is not None:
            task.build()
        elif (task.product, task.kind) in BUILDERS:
            BUILDERS[task.product, task.kind](self, task)
        elif task.clips:
            raise RuntimeError(f"no way to render a {task.kind} task")

    async def changed(self) -> None:
        if self.save is not None:
            await self.save()

    async def _run(self, task: Task) -> None:
        """The task's phases at fixed fractions of its timeline, which starts at its creation:
        a task resumed after a restart continues where its clock says it is."""
        total = task.vendor_seconds * self.knobs.time_scale

        async def until(fraction: float) -> None:
            await asyncio.sleep(max(0.0, task.created + total * fraction - time.time()))

        streamed = task.phase == "streaming"  # resumed past the point where a task may fail
        await until(0.25)
        if not streamed:
            task.phase = "running"
            for clip in task.clips:
                clip.state = "running"
        try:
            await asyncio.to_thread(self.render, task)
        except Exception as exc:  # a render bug must fail the task, not hang it
            await self._fail(task, f"Generation failed: {exc}. Credits were refunded.")
            return
        await until(0.6)
        if not streamed and self.chance(self.knobs.task_fail):
            await self._fail(task, "Generation failed. Credits were refunded.")
            return
        if (
            not streamed
            and task.product == "sonic"
            and len(task.clips) >= 2
            and self.chance(self.knobs.clip_fail)
        ):
            self._fail_one_clip(task)
        if task.product == "sonic" and task.clips:
            task.phase = "streaming"
            for clip in task.clips:
                if clip.state != "failed":
                    clip.state = "streaming"
            await self.changed()
            await self._notify(task, "song.streaming")
        await until(1.0)
        for clip in task.clips:
            if clip.state != "failed":
                clip.state = "succeeded"
        task.phase = "succeeded"
        await self.changed()
        await self._notify(task, "song.completed")

    def start_upload_callback(self, task_id: str, url: str, callback_url: str) -> None:
        """Async-mode upload: fetch in the background, then post the outcome to callback_url."""
        job = asyncio.create_task(self._upload_and_call_back(task_id, url, callback_url))
        self.background.add(job)
        job.add_done_callback(self.background.discard)

    async def _upload_and_call_back(self, task_id: str, url: str, callback_url: str) -> None:
        from simulator.intake import IntakeError, fetch_audio, uploaded_clip

        await asyncio.sleep(self.scaled("upload"))
        try:
            data, samples = await fetch_audio(self, url)
            body: dict[str, Any] = {
                "task_id": task_id,
                "code": 200,
                "message": "success",
                "clip_id": uploaded_clip(self, data, samples).clip_id,
            }
        except IntakeError as exc:
            self.refund(2)
            body = {"task_id": task_id, "code": 400, "message": str(exc)}
        await self.changed()
        if self.post_callback:
            await self.post_callback(callback_url, body)

    def _fail_one_clip(self, task: Task) -> None:
        """One clip of several fails and the task still succeeds with the others. The vendor does
        not document this case; the simulator refunds the failed clip's share of the price
        (rounded down), the way it refunds a whole failed task."""
        clip = task.clips[-1]
        clip.state, clip.error_message = "failed", "Generation failed. Credits were refunded."
        share = task.cost // len(task.clips)
        self.refund(share)
        task.refunded += share

    async def _fail(self, task: Task, message: str) -> None:
        self.refund(task.cost - task.refunded)
        task.refunded = task.cost
        task.phase, task.message = "failed", message
        for clip in task.clips:
            clip.state, clip.error_message = "failed", message
        await self.changed()
        await self._notify(task, "song.failed")

    async def _notify(self, task: Task, event: str) -> None:
        if task.webhook_url and self.deliver_webhook:
            await self.deliver_webhook(task, event)
