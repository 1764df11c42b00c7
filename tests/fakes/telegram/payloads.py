"""One builder per Bot API payload type, so tests never write Telegram JSON by hand."""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(1000)


def user(
    user_id: int,
    name: str,
    *,
    bot: bool = False,
    username: str | None = None,
    language_code: str | None = None,
) -> dict[str, Any]:
    """``language_code``: the IETF tag of the member's Telegram app language ("de", "pt-br"),
    sent with every update from them (https://core.telegram.org/bots/api#user)."""
    body: dict[str, Any] = {"id": user_id, "is_bot": bot, "first_name": name}
    if username:
        body["username"] = username
    if language_code:
        body["language_code"] = language_code
    return body


def chat(
    chat_id: int, kind: str = "group", title: str = "Music Club", *, forum: bool = False
) -> dict[str, Any]:
    body: dict[str, Any] = {"id": chat_id, "type": kind}
    if kind != "private":
        body["title"] = title
    if forum:
        body["is_forum"] = True
    return body


def message(
    chat_: dict[str, Any],
    sender: dict[str, Any] | None,
    text: str | None = None,
    *,
    reply_to: dict[str, Any] | None = None,
    caption: str | None = None,
    thread: int | None = None,
    **media: Any,
) -> dict[str, Any]:
    """A member's message; ``thread`` puts it in that topic of a forum supergroup."""
    body: dict[str, Any] = {"message_id": next(_ids), "date": int(time.time()), "chat": chat_}
    if thread is not None:
        body["message_thread_id"] = thread
        body["is_topic_message"] = True
    if sender is not None:
        body["from"] = sender
    for field, value in (("text", text), ("caption", caption)):
        if value is None:
            continue
        body[field] = value
        if value.startswith("/"):
            command = value.split()[0]
            body["entities" if field == "text" else "caption_entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(command)}
            ]
    if reply_to is not None:
        body["reply_to_message"] = reply_to
    body.update(media)
    return body


def edited(original: dict[str, Any], text: str) -> dict[str, Any]:
    """The same message after its author edited it (sent as an ``edited_message`` update)."""
    body = {**original, "text": text, "edit_date": int(time.time())}
    if text.startswith("/"):
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return body


def audio(
    file_id: str, unique_id: str, size: int, *, duration: int = 5, name: str = "song.mp3"
) -> dict[str, Any]:
    return {
        "file_id": file_id,
        "file_unique_id": unique_id,
        "duration": duration,
        "mime_type": "audio/mpeg",
        "file_name": name,
        "file_size": size,
    }


def callback_query(sender: dict[str, Any], message_: dict[str, Any], data: str) -> dict[str, Any]:
    return {
        "id": str(next(_ids)),
        "from": sender,
        "message": message_,
        "chat_instance": "ci",
        "data": data,
    }


def chat_member(member: dict[str, Any], status: str) -> dict[str, Any]:
    """Bot API ChatMember in each of its kinds, with the fields python-telegram-bot requires."""
    body: dict[str, Any] = {"user": member, "status": status}
    if status == "creator":
        body["is_anonymous"] = False
    if status == "kicked":
        body["until_date"] = 0
    if status == "restricted":
        body.update(
            {
                "is_member": True,
                "until_date": 0,
                **dict.fromkeys(
                    (
                        "can_send_messages",
                        "can_send_audios",
                        "can_send_documents",
                        "can_send_photos",
                        "can_send_videos",
                        "can_send_video_notes",
                        "can_send_voice_notes",
                        "can_send_polls",
                        "can_send_other_messages",
                        "can_add_web_page_previews",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                        "can_manage_topics",
                    ),
                    False,
                ),
            }
        )
    if status == "administrator":
        body.update(
            {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        )
    return body
