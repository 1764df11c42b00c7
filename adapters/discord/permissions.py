"""What the bot must be allowed to do in a channel before a member is charged there.

Every interaction carries ``app_permissions``: the bot's permissions in that channel, after its
roles and the channel's overwrites. Results are posted with the bot token, which needs View
Channel, Send Messages (Send Messages in Threads in a thread), Attach Files and Embed Links
(discord-api-docs ``topics/permissions.mdx``); a job started where one is missing would be paid
for and then refused. So it is refused first, for free, naming what is missing.
"""

from __future__ import annotations

from typing import Any

import discord

from bot import messages

# The invite link's permissions integer (README): the four above, Send Messages in Threads, and
# Read Message History, which lets a late retry find a result it posted before.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
)
THREADS = (
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
)


def missing(interaction: discord.Interaction[Any]) -> list[str]:
    """The permissions the bot lacks to post results here, by their names in Discord's UI."""
    if interaction.guild_id is None:
        return []  # a DM: the bot may always post in its own DMs
    have = interaction.app_permissions
    in_thread = getattr(interaction.channel, "type", None) in THREADS
    needed = [
        (messages.PERMISSION_VIEW_CHANNEL, have.view_channel),
        (
            (messages.PERMISSION_SEND_IN_THREADS, have.send_messages_in_threads)
            if in_thread
            else (messages.PERMISSION_SEND_MESSAGES, have.send_messages)
        ),
        (messages.PERMISSION_ATTACH_FILES, have.attach_files),
        (messages.PERMISSION_EMBED_LINKS, have.embed_links),
    ]
    return [name for name, granted in needed if not granted]


def cannot_post(interaction: discord.Interaction[Any]) -> str | None:
    """The refusal to show the member, or ``None`` when the bot may post here."""
    lacking = missing(interaction)
    if not lacking:
        return None
    return messages.refused(messages.cannot_post_here(lacking))
