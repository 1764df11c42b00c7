"""How results look on Telegram: HTML captions and inline keyboards that survive restarts because
their ``callback_data`` carries only ``op:track``.

Telegram counts a caption's 1024 characters (a message's 4096) on the text left after parsing
the HTML, in UTF-16 code units, and refuses the whole post when the markup does not parse. So
captions are cut on the plain text, before escaping, and every tag is written whole: a cut can
never split a tag or an ``&amp;``.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import messages
from bot.domain import ResultCard

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
HEAD_PART = 256  # the most a title or a style may take, so that the lyrics keep some room
ELLIPSIS = "…"


def minutes(seconds: float | None) -> str:
    if not seconds:
        return ""
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji may count two)."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, room: int) -> str:
    """``text`` if it fits in ``room`` units, else its start and an ellipsis within ``room``."""
    if units(text) <= room:
        return text
    kept: list[str] = []
    used = units(ELLIPSIS)
    for char in text:
        used += units(char)
        if used > room:
            break
        kept.append(char)
    return "".join(kept) + ELLIPSIS if room >= units(ELLIPSIS) else ""


def caption(card: ResultCard, limit: int = CAPTION_LIMIT) -> str:
    """Title, id, style and length, then as much of the lyrics or text as fits."""
    title = cut(card.title, HEAD_PART)
    head = f"<b>{html.escape(title)}</b>"
    plain = [title]
    if card.track_id:
        head += f"  <code>ID: {html.escape(card.track_id)}</code>"
        plain[0] += f"  ID: {card.track_id}"
    lines = [head]
    details = " · ".join(
        part for part in (cut(card.tags or "", HEAD_PART), minutes(card.duration)) if part
    )
    if details:
        lines.append(html.escape(details))
        plain.append(details)
    if card.link:
        link = f'<a href="{html.escape(card.link)}">{html.escape(messages.LISTEN)}</a>'
        lines.append(messages.listen_too_big_short(link))
        plain.append(messages.listen_too_big_short(messages.LISTEN))
    text = "\n".join(lines)
    body = (card.text or card.lyrics or "").strip()
    room = limit - units("\n".join(plain)) - units("\n\n")
    shown = cut(body, room) if body and room > units(ELLIPSIS) else ""
    if shown:
        text += f"\n\n<blockquote expandable>{html.escape(shown)}</blockquote>"
    return text


def keyboard(card: ResultCard) -> InlineKeyboardMarkup | None:
    if not card.actions:
        return None
    buttons = [
        InlineKeyboardButton(action.label, callback_data=f"{action.op}:{action.track_id}")
        for action in card.actions
    ]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])
