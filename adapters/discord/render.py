"""How results look on Discord: an embed per result and a row of buttons that outlive restarts.

A button's ``custom_id`` is ``chorus:<op>:<track>``: everything else (whose track it is, where
it lives, whether it still exists) is read from the store when it is pressed, so buttons posted
weeks ago keep working after any number of restarts and carry nothing a member could forge
usefully (the core checks ownership and prices again).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot import messages
from bot.domain import ResultCard

# What pressing a result's button does: run ``op`` on the track (the client holds it, so that
# buttons rebuilt from their custom id after a restart find it).
Press = Callable[[discord.Interaction[Any], str, str], Awaitable[None]]

BUTTON_TEMPLATE = r"chorus:(?P<op>[a-z]{1,20}):(?P<track>[0-9a-f]{6})"
EMBED_COLOUR = discord.Colour(0x7C5CFF)
LYRICS_SHOWN = 1000  # an embed field holds 1024 characters; longer lyrics go in the file


def minutes(seconds: float | None) -> str:
    if not seconds:
        return ""
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def inert(text: str, limit: int) -> str:
    """Member text (a title, style tags, lyrics, a vendor's words about them) as Discord shows it
    literally: markdown escaped (a masked link stays text) and mentions broken, then cut to
    ``limit`` characters without splitting an escape, which would escape what follows."""
    safe = discord.utils.escape_mentions(discord.utils.escape_markdown(text))
    if len(safe) <= limit:
        return safe
    cut = safe[: limit - 1]
    if (len(cut) - len(cut.rstrip("\\"))) % 2:
        cut = cut[:-1]
    return cut + "…"


def embed(card: ResultCard) -> discord.Embed:
    """Title, style and length; the lyrics folded behind a spoiler so the channel stays tidy.
    Every member-controlled string passes :func:`inert`."""
    shown = discord.Embed(title=inert(card.title, 256), colour=EMBED_COLOUR)
    details = [part for part in (inert(card.tags or "", 3990), minutes(card.duration)) if part]
    if details:
        shown.description = " · ".join(details)
    if card.link:
        listen = messages.listen_too_big(f"[{messages.LISTEN}]({card.link})")
        shown.add_field(name=messages.RESULT_AUDIO, value=listen)
    if card.text and not details and len(card.text) > 1024:  # lyrics: line breaks kept
        shown.description = inert(card.text, 4000)
    elif card.text:
        shown.add_field(name=messages.RESULT_TEXT, value=inert(card.text, 1024), inline=False)
    if card.lyrics:
        lyrics = inert(card.lyrics, LYRICS_SHOWN)
        shown.add_field(name=messages.RESULT_LYRICS, value=f"||{lyrics}||", inline=False)
    if card.cover_url:
        shown.set_thumbnail(url=card.cover_url)
    if card.track_id:
        shown.set_footer(text=f"ID: {card.track_id}")
    return shown


class ResultButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON_TEMPLATE):
    """One follow-up on a posted result; discord.py rebuilds it from the ``custom_id`` alone."""

    def __init__(self, op: str, track_id: str, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label or op,
                style=discord.ButtonStyle.secondary,
                custom_id=f"chorus:{op}:{track_id}",
            )
        )
        self.op, self.track_id = op, track_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: Any,
        /,
    ) -> ResultButton:
        return cls(match["op"], match["track"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        press: Press = interaction.client.press
        await press(interaction, self.op, self.track_id)


def buttons(card: ResultCard) -> discord.ui.View | None:
    """The card's actions, five to a row; ``None`` when there are none."""
    if not card.actions:
        return None
    view = discord.ui.View(timeout=None)
    for action in card.actions[:25]:
        view.add_item(ResultButton(action.op, action.track_id, action.label))
    return view
