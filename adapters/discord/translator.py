"""Discord's command picker in the member's language, from the same catalogs as the replies.

discord.py asks a :class:`discord.app_commands.Translator` for every name and description when
the commands are published (``tree.sync``) and sends what it returns as their
``name_localizations`` and ``description_localizations``. Names come from the catalog entries
in context ``command name`` (:data:`bot.messages.COMMAND_NAMES`), everything else is a sentence
of :mod:`bot.messages` looked up as itself. A translation Discord would refuse (a name with a
space or a capital, a description over 100 characters) is left out, so Discord shows the
English one there instead of refusing every command.
"""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands

from bot import i18n

# interactions/application-commands.mdx: names match ^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$
# (Python's \w covers letters and digits of every script, Devanagari and Thai marks included
# by \w's Unicode categories except the combining marks, added explicitly), lower case where
# the script has case; descriptions and choice names 1 to 100 characters.
NAME = re.compile(r"[-_\w\u0900-\u097F\u0E00-\u0E7F]{1,32}")
NAMES = (
    app_commands.TranslationContextLocation.command_name,
    app_commands.TranslationContextLocation.group_name,
    app_commands.TranslationContextLocation.parameter_name,
)


def valid_name(name: str) -> bool:
    return bool(NAME.fullmatch(name)) and name == name.lower()


def language_of(locale: discord.Locale | str | None) -> str | None:
    """Chorus's language for a Discord locale (``es-419`` → ``es``), or None."""
    if locale is None:
        return None
    return i18n.resolve(str(locale.value if isinstance(locale, discord.Locale) else locale))


class CatalogTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = language_of(locale)
        if language is None or language == i18n.SOURCE:
            return None
        return translated(string.message, language, context.location, context.data)


def translated(
    text: str, language: str, where: app_commands.TranslationContextLocation, data: Any
) -> str | None:
    """``text`` in ``language`` for its place in the command picker, or None to keep English."""
    menu = isinstance(data, app_commands.ContextMenu)
    with i18n.speaking(language):
        if where in NAMES and not menu:
            shown = i18n.pgettext(i18n.NAME, text)
            if not valid_name(shown):
                return None
        elif where is app_commands.TranslationContextLocation.choice_name:
            shown = i18n.pgettext(i18n.NAME, text)
        else:  # descriptions, and context menus' names (which may have spaces and capitals)
            shown = i18n._(text)
    if shown == text or not 1 <= len(shown) <= (32 if menu else 100):
        return None
    return shown
