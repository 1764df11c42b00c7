"""How results look on Telegram: HTML captions (escaped) and inline keyboards that survive
restarts because their ``callback_data`` carries only ``op:track``."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain import ResultCard

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096


def minutes(seconds: float | None) -> str:
    if not seconds:
        return ""
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def caption(card: ResultCard, limit: int = CAPTION_LIMIT) -> str:
    """Title, id, style and length, then as much of the lyrics or text as fits."""
    head = f"<b>{html.escape(card.title)}</b>"
    if card.track_id:
        head += f"  <code>ID: {card.track_id}</code>"
    details = [part for part in (html.escape(card.tags or ""), minutes(card.duration)) if part]
    lines = [head, " · ".join(details)] if details else [head]
    if card.link:
        lines.append(f'<a href="{html.escape(card.link)}">Listen</a> (too big to attach)')
    body = card.text or card.lyrics or ""
    text = "\n".join(lines)
    if body:
        room = limit - len(text) - 20
        shown = body if len(html.escape(body)) <= room else body[: max(0, room // 2)] + "…"
        text += f"\n\n<blockquote expandable>{html.escape(shown)}</blockquote>" if room > 0 else ""
    return text[:limit]


def keyboard(card: ResultCard) -> InlineKeyboardMarkup | None:
    if not card.actions:
        return None
    buttons = [
        InlineKeyboardButton(action.label, callback_data=f"{action.op}:{action.track_id}")
        for action in card.actions
    ]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])
