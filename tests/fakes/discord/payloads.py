"""One builder per Discord payload type, so tests never write Discord JSON by hand.

Shapes follow the API v10 documentation and what discord.py 2.7 requires when it parses them
(for instance ``attachment_size_limit`` on every interaction). Snowflakes are strings on the wire.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
# Permission bits (topics/permissions.mdx)
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
# view channel, send messages, embed links, attach files, use application commands
EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | USE_APPLICATION_COMMANDS
)
# what the README's invite link grants the bot
BOT_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | SEND_MESSAGES_IN_THREADS
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
)
PUBLIC_THREAD = 11
_counter = itertools.count(1)

Json = dict[str, Any]


def snowflake() -> str:
    millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str((millis << 22) | (next(_counter) & 0x3FFFFF))


def shard_of(guild_id: str | int, shard_count: int) -> int:
    """The shard that receives a guild's events: events/gateway.mdx "Sharding Formula"."""
    return (int(guild_id) >> 22) % shard_count


def snowflake_on_shard(shard_id: int, shard_count: int) -> str:
    """A fresh snowflake whose guild would be on ``shard_id`` of ``shard_count`` (its timestamp
    moved forward by less than ``shard_count`` milliseconds)."""
    made = int(snowflake())
    millis = (made >> 22) + (shard_id - (made >> 22)) % shard_count
    return str((millis << 22) | (made & 0x3FFFFF))


def iso_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())


def user(name: str, *, bot: bool = False, user_id: str | None = None) -> Json:
    return {
        "id": user_id or snowflake(),
        "username": name.lower(),
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "flags": 0,
    }


def role(role_id: str, name: str, permissions: int, position: int = 1) -> Json:
    return {
        "id": role_id,
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def member(who: Json, *, roles: tuple[str, ...] = (), permissions: int | None = None) -> Json:
    """A guild member; ``permissions`` is only present on members inside interactions."""
    body: Json = {
        "user": who,
        "roles": list(roles),
        "joined_at": iso_now(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "nick": None,
        "avatar": None,
    }
    if permissions is not None:
        body["permissions"] = str(permissions)
    return body


def channel(guild_id: str | None, name: str = "general", *, kind: int = 0) -> Json:
    body: Json = {
        "id": snowflake(),
        "type": kind,
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
    }
    if guild_id is not None:
        body["guild_id"] = guild_id
    return body


def thread(parent: Json, name: str, owner_id: str) -> Json:
    """A public thread under ``parent``, as GUILD_CREATE and interactions carry it."""
    return {
        **channel(parent.get("guild_id"), name, kind=PUBLIC_THREAD),
        "parent_id": parent["id"],
        "owner_id": owner_id,
        "message_count": 0,
        "member_count": 1,
        "rate_limit_per_user": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": iso_now(),
            "locked": False,
        },
    }


def dm_channel(recipient: Json) -> Json:
    return {"id": snowflake(), "type": 1, "recipients": [recipient], "last_message_id": None}


def guild(
    name: str, owner_id: str, bot: Json, *, premium_tier: int = 0, guild_id: str | None = None
) -> Json:
    guild_id = guild_id or snowflake()
    return {
        "id": guild_id,
        "name": name,
        "owner_id": owner_id,
        "icon": None,
        "unavailable": False,
        "member_count": 2,
        "large": False,
        "features": [],
        "premium_tier": premium_tier,
        "roles": [role(guild_id, "@everyone", EVERYONE_PERMISSIONS, position=0)],
        "channels": [channel(None)],
        "members": [member(bot)],
        "threads": [],
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "joined_at": iso_now(),
    }


def attachment(
    attachment_id: str, filename: str, size: int, url: str, content_type: str | None
) -> Json:
    body: Json = {
        "id": attachment_id,
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
    }
    if content_type:
        body["content_type"] = content_type
    return body


def message(
    channel_id: str,
    author: Json,
    content: str = "",
    *,
    guild_id: str | None = None,
    attachments: list[Json] | None = None,
    embeds: list[Json] | None = None,
    components: list[Json] | None = None,
    webhook_id: str | None = None,
    flags: int = 0,
    nonce: str | None = None,
) -> Json:
    body: Json = {
        "id": snowflake(),
        "channel_id": channel_id,
        "type": 20 if webhook_id else 0,
        "content": content,
        "author": author,
        "attachments": attachments or [],
        "embeds": embeds or [],
        "components": components or [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "flags": flags,
    }
    if guild_id:
        body["guild_id"] = guild_id
    if webhook_id:
        body["webhook_id"] = webhook_id
        body["application_id"] = webhook_id
    if nonce is not None:
        body["nonce"] = nonce
    return body


# --- interactions --------------------------------------------------------------------------------

PING, COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
)
SUB_COMMAND = 1


def option(name: str, value: Any, kind: int, *, focused: bool = False) -> Json:
    body: Json = {"name": name, "type": kind, "value": value}
    if focused:
        body["focused"] = True
    return body


def subcommand(name: str, options: list[Json]) -> Json:
    return {"name": name, "type": SUB_COMMAND, "options": options}


def command_data(name: str, options: list[Json], resolved: Json | None = None) -> Json:
    return {
        "id": snowflake(),
        "name": name,
        "type": 1,
        "options": options,
        "resolved": resolved or {},
    }


def message_command_data(name: str, target: Json) -> Json:
    return {
        "id": snowflake(),
        "name": name,
        "type": 3,
        "target_id": target["id"],
        "resolved": {"messages": {target["id"]: target}},
    }


def component_data(custom_id: str) -> Json:
    return {"custom_id": custom_id, "component_type": 2}


def modal_data(custom_id: str, values: dict[str, str]) -> Json:
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
        for key, value in values.items()
    ]
    return {"custom_id": custom_id, "components": rows}


def interaction(
    kind: int,
    data: Json,
    *,
    app_id: str,
    who: Json,
    channel_: Json,
    guild_id: str | None,
    permissions: int,
    roles: tuple[str, ...] = (),
    attachment_size_limit: int,
    app_permissions: int = BOT_PERMISSIONS,
    source: Json | None = None,
    locale: str = "en-US",
    guild_locale: str = "en-US",
) -> Json:
    """INTERACTION_CREATE's payload: in a guild it carries ``member``, in a DM ``user``;
    ``locale`` is the member's Discord language, ``guild_locale`` the server's (community
    servers set it; Discord sends en-US otherwise)."""
    body: Json = {
        "id": snowflake(),
        "application_id": app_id,
        "type": kind,
        "token": f"itok-{snowflake()}",
        "version": 1,
        "channel_id": channel_["id"],
        "channel": channel_,
        "data": data,
        "locale": locale,
        "app_permissions": str(app_permissions),
        "entitlements": [],
        "context": 0 if guild_id else 1,
        "attachment_size_limit": attachment_size_limit,
    }
    if guild_id:
        body["guild_id"] = guild_id
        body["guild"] = {"id": guild_id, "locale": guild_locale, "features": []}
        body["guild_locale"] = guild_locale
        body["member"] = member(who, roles=roles, permissions=permissions)
        body["authorizing_integration_owners"] = {"0": guild_id}
    else:
        body["user"] = who
        body["authorizing_integration_owners"] = {"1": who["id"]}
    if source is not None:
        body["message"] = source
    return body
