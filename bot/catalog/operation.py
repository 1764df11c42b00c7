"""What an operation is: the declaration every operation fills in (:class:`Operation`), what it
needs, and what its vendor call may answer (submitted, immediate, not ready yet).

Kept apart from the declarations themselves (:mod:`bot.catalog`) so that the parameters and the
calls, which both speak these types, depend on them and not on the list of operations.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from bot.aimusic import AIMusicClient
from bot.domain import Attachment
from bot.pricing import Credits


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


@dataclass(frozen=True, kw_only=True)
class Source:
    """A resolved input: the vendor clip behind a track or an upload, or a signed media URL.
    Built by keyword: seven fields of which four are optional strings read badly by position."""

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
