"""Request and response models of the AI Music API.

Requests enforce the documented limits before anything is sent, so a bad request costs no round
trip and no credit. Responses tolerate what the live service is known to do: ``duration`` as a
decimal string, ``code`` present or absent, ``mv`` echoed as ``chirp-*`` or ``sonic-*``, and
extra fields.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_serializer,
    model_validator,
)

SonicModel = Literal[
    "sonic-v3-5",
    "sonic-v4",
    "sonic-v4-5",
    "sonic-v4-5-plus",
    "sonic-v5",
    "sonic-v5-5",
    "sonic-v6",
    "sonic-v6-wild",
    "sonic-v6-mini",
    "chirp-v3-5",
    "chirp-v4",
    "chirp-v4-5",
    "chirp-v4-5-plus",
    "chirp-v5",
]
SampleModel = SonicModel | Literal["sonic-v4-5-all"]
TaskType = Literal[
    "create_music",
    "extend_music",
    "cover_music",
    "concat_music",
    "persona_music",
    "extend_upload_music",
    "cover_upload_music",
    "remaster",
    "add_vocals",
    "add_instrumental",
]
OLD_MODELS = frozenset({"sonic-v3-5", "sonic-v4", "chirp-v3-5", "chirp-v4"})
GENDER_MODELS = frozenset({"v4-5", "v4-5-plus", "v5", "v5-5", "v6", "v6-wild", "v6-mini"})
DURATION_TYPES = frozenset(
    {
        "create_music",
        "persona_music",
        "extend_music",
        "cover_music",
        "extend_upload_music",
        "cover_upload_music",
    }
)
SOURCE_TYPES = frozenset(
    {
        "extend_music",
        "cover_music",
        "concat_music",
        "extend_upload_music",
        "cover_upload_music",
        "remaster",
        "add_vocals",
        "add_instrumental",
    }
)
GENERATIVE_TYPES = DURATION_TYPES | {"add_vocals", "add_instrumental"}

Weight = Annotated[float, Field(ge=0, le=1)]


def normalize_model(mv: str) -> str:
    """``chirp-v5`` and ``sonic-v5`` name the same model; the echo spelling varies upstream."""
    return "sonic-" + mv.removeprefix("chirp-") if mv.startswith("chirp-") else mv


class Request(BaseModel):
    """Base of request bodies: unknown fields are a programming error, not something to send."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class Webhook(Request):
    webhook_url: Annotated[str, Field(max_length=1024, pattern=r"^https?://")] | None = None
    webhook_secret: SecretStr | None = None

    @field_serializer("webhook_secret", when_used="json")
    def _reveal(self, secret: SecretStr | None) -> str | None:
        return secret.get_secret_value() if secret else None


class Generation(Webhook):
    """The fields every generating endpoint shares, with the limits that depend on the model."""

    custom_mode: bool | None = None
    mv: SampleModel | None = None
    prompt: str | None = None
    gpt_description_prompt: Annotated[str, Field(max_length=400)] | None = None
    title: Annotated[str, Field(max_length=80)] | None = None
    tags: str | None = None
    negative_tags: str | None = None
    make_instrumental: bool | None = None
    vocal_gender: Literal["f", "m"] | None = None
    style_weight: Weight | None = None
    weirdness_constraint: Weight | None = None
    audio_weight: Weight | None = None

    def _check_generation(self, *, generative: bool) -> None:
        old = self.mv in OLD_MODELS
        if self.prompt is not None and len(self.prompt) > (3000 if old else 5000):
            raise ValueError(f"prompt: at most {3000 if old else 5000} characters for {self.mv}")
        if self.tags is not None and len(self.tags) > (200 if old else 1000):
            raise ValueError(f"tags: at most {200 if old else 1000} characters for {self.mv}")
        if self.vocal_gender and (self.mv or "").split("-", 1)[-1] not in GENDER_MODELS:
            raise ValueError(f"vocal_gender: not supported by {self.mv}; use v4.5 or newer")
        if generative:
            if self.custom_mode is None:
                raise ValueError("custom_mode: required (true for lyrics, false for a description)")
            if self.custom_mode and not self.prompt:
                raise ValueError("prompt: required when custom_mode is true")
            if not self.custom_mode and not self.gpt_description_prompt:
                raise ValueError("gpt_description_prompt: required when custom_mode is false")


