"""The Discord :class:`bot.platform.Platform`: status messages and results in a channel.

Results are posted with the bot token, with allowed mentions off, and carry a nonce derived from
their outbox key, so that a delivery retried after a crash returns the message Discord already
created. Discord forgets nonces after a few minutes, so a result retried later is first looked
for in the channel's recent history (:meth:`DiscordPlatform.find_posted`).

When the channel refuses for good (the bot lost access or a permission there, or the file is
too large), the result takes the next route to the member: a follow-up on their interaction
while its token lives (15 minutes; follow-ups need no channel permission), then a DM (the bot's
own uploads there are capped at 10 MiB). Only when every route refuses does the core hear a
permanent :class:`PlatformError` and keep the result for /mysongs. Rate limits, server errors
and timeouts are retryable and raised as such at once: the channel may work again shortly.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import discord

from adapters.discord.render import buttons, embed
from bot.domain import Attachment, ReplyTarget, ResultCard
from bot.platform import PlatformError

NO_PINGS = discord.AllowedMentions.none()
DM_UPLOAD_LIMIT = 10 * 1024 * 1024  # what a bot may upload in a DM, whatever the member's Nitro
FILES_PER_MESSAGE = 10
HISTORY_SCANNED = 50  # recent messages searched for a result posted before
TOKEN_LIFETIME = datetime.timedelta(minutes=15)  # an interaction token's follow-ups

Route = Callable[[], Awaitable[str]]


def refusal(exc: discord.HTTPException) -> PlatformError:
    """Sort Discord's answer: 429 and 5xx are worth a retry; any other 4xx (missing access or
    permissions, too large, a bad request, an expired token, closed DMs) is not."""
    permanent = 400 <= exc.status < 500 and exc.status != 429
    return PlatformError(f"discord: {exc.status} {exc.code} {exc.text}"[:300], permanent=permanent)


async def attempt(action: Route) -> str:
    """Run one post; Discord's refusals and network failures become :class:`PlatformError`."""
    try:
        return await action()
    except discord.HTTPException as exc:
        raise refusal(exc) from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise PlatformError(f"discord: {type(exc).__name__}") from None


class DiscordPlatform:
    name = "discord"

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    def _channel(self, target: ReplyTarget) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(int(target.channel))

    async def post_status(self, target: ReplyTarget, text: str) -> str:
        async def post() -> str:
            channel = self._channel(target)
            message = await channel.send(for_member(target, text), allowed_mentions=NO_PINGS)
            return str(message.id)

        return await attempt(post)

    async def edit_status(self, target: ReplyTarget, ref: str, text: str) -> None:
        async def edit() -> str:
            partial = self._channel(target).get_partial_message(int(ref))
            await partial.edit(content=for_member(target, text), allowed_mentions=NO_PINGS)
            return ref

        await attempt(edit)

    # --- results and notices ---------------------------------------------------------------------
    async def deliver(self, target: ReplyTarget, card: ResultCard, key: str) -> str:
        """One message per result: embed, files and buttons (up to ten files, each within the
        upload limit, which is per file); more files follow in further messages."""

        async def in_channel() -> str:
            return await self._post(self._channel(target), target, card, key, target.upload_limit)

        async def as_followup() -> str:
            webhook = self._followup(target)
            return await self._post(webhook, target, card, key, target.upload_limit)

        async def in_dm() -> str:
            if any(size_of(a) > DM_UPLOAD_LIMIT for a in card.attachments):
                raise PlatformError(
                    "discord: a file is over the 10 MiB a bot may DM", permanent=True
                )
            dm = await self._dm(target)
            return await self._post(dm, target, card, key, DM_UPLOAD_LIMIT)

        return await self._first_route(target, in_channel, as_followup, in_dm)

    async def notify(self, target: ReplyTarget, text: str, key: str) -> str:
        shown = for_member(target, text)

        async def in_channel() -> str:
            channel = self._channel(target)
            sent = await channel.send(shown, allowed_mentions=NO_PINGS, nonce=nonce(key))
            return str(sent.id)

        async def as_followup() -> str:
            sent = await self._followup(target).send(shown, allowed_mentions=NO_PINGS, wait=True)
            return str(sent.id)

        async def in_dm() -> str:
            dm = await self._dm(target)
            return str((await dm.send(text[:2000], allowed_mentions=NO_PINGS)).id)

        return await self._first_route(target, in_channel, as_followup, in_dm)

    async def _first_route(
        self, target: ReplyTarget, in_channel: Route, as_followup: Route, in_dm: Route
    ) -> str:
        """The channel; on a permanent refusal the interaction's follow-up, then a DM."""
        routes = [in_channel]
        if followup_alive(target):
            routes.append(as_followup)
        if target.requester:
            routes.append(in_dm)
        refused: list[str] = []
        for route in routes:
            try:
                return await attempt(route)
            except PlatformError as exc:
                if not exc.permanent:
                    raise
                refused.append(str(exc))
        raise PlatformError("; ".join(refused), permanent=True)

    async def _dm(self, target: ReplyTarget) -> discord.DMChannel:
        """The member's DM channel, unless that is the channel that just refused."""
        dm = await self.client.create_dm(discord.Object(int(target.requester or 0)))
        if str(dm.id) == target.channel:
            raise PlatformError("discord: the DM itself refused", permanent=True)
        return dm

    def _followup(self, target: ReplyTarget) -> discord.Webhook:
        """The interaction's webhook: posts in the channel without any channel permission."""
        assert self.client.application_id is not None and target.followup is not None
        token = target.followup.partition(":")[2]
        return discord.Webhook.partial(self.client.application_id, token, client=self.client)

    async def _post(
        self,
        where: discord.abc.Messageable | discord.Webhook,
        target: ReplyTarget,
        card: ResultCard,
        key: str,
        limit: int,
    ) -> str:
        first, *rest = batches(card, limit)
        view = buttons(card)
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        message = await send(
            where, first, content=for_member(target, ""), embed=embed(card), key=key, **extra
        )
        for number, batch in enumerate(rest, start=1):
            await send(where, batch, key=f"{key}#{number}")
        return str(message.id)

    async def find_posted(self, target: ReplyTarget, card: ResultCard, key: str) -> str | None:
        """The result's message among the channel's recent ones, if an earlier attempt posted
        it: by the bot, with this result's title and ID. ``None`` when the history cannot be
        read (no Read Message History): then only the nonce protects the retry."""
        me = self.client.user
        wanted = embed(card)
        try:
            async for message in self._channel(target).history(limit=HISTORY_SCANNED):
                if me is None or message.author.id != me.id or not message.embeds:
                    continue
                shown = message.embeds[0]
                if shown.title == wanted.title and shown.footer.text == wanted.footer.text:
                    return str(message.id)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError):
            return None
        return None


