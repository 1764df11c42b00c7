"""The Discord :class:`bot.platform.Platform`: status messages and results in a channel.

Everything is posted with the bot token (not an interaction token, which expires after 15
minutes), with allowed mentions off, and results carry a nonce derived from their outbox key so
that a delivery retried after a crash returns the message Discord already created.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import discord

from adapters.discord.render import buttons, embed
from bot.domain import Attachment, ReplyTarget, ResultCard
from bot.platform import PlatformError

NO_PINGS = discord.AllowedMentions.none()


class DiscordPlatform:
    name = "discord"

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    def _channel(self, target: ReplyTarget) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(int(target.channel))

    async def post_status(self, target: ReplyTarget, text: str) -> str:
        try:
            message = await self._channel(target).send(
                for_member(target, text), allowed_mentions=NO_PINGS
            )
        except discord.HTTPException as exc:
            raise PlatformError(f"discord: {exc.status} {exc.code}") from None
        return str(message.id)

    async def edit_status(self, target: ReplyTarget, ref: str, text: str) -> None:
        try:
            partial = self._channel(target).get_partial_message(int(ref))
            await partial.edit(content=for_member(target, text), allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            raise PlatformError(f"discord: {exc.status} {exc.code}") from None

    async def deliver(self, target: ReplyTarget, card: ResultCard, key: str) -> str:
        """One message per result: embed, files and buttons. Files that do not fit in one message
        together (Discord's limit is per message) follow in further messages. Each message has a
        nonce derived from the outbox key, so when a retry (after a crash, say) sends it again,
        Discord returns the message it already created instead of posting a second one."""
        channel = self._channel(target)
        first, *rest = batches(card, target.upload_limit)
        view = buttons(card)
        try:
            message = await self._send(
                channel,
                first,
                content=for_member(target, ""),
                embed=embed(card),
                nonce=nonce(key),
                **({"view": view} if view is not None else {}),
            )
            for number, batch in enumerate(rest, start=1):
                await self._send(channel, batch, nonce=nonce(f"{key}#{number}"))
        except discord.Forbidden:
            return "forbidden"  # removed from the channel, or no permission: nothing to retry
        except discord.HTTPException as exc:
            raise PlatformError(f"discord: {exc.status} {exc.code}") from None
        return str(message.id)

    @staticmethod
    async def _send(
        channel: discord.PartialMessageable, attachments: list[Attachment], **content: Any
    ) -> discord.Message:
        files = [discord.File(a.path, filename=a.filename) for a in attachments]
        try:
            return await channel.send(files=files, allowed_mentions=NO_PINGS, **content)
        finally:
            for file in files:
                file.close()

    async def notify(self, target: ReplyTarget, text: str, key: str) -> str:
        try:
            message = await self._channel(target).send(
                for_member(target, text), allowed_mentions=NO_PINGS, nonce=nonce(key)
            )
        except discord.Forbidden:
            return "forbidden"
        except discord.HTTPException as exc:
            raise PlatformError(f"discord: {exc.status} {exc.code}") from None
        return str(message.id)


def batches(card: ResultCard, limit: int) -> list[list[Attachment]]:
    """The card's files in groups that each fit one message (the first group may be empty)."""
    groups: list[list[Attachment]] = [[]]
    used = 0
    for attachment in card.attachments:
        size = Path(attachment.path).stat().st_size
        if groups[-1] and (used + size > limit or len(groups[-1]) == 10):
            groups.append([])
            used = 0
        groups[-1].append(attachment)
        used += size
    return groups


def for_member(target: ReplyTarget, text: str) -> str:
    """``text`` naming the member it is for: a mention, which shows their name and, with
    allowed mentions off, never notifies them."""
    named = f"<@{target.requester}> {text}" if target.requester else text
    return named.strip()[:2000]


def nonce(key: str) -> str:
    """A message nonce (at most 25 characters) from an outbox key, the same on every retry."""
    return hashlib.sha256(f"chorus:{key}".encode()).hexdigest()[:25]
