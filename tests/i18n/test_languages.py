"""Choosing a language, and what a language changes: plural forms, numbers, dates, the order
of preference, and the demo's ``--language``."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot import i18n, messages
from bot.config import ConfigError, load_settings
from tests.harness import chorus, chorus_cli


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("es-ES", "es"),
        ("es-419", "es"),
        ("pt-BR", "pt_BR"),
        ("pt-br", "pt_BR"),
        ("pt", "pt_BR"),
        ("de", "de"),
        ("fr", "fr"),
        ("ru", "ru"),
        ("ja", "ja"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("DE", "de"),
        ("zh-CN", None),
        ("ko", None),
        ("", None),
        (None, None),
    ],
)
def test_platform_codes_map_to_chorus_languages(code: str | None, language: str | None) -> None:
    assert i18n.resolve(code) == language


def test_the_first_language_spoken_wins_and_the_operators_default_comes_last() -> None:
    assert i18n.first_spoken("de", "fr", "ja") == "de"  # the member's own choice
    assert i18n.first_spoken(None, "fr", "ja") == "fr"  # the community's
    assert i18n.first_spoken(None, None, "es-419") == "es"  # the platform's locale
    assert i18n.first_spoken(None, None, "ko") == i18n.default()  # nothing Chorus speaks


def russian(directory: Path) -> None:
    """A Russian catalog with the three forms of "credit"."""
    catalog = Catalog(locale="ru", domain=i18n.DOMAIN)
    catalog.add(("{n} credit", "{n} credits"), ("{n} кредит", "{n} кредита", "{n} кредитов"))
    path = directory / "ru" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as file:
        write_po(file, catalog)


def test_plural_forms_follow_the_languages_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    russian(tmp_path)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        with i18n.speaking("ru"):
            shown = [messages.credits(n) for n in (1, 2, 5, 11, 21, 22, 1000)]
    finally:
        i18n.translations.cache_clear()
    assert shown == [
        "1 кредит",
        "2 кредита",
        "5 кредитов",
        "11 кредитов",
        "21 кредит",
        "22 кредита",
        "1\xa0000 кредитов",  # grouped with a no-break space, as Russian writes it
    ]


def test_numbers_durations_and_dates_are_written_the_languages_way() -> None:
    moment = 1_700_000_000  # 2023-11-14 22:13 UTC
    with i18n.speaking("de"):
        assert messages.credits(10_000).startswith("10.000 ")
        # the unit follows the figure after a space, often a no-break one (the translators' call)
        assert messages.duration(5000).replace("\N{NO-BREAK SPACE}", " ").startswith("1,4 ")
        assert messages.moment(moment) == "14.11.2023 22:13 UTC"
        assert "1.000.000" in messages.grant_out_of_range(1_000_000)
    with i18n.speaking("ja"):
        assert messages.moment(moment) == "2023/11/14 22:13 UTC"
    with i18n.speaking("fr"):
        assert messages.duration(5000).replace("\N{NO-BREAK SPACE}", " ").startswith("1,4 ")
    # English keeps Chorus's own plain figures
    assert messages.credits(1000) == "1000 credits"
    assert messages.duration(5000) == "1.4 h"
    assert messages.moment(moment) == "2023-11-14 22:13 UTC"
    assert "1,000,000" in messages.grant_out_of_range(1_000_000)


def test_the_pseudo_locale_wraps_each_literal_and_leaves_placeholders_outside() -> None:
    with i18n.speaking(i18n.PSEUDO):
        assert messages.credits(5) == "5⟦ credits⟧"
        assert messages.balance(28, 0, 14) == "⟦You have ⟧28⟦ credits⟧⟦: enough for ⟧2⟦ songs.⟧"
        assert messages.AUDIO_EMPTY == "⟦That file is empty.⟧"


def test_an_unknown_default_language_is_refused_at_start_up() -> None:
    with pytest.raises(ConfigError, match="DEFAULT_LANGUAGE"):
        load_settings(default_language="klingon")
    assert load_settings(default_language="pt-BR").default_language == "pt_BR"


@pytest.mark.parametrize("language", i18n.SHIPPED)
async def test_the_demo_answers_in_each_shipped_language(tmp_path: Path, language: str) -> None:
    """The console speaks DEFAULT_LANGUAGE (``chorus demo --language``): its answers are the
    catalog's sentences for that language, word for word."""
    async with chorus(tmp_path, default_language=language) as h:
        await h.run("/balance")
        await h.run("/nosuchthing")
    with i18n.speaking(language):
        expected = [
            messages.balance(1000, 0, 14),
            messages.refused(messages.unknown_command("nosuchthing")),
        ]
    assert h.lines == expected


def test_chorus_demo_takes_a_language(tmp_path: Path) -> None:
    result = chorus_cli(
        "demo",
        "--data",
        str(tmp_path / "demo"),
        "--language",
        i18n.PSEUDO,
        cwd=tmp_path,
        stdin="/balance\n",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "⟦You have ⟧200⟦ credits⟧⟦: enough for ⟧14⟦ songs.⟧" in result.stdout
    refused = chorus_cli("demo", "--data", str(tmp_path / "d2"), "--language", "xx", cwd=tmp_path)
    assert refused.returncode == 2
    assert "DEFAULT_LANGUAGE" in refused.stderr and "Chorus speaks" in refused.stderr


async def test_a_jobs_messages_speak_the_language_it_was_asked_in(tmp_path: Path) -> None:
    """The engine posts a job's progress and result from its own loop and from webhooks, long
    after the command: they still speak the language of the member who asked (the console's
    one reader), while another member's job speaks the default."""
    async with chorus(tmp_path) as h:
        await h.run(f"/language {i18n.PSEUDO}")
        mine = await h.run("/song a lo-fi beat about rain")
        theirs = await h.run("/as bob /song a lo-fi beat about rain")
    assert mine is not None and theirs is not None
    mine_lines = [line for line in h.lines if mine.id in line]
    theirs_lines = [line for line in h.lines if theirs.id in line]
    assert any(line.startswith("⟦✅ /⟧song") for line in mine_lines), mine_lines
    assert any(line.startswith("⟦⏳ /⟧song") for line in mine_lines), mine_lines
    assert any(line.startswith("✅ /song") for line in theirs_lines), theirs_lines
    assert not any("⟦" in line for line in theirs_lines), theirs_lines
