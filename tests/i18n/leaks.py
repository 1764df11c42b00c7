"""Finding English that bypassed the catalogs in what a platform received.

Under the pseudo-locale every translated string arrives wrapped in ⟦…⟧. What is left of a text
once the wrapped parts and the data it quotes (track titles, tags, lyrics, ids, commands, paths,
links, numbers) are taken out must hold no word: any word left is member-facing text that was
never translated.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

WRAPPED = re.compile(r"⟦[^⟦⟧]*⟧")
DATA = re.compile(
    r"https?://\S+"  # links
    r"|(?:[\w.-]*/)+[\w.-]+"  # paths, /commands, /mod grant|revoke
    r"|\b[0-9a-f]{6,8}\b(?:\.\d+)?"  # track and job ids
    r"|\b[\w.-]+\.(?:mp3|wav|m4a|mid|mp4|jpg|png|txt|json|lrc)\b"  # file names
    r"|\b\d[\d.,:]*\w{0,3}\b"  # figures ("12", "0:12", "4s")
    r"|\b\w+=\S*"  # options as typed ("amount=5", "cooldown_seconds=5")
)
WORD = re.compile(r"[^\W\d_]{2,}")


def unwrapped(text: str) -> str:
    """``text`` without its translated parts (nested ones included)."""
    while True:
        shorter = WRAPPED.sub(" ", text)
        if shorter == text:
            return text
        text = shorter


def leaks(
    texts: Iterable[str], data: Iterable[str] = (), names: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """(text, leaked words) for every text with words outside the wrappers, the ``data`` it
    quotes (anywhere) and the ``names`` it mentions (commands, options, language codes: whole
    words only)."""
    quoted = sorted((d for d in data if d), key=len, reverse=True)
    named = set(names)
    found = []
    for text in texts:
        rest = text
        for each in quoted:  # data first: a title may contain anything
            rest = rest.replace(each, " ")
        rest = DATA.sub(" ", unwrapped(rest))
        words = [word for word in WORD.findall(rest) if word not in named]
        if words:
            found.append((text, " ".join(words)))
    return found


def discord_texts(message: dict[str, Any]) -> list[str]:
    """Everything a member reads in a Discord message: content, embeds, button labels."""
    texts = [message.get("content") or ""]
    for shown in message.get("embeds") or []:
        texts += [shown.get("title") or "", shown.get("description") or ""]
        texts += [(shown.get("footer") or {}).get("text") or ""]
        for field in shown.get("fields") or []:
            texts += [field.get("name") or "", field.get("value") or ""]
    for row in message.get("components") or []:
        texts += [item.get("label") or "" for item in row.get("components") or []]
    return [text for text in texts if text]


TAG = re.compile(r"<[^>]+>")


def telegram_texts(params: dict[str, Any]) -> list[str]:
    """Everything a member reads in a Bot API call: text, caption (its HTML tags taken out),
    the answer to a button press, the buttons' labels, the command menu's descriptions."""
    texts = [str(params.get(key) or "") for key in ("text", "caption")]
    texts = [TAG.sub(" ", html.unescape(text)) for text in texts]
    markup = params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard") or [] if isinstance(markup, dict) else []:
        texts += [str(button.get("text") or "") for button in row]
    if isinstance(markup, dict) and markup.get("input_field_placeholder"):
        texts.append(str(markup["input_field_placeholder"]))
    texts += [str(c.get("description") or "") for c in params.get("commands") or []]
    return [text for text in texts if text.strip()]
