"""What counts as text in a member's prompt, lyrics, tags or title, checked before any charge.

A NUL or an escape sequence is not a song description: it reaches the vendor (which may refuse
it only after the credits were held), terminals and logs. A prompt made only of zero-width
spaces or Hangul fillers looks empty to the member and to the vendor alike. Line breaks and
tabs are text (lyrics are written in lines), and so are emoji, combining marks and every script.
"""

from __future__ import annotations

import unicodedata

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from bot import messages

ALLOWED_CONTROLS = frozenset("\n\r\t")
# Letters and symbols that draw nothing (used to make names and messages look empty).
BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})


def problem(text: str) -> str | None:
    """Why ``text`` is not plain text a member can mean, or None when it is."""
    if not text:
        return messages.TEXT_EMPTY
    for char in text:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in ALLOWED_CONTROLS) or category == "Cs":
            return messages.control_character(ord(char))
    if not any(
        unicodedata.category(char) not in INVISIBLE_CATEGORIES and char not in BLANK_GLYPHS
        for char in text
    ):
        return messages.TEXT_INVISIBLE
    return None


def _check(text: str) -> str:
    why = problem(text)
    if why is not None:
        raise PydanticCustomError("not_text", "{why}", {"why": why})
    return text


# Annotate every free-text parameter with this; the refusal names the parameter.
Plain = AfterValidator(_check)
