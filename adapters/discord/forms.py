"""Modals: the forms Discord shows for long text (lyrics, a sample's description).

A form is the one response that may not be preceded by a defer (Discord allows a modal only as
the first answer), so commands that need one open it at once and defer when it is submitted.
Its ``custom_id`` is unique per form; what the member already chose (the track, the attached
audio, options) rides along in the form object. Forms live in memory for ten minutes: one
submitted after a restart is answered with a request to run the command again, never dropped.
:class:`Forms` remembers every form this process showed until it times out, submitted or not: the
stale-form check runs beside ``on_submit`` (both see the same interaction), so forgetting a form
when it is submitted would make that check answer it a second time.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot import i18n
from bot.catalog import CATALOG

# Run an operation for the member with these values (the interaction is acknowledged already).
Run = Callable[[discord.Interaction[Any], str, dict[str, Any]], Awaitable[None]]
# Tell the member that something failed unexpectedly, and log it.
Report = Callable[[discord.Interaction[Any], Exception], Awaitable[None]]

FORM_PREFIX = "chorus-form:"
FORM_TIMEOUT = 600.0
TEXT_INPUT_LIMIT = 4000  # Discord's longest text input


class Forms:
    """The forms this process showed, until they time out, and what submitting one does."""

    def __init__(self, run: Run, report: Report) -> None:
        self.run, self.report = run, report
        self.shown: dict[str, float] = {}  # custom ids of forms this process showed -> expiry

    def form(self, op: str, values: dict[str, Any], prefill: dict[str, str] | None = None) -> Form:
        """A form for ``op`` (remembered until it times out)."""
        form = Form(self, op, values, prefill)
        now = time.monotonic()
        for expired in [k for k, until in self.shown.items() if until < now]:
            del self.shown[expired]
        self.shown[form.custom_id] = now + FORM_TIMEOUT
        return form

    def stale(self, custom_id: str) -> bool:
        """A submitted form this process never showed (it was shown before a restart)."""
        return custom_id.startswith(FORM_PREFIX) and custom_id not in self.shown


class Form(discord.ui.Modal):
    """The form ``op`` declares in the catalog; on submit the adapter runs ``op`` with the
    form's and earlier values."""

    def __init__(
        self,
        forms: Forms,
        op: str,
        values: dict[str, Any],
        prefill: dict[str, str] | None = None,
    ) -> None:
        """``prefill`` fills fields in (a lyrics result's words), cut to each field's limit."""
        form = CATALOG[op].form
        assert form is not None
        super().__init__(
            title=i18n._(form.title),  # the catalog holds the source text: shown translated
            timeout=FORM_TIMEOUT,
            custom_id=FORM_PREFIX + secrets.token_hex(8),
        )
        self.forms, self.op, self.values = forms, op, values
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        for field in form.fields:
            longest = min(field.max_length, TEXT_INPUT_LIMIT)
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=i18n._(field.label),
                style=discord.TextStyle.paragraph if field.long else discord.TextStyle.short,
                required=field.required,
                max_length=longest,
                placeholder=i18n._(field.placeholder) if field.placeholder else None,
                custom_id=field.name,
                default=(prefill or {}).get(field.name, "")[:longest] or None,
            )
            self.inputs[field.name] = text_input
            self.add_item(text_input)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        given = {name: item.value.strip() for name, item in self.inputs.items()}
        values = {**self.values, **{k: v for k, v in given.items() if v}}
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.forms.run(interaction, self.op, values)

    async def on_error(  # type: ignore[override]  # a Modal's has no item argument
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await self.forms.report(interaction, error)
