"""Every paid operation members can run, declared once.

One :class:`Operation` drives the command (its name, summary and typed parameters), the price,
what input it needs, and the upstream call. Adapters build slash commands, Telegram commands,
console commands and help from this list; the engine calls ``call`` to submit a job.
"""

from __future__ import annotations

from typing import Any

from bot import messages
from bot.catalog import calls
from bot.catalog.operation import (
    Env,
    Form,
    FormField,
    Immediate,
    Needs,
    NotReady,
    Operation,
    Source,
    Submitted,
)
from bot.catalog.params import (
    ComposeParams,
    CoverParams,
    DownloadParams,
    ExtendParams,
    InstrumentalParams,
    LyricsParams,
    MashupParams,
    Model,
    NoParams,
    PersonaParams,
    ProducerParams,
    RemasterParams,
    ReplaceParams,
    SampleParams,
    SongParams,
    TagsParams,
    VocalsParams,
    VoxParams,
    meaning_of,
)
from bot.pricing import Credits


# Which tracks an operation refuses, by the operation that made them (checked before a charge).
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

__all__ = [
    "CATALOG",
    "OPERATIONS",
    "Env",
    "Immediate",
    "Model",
    "Needs",
    "NotReady",
    "Operation",
    "Source",
    "Submitted",
    "composer",
    "meaning_of",
    "song_price",
]

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="song",
        summary=messages.SUMMARY_SONG,
        label=messages.BUTTON_SONG,
        params=SongParams,
        needs=Needs.NOTHING,
        price=Credits(14),
        call=calls.create,
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
        call=calls.compose,
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
        call=calls.lyrics,
        text_param="description",
        actions=("compose",),
        collect=calls.written,
    ),
    Operation(
        name="extend",
        summary=messages.SUMMARY_EXTEND,
        label=messages.BUTTON_EXTEND,
        params=ExtendParams,
        needs=Needs.TRACK_OR_AUDIO,
        price=Credits(10),
        call=calls.extend,
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
        call=calls.cover,
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
        call=calls.concat,
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
        call=calls.remaster,
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
        call=calls.vocals,
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
        call=calls.instrumental,
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
        call=calls.replace,
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
        call=calls.sample,
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
        call=calls.mashup,
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
        call=calls.stems,
    ),
    Operation(
        name="stemsfull",
        summary=messages.SUMMARY_STEMSFULL,
        label=messages.BUTTON_STEMSFULL,
        params=NoParams,
        needs=Needs.TRACK,
        price=Credits(50),
        call=calls.stems_full,
    ),
    Operation(
        name="wav",
        summary=messages.SUMMARY_WAV,
        label=messages.BUTTON_WAV,
        params=NoParams,
        needs=Needs.TRACK,
        price=Credits(2),
        call=calls.wav,
    ),
    Operation(
        name="download",
        summary=messages.SUMMARY_DOWNLOAD,
        label=messages.BUTTON_DOWNLOAD,
        params=DownloadParams,
        needs=Needs.TRACK,
        price=Credits(2),
        call=calls.download,
        text_param="format",
        collect=calls.downloaded,
        refuse=producer_formats,
    ),
    Operation(
        name="video",
        summary=messages.SUMMARY_VIDEO,
        label=messages.BUTTON_VIDEO,
        params=NoParams,
        needs=Needs.TRACK,
        price=Credits(5),
        call=calls.video,
        collect=calls.filmed,
    ),
    Operation(
        name="upload",
        summary=messages.SUMMARY_UPLOAD,
        label=messages.BUTTON_UPLOAD,
        params=NoParams,
        needs=Needs.AUDIO,
        price=Credits(2),
        call=calls.upload,
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
        call=calls.midi,
    ),
    Operation(
        name="bpm",
        summary=messages.SUMMARY_BPM,
        label=messages.BUTTON_BPM,
        params=NoParams,
        needs=Needs.TRACK,
        price=Credits(1),
        call=calls.bpm,
    ),
    Operation(
        name="vox",
        summary=messages.SUMMARY_VOX,
        label=messages.BUTTON_VOX,
        params=VoxParams,
        needs=Needs.TRACK,
        price=Credits(1),
        call=calls.vox,
    ),
    Operation(
        name="timeline",
        summary=messages.SUMMARY_TIMELINE,
        label=messages.BUTTON_TIMELINE,
        params=NoParams,
        needs=Needs.TRACK,
        price=Credits(1),
        call=calls.timeline,
        sung=True,
    ),
    Operation(
        name="tags",
        summary=messages.SUMMARY_TAGS,
        label=messages.BUTTON_TAGS,
        params=TagsParams,
        needs=Needs.NOTHING,
        price=Credits(1),
        call=calls.tags,
        text_param="tags",
    ),
    Operation(
        name="voice",
        summary=messages.SUMMARY_VOICE,
        label=messages.BUTTON_VOICE,
        params=NoParams,
        needs=Needs.AUDIO,
        price=Credits(4),
        call=calls.voice,
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
        call=calls.persona,
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
        call=calls.producer,
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
