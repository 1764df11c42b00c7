"""The one way a file name is made from text a member or the vendor controls, and the check
every write makes before it touches the disk.

A song's title is the member's (``/compose title=...``) and becomes the name of its ``.lrc``,
``.wav`` and ``.mid`` files, here and on Discord and Telegram. Text is hostile: ``../`` walks out of
the data folder, ``/`` starts an absolute path or a folder that does not exist, NUL truncates in C
libraries, ``CON`` or ``NUL`` are devices on Windows, a right-to-left override disguises the
extension, and 300 characters pass the file system's 255-byte limit. So a name keeps only letters,
digits, combining marks and ``-_.``, is capped in bytes, and falls back to the track id when
nothing usable is left; and :func:`within` refuses any path that resolves outside its folder.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MAX_NAME_BYTES = 120  # well under every file system's 255, with room for a ".part" suffix
EXTENSION = re.compile(r"[A-Za-z0-9]{1,8}", re.ASCII)
FALLBACK = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)
EDGES = "-._"  # never first (hidden files, options to shell tools) or last (Windows drops them)
# Device names Windows refuses as a file name, with or without an extension ("COM¹" is
# "COM1" once NFKC-normalised; "CONIN$" cannot survive cleaning).
RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"{device}{n}" for device in ("COM", "LPT") for n in "123456789"]
)


class UnsafePath(ValueError):
    """A path that would leave its folder; raised before anything is written."""


def _allowed(char: str) -> bool:
    return char in "-_." or unicodedata.category(char)[0] in "LNM"


def _clean(text: str) -> str:
    """Letters, digits and marks of any script, ``-_.``; every other run becomes one ``-``.

    Dots separate words that never start or end with ``-`` or ``_`` and are never empty, so a
    cleaned name has no ``..`` and cleaning it again finds the same extension.
    """
    cleaned = re.sub("\0+", "-", "".join(c if _allowed(c) else "\0" for c in text))
    return ".".join(word.strip("-_") for word in cleaned.split(".") if word.strip("-_"))


def _cap(stem: str, budget: int) -> str:
    stem = stem[:budget]  # a character is at least one byte
    while len(stem.encode()) > budget:
        stem = stem[:-1]
    return stem.rstrip(EDGES)


def safe_name(name: str, fallback: str) -> str:
    """A file name made from ``name`` (``"<title>.<ext>"``) that is safe on any file system.

    The extension is kept when it is 1–8 ASCII letters or digits; the rest is cleaned and cut to
    fit :data:`MAX_NAME_BYTES`. When nothing usable remains, or the result is a Windows device
    name, ``fallback`` (a track or job id) is the stem. Applying it twice changes nothing.
    """
    if not FALLBACK.fullmatch(fallback):
        raise ValueError(f"the fallback must be an id, not {fallback!r}")
    name = unicodedata.normalize("NFKC", name)  # fullwidth "／" is "/", and is replaced too
    stem, dot, ext = name.rpartition(".")
    if not (dot and EXTENSION.fullmatch(ext)):
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    stem = _cap(_clean(stem), MAX_NAME_BYTES - len(suffix))
    if not stem or stem.split(".")[0].upper() in RESERVED:
        stem = fallback
    return stem + suffix


def within(root: Path, *parts: str) -> Path:
    """``root / parts``, resolved, or :class:`UnsafePath` if it is not strictly inside ``root``.

    Resolving follows symbolic links, so a link planted inside the folder cannot lead out of it.
    """
    if any("\0" in part for part in parts):
        raise UnsafePath("a path cannot contain NUL")
    base = root.resolve()
    path = base.joinpath(*parts).resolve()
    if path == base or not path.is_relative_to(base):
        raise UnsafePath(f"{'/'.join(parts)!r} is outside {base}")
    return path
