"""A stand-in catalog for a shipped language: every entry "translated" with a visible marker.

The tests that show a platform speaking a language must not depend on the translators' text;
this writes, for ``language``, a catalog made from the template where each sentence reads
``[de] …`` and each command name ``…-de`` (still a valid Discord name), and points
:mod:`bot.i18n` at it for the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot import i18n


def marked(language: str, text: str, context: str | None) -> str:
    tag = language.split("_")[0].lower()
    return f"{text}-{tag}" if context == i18n.NAME else f"[{tag}] {text}"


@contextmanager
def marked_catalog(
    monkeypatch: pytest.MonkeyPatch, directory: Path, language: str = "de"
) -> Iterator[None]:
    with i18n.TEMPLATE.open("rb") as file:
        catalog = read_po(file, locale=language)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            forms = [marked(language, message.id[1], message.context)] * catalog.num_plurals
            forms[0] = marked(language, message.id[0], message.context)
            message.string = tuple(forms)
        else:
            message.string = marked(language, message.id, message.context)
    path = directory / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as file:
        write_po(file, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", directory)
    i18n.translations.cache_clear()
    try:
        yield
    finally:
        i18n.translations.cache_clear()
