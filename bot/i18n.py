"""Which language Chorus is speaking right now, and the catalogs it speaks from.

Every member-facing sentence in :mod:`bot.messages` goes through :func:`_` or :func:`ngettext`,
which read the language of the *current context* (a context variable): an adapter sets it with
:func:`speaking` around whatever it does for a member, and the engine around what it posts for a
job, so a sentence is translated when it is made, in the language of whoever will read it. With
nothing set, Chorus speaks the source language (English), which is also what import-time text
such as Discord's command descriptions is written in (Discord's translator localizes it later).

The catalogs are the ``.po`` files in ``bot/locale`` (edited by translators, kept in the
repository) compiled in memory on first use, so there is no build step and no ``.mo`` to go
stale. The pseudo-locale :data:`PSEUDO` is generated from the template ``chorus.pot``: every
translated string comes out wrapped in ⟦…⟧, so a test can spot any text that bypassed the
catalogs.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from string import Formatter

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

DOMAIN = "chorus"
LOCALE_DIR = Path(__file__).parent / "locale"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
SOURCE = "en"
# The languages Chorus ships, each a complete catalog in bot/locale/<code>/LC_MESSAGES.
SHIPPED = ("en", "es", "pt_BR", "de", "fr", "ru", "ja")
# The pseudo-locale: generated from the template, every string wrapped so leaks show.
PSEUDO = "en_XA"
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"
LANGUAGES = (*SHIPPED, PSEUDO)
# A bare language code that names one of ours ("pt" from a Telegram client means pt_BR).
_BY_LANGUAGE = {"pt": "pt_BR"}
# Each language's name in itself, for /language's list.
NAMES = {
    "en": "English",
    "es": "Español",
    "pt_BR": "Português (Brasil)",
    "de": "Deutsch",
    "fr": "Français",
    "ru": "Русский",
    "ja": "日本語",
    PSEUDO: "Pseudo-locale (tests)",
}

_current: ContextVar[str] = ContextVar("chorus_language", default=SOURCE)
# The operator's DEFAULT_LANGUAGE (or the console's --language): spoken when nothing else is known.
_default = SOURCE


def set_default(language: str) -> None:
    """Make ``language`` (one of :data:`LANGUAGES`) the last resort of :func:`first_spoken`."""
    global _default
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; Chorus speaks {', '.join(LANGUAGES)}")
    _default = language


def default() -> str:
    return _default


def _(message: str) -> str:
    """``message`` in the current language (the English source when it has no translation)."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted sentence the current language uses for ``n``."""
    return translations(_current.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` as used in ``context`` (a command's name), in the current language."""
    return translations(_current.get()).pgettext(context, message)


# The context of the names members type or pick in Discord's command picker (commands,
# options, choices): a name is a different entry from the same word in a sentence.
NAME = "command name"


def C_(context: str, message: str) -> str:
    """Marks ``message`` for extraction in ``context``; translated with :func:`pgettext`."""
    return message


def N_(message: str) -> str:
    """Marks text for extraction where it is declared; it is translated with :func:`_` where
    it is read (module-level text exists before any language is chosen)."""
    return message


def current() -> str:
    return _current.get()


@contextmanager
def speaking(language: str | None) -> Iterator[str]:
    """Speak ``language`` (one of :data:`LANGUAGES`; the operator's default if None) inside."""
    chosen = language if language in LANGUAGES else _default
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def use(language: str | None) -> str:
    """Speak ``language`` (the operator's default if None) for the rest of the current task:
    for a platform's handler that runs in a task of its own, once it knows who it answers."""
    chosen = language if language in LANGUAGES else _default
    _current.set(chosen)
    return chosen


def resolve(code: str | None) -> str | None:
    """One of our languages for a platform's or member's code, or None if we do not speak it.

    Discord sends ``es-ES``, ``es-419``, ``pt-BR``, ``en-US``; Telegram sends IETF tags such as
    ``de`` or ``pt-br``; members type ``pt_BR`` or ``PT``. Case and separator do not matter.
    """
    if not code:
        return None
    wanted = code.strip().replace("-", "_").lower()
    for language in LANGUAGES:
        if language.lower() == wanted:
            return language
    base = wanted.split("_", 1)[0]
    if base in _BY_LANGUAGE:
        return _BY_LANGUAGE[base]
    return base if base in SHIPPED else None


def first_spoken(*codes: str | None) -> str:
    """The first of ``codes`` (most preferred first) that Chorus speaks, else the operator's
    default: a member's choice, then the community's, then the platform's locale."""
    for code in codes:
        language = resolve(code)
        if language is not None:
            return language
    return _default


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language``, read from its ``.po`` on first use."""
    if language == PSEUDO:
        return _compiled(pseudo_catalog(), fallback=False)
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language not in SHIPPED or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as file:
        catalog = read_po(file, locale=language)
    return _compiled(catalog, fallback=True)


def pseudo_catalog() -> Catalog:
    """The template with every message wrapped in ⟦…⟧, placeholders intact."""
    with TEMPLATE.open("rb") as file:
        catalog = read_po(file, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            message.string = tuple(pseudo(form) for form in message.id)
        else:
            message.string = pseudo(message.id)
    return catalog


def pseudo(template: str) -> str:
    """``template`` with each literal run wrapped and its ``{placeholders}`` left outside, so
    what fills a placeholder is seen for what it is: wrapped only if it was translated too."""
    parts = []
    for literal, name, spec, conversion in Formatter().parse(template):
        if literal:
            escaped = literal.replace("{", "{{").replace("}", "}}")
            parts.append(f"{PSEUDO_OPEN}{escaped}{PSEUDO_CLOSE}")
        if name is not None:
            parts.append(
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
    return "".join(parts)


def _compiled(catalog: Catalog, *, fallback: bool) -> gettext.NullTranslations:
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    compiled = gettext.GNUTranslations(buffer)
    if fallback:
        compiled.add_fallback(gettext.NullTranslations())
    return compiled


# --- numbers and dates in the current language -------------------------------------------------


def _locale() -> Locale:
    language = _current.get()
    return Locale.parse(SOURCE if language == PSEUDO else language)


def _plain() -> bool:
    """English keeps Chorus's original plain figures ("1000 credits", "2.5 h")."""
    return _current.get() in (SOURCE, PSEUDO)


def number(n: int) -> str:
    """A count as the current language writes it (grouping per CLDR; plain in English)."""
    return str(n) if _plain() else format_decimal(n, locale=_locale())


def grouped(n: int) -> str:
    """A large bound, grouped in every language ("1,000,000"; "1.000.000" in German)."""
    return f"{n:,}" if _plain() else format_decimal(n, locale=_locale())


def fixed(x: float, digits: int) -> str:
    """``x`` with ``digits`` decimals, in the current language's decimal sign."""
    if _plain():
        return f"{x:.{digits}f}"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(x, format=pattern, locale=_locale())


def general(x: float) -> str:
    """``x`` as briefly as it reads (like ``{x:g}``), in the current language's decimal sign."""
    return f"{x:g}" if _plain() else format_decimal(x, locale=_locale())


def moment(when: datetime) -> str:
    """A UTC date and time: ``2026-03-01 14:05`` in English, the language's own date order
    (``01.03.2026 14:05``, ``2026/03/01 14:05``) elsewhere."""
    if _plain():
        return when.strftime("%Y-%m-%d %H:%M")
    return f"{format_date(when, 'medium', locale=_locale())} {format_time(when, 'HH:mm')}"


def percent(share: float) -> str:
    """A share (0.25) as a whole percentage: ``25%`` in English, ``25 %`` in French or German."""
    return f"{100 * share:.0f}%" if _plain() else format_percent(share, locale=_locale())


def calendar_day(when: date) -> str:
    """A whole date: ``2026-03-01`` in English, ``01.03.2026`` in German, ``2026/03/01`` in
    Japanese."""
    return when.isoformat() if _plain() else format_date(when, "medium", locale=_locale())


def day(when: date) -> str:
    """A day without its year, as a chart's axis labels it: ``03-01`` in English, ``1.3.`` in
    German, ``3/1`` in Japanese."""
    if _plain():
        return when.strftime("%m-%d")
    return format_skeleton("Md", when, locale=_locale())