class SonicCreateRequest(Generation):
    """POST /sonic/create: one body for every task_type, checked per type."""

    task_type: TaskType = "create_music"
    mv: SonicModel | None = None
    auto_lyrics: bool | None = None
    continue_clip_id: str | None = None
    continue_at: Annotated[float, Field(gt=0)] | None = None
    persona_id: str | None = None
    variation_category: Literal["subtle", "normal", "high"] | None = None
    overpainting_start_s: Annotated[float, Field(ge=0)] | None = None
    overpainting_end_s: Annotated[float, Field(gt=0)] | None = None
    duration: Annotated[int, Field(ge=10, le=360)] | None = None
    use_suno_cdn: bool = False  # one audit saw aimusicapi require it; always sending it is safe

    @model_validator(mode="after")
    def _per_task_type(self) -> Self:
        t = self.task_type
        if t != "concat_music" and self.mv is None:
            raise ValueError(f"mv: required for {t}")
        if t in SOURCE_TYPES and not self.continue_clip_id:
            raise ValueError(f"continue_clip_id: required for {t}")
        if t.startswith("extend") and self.continue_at is None:
            raise ValueError(f"continue_at: required for {t}")
        if t == "persona_music" and not self.persona_id:
            raise ValueError("persona_id: required when task_type = persona_music")
        if self.duration is not None and t not in DURATION_TYPES:
            raise ValueError(f"duration: not allowed for {t}")
        if self.variation_category and t != "remaster":
            raise ValueError("variation_category: only for remaster")
        if t == "add_vocals" and not self.prompt:
            raise ValueError("prompt: add_vocals needs the lyrics to sing")
        if (
            self.overpainting_start_s is not None
            and self.overpainting_end_s is not None
            and self.overpainting_end_s <= self.overpainting_start_s
        ):
            raise ValueError("overpainting_end_s: must be after overpainting_start_s")
        self._check_generation(generative=t in GENERATIVE_TYPES)
        return self


class UploadRequest(Webhook):
    url: Annotated[str, Field(pattern=r"^https?://")]
    callback_url: Annotated[str, Field(max_length=1024, pattern=r"^https?://")] | None = None


