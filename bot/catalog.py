"""Every paid operation members can run, declared once.

One :class:`Operation` drives the command (its name, summary and typed parameters), the price,
what input it needs, and the upstream call. Adapters build slash commands, Telegram commands,
console commands and help from this list; the engine calls ``call`` to submit a job.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from bot import messages
from bot.aimusic import AIMusicClient
from bot.aimusic import models as m
from bot.aimusic.errors import UpstreamUnavailable
from bot.domain import Attachment
from bot.plaintext import Plain

# Every free-text parameter is Plain: no control characters, something visible (bot.plaintext).
Text = Annotated[str, Field(min_length=1), Plain]
Description = Annotated[str, Field(min_length=1, max_length=400), Plain]
Lyrics = Annotated[str, Field(min_length=1, max_length=5000), Plain]
Tags = Annotated[str, Field(min_length=1, max_length=1000), Plain]
Title = Annotated[str, Field(max_length=80), Plain]
Seconds = Annotated[float, Field(ge=0, le=480)]
Model = m.SonicModel


class Needs(Enum):
    NOTHING = "nothing"
    TRACK = "a track"  # a previous result
    AUDIO = "an audio file"
    TRACK_OR_AUDIO = "a track or an audio file"
    UPLOAD = "your own audio file"  # not a track: the music service adds to uploads only
    TWO_TRACKS = "two tracks"


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


Outcome = Submitted | Immediate
Call = Callable[[AIMusicClient, Any, list[Source], Env], Awaitable[Outcome]]
# Turns a finished Producer task's ``data`` into a result, for tasks that make no new track
# (a download, a video, lyrics); the Source is the track the task was run on, if any.
Collect = Callable[[list[dict[str, Any]], Any, Source | None], Immediate]
# Why a track cannot be the input of this operation (given the operation that made the track
# and the parameters), or None: checked before anything is charged.
Refuse = Callable[[str, Any], str | None]


@dataclass(frozen=True)
class Operation:
    name: str
    summary: str
    params: type[Params]
    needs: Needs
    price: int
    call: Call
    text_param: str | None = None  # the parameter that takes a command's free text
    upload_price: int = 2  # the vendor's fee when it uploads the member's own audio
    by_link: bool = False  # member audio goes to the vendor as a link it fetches: no upload
    # The next steps valid on this operation's results, offered as buttons (and listed by the
    # console): adapters render exactly these and never name operations themselves.
    actions: tuple[str, ...] = ()
    examples: tuple[str, ...] = field(default=())
    label: str = ""  # the button that offers this operation on a result; default: the name
    audio_over: float = 0.0  # the vendor's documented minimum: member audio must be longer
    product: Literal["sonic", "producer"] = "sonic"  # where this operation's tracks live
    collect: Collect | None = None  # a Producer task's result that is not a new track
    refuse: Refuse | None = None  # tracks this operation cannot take, refused before a charge
    # Takes a lyrics result as its ``lyrics`` (e.g. "use these lyrics" on /lyrics): the form
    # opens prefilled with them rather than running on the result.
    uses_lyrics: bool = False
    sung: bool = False  # works on sung words: not offered on, and refused for, instrumentals

    def applies_to(self, lyrics: str | None) -> bool:
        """Whether this operation makes sense on a track with these lyrics."""
        return not self.sung or has_words(lyrics)

    @property
    def button(self) -> str:
        return self.label or self.name.capitalize()


def has_words(lyrics: str | None) -> bool:
    """Sung words, not just section tags: an instrumental's lyrics are a marker like
    ``[Instrumental]``."""
    return bool(re.sub(r"\[[^\]]*\]", " ", lyrics or "").strip())


# --- parameters --------------------------------------------------------------------------------


class SongParams(Params):
    prompt: Description
    instrumental: bool = False
    tags: Tags | None = None
    model: Model | None = None
    duration: Annotated[int, Field(ge=10, le=360)] | None = None


class ComposeParams(Params):
    lyrics: Lyrics
    title: Title | None = None
    tags: Tags | None = None
    negative_tags: Annotated[str, Field(max_length=1000), Plain] | None = None
    vocal_gender: Literal["f", "m"] | None = None
    model: Model | None = None
    style_weight: Annotated[float, Field(ge=0, le=1)] | None = None
    weirdness: Annotated[float, Field(ge=0, le=1)] | None = None


class LyricsParams(Params):
    description: Annotated[str, Field(min_length=1, max_length=120), Plain]
    writer: Literal["sonic", "producer"] = "sonic"  # which of the vendor's lyricists


class DownloadParams(Params):
    format: Literal["mp3", "m4a", "wav"] = "wav"


class ExtendParams(Params):
    prompt: Description | None = None
    lyrics: Lyrics | None = None
    at: Seconds | None = None
    tags: Tags | None = None
    model: Model | None = None
    duration: Annotated[int, Field(ge=10, le=360)] | None = None


class CoverParams(Params):
    prompt: Description | None = None
    lyrics: Lyrics | None = None
    tags: Tags | None = None
    model: Model | None = None


class NoParams(Params):
    pass


class RemasterParams(Params):
    strength: Literal["subtle", "normal", "high"] = "normal"
    model: Model | None = None


class VocalsParams(Params):
    lyrics: Lyrics
    tags: Tags | None = None
    vocal_gender: Literal["f", "m"] | None = None
    model: Model | None = None


class InstrumentalParams(Params):
    prompt: Description | None = None
    tags: Tags | None = None
    model: Model | None = None


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
    lyrics: Lyrics
    start: Seconds
    end: Seconds
    model: Model | None = None


class SampleParams(Span):
    prompt: Description
    start: Seconds | None = None
    end: Seconds | None = None
    model: m.SampleModel | None = None


class MashupParams(Params):
    prompt: Description
    model: Model | None = None


class VoxParams(Span):
    start: Seconds = 0
    end: Seconds | None = None


class TagsParams(Params):
    tags: Tags


class PersonaParams(Params):
    voice: Text
    lyrics: Lyrics | None = None
    prompt: Description | None = None
    tags: Tags | None = None
    model: Model | None = None


class ProducerParams(Params):
    prompt: Description
    lyrics: Lyrics | None = None
    title: Title | None = None
    instrumental: bool = False


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


async def wav(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    """/download answers 202 while it prepares the files; retrying is free, so wait a little."""
    request = m.DownloadRequest(clip_id=src[0].clip_id or "", formats=["wav"])
    for attempt in range(12):
        answer = await client.download(request)
        if answer.ready:
            file = answer.files[0]
            name = f"{src[0].title or 'track'}.wav"
            return Immediate(
                title=f"WAV of {src[0].title}",
                remote=(Attachment.remote(file.file_url, name, "audio/wav"),),
            )
        await asyncio.sleep(min(10.0, 2.0 * 1.5**attempt) * env.poll_scale)
    raise UpstreamUnavailable("The WAV file is still being prepared; please try again in a minute.")


MIME = {"mp3": "audio/mpeg", "m4a": "audio/mp4", "wav": "audio/wav", "mp4": "video/mp4"}


async def download(
    client: AIMusicClient, p: DownloadParams, src: list[Source], env: Env
) -> Outcome:
    """A track in the member's format: the Sonic download (202 while it prepares, retried
    free) or, for a Producer track, the Producer's download task."""
    source = src[0]
    if source.product == "producer":
        request = m.ProducerDownloadRequest(clip_id=source.clip_id or "", format=p.format)
        task = await client.producer_download(request)
        return Submitted("producer", task.task_id, hooked=False)
    wanted = m.DownloadRequest(clip_id=source.clip_id or "", formats=[p.format])
    for attempt in range(12):
        answer = await client.download(wanted)
        if answer.ready:
            file = answer.files[0]
            name = f"{source.title or 'track'}.{p.format}"
            return Immediate(
                title=f"{p.format.upper()} of {source.title}",
                remote=(Attachment.remote(file.file_url, name, MIME[p.format]),),
            )
        await asyncio.sleep(min(10.0, 2.0 * 1.5**attempt) * env.poll_scale)
    raise UpstreamUnavailable("The file is still being prepared; please try again in a minute.")


