"""Every paid operation members can run, declared once.

One :class:`Operation` drives the command (its name, summary and typed parameters), the price,
what input it needs, and the upstream call. Adapters build slash commands, Telegram commands,
console commands and help from this list; the engine calls ``call`` to submit a job.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from bot import messages
from bot.aimusic import AIMusicClient
from bot.aimusic import models as m
from bot.aimusic.errors import UpstreamUnavailable
from bot.domain import Attachment
from bot.plaintext import Plain
from bot.pricing import Credits

# Every free-text parameter is Plain: no control characters, something visible (bot.plaintext).
Text = Annotated[str, Field(min_length=1), Plain]
Description = Annotated[str, Field(min_length=1, max_length=400), Plain]
Lyrics = Annotated[str, Field(min_length=1, max_length=5000), Plain]
Tags = Annotated[str, Field(min_length=1, max_length=1000), Plain]
Title = Annotated[str, Field(max_length=80), Plain]
Seconds = Annotated[float, Field(ge=0, le=480)]
Model = m.SonicModel

# Each parameter's type says what it means, in a line, as its field's description: slash-command
# options read it there (:func:`meaning_of`); the words are bot.messages' PARAM_* lines.
Prompt = Annotated[Description, Field(description=messages.PARAM_PROMPT)]
SungLyrics = Annotated[Lyrics, Field(description=messages.PARAM_LYRICS)]
StyleTags = Annotated[Tags, Field(description=messages.PARAM_TAGS)]
SongTitle = Annotated[Title, Field(description=messages.PARAM_TITLE)]
MusicModel = Annotated[Model, Field(description=messages.PARAM_MODEL)]
Duration = Annotated[int, Field(ge=10, le=360, description=messages.PARAM_DURATION)]
VocalGender = Annotated[Literal["f", "m"], Field(description=messages.PARAM_VOCAL_GENDER)]
Start = Annotated[Seconds, Field(description=messages.PARAM_START)]
End = Annotated[Seconds, Field(description=messages.PARAM_END)]
Instrumental = Annotated[bool, Field(description=messages.PARAM_INSTRUMENTAL)]


class Needs(Enum):
    """What an operation works on. The values are keys, never words: each sentence that says
    what an operation needs is written whole for each of them in :mod:`bot.messages`."""

    NOTHING = "nothing"
    TRACK = "track"  # a previous result
    AUDIO = "audio"
    TRACK_OR_AUDIO = "track_or_audio"
    UPLOAD = "upload"  # not a track: the music service adds to uploads only
    TWO_TRACKS = "two_tracks"


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Source:
    """A resolved input: the vendor clip behind a track or an upload, or a signed media URL."""

    clip_id: str | None = None
    uploaded: bool = False
    duration: float | None = None
    media_url: str | None = None
    title: str | None = None
    lyrics: str | None = None
    product: str = "sonic"  # where the track's clip lives: "sonic" or "producer"


@dataclass(frozen=True)
class Env:
    """What a call needs beyond its parameters: webhook settings and the default model."""

    default_model: str
    webhook_url: str | None = None
    webhook_secret: str | None = None
    poll_scale: float = 1.0
    asked: int = 0  # how many times in a row this job's call answered NotReady

    def hooks(self) -> dict[str, Any]:
        return (
            {"webhook_url": self.webhook_url, "webhook_secret": self.webhook_secret}
            if self.webhook_url
            else {}
        )


@dataclass(frozen=True)
class Submitted:
    upstream: Literal["sonic", "producer"]
    task_id: str
    hooked: bool = True  # False: the endpoint takes no webhook, so polling is the only way


@dataclass(frozen=True)
class Immediate:
    """A synchronous answer: text, files to fetch, and files made here (e.g. an .lrc)."""

    title: str
    text: str | None = None
    remote: tuple[Attachment, ...] = ()  # files delivery fetches from the vendor
    made: tuple[Attachment, ...] = ()  # files made here, with their bytes
    # Lyrics written for the member, as (title, lyrics): each is kept as a text track, so a
    # result's "use these lyrics" can name it by id (it never rides inline in a button).
    lyrics: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NotReady:
    """The vendor is still preparing the file (its /download answers 202, and asking again is
    free): the engine puts the job back in the queue and submits it again after ``wait``
    (scaled) seconds, so no submission sleeps. ``Env.asked`` tells the next call how many times
    it has been told so."""

    wait: float


Outcome = Submitted | Immediate | NotReady
Call = Callable[[AIMusicClient, Any, list[Source], Env], Awaitable[Outcome]]
# Turns a finished Producer task's ``data`` into a result, for tasks that make no new track
# (a download, a video, lyrics); the Source is the track the task was run on, if any.
Collect = Callable[[list[dict[str, Any]], Any, Source | None], Immediate]
# Why a track cannot be the input of this operation (given the operation that made the track
# and the parameters), or None: checked before anything is charged.
Refuse = Callable[[str, Any], str | None]


@dataclass(frozen=True)
class FormField:
    """One box of an operation's form: the parameter it fills and how it is asked for."""

    name: str
    label: str
    long: bool = False  # several lines (lyrics)
    required: bool = True
    max_length: int = 400
    placeholder: str | None = None


