"""Each operation's typed parameters, and what each parameter means.

A parameter's meaning lives on its type, as the field's description: slash-command options,
the "needs" refusals and help read it there (:func:`meaning_of`), never from a side table.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import Field, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from bot import messages
from bot.aimusic import models as m
from bot.catalog.operation import Params
from bot.plaintext import Plain

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
