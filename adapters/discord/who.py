"""Who is asking and where: the core's actor, scope and reply target for an interaction."""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.platform import DM_UPLOAD_LIMIT
from bot.domain import Actor, ReplyTarget, Scope


def scope_of(interaction: discord.Interaction[Any]) -> Scope:
    if interaction.guild_id is None:
        return Scope("discord", f"dm:{interaction.user.id}")
    return Scope("discord", str(interaction.guild_id))


def actor(interaction: discord.Interaction[Any]) -> Actor:
    """Manage Server makes a moderator (in a DM the member runs their own scope); the
    member's roles are matched against the scope's moderator roles by the core."""
    user = interaction.user
    roles = frozenset(str(r.id) for r in user.roles) if isinstance(user, discord.Member) else None
    admin = interaction.guild_id is None or interaction.permissions.manage_guild
    return Actor(str(user.id), name=user.display_name, is_admin=admin, roles=roles or frozenset())


def target(interaction: discord.Interaction[Any]) -> ReplyTarget:
    """The channel, with the largest file the bot may post there: per file, the guild's
    (its boost tier decides), or in a DM the bot's own 10 MiB. ``interaction.filesize_limit``
    is what the *member* may upload, which their Nitro raises, so it is no guide. The
    interaction's token rides along as the follow-up route for when the channel refuses."""
    guild = interaction.guild
    limit = guild.filesize_limit if guild is not None else DM_UPLOAD_LIMIT
    return ReplyTarget(
        "discord",
        str(interaction.channel_id),
        upload_limit=limit,
        requester=str(interaction.user.id),
        followup=f"{interaction.id}:{interaction.token}",
        language=interaction.extras.get("public_language"),  # set by the adapter on arrival
    )