async def send(
    where: discord.abc.Messageable | discord.Webhook,
    attachments: list[Attachment],
    *,
    key: str,
    **content: Any,
) -> discord.Message:
    """Post with files opened just for this request; a channel send carries the key's nonce."""
    files = [discord.File(a.path, filename=a.filename) for a in attachments]
    try:
        if isinstance(where, discord.Webhook):
            return await where.send(files=files, allowed_mentions=NO_PINGS, wait=True, **content)
        return await where.send(files=files, allowed_mentions=NO_PINGS, nonce=nonce(key), **content)
    finally:
        for file in files:
            file.close()


def followup_alive(target: ReplyTarget) -> bool:
    """Whether the interaction behind ``target.followup`` (``<interaction id>:<token>``) is
    younger than the 15 minutes its token works: an expired token is not even tried, since
    every refused request counts towards Discord's invalid-request ban."""
    if not target.followup:
        return False
    interaction_id = target.followup.partition(":")[0]
    created = discord.utils.snowflake_time(int(interaction_id))
    return discord.utils.utcnow() - created < TOKEN_LIFETIME


def size_of(attachment: Attachment) -> int:
    return Path(attachment.path).stat().st_size


def batches(card: ResultCard, limit: int) -> list[list[Attachment]]:
    """The card's files, ten to a message (the first group may be empty). Discord's upload
    limit is per file, so a file over ``limit`` cannot be posted at all: that is permanent."""
    if any(size_of(a) > limit for a in card.attachments):
        raise PlatformError("discord: a file is over the upload limit here", permanent=True)
    files = list(card.attachments)
    groups = [files[i : i + FILES_PER_MESSAGE] for i in range(0, len(files), FILES_PER_MESSAGE)]
    return groups or [[]]


def for_member(target: ReplyTarget, text: str) -> str:
    """``text`` naming the member it is for: a mention, which shows their name and, with
    allowed mentions off, never notifies them."""
    named = f"<@{target.requester}> {text}" if target.requester else text
    return named.strip()[:2000]


def nonce(key: str) -> str:
    """A message nonce (at most 25 characters) from an outbox key, the same on every retry."""
    return hashlib.sha256(f"chorus:{key}".encode()).hexdigest()[:25]
