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

ALLOWED_CONTROLS = frozenset("\n\r\t")
# Letters and symbols that draw nothing (used to make names and messages look empty).
BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})


def problem(text: str) -> tuple[str, int] | None:
    """Why ``text`` is not plain text a member can mean, or None when it is: "empty",
    "invisible", or "control" with the offending character's code point (the sentence that
    says so is :func:`bot.messages.not_text`)."""
    if not text:
        return ("empty", 0)
    for char in text:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in ALLOWED_CONTROLS) or category == "Cs":
            return ("control", ord(char))
    if not any(
        unicodedata.category(char) not in INVISIBLE_CATEGORIES and char not in BLANK_GLYPHS
        for char in text
    ):
        return ("invisible", 0)
    return None


def _check(text: str) -> str:
    found = problem(text)
    if found is not None:
        why, codepoint = found
        raise PydanticCustomError(
            "not_text", "not plain text: {why}", {"why": why, "codepoint": codepoint}
        )
    return text


# Annotate every free-text parameter with this; the refusal names the parameter.
Plain = AfterValidator(_check)
