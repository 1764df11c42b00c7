"""Telegram's HTML parse mode, as strict as the Bot API.

Bot API "Formatting options" (https://core.telegram.org/bots/api#html-style): only the listed
tags are supported, ``<``, ``>`` and ``&`` that are not markup must be written ``&lt;``, ``&gt;``
and ``&amp;``, and only the named entities ``&lt; &gt; &amp; &quot;`` and numeric ones are
understood. A message whose markup does not parse is refused with 400 "Bad Request: can't parse
entities: ..." (the texts below are the Bot API server's, tdlib's ``parse_html``). Lengths are
counted on the text that remains after parsing, in UTF-16 code units.
"""

from __future__ import annotations

import html
import re

TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "span",
    "tg-spoiler",
    "tg-emoji",
    "blockquote",
}
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
ENTITY = re.compile(r"&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{1,10});")


class ParseError(ValueError):
    """The Bot API's description after "Bad Request: can't parse entities: "."""


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def plain_text(markup: str) -> str:
    """The text a member sees; raises :class:`ParseError` where Telegram refuses the markup."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(markup):
        char = markup[i]
        if char == "&":
            match = ENTITY.match(markup, i)
            name = match.group(1) if match else ""
            if match and (name.startswith("#") or name in NAMED):
                out.append(NAMED.get(name) or html.unescape(match.group(0)))
                i = match.end()
                continue
            out.append("&")  # an unknown or unterminated entity stays as written
            i += 1
            continue
        if char != "<":
            out.append(char)
            i += 1
            continue
        end = markup.find(">", i)
        if end < 0:
            raise ParseError(f"Unclosed start tag at byte offset {_offset(markup, i)}")
        inside = markup[i + 1 : end]
        if inside.startswith("/"):
            name = inside[1:].strip().lower()
            if not stack:
                raise ParseError(f"Unexpected end tag at byte offset {_offset(markup, i)}")
            if name != stack[-1]:
                raise ParseError(
                    f"Unmatched end tag at byte offset {_offset(markup, i)}, "
                    f'expected "</{stack[-1]}>", found "</{name}>"'
                )
            stack.pop()
        else:
            match = TAG_NAME.match(inside)
            name = match.group(0).lower() if match else ""
            if name not in TAGS:
                raise ParseError(
                    f'Unsupported start tag "{name}" at byte offset {_offset(markup, i)}'
                )
            stack.append(name)
        i = end + 1
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)
