"""Modals: the forms Discord shows for long text (lyrics, a sample's description).

A form is the one response that may not be preceded by a defer (Discord allows a modal only as
the first answer), so commands that need one open it at once and defer when it is submitted.
Its ``custom_id`` is unique per form; what the member already chose (the track, the attached
audio, options) rides along in the form object. Forms live in memory for ten minutes: one
submitted after a restart is answered with a request to run the command again, never dropped.
The adapter remembers every form this process showed until it times out, submitted or not: the
stale-form check runs beside ``on_submit`` (both see the same interaction), so forgetting a form
when it is submitted would make that check answer it a second time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot import messages

if TYPE_CHECKING:
    from adapters.discord.adapter import DiscordAdapter

FORM_PREFIX = "chorus-form:"
FORM_TIMEOUT = 600.0
LYRICS_FIELD_LIMIT = 4000  # Discord's longest text input


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    long: bool = False
    required: bool = True
    max_length: int = 400
    placeholder: str | None = None


LYRICS = Field(
    "lyrics",
    messages.FIELD_LYRICS,
    long=True,
    max_length=LYRICS_FIELD_LIMIT,
    placeholder=messages.FIELD_LYRICS_EXAMPLE,
)
TAGS = Field(
    "tags",
    messages.FIELD_TAGS,
    required=False,
    max_length=1000,
    placeholder=messages.FIELD_TAGS_EXAMPLE,
)
FORMS: dict[str, tuple[str, tuple[Field, ...]]] = {
    "compose": (
        messages.FORM_COMPOSE,
        (Field("title", messages.FIELD_TITLE, required=False, max_length=80), TAGS, LYRICS),
    ),
    "vocals": (messages.FORM_VOCALS, (LYRICS, TAGS)),
    "replace": (messages.FORM_REPLACE, (LYRICS,)),
    "sample": (
        messages.FORM_SAMPLE,
        (Field("prompt", messages.FIELD_PROMPT, placeholder=messages.FIELD_PROMPT_EXAMPLE),),
    ),
}


class Form(discord.ui.Modal):
    """A form for ``op``; on submit the adapter runs ``op`` with the form's and earlier values."""

    def __init__(
        self,
        adapter: DiscordAdapter,
        op: str,
        values: dict[str, Any],
        prefill: dict[str, str] | None = None,
    ) -> None:
        """``prefill`` fills fields in (a lyrics result's words), cut to each field's limit."""
        title, fields = FORMS[op]
        super().__init__(
            title=title, timeout=FORM_TIMEOUT, custom_id=FORM_PREFIX + secrets.token_hex(8)
        )
        self.adapter, self.op, self.values = adapter, op, values
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        for field in fields:
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=field.label,
                style=discord.TextStyle.paragraph if field.long else discord.TextStyle.short,
                required=field.required,
                max_length=field.max_length,
                placeholder=field.placeholder,
                custom_id=field.name,
                default=(prefill or {}).get(field.name, "")[: field.max_length] or None,
            )
            self.inputs[field.name] = text_input
            self.add_item(text_input)
        adapter.shown(self.custom_id)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        given = {name: item.value.strip() for name, item in self.inputs.items()}
        values = {**self.values, **{k: v for k, v in given.items() if v}}
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.adapter.run(interaction, self.op, values)

    async def on_error(  # type: ignore[override]  # a Modal's has no item argument
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await self.adapter.report(interaction, error)