@dataclass(frozen=True)
class Form:
    """The form a platform shows for an operation's long text (Discord: a modal), opened when
    the command is given without it; a form that asks for ``lyrics`` also opens, prefilled,
    from "use these lyrics" on a lyrics result."""

    title: str
    fields: tuple[FormField, ...]

    def asks(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)


UPLOAD_FEE = Credits(2)  # the vendor's fee when it uploads the member's own audio


@dataclass(frozen=True, kw_only=True)
class Operation:
    name: str
    summary: str
    params: type[Params]
    needs: Needs
    price: Credits
    call: Call
    text_param: str | None = None  # the parameter that takes a command's free text
    upload_price: Credits = UPLOAD_FEE
    by_link: bool = False  # member audio goes to the vendor as a link it fetches: no upload
    # The next steps valid on this operation's results, offered as buttons (and listed by the
    # console): adapters render exactly these and never name operations themselves.
    actions: tuple[str, ...] = ()
    label: str  # the button that offers this operation on a result
    audio_over: float = 0.0  # the vendor's documented minimum: member audio must be longer
    product: Literal["sonic", "producer"] = "sonic"  # where this operation's tracks live
    collect: Collect | None = None  # a Producer task's result that is not a new track
    refuse: Refuse | None = None  # tracks this operation cannot take, refused before a charge
    # Takes a lyrics result as its ``lyrics`` (e.g. "use these lyrics" on /lyrics): the form
    # opens prefilled with them rather than running on the result.
    uses_lyrics: bool = False
    sung: bool = False  # works on sung words: not offered on, and refused for, instrumentals
    # The parameter naming one of the member's voices: resolved to the vendor's voice before
    # anything is charged (an unknown name is refused), and completed from the member's voices.
    voice: str | None = None
    extension: bool = False  # its results continue an original, which /fullsong joins them to
    form: Form | None = None  # its long text asked for in a form (see Form)
    context_menu: str = ""  # offered by right-click on a message carrying audio, so labelled

    def applies_to(self, lyrics: str | None) -> bool:
        """Whether this operation makes sense on a track with these lyrics."""
        return not self.sung or has_words(lyrics)


def has_words(lyrics: str | None) -> bool:
    """Sung words, not just section tags: an instrumental's lyrics are a marker like
    ``[Instrumental]``."""
    return bool(re.sub(r"\[[^\]]*\]", " ", lyrics or "").strip())


# --- parameters --------------------------------------------------------------------------------


class SongParams(Params):
    prompt: Prompt
    instrumental: Instrumental = False
    tags: StyleTags | None = None
    model: MusicModel | None = None
    duration: Duration | None = None


class ComposeParams(Params):
    lyrics: SungLyrics
    title: SongTitle | None = None
    tags: StyleTags | None = None
    negative_tags: (
        Annotated[str, Field(max_length=1000, description=messages.PARAM_NEGATIVE_TAGS), Plain]
        | None
    ) = None
    vocal_gender: VocalGender | None = None
    model: MusicModel | None = None
    style_weight: (
        Annotated[float, Field(ge=0, le=1, description=messages.PARAM_STYLE_WEIGHT)] | None
    ) = None
    weirdness: Annotated[float, Field(ge=0, le=1, description=messages.PARAM_WEIRDNESS)] | None = (
        None
    )


class LyricsParams(Params):
    description: Annotated[
        str,
        Field(min_length=1, max_length=120, description=messages.PARAM_DESCRIPTION),
        Plain,
    ]
    writer: Annotated[
        Literal["sonic", "producer"],  # which of the vendor's lyricists
        Field(description=messages.PARAM_WRITER),
    ] = "sonic"


class DownloadParams(Params):
    format: Annotated[Literal["mp3", "m4a", "wav"], Field(description=messages.PARAM_FORMAT)] = (
        "wav"
    )


class ExtendParams(Params):
    prompt: Prompt | None = None
    lyrics: SungLyrics | None = None
    at: Annotated[Seconds, Field(description=messages.PARAM_AT)] | None = None
    tags: StyleTags | None = None
    model: MusicModel | None = None
    duration: Duration | None = None