def downloaded(data: list[dict[str, Any]], p: DownloadParams, src: Source | None) -> Immediate:
    title = src.title if src else "track"
    files = tuple(
        Attachment.remote(str(item["audio_url"]), f"{title}.{p.format}", MIME[p.format])
        for item in data[:1]
        if item.get("audio_url")
    )
    return Immediate(title=f"{p.format.upper()} of {title}", remote=files)


def producer_formats(made_by: str, p: DownloadParams) -> str | None:
    """The Producer's download offers mp3 and wav only."""
    maker = CATALOG.get(made_by)
    if maker is not None and maker.product == "producer" and p.format == "m4a":
        return messages.PRODUCER_FORMATS
    return None


def extension_only(made_by: str, _: Any) -> str | None:
    """Only an extension has an original to be joined to."""
    return None if made_by == "extend" else messages.FULLSONG_NEEDS_EXTENSION


async def video(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.producer_video_clip(m.ClipRequest(clip_id=src[0].clip_id or ""))
    return Submitted("producer", answer.task_id, hooked=False)


def filmed(data: list[dict[str, Any]], _: NoParams, src: Source | None) -> Immediate:
    title = src.title if src else "track"
    files = tuple(
        Attachment.remote(str(item["video_url"]), f"{title}.mp4", MIME["mp4"])
        for item in data[:1]
        if item.get("video_url")
    )
    return Immediate(title=f"Video of {title}", remote=files)


async def upload(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.producer_upload(m.ProducerUploadRequest(url=src[0].media_url or ""))
    return Submitted("producer", answer.task_id, hooked=False)


async def midi(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.midi(m.ClipRequest(clip_id=src[0].clip_id or ""))
    notes = sum(len(i.notes) for i in answer.instruments)
    text = f"{notes} notes across {len(answer.instruments)} instruments: " + ", ".join(
        i.name for i in answer.instruments
    )
    files = (
        (Attachment.remote(answer.midi_url, f"{src[0].title or 'track'}.mid", "audio/midi"),)
        if answer.midi_url
        else ()
    )
    return Immediate(title=f"MIDI of {src[0].title}", text=text, remote=files)


async def bpm(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.bpm(m.ClipRequest(clip_id=src[0].clip_id or ""))
    spread = (
        ""
        if answer.min_bpm == answer.max_bpm
        else f" (from {answer.min_bpm:g} to {answer.max_bpm:g})"
    )
    return Immediate(title=f"Tempo of {src[0].title}", text=f"{answer.avg_bpm:g} BPM{spread}")


async def vox(client: AIMusicClient, p: VoxParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.vox(
        m.VoxRequest(clip_id=src[0].clip_id or "", vocal_start_s=p.start, vocal_end_s=p.end)
    )
    return Immediate(
        title=f"Vocals of {src[0].title}",
        text=f"Isolated the vocals from {answer.vocal_start_s or 0:g}s to "
        f"{answer.vocal_end_s or 0:g}s (segment {answer.vox_audio_id}).",
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
    name = f"{src[0].title or 'track'}.lrc"
    return Immediate(
        title=f"Lyrics timeline of {src[0].title}",
        made=(Attachment.made(name, lrc(answer.alignment, src[0].lyrics), "text/plain"),),
    )


async def tags(client: AIMusicClient, p: TagsParams, _: list[Source], env: Env) -> Outcome:
    answer = await client.upsample_tags(m.UpsampleTagsRequest(tags=p.tags))
    return Immediate(title="Richer style tags", text=answer.upsampled_tags)


async def lyrics(client: AIMusicClient, p: LyricsParams, _: list[Source], env: Env) -> Outcome:
    if p.writer == "producer":
        request = m.ProducerLyricsRequest(prompt=p.description)
        task = await client.producer_lyrics_create(request)
        return Submitted("producer", task.task_id, hooked=False)
    answer = await client.lyrics(m.LyricsRequest(description=p.description))
    return written([r.model_dump() for r in answer.results], p, None)


def written(data: list[dict[str, Any]], p: LyricsParams, _: Source | None) -> Immediate:
    sets = tuple(
        (str(item.get("title") or "Untitled"), str(item["lyrics"]))
        for item in data
        if item.get("lyrics")
    )
    return Immediate(title=f"Lyrics: {p.description}", lyrics=sets)


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
PRODUCER_ACTIONS = ("video", "download")  # the Producer's own endpoints act on its clips

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "song",
        "Make a song from a description",
        SongParams,
        Needs.NOTHING,
        14,
        create,
        text_param="prompt",
        actions=SONG_ACTIONS,
        examples=("/song a lo-fi beat about rain",),
    ),
    Operation(
        "compose",
        "Make a song from your own lyrics",
        ComposeParams,
        Needs.NOTHING,
        14,
        compose,
        text_param="lyrics",
        actions=SONG_ACTIONS,
        label="Use these lyrics",
        uses_lyrics=True,
    ),
    Operation(
        "lyrics",
        "Write two sets of lyrics from a description",
        LyricsParams,
        Needs.NOTHING,
        1,
        lyrics,
        text_param="description",
        actions=("compose",),
        collect=written,
    ),
    Operation(
        "extend",
        "Continue a track or your audio",
        ExtendParams,
        Needs.TRACK_OR_AUDIO,
        10,
        extend,
        text_param="prompt",
        actions=EXTENSION_ACTIONS,
        examples=("/extend 1a2b",),
    ),
    Operation(
        "cover",
        "Make a cover of a track or of your audio",
        CoverParams,
        Needs.TRACK_OR_AUDIO,
        14,
        cover,
        text_param="prompt",
        actions=SONG_ACTIONS,
        examples=("/cover 1a2b as a jazz ballad",),
    ),
    Operation(
        "fullsong",
        "Join an extension to its original: the full song",
        NoParams,
        Needs.TRACK,
        2,
        concat,
        actions=SONG_ACTIONS,
        label="Full song",
        refuse=extension_only,
    ),
    Operation(
        "remaster",
        "Remaster a track (subtle, normal or high)",
        RemasterParams,
        Needs.TRACK,
        10,
        remaster,
        text_param="strength",
        actions=SONG_ACTIONS,
    ),
    Operation(
        "vocals",
        "Sing your lyrics over your instrumental",
        VocalsParams,
        Needs.UPLOAD,
        10,
        vocals,
        text_param="lyrics",
        actions=SONG_ACTIONS,
    ),
    Operation(
        "instrumental",
        "Add a backing band to your vocals",
        InstrumentalParams,
        Needs.UPLOAD,
        10,
        instrumental,
        text_param="prompt",
        actions=SONG_ACTIONS,
    ),
    Operation(
        "replace",
        "Rewrite a section of a track with new lyrics",
        ReplaceParams,
        Needs.TRACK,
        10,
        replace,
        text_param="lyrics",
        actions=SONG_ACTIONS,
    ),
    Operation(
        "sample",
        "Make a song from a sample or your humming",
        SampleParams,
        Needs.TRACK_OR_AUDIO,
        14,
        sample,
        text_param="prompt",
        by_link=True,
        actions=SONG_ACTIONS,
    ),
    Operation(
        "mashup",
        "Blend two tracks into a new song",
        MashupParams,
        Needs.TWO_TRACKS,
        14,
        mashup,
        text_param="prompt",
        actions=SONG_ACTIONS,
    ),
    Operation(
        "stems", "Split a track into vocals and instrumental", NoParams, Needs.TRACK, 20, stems
    ),
    Operation(
        "stemsfull", "Split a track into every instrument", NoParams, Needs.TRACK, 50, stems_full
    ),
    Operation(
        "wav", "Get a track as a lossless WAV file", NoParams, Needs.TRACK, 2, wav, label="WAV"
    ),
    Operation(
        "download",
        "Download a track as mp3, m4a or wav",
        DownloadParams,
        Needs.TRACK,
        2,
        download,
        text_param="format",
        collect=downloaded,
        refuse=producer_formats,
    ),
    Operation(
        "video",
        "Make a music video (MP4) of a track",
        NoParams,
        Needs.TRACK,
        5,
        video,
        collect=filmed,
    ),
    Operation(
        "upload",
        "Keep your audio as a track (for a video or a download)",
        NoParams,
        Needs.AUDIO,
        2,
        upload,
        by_link=True,
        actions=PRODUCER_ACTIONS,
        product="producer",
    ),
    Operation(
        "midi", "Get a track's notes as a MIDI file", NoParams, Needs.TRACK, 1, midi, label="MIDI"
    ),
    Operation("bpm", "Measure a track's tempo", NoParams, Needs.TRACK, 1, bpm, label="BPM"),
    Operation("vox", "Isolate a track's vocals (up to 30 s)", VoxParams, Needs.TRACK, 1, vox),
    Operation(
        "timeline",
        "Get a track's lyrics timed as an .lrc file",
        NoParams,
        Needs.TRACK,
        1,
        timeline,
        label="Lyrics file",
        sung=True,
    ),
    Operation(
        "tags",
        "Expand style tags into a richer description",
        TagsParams,
        Needs.NOTHING,
        1,
        tags,
        text_param="tags",
    ),
    Operation(
        "voice",
        "Make a singing voice from your audio (over 10 s)",
        NoParams,
        Needs.AUDIO,
        4,
        voice,
        audio_over=10.0,  # create-voice: "> 10 s" (reference §2.7)
        by_link=True,
    ),
    Operation(
        "persona",
        "Make a song sung in one of your voices",
        PersonaParams,
        Needs.NOTHING,
        10,
        persona,
        text_param="prompt",
        actions=SONG_ACTIONS,
    ),
    Operation(
        "producer",
        "Make a song with the Producer model",
        ProducerParams,
        Needs.NOTHING,
        10,
        producer,
        text_param="prompt",
        actions=PRODUCER_ACTIONS,
        product="producer",
    ),
)
CATALOG: dict[str, Operation] = {op.name: op for op in OPERATIONS}

# What each parameter means, in a line: slash-command option descriptions and help text.
PARAMETER_HELP: dict[str, str] = {
    "prompt": "What the music should be, in your words",
    "lyrics": "The words to sing; [Verse] and [Chorus] tags welcome",
    "description": "What the lyrics should be about",
    "title": "The song's title",
    "tags": "Style tags, e.g. dream pop, female vocals",
    "negative_tags": "Styles to stay away from",
    "instrumental": "No vocals",
    "model": "The music model (default: the server's)",
    "duration": "Length in seconds",
    "vocal_gender": "Who sings: f or m",
    "style_weight": "How closely to follow the style tags, 0 to 1",
    "weirdness": "How adventurous, 0 to 1",
    "at": "Continue from this second (default: the end)",
    "strength": "How much to change",
    "start": "From this second",
    "end": "To this second",
    "voice": "One of your voices, by name",
    "format": "mp3, m4a or wav",
    "writer": "Who writes: sonic (two sets) or producer (one)",
}
