"""The text-command grammar shared by text platforms: ``/cover 1a2b3c as a jazz ballad tags=jazz``.

Words of the form ``name=value`` set options, six-hex-digit words name tracks, and the rest is
the command's free text (its ``text_param``). With ``paths=True`` (the console), words that are
paths to audio files are the member's audio. ``/cmd@botname`` works as in Telegram groups.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.catalog import CATALOG, Needs
from bot.domain import AudioInput

TRACK_ID = re.compile(r"^[0-9a-f]{6}$")
AUDIO_SUFFIXES = (".mp3", ".wav", ".ogg", ".m4a", ".flac", ".oga", ".opus")


class CommandError(ValueError):
    """A line that is not a command; ``str()`` says how to write it."""


@dataclass
class Parsed:
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    tracks: list[str] = field(default_factory=list)
    audio: list[AudioInput] = field(default_factory=list)
    words: list[str] = field(default_factory=list)


def parse(line: str, *, paths: bool = False) -> Parsed:
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise CommandError(f"Could not read that line: {exc}.") from None
    if not tokens or not tokens[0].startswith("/"):
        raise CommandError(
            "Commands start with a slash, e.g. /song a lo-fi beat about rain. Try /help."
        )
    parsed = Parsed(tokens[0][1:].split("@", 1)[0].lower())
    op = CATALOG.get(parsed.name)
    fields = op.params.model_fields if op else {}
    takes_tracks = op is not None and op.needs in (
        Needs.TRACK,
        Needs.TWO_TRACKS,
        Needs.TRACK_OR_AUDIO,
    )
    for token in tokens[1:]:
        key, eq, value = token.partition("=")
        if eq and key in fields:
            parsed.args[key] = value
        elif takes_tracks and TRACK_ID.match(token.lower()):
            parsed.tracks.append(token.lower())
        elif paths and (
            token.lower().endswith(AUDIO_SUFFIXES) or token.startswith(("./", "/", "~"))
        ):
            path = Path(token).expanduser()
            parsed.audio.append(AudioInput(str(path), path.name))
        else:
            parsed.words.append(token)
    lone = parsed.words[0].lower() if len(parsed.words) == 1 else ""
    if op is not None and op.uses_lyrics and TRACK_ID.match(lone):
        parsed.tracks.append(parsed.words.pop().lower())  # "use these lyrics": a result's id
    if op is not None and parsed.words:
        if op.text_param is None and takes_tracks:
            raise CommandError(
                f"/{op.name} needs {op.needs.value}: {parsed.words[0]!r} is not a track id "
                "(they look like 1a2b3c; /history lists yours)."
            )
        if op.text_param is None:
            raise CommandError(
                f"/{op.name} takes no text; options are: {', '.join(fields) or 'none'}."
            )
        parsed.args.setdefault(op.text_param, " ".join(parsed.words))
    return parsed