class UploadExtendRequest(Generation):
    url: Annotated[str, Field(pattern=r"^https?://")]
    continue_at: Annotated[float, Field(gt=0)]
    auto_concat: bool | None = None
    duration: Annotated[int, Field(ge=10, le=360)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        self._check_generation(generative=True)
        return self


class UploadCoverRequest(Generation):
    url: Annotated[str, Field(pattern=r"^https?://")]
    duration: Annotated[int, Field(ge=10, le=360)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        self._check_generation(generative=True)
        return self


class SampleRequest(Generation):
    url: Annotated[str, Field(pattern=r"^https?://")] | None = None
    sample_clip_id: str | None = None
    chop_sample_start_s: Annotated[float, Field(ge=0)] | None = None
    chop_sample_end_s: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if bool(self.url) == bool(self.sample_clip_id):
            raise ValueError("give exactly one of url or sample_clip_id")
        start, end = self.chop_sample_start_s, self.chop_sample_end_s
        if start is not None and end is not None and end <= start:
            raise ValueError("chop_sample_end_s: must be after chop_sample_start_s")
        self._check_generation(generative=True)
        return self


class MashupRequest(Generation):
    mashup_clip_ids: Annotated[list[str], Field(min_length=2, max_length=2)]

    @model_validator(mode="after")
    def _check(self) -> Self:
        self._check_generation(generative=True)
        return self


class ReplaceSectionRequest(Generation):
    clip_id: str
    infill_start_s: Annotated[float, Field(ge=0)]
    infill_end_s: Annotated[float, Field(gt=0)]
    infill_lyrics: Annotated[str, Field(min_length=1)]
    auto_concat: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.infill_end_s <= self.infill_start_s:
            raise ValueError("infill_end_s: must be after infill_start_s")
        self._check_generation(generative=False)
        return self


class ClipRequest(Request):
    """Bodies of the endpoints that act on one finished clip (bpm, wav, midi, stems, ...)."""

    clip_id: Annotated[str, Field(min_length=1)]


class VoxRequest(ClipRequest):
    vocal_start_s: Annotated[float, Field(ge=0)] | None = None
    vocal_end_s: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        start, end = self.vocal_start_s or 0.0, self.vocal_end_s
        if end is not None and not 0 < end - start <= 30:
            raise ValueError("vocal range: end after start, at most 30 seconds")
        return self


class DownloadRequest(ClipRequest):
    formats: Annotated[list[Literal["mp3", "m4a", "wav"]], Field(min_length=1)] = ["mp3"]


class UpsampleTagsRequest(Request):
    tags: Annotated[str, Field(min_length=1, max_length=1000)]


class LyricsRequest(Request):
    description: Annotated[str, Field(min_length=1, max_length=120)]


class CreateVoiceRequest(Request):
    audio_url: Annotated[str, Field(pattern=r"^https?://")]


class PersonaRequest(Request):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    clip_id: str
    describe: Annotated[str, Field(max_length=200)] | None = None
    styles: str | None = None
    vox_audio_id: str | None = None
    vocal_start_s: float | None = None
    vocal_end_s: float | None = None


class ProducerCreateRequest(Webhook):
    task_type: Literal["create_music"] = "create_music"
    sound: str | None = None
    lyrics: str | None = None
    mv: str | None = None
    title: Annotated[str, Field(max_length=80)] | None = None
    seed: Annotated[str, Field(pattern=r"^\d+$")] | None = None
    make_instrumental: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.sound and not self.lyrics:
            raise ValueError("give sound or lyrics")
        return self


class ProducerLyricsRequest(Request):
    prompt: Annotated[str, Field(min_length=1)]


class ProducerUploadRequest(Request):
    url: Annotated[str, Field(pattern=r"^https?://")]


class ProducerDownloadRequest(ClipRequest):
    format: Literal["mp3", "wav"] = "mp3"


# --- responses -------------------------------------------------------------------------------


def _decimal(value: Any) -> Any:
    """``duration`` is documented as an integer but sent as a decimal string ("104.88")."""
    if isinstance(value, str):
        return float(value) if value.strip() else None
    return value


Seconds = Annotated[float | None, BeforeValidator(_decimal)]


class Response(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class TaskAccepted(Response):
    task_id: str
    message: str | None = None
    code: int | None = None


class Clip(Response):
    clip_id: str
    state: str = "pending"
    title: str | None = None
    tags: str | None = None
    lyrics: str | None = None
    image_url: str | None = None
    audio_url: str | None = None
    video_url: str | None = None
    created_at: str | None = None
    mv: str | None = None
    gpt_description_prompt: str | None = None
    duration: Seconds = None
    negative_tags: str | None = None
    error_message: str | None = None
    stem_type: str | None = None
    segment: str | None = None  # auto_concat results: "replaced" | "extended" | "full"

    @property
    def model(self) -> str | None:
        return normalize_model(self.mv) if self.mv else None

    @property
    def terminal(self) -> bool:
        return self.state in ("succeeded", "failed")


PIECES = ("replaced", "extended")  # the new part of an auto_concat result, beside its "full"


def _paired(item: dict[str, Any]) -> bool:
    return "full" in item or any(piece in item for piece in PIECES)


def task_clips(data: list[Any] | dict[str, Any]) -> tuple[list[Clip], bool]:
    """The clips of a task's ``data`` and whether a full song is still being joined.

    Items are flat clips, or (replace-section and upload-extend with ``auto_concat``) pairs
    ``{"replaced"|"extended": clip, "full": clip | null}``, where ``full`` is null while the
    vendor joins the new part to the song (the reference leaves the nesting open, so a single
    pair as ``data`` is read too). Each clip of a pair is labelled with its key in ``segment``.
    Raises ``ValueError`` (pydantic's ``ValidationError``) on anything else.
    """
    items = [data] if isinstance(data, dict) else data
    clips: list[Clip] = []
    joining = False
    for item in items:
        if not isinstance(item, dict):
            raise ValueError(f"a task item is a {type(item).__name__}, not an object")
        if not _paired(item):
            clips.append(Clip.model_validate(item))
            continue
        piece = None
        for key in PIECES:
            if isinstance(item.get(key), dict):
                piece = Clip.model_validate({**item[key], "segment": key})
                clips.append(piece)
        full = item.get("full")
        if isinstance(full, dict):
            clips.append(Clip.model_validate({**full, "segment": "full"}))
        elif piece is None or piece.state != "failed":  # a failed part is never joined
            joining = True
    return clips, joining


class SonicTask(Response):
    """A poll answer or a webhook. ``ready`` is False while the vendor answers ``not_ready``."""

    task_id: str
    ready: bool
    clips: list[Clip] = []
    result: dict[str, Any] | None = None  # non-clip tasks, e.g. create-voice: persona_id, name
    message: str | None = None
    joining: bool = False  # an auto_concat pair whose full song is not there yet

    @classmethod
    def from_data(cls, task_id: str, data: Any, message: str | None = None) -> SonicTask:
        """From the ``data`` of a finished-or-running answer: clips (flat or paired) or, for
        tasks that make no clip (create-voice), the result object."""
        if isinstance(data, dict) and not _paired(data):
            return cls(task_id=task_id, ready=True, result=data, message=message)
        clips, joining = task_clips(data or [])
        return cls(task_id=task_id, ready=True, clips=clips, joining=joining, message=message)

    @property
    def done(self) -> bool:
        if not self.ready:
            return False
        if self.result is not None:
            return True
        return bool(self.clips) and not self.joining and all(c.terminal for c in self.clips)

    @property
    def failed(self) -> bool:
        return self.done and bool(self.clips) and all(c.state == "failed" for c in self.clips)


class ProducerTask(Response):
    task_id: str
    status: Literal["PENDING", "RUNNING", "SUCCESS", "FAILED"]
    message: str | None = None
    data: list[dict[str, Any]] = []

    @property
    def done(self) -> bool:
        return self.status in ("SUCCESS", "FAILED")


class UploadedClip(Response):
    clip_id: str


class UploadAndGenerate(Response):
    """upload-extend / upload-cover: the task, and the clip id the upload step produced."""

    task_id: str
    upload_clip_id: str | None = None


class Bpm(Response):
    avg_bpm: float
    max_bpm: float
    min_bpm: float


class Vox(Response):
    vox_audio_id: str
    source_clip_id: str | None = None
    status: str | None = None
    vocal_start_s: float | None = None
    vocal_end_s: float | None = None


class Wav(Response):
    wav_url: str


class DownloadFile(Response):
    format: str
    file_url: str


class Download(Response):
    """``ready`` is False while the vendor answers 202 (files still preparing; retry is free)."""

    ready: bool
    files: list[DownloadFile] = []


class MidiNote(Response):
    pitch: int
    start: float
    end: float
    velocity: int


class MidiInstrument(Response):
    name: str
    notes: list[MidiNote]


class Midi(Response):
    midi_url: str | None = None
    instruments: list[MidiInstrument] = []


class AlignedWord(Response):
    word: str
    start_s: float | None = None
    end_s: float | None = None
    p_align: float | None = None
    success: bool | None = None


class AlignedLyrics(Response):
    alignment: list[AlignedWord]


class UpsampledTags(Response):
    upsampled_tags: str


class LyricsVersion(Response):
    title: str | None = None
    lyrics: str


class Lyrics(Response):
    results: list[LyricsVersion]


class Persona(Response):
    persona_id: str


class Credits(Response):
    credits: int
    extra_credits: int = 0
