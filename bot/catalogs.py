"""Keeping the message catalogs in step with the code: ``make i18n`` and ``make lint`` run this.

``python -m bot.catalogs update`` extracts every marked sentence (``_()``, ``ngettext()``,
``N_()`` in bot/ and adapters/, ``{% trans %}``, ``_()`` and ``ngettext()`` in the panel's
Jinja2 templates) into ``bot/locale/chorus.pot`` and merges it into each shipped
language's ``.po`` (new sentences arrive empty, changed ones fuzzy, removed ones dropped).
``check`` fails when the template is out of date with the code, a catalog is out of date with
the template, or a translation breaks its sentence (a placeholder renamed, lost or added, a
plural form missing); ``check --complete`` also fails on an untranslated or fuzzy entry.

Locations are left out of the files on purpose: line numbers change with every edit, and
translators' work must merge without conflicts; ``TRANSLATORS:`` comments carry the context.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path
from string import Formatter
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LOCALE_DIR, SHIPPED, SOURCE, TEMPLATE

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "adapters")
# The panel's templates, read by Jinja2's own extractor with the options the panel renders them
# with (trimmed {% trans %} blocks: a paragraph's line breaks are not part of its msgid).
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext.babel_extract")]
TEMPLATE_OPTIONS = {
    "**/templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "trimmed": "true",
        "newstyle_gettext": "true",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
    }
}
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,  # what a template's {% trans %} block calls
    "ngettext": (1, 2),
    "N_": None,
    "pgettext": ((1, "c"), 2),
    "C_": ((1, "c"), 2),
}
COMMENT_TAGS = ("TRANSLATORS:",)


def extract() -> Catalog:
    """The template as the code stands now."""
    catalog = Catalog(project="Chorus", version="0.1.0", domain=DOMAIN, fuzzy=False)
    for source in SOURCES:
        found = extract_from_dir(
            ROOT / source,
            method_map=METHODS,
            options_map=TEMPLATE_OPTIONS,
            keywords=KEYWORDS,
            comment_tags=COMMENT_TAGS,
            strip_comment_tags=True,
        )
        for _filename, _line, message, comments, context in found:
            catalog.add(message, None, auto_comments=comments, context=context)
    return catalog


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=language)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalog, width=0, no_location=True, ignore_obsolete=True)


def update() -> None:
    """Extract the template, then create or update every shipped language's catalog."""
    template = extract()
    _write(TEMPLATE, template)
    for language in SHIPPED:
        path = po_path(language)
        if path.exists():
            catalog = _read(path, language)
        else:
            catalog = Catalog(
                locale=language, domain=DOMAIN, project="Chorus", version="0.1.0", fuzzy=False
            )
        catalog.update(template)
        _write(path, catalog)


def _keys(catalog: Iterable[Message]) -> set[object]:
    return {(message.id, message.context) for message in catalog if message.id}


def _fields(text: str) -> set[str] | None:
    """The named placeholders of ``text``, or None if it is not a valid format string."""
    try:
        return {name for _lit, name, _spec, _conv in Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def problems(language: str, catalog: Catalog, *, complete: bool) -> list[str]:
    """What is wrong with one language's catalog (nothing, when it is ready to ship)."""
    found: list[str] = []
    if language != SOURCE and catalog.num_plurals != Catalog(locale=language).num_plurals:
        found.append(f"{language}: Plural-Forms header does not match the language's rules")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        shown = ids[0][:60]
        expected = set().union(*(_fields(each) or set() for each in ids))
        if message.fuzzy:
            # Babel's guess from a similar old sentence: never compiled (so never shown), and
            # its placeholders are the translator's to fix when they confirm it.
            if complete and language != SOURCE:
                found.append(f"{language}: fuzzy: {shown!r}")
            continue
        translated = [each for each in strings if each]
        if not translated:
            if complete and language != SOURCE:
                found.append(f"{language}: untranslated: {shown!r}")
            continue
        if len(ids) > 1 and len(translated) != catalog.num_plurals:
            found.append(f"{language}: needs {catalog.num_plurals} plural forms: {shown!r}")
        for string in translated:
            fields = _fields(string)
            if fields is None:
                found.append(f"{language}: broken braces in the translation of {shown!r}")
            elif fields != expected:
                found.append(
                    f"{language}: placeholders {sorted(fields)} instead of {sorted(expected)} "
                    f"in the translation of {shown!r}"
                )
    try:
        write_mo(BytesIO(), catalog)
    except Exception as error:
        found.append(f"{language}: does not compile: {error}")
    return found


def check(*, complete: bool) -> list[str]:
    """Every reason the catalogs are not ready: out of date with the code, or broken."""
    found: list[str] = []
    fresh = _keys(extract())
    template = _keys(_read(TEMPLATE))
    if fresh != template:
        missing, stale = len(fresh - template), len(template - fresh)
        found.append(
            f"{TEMPLATE.name} is out of date with the code ({missing} new, {stale} removed "
            "sentences): run `make i18n`"
        )
    for language in SHIPPED:
        path = po_path(language)
        if not path.exists():
            found.append(f"{language}: no catalog at {path}: run `make i18n`")
            continue
        catalog = _read(path, language)
        if _keys(catalog) != template:
            found.append(f"{language}: out of date with {TEMPLATE.name}: run `make i18n`")
        found.extend(problems(language, catalog, complete=complete))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.catalogs", description=__doc__)
    parser.add_argument("action", choices=("update", "check"))
    parser.add_argument(
        "--complete", action="store_true", help="also fail on untranslated or fuzzy entries"
    )
    args = parser.parse_args(argv)
    if args.action == "update":
        update()
    found = check(complete=args.complete)
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