class CoverParams(Params):
    prompt: Prompt | None = None
    lyrics: SungLyrics | None = None
    tags: StyleTags | None = None
    model: MusicModel | None = None


class NoParams(Params):
    pass


class RemasterParams(Params):
    strength: Annotated[
        Literal["subtle", "normal", "high"], Field(description=messages.PARAM_STRENGTH)
    ] = "normal"
    model: MusicModel | None = None


class VocalsParams(Params):
    lyrics: SungLyrics
    tags: StyleTags | None = None
    vocal_gender: VocalGender | None = None
    model: MusicModel | None = None


class InstrumentalParams(Params):
    prompt: Prompt | None = None
    tags: StyleTags | None = None
    model: MusicModel | None = None


class Span(Params):
    """Parameters with a ``start`` and an ``end`` in seconds. The end must come after the start:
    the vendor would refuse it only after the member was charged and the job queued."""

    @model_validator(mode="after")
    def _end_after_start(self) -> Span:
        start, end = getattr(self, "start", None), getattr(self, "end", None)
        if start is not None and end is not None and end <= start:
            raise PydanticCustomError(
                "span_order", "end must come after start", {"start": start, "end": end}
            )
        return self


class ReplaceParams(Span):
    lyrics: SungLyrics
    start: Start
    end: End
    model: MusicModel | None = None


class SampleParams(Span):
    prompt: Prompt
    start: Start | None = None
    end: End | None = None
    model: Annotated[m.SampleModel, Field(description=messages.PARAM_MODEL)] | None = None


class MashupParams(Params):
    prompt: Prompt
    model: MusicModel | None = None


class VoxParams(Span):
    start: Start = 0
    end: End | None = None


class TagsParams(Params):
    tags: StyleTags


class PersonaParams(Params):
    voice: Annotated[Text, Field(description=messages.PARAM_VOICE)]
    lyrics: SungLyrics | None = None
    prompt: Prompt | None = None
    tags: StyleTags | None = None
    model: MusicModel | None = None


class ProducerParams(Params):
    prompt: Prompt
    lyrics: SungLyrics | None = None
    title: SongTitle | None = None
    instrumental: Instrumental = False


def meaning_of(params: type[Params], name: str) -> str:
    """What parameter ``name`` of ``params`` means, in a line: its field's description, which an
    optional parameter (``Prompt | None``) carries inside its union. Every parameter has one
    (a platform shows it beside the option), so a missing one is a mistake in this module."""
    info = params.model_fields[name]
    pending: list[Any] = [info.annotation]
    while info.description is None and pending:
        current = pending.pop()
        if get_origin(current) is Annotated:
            for extra in get_args(current)[1:]:
                if isinstance(extra, FieldInfo) and extra.description:
                    return extra.description
        pending += get_args(current)
    if info.description is None:
        raise LookupError(f"{params.__name__}.{name} has no description")
    return info.description


# --- calls -------------------------------------------------------------------------------------


def _mv(model: str | None, env: Env) -> Any:
    return model or env.default_model


async def _sonic(client: AIMusicClient, env: Env, **fields: Any) -> Submitted:
    request = m.SonicCreateRequest(
        **{k: v for k, v in fields.items() if v is not None}, **env.hooks()
    )
    return Submitted("sonic", (await client.sonic_create(request)).task_id)


async def create(client: AIMusicClient, p: SongParams, _: list[Source], env: Env) -> Outcome:
    return await _sonic(
        client,
        env,
        custom_mode=False,
        gpt_description_prompt=p.prompt,
        make_instrumental=p.instrumental or None,
        tags=p.tags,
        mv=_mv(p.model, env),
        duration=p.duration,
    )


async def compose(client: AIMusicClient, p: ComposeParams, _: list[Source], env: Env) -> Outcome:
    return await _sonic(
        client,
        env,
        custom_mode=True,
        prompt=p.lyrics,
        title=p.title,
        tags=p.tags,
        negative_tags=p.negative_tags,
        vocal_gender=p.vocal_gender,
        mv=_mv(p.model, env),
        style_weight=p.style_weight,
        weirdness_constraint=p.weirdness,
    )


def _words(prompt: str | None, lyrics: str | None, fallback: str) -> dict[str, Any]:
    if lyrics:
        return {"custom_mode": True, "prompt": lyrics}
    return {"custom_mode": False, "gpt_description_prompt": prompt or fallback}


