"""Platform-neutral types the adapters build and the core reasons about."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scope:
    """Where credits and limits live: a Discord guild, a Telegram chat, or a DM (``dm:<user>``)."""

    platform: str
    id: str


@dataclass(frozen=True)
class Member:
    """One ledger account: a user within a scope."""

    scope: Scope
    user_id: str

    @property
    def label(self) -> str:
        return f"{self.scope.platform}:{self.scope.id}:{self.user_id}"


@dataclass(frozen=True)
class Actor:
    """Who is asking, with the powers the platform reports for them in this scope.

    ``is_admin`` is Discord's Manage Server or a Telegram chat administrator; ``roles`` are the
    platform role ids the member holds (matched against the scope's moderator roles).
    """

    user_id: str
    name: str = ""
    is_admin: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class ReplyTarget:
    """Where a job's status and results go, serialisable so delivery survives restarts.

    The adapter fills in ``upload_limit`` from the platform (Discord's ``guild.filesize_limit``,
    Telegram's 50 MB) when the command arrives; the core never assumes one.
    """

    platform: str
    channel: str
    reply_to: str | None = None
    thread: str | None = None  # the forum topic (Telegram) the command came from
    upload_limit: int = 8 * 1024 * 1024
    requester: str | None = None  # the member it is for, named (never pinged) where possible
    # A second route to the member when the channel refuses (Discord: the interaction's token,
    # which posts follow-ups for 15 minutes); kept out of repr so it never reaches a log.
    followup: str | None = field(default=None, repr=False)
    # The language of the place the job posts to (Discord's guild locale, the chat's language),
    # chosen when the command arrives; None: the operator's default.
    language: str | None = None


@dataclass(frozen=True)
class AudioInput:
    """Audio a member supplied: a URL the adapter may fetch, or a local path (console)."""

    location: str
    filename: str
    size: int | None = None  # as the platform reports it, to refuse before downloading
    shareable: bool = False  # a public URL the vendor may fetch itself (Discord's CDN), used
    # only when PUBLIC_BASE_URL is unset; never true for Telegram (its URLs carry the bot token)


@dataclass(frozen=True)
class Action:
    """A follow-up offered on a result (a button): run ``op`` on ``track_id``."""

    op: str
    label: str
    track_id: str


@dataclass(frozen=True)
class Attachment:
    """A file delivered with a result (audio, .lrc, .mid, .wav, .mp4): the one shape the catalog,
    the engine and delivery pass along, whichever stage the file is at. A platform posts it from
    ``path`` (on disk under the data folder); before that it is either still at the vendor
    (``url``, fetched by delivery) or made here (``data``, written by the engine)."""

    path: str
    filename: str
    mime: str
    url: str | None = None
    data: bytes | None = field(default=None, repr=False)

    @classmethod
    def remote(cls, url: str, filename: str, mime: str) -> Attachment:
        """A file delivery fetches from the vendor."""
        return cls(path="", filename=filename, mime=mime, url=url)

    @classmethod
    def made(cls, filename: str, data: bytes, mime: str) -> Attachment:
        """A file made here (e.g. an .lrc), written to disk before it is queued."""
        return cls(path="", filename=filename, mime=mime, data=data)

    def stored(self, path: str, filename: str) -> Attachment:
        """The same file once its bytes are on disk at ``path`` under the (sanitized) name."""
        return Attachment(path=path, filename=filename, mime=self.mime)


@dataclass(frozen=True)
class ResultCard:
    """What one result looks like, for every platform to render in its own way."""

    job_id: str
    title: str
    track_id: str | None = None
    tags: str | None = None
    duration: float | None = None
    lyrics: str | None = None
    text: str | None = None  # a text result (BPM, tags, lyrics ideas) or extra details
    cover_url: str | None = None
    link: str | None = None  # where to get the audio when it is too big to attach
    attachments: tuple[Attachment, ...] = ()
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class TrackView:
    """A track as an adapter sees it: enough to list it, check a button, or fill a form."""

    id: str
    title: str
    owner: str  # the user id of the member who made it
    scope: Scope
    duration: float | None = None
    lyrics: str | None = None
    is_lyrics: bool = False  # a /lyrics result: words, no audio


@dataclass(frozen=True)
class JobView:
    """A job as an adapter sees it: whose it is, what it runs, and how far it got."""

    id: str
    op: str
    owner: str
    platform: str
    state: str
    finished: bool  # succeeded or failed: nothing more will happen to it


@dataclass(frozen=True)
class Progress:
    """Some jobs, and whether any of their results is still waiting to be delivered."""

    jobs: tuple[JobView, ...]
    delivering: bool

    @property
    def settled(self) -> bool:
        """Every one of the jobs finished, and every result delivered."""
        return all(job.finished for job in self.jobs) and not self.delivering


def short_id(length: int = 8) -> str:
    """A job's or a track's id: short enough for a member to type, random enough not to guess."""
    return secrets.token_hex(length // 2)
