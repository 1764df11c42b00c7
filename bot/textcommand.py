"""The text-command grammar shared by text platforms: ``/cover 1a2b3c as a jazz ballad tags=jazz``.

Words of the form ``name=value`` set options, six-hex-digit words name tracks, and the rest is
the command's free text (its ``text_param``). With ``paths=True`` (the console), words that are
paths to audio files are the member's audio, and ``\\n`` typed in a line is a line break.
``/cmd@botname`` works as in Telegram groups. Line breaks in the text survive (lyrics need them),
and a ``name=value`` word whose name is not an option of the command is refused, naming the
options, rather than sent as part of the prompt.

``resolve`` lets the caller replace words before they are read: the console uses it for
``last``, ``last.2`` and ``last.lyrics`` (see the README). It gets the word and the option it is
the value of (None for a bare word) and answers the replacement, or None to keep the word.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import messages
from bot.catalog import CATALOG, Needs
from bot.domain import AudioInput
from bot.media import AUDIO_SUFFIXES

TRACK_ID = re.compile(r"^[0-9a-f]{6}$")
OPTION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")
LINE_BREAK = "\n"
Resolver = Callable[[str, str | None], str | None]


class CommandError(ValueError):
    """A line that is not a command; ``str()`` says how to write it."""


@dataclass
class Parsed:
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    tracks: list[str] = field(default_factory=list)
    audio: list[AudioInput] = field(default_factory=list)
    words: list[str] = field(default_factory=list)


def tokens_of(line: str, *, escapes: bool = False) -> list[str]:
    """Shell-like words, where a line break is a word of its own (quoted or not), so that the
    text joined back from the words keeps its lines."""
    if escapes:
        line = line.replace("\\n", LINE_BREAK)
    lexer = shlex.shlex(line.strip().replace(LINE_BREAK, f" {LINE_BREAK} "), posix=True)
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    return list(lexer)


def _text(words: list[str]) -> str:
    return re.sub(r" *\n *", "\n", " ".join(words)).strip()


def _is_audio_path(word: str, takes_audio: bool) -> bool:
    """Whether a console word is the member's audio. For an operation that takes audio, any
    word that looks like a path is one; for the others only a file that exists is (and is
    refused as audio), so ``/song a song about /r/music fans`` keeps its words."""
    if not (word.lower().endswith(AUDIO_SUFFIXES) or word.startswith(("./", "/", "~"))):
        return False
    if takes_audio:
        return True
    try:
        return Path(word).expanduser().is_file()
    except (OSError, RuntimeError):  # a name too long, or ~someone with no home here
        return False


def options_of(words: list[str]) -> dict[str, str]:
    """The ``name=value`` words of a ``/mod`` line. A name given twice is refused rather than
    one of its values silently winning."""
    options: dict[str, str] = {}
    for word in words:
        name, eq, value = word.partition("=")
        if not eq:
            continue
        if name in options:
            raise CommandError(messages.option_given_twice(name))
        options[name] = value
    return options


def parse(line: str, *, paths: bool = False, resolve: Resolver | None = None) -> Parsed:
    try:
        tokens = tokens_of(line, escapes=paths)
    except ValueError as exc:
        raise CommandError(messages.unreadable_line(str(exc))) from None
    if not tokens or not tokens[0].startswith("/"):
        raise CommandError(messages.COMMANDS_START_WITH_SLASH)
    parsed = Parsed(tokens[0][1:].split("@", 1)[0].lower())
    op = CATALOG.get(parsed.name)
    fields = op.params.model_fields if op else {}
    takes_tracks = op is not None and op.needs in (
        Needs.TRACK,
        Needs.TWO_TRACKS,
        Needs.TRACK_OR_AUDIO,
    )
    takes_audio = op is None or op.needs in (Needs.AUDIO, Needs.UPLOAD, Needs.TRACK_OR_AUDIO)
    for token in tokens[1:]:
        key, eq, value = token.partition("=")
        if op is not None and OPTION.match(token) and key not in fields:
            raise CommandError(messages.unknown_option(op.name, key, list(fields)))
        if resolve is not None:
            if eq and key in fields:
                value = resolve(value, key) or value
            else:
                token = resolve(token, None) or token
        if eq and key in fields:
            parsed.args[key] = _text([value]) if LINE_BREAK in value else value
        elif takes_tracks and TRACK_ID.match(token.lower()):
            parsed.tracks.append(token.lower())
        elif paths and _is_audio_path(token, takes_audio):
            path = Path(token).expanduser()
            parsed.audio.append(AudioInput(str(path), path.name))
        else:
            parsed.words.append(token)
    if all(word == LINE_BREAK for word in parsed.words):
        parsed.words = []
    lone = parsed.words[0].lower() if len(parsed.words) == 1 else ""
    if op is not None and op.uses_lyrics and TRACK_ID.match(lone):
        parsed.tracks.append(parsed.words.pop().lower())  # "use these lyrics": a result's id
    if op is not None and parsed.words:
        if op.text_param is None and takes_tracks:
            raise CommandError(messages.not_a_track_id(op.name, op.needs.value, parsed.words[0]))
        if op.text_param is None:
            raise CommandError(messages.takes_no_text(op.name, list(fields)))
        parsed.args.setdefault(op.text_param, _text(parsed.words))
    return parsed