async def extend(client: AIMusicClient, p: ExtendParams, src: list[Source], env: Env) -> Outcome:
    source = src[0]
    default_at = 0.1 if source.uploaded else max(0.1, (source.duration or 1) - 0.5)
    return await _sonic(
        client,
        env,
        task_type="extend_upload_music" if source.uploaded else "extend_music",
        continue_clip_id=source.clip_id,
        continue_at=p.at if p.at is not None else default_at,
        tags=p.tags,
        mv=_mv(p.model, env),
        duration=p.duration,
        **_words(p.prompt, p.lyrics, "continue the song in the same style"),
    )


async def cover(client: AIMusicClient, p: CoverParams, src: list[Source], env: Env) -> Outcome:
    source = src[0]
    return await _sonic(
        client,
        env,
        task_type="cover_upload_music" if source.uploaded else "cover_music",
        continue_clip_id=source.clip_id,
        tags=p.tags,
        mv=_mv(p.model, env),
        **_words(p.prompt, p.lyrics, f"a cover in the style of {p.tags or 'a fresh genre'}"),
    )


async def concat(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    return await _sonic(client, env, task_type="concat_music", continue_clip_id=src[0].clip_id)


async def remaster(
    client: AIMusicClient, p: RemasterParams, src: list[Source], env: Env
) -> Outcome:
    return await _sonic(
        client,
        env,
        task_type="remaster",
        continue_clip_id=src[0].clip_id,
        mv=_mv(p.model, env),
        variation_category=p.strength,
    )


async def vocals(client: AIMusicClient, p: VocalsParams, src: list[Source], env: Env) -> Outcome:
    return await _sonic(
        client,
        env,
        task_type="add_vocals",
        continue_clip_id=src[0].clip_id,
        custom_mode=True,
        prompt=p.lyrics,
        tags=p.tags,
        vocal_gender=p.vocal_gender,
        mv=_mv(p.model, env),
    )


async def instrumental(
    client: AIMusicClient, p: InstrumentalParams, src: list[Source], env: Env
) -> Outcome:
    return await _sonic(
        client,
        env,
        task_type="add_instrumental",
        continue_clip_id=src[0].clip_id,
        custom_mode=False,
        gpt_description_prompt=p.prompt or "a full band backing",
        tags=p.tags,
        mv=_mv(p.model, env),
    )


async def replace(client: AIMusicClient, p: ReplaceParams, src: list[Source], env: Env) -> Outcome:
    request = m.ReplaceSectionRequest(
        clip_id=src[0].clip_id or "",
        infill_start_s=p.start,
        infill_end_s=p.end,
        infill_lyrics=p.lyrics,
        prompt=src[0].lyrics or None,
        mv=_mv(p.model, env),
        auto_concat=True,
        **env.hooks(),
    )
    return Submitted("sonic", (await client.replace_section(request)).task_id)


async def sample(client: AIMusicClient, p: SampleParams, src: list[Source], env: Env) -> Outcome:
    source = src[0]
    request = m.SampleRequest(
        url=source.media_url,
        sample_clip_id=None if source.media_url else source.clip_id,
        chop_sample_start_s=p.start,
        chop_sample_end_s=p.end,
        custom_mode=False,
        gpt_description_prompt=p.prompt,
        mv=p.model or _mv(None, env),
        **env.hooks(),
    )
    return Submitted("sonic", (await client.sample(request)).task_id)


async def mashup(client: AIMusicClient, p: MashupParams, src: list[Source], env: Env) -> Outcome:
    request = m.MashupRequest(
        mashup_clip_ids=[s.clip_id or "" for s in src],
        custom_mode=False,
        gpt_description_prompt=p.prompt,
        mv=_mv(p.model, env),
        **env.hooks(),
    )
    return Submitted("sonic", (await client.mashup(request)).task_id)


async def stems(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    return Submitted(
        "sonic", (await client.stems_basic(m.ClipRequest(clip_id=src[0].clip_id or ""))).task_id
    )


async def stems_full(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    return Submitted(
        "sonic", (await client.stems_full(m.ClipRequest(clip_id=src[0].clip_id or ""))).task_id
    )


# A file being prepared is asked for again this many times, ever less often (2 s, 3 s, …, at
# most 10 s: about a minute and a half), before the submission gives up as unavailable (and is
# retried like any other).
PREPARE_ASKS = 12


async def _prepared(
    client: AIMusicClient,
    clip_id: str,
    fmt: str,
    file_name: str,
    title: str,
    env: Env,
    late: str,
) -> Outcome:
    """One ask of the Sonic /download, which answers 202 while it prepares the files."""
    answer = await client.download(m.DownloadRequest(clip_id=clip_id, formats=[fmt]))
    if answer.ready:
        file = answer.files[0]
        return Immediate(
            title=title, remote=(Attachment.remote(file.file_url, file_name, MIME[fmt]),)
        )
    if env.asked + 1 >= PREPARE_ASKS:
        raise UpstreamUnavailable(late)
    return NotReady(min(10.0, 2.0 * 1.5**env.asked) * env.poll_scale)


async def wav(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    return await _prepared(
        client,
        src[0].clip_id or "",
        "wav",
        f"{src[0].title or messages.TRACK_FILE_NAME}.wav",
        messages.file_of("wav", src[0].title),
        env,
        messages.WAV_STILL_PREPARING,
    )


MIME = {"mp3": "audio/mpeg", "m4a": "audio/mp4", "wav": "audio/wav", "mp4": "video/mp4"}


async def download(
    client: AIMusicClient, p: DownloadParams, src: list[Source], env: Env
) -> Outcome:
    """A track in the member's format: the Sonic download (202 while it prepares, asked again
    free) or, for a Producer track, the Producer's download task."""
    source = src[0]
    if source.product == "producer":
        request = m.ProducerDownloadRequest(clip_id=source.clip_id or "", format=p.format)
        task = await client.producer_download(request)
        return Submitted("producer", task.task_id, hooked=False)
    return await _prepared(
        client,
        source.clip_id or "",
        p.format,
        f"{source.title or messages.TRACK_FILE_NAME}.{p.format}",
        messages.file_of(p.format, source.title),
        env,
        messages.FILE_STILL_PREPARING,
    )


def downloaded(data: list[dict[str, Any]], p: DownloadParams, src: Source | None) -> Immediate:
    title = src.title if src else messages.TRACK_FILE_NAME
    files = tuple(
        Attachment.remote(str(item["audio_url"]), f"{title}.{p.format}", MIME[p.format])
        for item in data[:1]
        if item.get("audio_url")
    )
    return Immediate(title=messages.file_of(p.format, title), remote=files)


def producer_formats(made_by: str, p: DownloadParams) -> str | None:
    """The Producer's download offers mp3 and wav only."""
    maker = CATALOG.get(made_by)
    if maker is not None and maker.product == "producer" and p.format == "m4a":
        return messages.PRODUCER_FORMATS
    return None


def extension_only(made_by: str, _: Any) -> str | None:
    """Only an extension has an original to be joined to."""
    maker = CATALOG.get(made_by)
    return None if maker is not None and maker.extension else messages.FULLSONG_NEEDS_EXTENSION


async def video(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.producer_video_clip(m.ClipRequest(clip_id=src[0].clip_id or ""))
    return Submitted("producer", answer.task_id, hooked=False)


def filmed(data: list[dict[str, Any]], _: NoParams, src: Source | None) -> Immediate:
    title = src.title if src else messages.TRACK_FILE_NAME
    files = tuple(
        Attachment.remote(str(item["video_url"]), f"{title}.mp4", MIME["mp4"])
        for item in data[:1]
        if item.get("video_url")
    )
    return Immediate(title=messages.video_of(title), remote=files)


async def upload(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.producer_upload(m.ProducerUploadRequest(url=src[0].media_url or ""))
    return Submitted("producer", answer.task_id, hooked=False)


async def midi(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.midi(m.ClipRequest(clip_id=src[0].clip_id or ""))
    notes = sum(len(i.notes) for i in answer.instruments)
    text = messages.midi_notes(notes, [i.name for i in answer.instruments])
    files = (
        (
            Attachment.remote(
                answer.midi_url, f"{src[0].title or messages.TRACK_FILE_NAME}.mid", "audio/midi"
            ),
        )
        if answer.midi_url
        else ()
    )
    return Immediate(title=messages.midi_of(src[0].title), text=text, remote=files)


async def bpm(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.bpm(m.ClipRequest(clip_id=src[0].clip_id or ""))
    text = messages.tempo(answer.avg_bpm, answer.min_bpm, answer.max_bpm)
    return Immediate(title=messages.tempo_of(src[0].title), text=text)


async def vox(client: AIMusicClient, p: VoxParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.vox(
        m.VoxRequest(clip_id=src[0].clip_id or "", vocal_start_s=p.start, vocal_end_s=p.end)
    )
    return Immediate(
        title=messages.vocals_of(src[0].title),
        text=messages.vocals_isolated(
            answer.vocal_start_s or 0, answer.vocal_end_s or 0, str(answer.vox_audio_id)
        ),
    )


def _stamp(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"[{int(minutes):02d}:{rest:05.2f}]"


def lrc(words: list[m.AlignedWord], lyrics: str | None = None) -> bytes:
    """An .lrc file: one timed line per line of the lyrics, as karaoke players expect.

    The vendor times words, not lines, so the lyrics' own lines (section tags such as [Verse]
    and blank lines left out) take as many timed words as they hold, each line stamped with its
    first sung word. Without the lyrics, a line ends at a sentence mark or after eight words."""
    lines: list[str] = []
    sung = [re.sub(r"\[[^\]]*\]", " ", line).strip() for line in (lyrics or "").splitlines()]
    queue = list(words)
    for line in (line for line in sung if line):
        count = len(line.split())
        taken, queue = queue[:count], queue[count:]
        start = next((w.start_s for w in taken if w.start_s is not None), None)
        if start is not None:
            lines.append(f"{_stamp(start)}{' '.join(line.split())}")
    current: list[str] = []
    start = None
    for word in queue:  # words the lyrics did not account for (or no lyrics at all)
        if word.start_s is None:
            continue
        start = word.start_s if start is None else start
        current.append(word.word)
        if len(current) == 8 or word.word.endswith((".", ",", "!", "?")):
            lines.append(f"{_stamp(start)}{' '.join(current)}")
            current, start = [], None
    if current and start is not None:
        lines.append(f"{_stamp(start)}{' '.join(current)}")
    return ("\n".join(lines) + "\n").encode()


async def timeline(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.aligned_lyrics(m.ClipRequest(clip_id=src[0].clip_id or ""))
    name = f"{src[0].title or messages.TRACK_FILE_NAME}.lrc"
    return Immediate(
        title=messages.timeline_of(src[0].title),
        made=(Attachment.made(name, lrc(answer.alignment, src[0].lyrics), "text/plain"),),
    )


async def tags(client: AIMusicClient, p: TagsParams, _: list[Source], env: Env) -> Outcome:
    answer = await client.upsample_tags(m.UpsampleTagsRequest(tags=p.tags))
    return Immediate(title=messages.RICHER_TAGS, text=answer.upsampled_tags)


async def lyrics(client: AIMusicClient, p: LyricsParams, _: list[Source], env: Env) -> Outcome:
    if p.writer == "producer":
        request = m.ProducerLyricsRequest(prompt=p.description)
        task = await client.producer_lyrics_create(request)
        return Submitted("producer", task.task_id, hooked=False)
    answer = await client.lyrics(m.LyricsRequest(description=p.description))
    return written([r.model_dump() for r in answer.results], p, None)


def written(data: list[dict[str, Any]], p: LyricsParams, _: Source | None) -> Immediate:
    sets = tuple(
        (str(item.get("title") or messages.UNTITLED), str(item["lyrics"]))
        for item in data
        if item.get("lyrics")
    )
    return Immediate(title=messages.lyrics_about(p.description), lyrics=sets)


async def voice(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    request = m.CreateVoiceRequest(audio_url=src[0].media_url or "")
    return Submitted("sonic", (await client.create_voice(request)).task_id)


async def persona(client: AIMusicClient, p: PersonaParams, _: list[Source], env: Env) -> Outcome:
    return await _sonic(
        client,
        env,
        task_type="persona_music",
        persona_id=p.voice,
        tags=p.tags,
        mv=_mv(p.model, env),
        **_words(p.prompt, p.lyrics, "a song in my voice"),
    )


async def producer(client: AIMusicClient, p: ProducerParams, _: list[Source], env: Env) -> Outcome:
    request = m.ProducerCreateRequest(
        sound=p.prompt,
        lyrics=p.lyrics,
        title=p.title,
        make_instrumental=p.instrumental or None,
        **env.hooks(),
    )
    return Submitted("producer", (await client.producer_create(request)).task_id)


# What can be done with a Sonic song. /fullsong is not here: only an extension's results
# offer it (it joins an extension to its original and is refused on anything else).
SONG_ACTIONS = (
    "extend",
    "cover",
    "remaster",
    "stems",
    "download",
    "midi",
    "timeline",
    "bpm",
    "video",
)
EXTENSION_ACTIONS = ("fullsong", *SONG_ACTIONS)
# The boxes of the forms: lyrics are long and multi-line, which a one-line option handles badly.
LYRICS_BOX = FormField(
    name="lyrics",
    label=messages.FIELD_LYRICS,
    long=True,
    max_length=5000,
    placeholder=messages.FIELD_LYRICS_EXAMPLE,
)
TAGS_BOX = FormField(
    name="tags",
    label=messages.FIELD_TAGS,
    required=False,
    max_length=1000,
    placeholder=messages.FIELD_TAGS_EXAMPLE,
)
PRODUCER_ACTIONS = ("video", "download")  # the Producer's own endpoints act on its clips

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="song",
        summary=messages.SUMMARY_SONG,
        label=messages.BUTTON_SONG,
        params=SongParams,
        needs=Needs.NOTHING,
        price=Credits(14),
        call=create,
        text_param="prompt",
        actions=SONG_ACTIONS,
    ),
    Operation(
        name="compose",
        summary=messages.SUMMARY_COMPOSE,
        label=messages.BUTTON_COMPOSE,
        params=ComposeParams,
        needs=Needs.NOTHING,
        price=Credits(14),
        call=compose,
        text_param="lyrics",
        actions=SONG_ACTIONS,
        uses_lyrics=True,
        form=Form(
            title=messages.FORM_COMPOSE,
            fields=(
                FormField(name="title", label=messages.FIELD_TITLE, required=False, max_length=80),
                TAGS_BOX,
                LYRICS_BOX,
            ),
        ),
    ),
    Operation(
        name="lyrics",
        summary=messages.SUMMARY_LYRICS,
        label=messages.BUTTON_LYRICS,
        params=LyricsParams,
        needs=Needs.NOTHING,
        price=Credits(1),
        call=lyrics,
        text_param="description",
        actions=("compose",),
        collect=written,
    ),
    Operation(
        name="extend",
        summary=messages.SUMMARY_EXTEND,
        label=messages.BUTTON_EXTEND,
        params=ExtendParams,
        needs=Needs.TRACK_OR_AUDIO,
        price=Credits(10),
        call=extend,
        text_param="prompt",
        actions=EXTENSION_ACTIONS,
        extension=True,
        context_menu=messages.MENU_EXTEND,
    ),
    Operation(
        name="cover",
        summary=messages.SUMMARY_COVER,
        label=messages.BUTTON_COVER,
        params=CoverParams,
        needs=Needs.TRACK_OR_AUDIO,
        price=Credits(14),
        call=cover,
        text_param="prompt",
        actions=SONG_ACTIONS,
        context_menu=messages.MENU_COVER,
    ),
    Operation(
        name="fullsong",
        summary=messages.SUMMARY_FULLSONG,
        label=messages.BUTTON_FULLSONG,
        params=NoParams,
        needs=Needs.TRACK,
        price=Credits(2),
        call=concat,
        actions=SONG_ACTIONS,
        refuse=extension_only,
    ),
    Operation(
        name="remaster",
        summary=messages.SUMMARY_REMASTER,
        label=messages.BUTTON_REMASTER,
        params=RemasterParams,
        needs=Needs.TRACK,
        price=Credits(10),
        call=remaster,
        text_param="strength",
        actions=SONG_ACTIONS,
    ),
    Operation(
        name="vocals",
        summary=messages.SUMMARY_VOCALS,
        label=messages.BUTTON_VOCALS,
        params=VocalsParams,
        needs=Needs.UPLOAD,
        price=Credits(10),
        call=vocals,
        text_param="lyrics",
        actions=SONG_ACTIONS,
        form=Form(title=messages.FORM_VOCALS, fields=(LYRICS_BOX, TAGS_BOX)),
        context_menu=messages.MENU_VOCALS,
    ),
    Operation(
        name="instrumental",
        summary=messages.SUMMARY_INSTRUMENTAL,
        label=messages.BUTTON_INSTRUMENTAL,
        params=InstrumentalParams,
        needs=Needs.UPLOAD,
        price=Credits(10),
        call=instrumental,
        text_param="prompt",
        actions=SONG_ACTIONS,
        context_menu=messages.MENU_INSTRUMENTAL,
    ),
    Operation(
        name="replace",
        summary=messages.SUMMARY_REPLACE,
        label=messages.BUTTON_REPLACE,
        params=ReplaceParams,
        needs=Needs.TRACK,
        price=Credits(10),
        call=replace,
        text_param="lyrics",
        actions=SONG_ACTIONS,
        form=Form(title=messages.FORM_REPLACE, fields=(LYRICS_BOX,)),
    ),
    Operation(
        name="sample",
        summary=messages.SUMMARY_SAMPLE,
        label=messages.BUTTON_SAMPLE,
        params=SampleParams,
        needs=Needs.TRACK_OR_AUDIO,
        price=Credits(14),
        call=sample,
        text_param="prompt",
        by_link=True,
        actions=SONG_ACTIONS,
        form=Form(
            title=messages.FORM_SAMPLE,
            fields=(
                FormField(
                    name="prompt",
                    label=messages.FIELD_PROMPT,
                    placeholder=messages.FIELD_PROMPT_EXAMPLE,
                ),
            ),
        ),
        context_menu=messages.MENU_SAMPLE,
    ),
    Operation(
        name="mashup",
        summary=messages.SUMMARY_MASHUP,
        label=messages.BUTTON_MASHUP,
        params=MashupParams,
        needs=Needs.TWO_TRACKS,
        price=Credits(14),
        call=mashup,
        text_param="prompt",
        actions=SONG_ACTIONS,
    ),
    Operation(
        name="stems",
        summary=messages.SUMMARY_STEMS,
        label=messages.BUTTON_STEMS,
        params=NoParams,
        needs=Needs.TRACK,
        price=Credits(20),
        call=stems,
    ),
    Operation(
        name="stemsfull",
        summary=messages.SUMMARY_STEMSFULL,
        label=messages.BUTTON_STEMSFULL,
        params=NoParams,
        needs=Needs.TRACK,
        price=Credits(50),
        call=stems_full,
    ),
    Operation(
        name="wav",
        summary=messages.SUMMARY_WAV,
        label=messages.BUTTON_WAV,
        params=NoParams,
        needs=Needs.TRACK,
        price=Credits(2),
        call=wav,
    ),
    Operation(
        name="download",
        summary=messages.SUMMARY_DOWNLOAD,
        label=messages.BUTTON_DOWNLOAD,
        params=DownloadParams,
        needs=Needs.TRACK,
        price=Credits(2),
        call=download,
        text_param="format",
        collect=downloaded,
        refuse=producer_formats,
    ),
    Operation(
        name="video",
        summary=messages.SUMMARY_VIDEO,
        label=messages.BUTTON_VIDEO,
        params=NoParams,
        needs=Needs.TRACK,
        price=Credits(5),
        call=video,
        collect=filmed,
    ),
    Operation(
        name="upload",
        summary=messages.SUMMARY_UPLOAD,
        label=messages.BUTTON_UPLOAD,
        params=NoParams,
        needs=Needs.AUDIO,
        price=Credits(2),
        call=upload,
        by_link=True,
        actions=PRODUCER_ACTIONS,
        product="producer",
    ),
    Operation(
        name="midi",
        summary=messages.SUMMARY_MIDI,
        label=messages.BUTTON_MIDI,
        params=NoParams,
        needs=Needs.TRACK,
        price=Credits(1),
        call=midi,
    ),
    Operation(
        name="bpm",
        summary=messages.SUMMARY_BPM,
        label=messages.BUTTON_BPM,
        params=NoParams,
        needs=Needs.TRACK,
        price=Credits(1),
        call=bpm,
    ),
    Operation(
        name="vox",
        summary=messages.SUMMARY_VOX,
        label=messages.BUTTON_VOX,
        params=VoxParams,
        needs=Needs.TRACK,
        price=Credits(1),
        call=vox,
    ),
    Operation(
        name="timeline",
        summary=messages.SUMMARY_TIMELINE,
        label=messages.BUTTON_TIMELINE,
        params=NoParams,
        needs=Needs.TRACK,
        price=Credits(1),
        call=timeline,
        sung=True,
    ),
    Operation(
        name="tags",
        summary=messages.SUMMARY_TAGS,
        label=messages.BUTTON_TAGS,
        params=TagsParams,
        needs=Needs.NOTHING,
        price=Credits(1),
        call=tags,
        text_param="tags",
    ),
    Operation(
        name="voice",
        summary=messages.SUMMARY_VOICE,
        label=messages.BUTTON_VOICE,
        params=NoParams,
        needs=Needs.AUDIO,
        price=Credits(4),
        call=voice,
        audio_over=10.0,  # create-voice: "> 10 s" (reference §2.7)
        by_link=True,
    ),
    Operation(
        name="persona",
        summary=messages.SUMMARY_PERSONA,
        label=messages.BUTTON_PERSONA,
        params=PersonaParams,
        needs=Needs.NOTHING,
        price=Credits(10),
        call=persona,
        text_param="prompt",
        actions=SONG_ACTIONS,
        voice="voice",
    ),
    Operation(
        name="producer",
        summary=messages.SUMMARY_PRODUCER,
        label=messages.BUTTON_PRODUCER,
        params=ProducerParams,
        needs=Needs.NOTHING,
        price=Credits(10),
        call=producer,
        text_param="prompt",
        actions=PRODUCER_ACTIONS,
        product="producer",
    ),
)
CATALOG: dict[str, Operation] = {op.name: op for op in OPERATIONS}


def song_price() -> Credits:
    """What one song costs (``/song``): the unit a balance is explained in."""
    return CATALOG["song"].price


def composer() -> Operation:
    """The operation that sings the member's own lyrics: chat platforms without forms ask for
    them step by step, and "use these lyrics" on a lyrics result opens it."""
    return next(op for op in OPERATIONS if op.uses_lyrics)
