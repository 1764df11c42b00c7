"""Slash-command options derived from the catalog's pydantic parameters.

discord.py builds a command's options from its callback's signature, so each operation gets a
callback whose ``__signature__`` is written from its parameter model: the constraints the core
validates anyway (lengths, ranges, enumerations) become Discord's own, and members see them
before they press Enter. The core still validates everything: a crafted interaction gets the
same clear refusal as a typed command.
"""

from __future__ import annotations

import inspect
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
import discord
from discord import app_commands
from pydantic.fields import FieldInfo

from bot import messages
from bot.catalog import Needs, Operation, meaning_of

DISCORD_TEXT_LIMIT = 6000  # the longest string option Discord accepts
AUTOCOMPLETED = frozenset({"model"})  # and an operation's voice (completed from the member's)
TRACK_OPTIONS = {"track": messages.DESCRIBE_TRACK, "other": messages.DESCRIBE_OTHER}


@dataclass(frozen=True)
class Shape:
    """What a pydantic field allows: its base type, bounds and enumerated values."""

    base: type
    low: float | None = None
    high: float | None = None
    values: tuple[str, ...] = ()


def shape(annotation: Any, metadata: list[Any]) -> Shape:
    """Walk Optional/Union/Annotated/Literal down to the one type Discord can express."""
    constraints = list(metadata)
    values: list[str] = []
    pending = [annotation]
    base: type | None = None
    while pending:
        current = pending.pop()
        origin = typing.get_origin(current)
        if origin is typing.Annotated:
            inner, *extra = typing.get_args(current)
            for item in extra:
                constraints += item.metadata if isinstance(item, FieldInfo) else [item]
            pending.append(inner)
        elif origin in (typing.Union, types.UnionType):
            pending += [a for a in typing.get_args(current) if a is not type(None)]
        elif origin is Literal:
            values += [str(v) for v in typing.get_args(current)]
            base = str
        elif isinstance(current, type):
            base = current
    low = high = None
    for item in constraints:
        if isinstance(item, annotated_types.MinLen | annotated_types.Ge):
            low = getattr(item, "min_length", getattr(item, "ge", None))
        elif isinstance(item, annotated_types.MaxLen | annotated_types.Le):
            high = getattr(item, "max_length", getattr(item, "le", None))
    return Shape(base or str, low, high, tuple(dict.fromkeys(values)))


def annotation_for(name: str, found: Shape) -> Any:
    """The discord.py annotation for one option: Range for bounds, Literal for choices."""
    if found.values and name not in AUTOCOMPLETED and len(found.values) <= 25:
        return Literal[found.values]
    if found.base is bool:
        return bool
    if found.base in (int, float):
        if found.low is None and found.high is None:
            return found.base
        low = None if found.low is None else found.base(found.low)
        high_ = None if found.high is None else found.base(found.high)
        return app_commands.Range[found.base, low, high_]
    high = min(int(found.high or DISCORD_TEXT_LIMIT), DISCORD_TEXT_LIMIT)
    if found.low is None and found.high is None:
        return str
    return app_commands.Range[str, int(found.low or 0), high]


def lyrics_in_form(op: Operation) -> bool:
    """Whether ``op``'s lyrics are asked for in its form (a modal) when the option is left out:
    lyrics are long and multi-line, which a slash-command option handles badly."""
    return op.form is not None and op.form.asks("lyrics")


def parameters(op: Operation) -> tuple[list[inspect.Parameter], dict[str, str]]:
    """The options of ``/op`` and their descriptions, required ones first (Discord insists)."""
    found: list[inspect.Parameter] = []
    described: dict[str, str] = {}
    kind = inspect.Parameter.KEYWORD_ONLY

    def add(name: str, annotation: Any, required: bool, text: str) -> None:
        # discord.py makes an option optional when its parameter has a default.
        default = inspect.Parameter.empty if required else None
        found.append(inspect.Parameter(name, kind, default=default, annotation=annotation))
        described[name] = text[:100]

    needs = op.needs
    if needs in (Needs.TRACK, Needs.TWO_TRACKS):
        add("track", str, True, TRACK_OPTIONS["track"])
    if needs == Needs.TWO_TRACKS:
        add("other", str, True, TRACK_OPTIONS["other"])
    if needs in (Needs.AUDIO, Needs.UPLOAD):
        add("audio", discord.Attachment, True, messages.DESCRIBE_AUDIO)
    if needs == Needs.TRACK_OR_AUDIO:
        add("track", str, False, TRACK_OPTIONS["track"])
        add("audio", discord.Attachment, False, messages.DESCRIBE_AUDIO)
    for name, info in op.params.model_fields.items():
        in_form = lyrics_in_form(op) and name == "lyrics"
        required = info.is_required() and not in_form
        annotation = annotation_for(name, shape(info.annotation, info.metadata))
        text = meaning_of(op.params, name)
        if in_form:
            text = messages.DESCRIBE_LYRICS_OR_FORM
        add(name, annotation, required, text)
    found.sort(key=lambda p: p.default is not inspect.Parameter.empty)
    return found, described
