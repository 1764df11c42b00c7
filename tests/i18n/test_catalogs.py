"""The catalogs' lint (``python -m bot.catalogs check``, run by ``make lint``): it fails on a
template out of date with the code, a catalog out of date with the template, a translation
that breaks its sentence, and (``--complete``) an untranslated or fuzzy entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot import catalogs, i18n


def german(*entries: tuple[object, object], fuzzy: bool = False) -> Catalog:
    catalog = Catalog(locale="de", domain=i18n.DOMAIN)
    for msgid, msgstr in entries:
        catalog.add(msgid, msgstr, flags=("fuzzy",) if fuzzy else ())  # type: ignore[arg-type]
    return catalog


def test_the_repositorys_catalogs_are_up_to_date_and_sound() -> None:
    assert catalogs.check(complete=False) == []


def test_a_renamed_lost_or_added_placeholder_is_a_finding() -> None:
    for wrong in ("{anzahl} Guthaben", "Guthaben", "{n} {n2} Guthaben", "{n Guthaben"):
        found = catalogs.problems("de", german(("{n} credits", wrong)), complete=False)
        assert len(found) == 1 and "de:" in found[0], (wrong, found)
    assert catalogs.problems("de", german(("{n} credits", "{n} Guthaben")), complete=False) == []


def test_a_plural_entry_needs_every_form_of_the_language() -> None:
    one_form = german((("{n} credit", "{n} credits"), ("{n} Guthaben", "")))
    found = catalogs.problems("de", one_form, complete=False)
    assert found == ["de: needs 2 plural forms: '{n} credit'"]


def test_untranslated_and_fuzzy_entries_fail_only_the_completeness_check() -> None:
    empty = german(("Your credits", ""))
    assert catalogs.problems("de", empty, complete=False) == []
    assert catalogs.problems("de", empty, complete=True) == ["de: untranslated: 'Your credits'"]
    fuzzy = german(("Your credits", "Deine Credits"), fuzzy=True)
    assert catalogs.problems("de", fuzzy, complete=True) == ["de: fuzzy: 'Your credits'"]


def test_a_template_out_of_date_with_the_code_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "chorus.pot"
    with i18n.TEMPLATE.open("rb") as file:
        template = read_po(file)
    del template["Your credits"]  # as if a sentence was added to the code since `make i18n`
    with stale.open("wb") as file:
        write_po(file, template)
    monkeypatch.setattr(catalogs, "TEMPLATE", stale)
    found = catalogs.check(complete=False)
    assert (
        found[0]
        == "chorus.pot is out of date with the code (1 new, 0 removed sentences): run `make i18n`"
    )
    assert all("out of date" in line for line in found)  # and every catalog with it


def test_make_i18n_merges_new_sentences_into_every_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, copy)
    monkeypatch.setattr(catalogs, "LOCALE_DIR", copy)
    monkeypatch.setattr(catalogs, "TEMPLATE", copy / "chorus.pot")
    german = copy / "de" / "LC_MESSAGES" / "chorus.po"
    with german.open("rb") as file:
        catalog = read_po(file, locale="de")
    catalog["Your credits"].string = "Dein Guthaben"
    del catalog["That file is empty."]
    with german.open("wb") as file:
        write_po(file, catalog)
    assert any("de: out of date" in line for line in catalogs.check(complete=False))
    catalogs.update()
    assert catalogs.check(complete=False) == []
    with german.open("rb") as file:
        merged = read_po(file, locale="de")
    assert merged["Your credits"].string == "Dein Guthaben"  # a translation survives
    assert merged["That file is empty."].string == ""  # the missing one is back, to translate
