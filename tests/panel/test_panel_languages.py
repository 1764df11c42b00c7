"""The panel in the moderator's language, over plain HTTP against the running bot: their
/language first, then the community's, then the browser's Accept-Language; and under the
pseudo-locale no visible text on any page bypasses the catalogs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from bot import i18n, messages
from bot.catalog import CATALOG
from tests.harness import chorus
from tests.i18n.leaks import leaks
from tests.i18n.test_pseudo_console import names
from tests.panel.panel_session import http, local, panel_link, sign_in


def said(language: str, text: str) -> str:
    """``text`` as the catalog of ``language`` has it (a translation is written out as is)."""
    with i18n.speaking(language):
        translated = i18n._(text)
    assert translated != text, f"{language} has no translation of {text!r}"
    return translated


async def test_a_moderator_whose_language_is_german_sees_the_panel_in_german(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path) as h, http() as client:
        await h.run("/language de")
        await h.run("/mod grant bob 1500 Preis")
        csrf = await sign_in(h, client)
        # the browser asks for French: the moderator's own choice wins
        french = {"Accept-Language": "fr"}
        async with client.get(f"{h.app.base_url}/panel/", headers=french) as answer:
            text = await answer.text()
        assert '<html lang="de">' in text
        for heading in ("Overview", "Members", "Audit log", "Log out"):
            assert said("de", heading) in text
        with i18n.speaking("de"):  # the chart's days in German order ("01.12.2026: 0 Credits")
            yesterday = i18n.calendar_day(datetime.now(UTC).date() - timedelta(days=1))
            bar = i18n.ngettext("{day}: {n} credit", "{day}: {n} credits", 0)
        assert bar.format(day=yesterday, n=0) in text
        async with client.get(f"{h.app.base_url}/panel/members/bob", headers=french) as answer:
            text = await answer.text()
        for shown in ("Grant credits", "Take back", "Ban this member", "Held by jobs"):
            assert said("de", shown) in text
        with i18n.speaking("de"):
            grouped = i18n.number(2500)  # 1000 to start with, 1500 granted
            refusal = messages.whole_number_needed("amount")
        assert grouped == "2.500" and f'<dd id="available">{grouped}</dd>' in text
        # a sentence from bot.messages (a refused form) comes out in German too
        async with client.post(
            f"{h.app.base_url}/panel/members/bob/grant",
            data={"csrf": csrf, "amount": "lots"},
            headers=french,
        ) as answer:
            assert answer.status == 400
            assert refusal in await answer.text()
        assert refusal != messages.whole_number_needed("amount")  # English outside
        # the CSV export is for spreadsheets: its times stay the same in every language
        async with client.get(f"{h.app.base_url}/panel/audit.csv") as answer:
            rows = (await answer.text()).splitlines()
        assert re.match(r"\d+,\d{4}-\d\d-\d\d \d\d:\d\d UTC,", rows[1]), rows[1]


async def test_the_browser_language_applies_without_a_stored_choice(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h, http() as client:
        link = await panel_link(h)
        french = {"Accept-Language": "xx, fr-CH;q=0.9, en;q=0.8"}
        async with client.get(local(h, link), headers=french) as answer:
            text = await answer.text()
        assert '<html lang="fr">' in text and said("fr", "Open the panel") in text
        await sign_in(h, client, link)
        async with client.get(f"{h.app.base_url}/panel/settings", headers=french) as answer:
            text = await answer.text()
        assert said("fr", "Community settings") in text
        assert said("fr", "Save settings") in text
        # without the header (and no choice anywhere) the operator's default: English
        async with client.get(f"{h.app.base_url}/panel/settings") as answer:
            text = await answer.text()
        assert '<html lang="en">' in text and "Community settings" in text
        # the community's language comes before the browser's
        await h.run("/mod settings language=es")
        async with client.get(f"{h.app.base_url}/panel/settings", headers=french) as answer:
            text = await answer.text()
        assert '<html lang="es">' in text and said("es", "Community settings") in text


class Visible(HTMLParser):
    """The text a reader meets on a page: text nodes (the tab's title too) and the attributes
    shown or read aloud (aria-label, placeholder, title)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self.hidden += 1
        for name, value in attrs:
            if name in ("aria-label", "placeholder", "title", "alt") and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.texts.append(data)


def visible(html: str) -> list[str]:
    parser = Visible()
    parser.feed(html)
    return parser.texts


async def test_nothing_on_the_panel_bypasses_the_catalogs_under_the_pseudo_locale(
    tmp_path: Path,
) -> None:
    pages: dict[str, str] = {}
    async with chorus(tmp_path, default_language=i18n.PSEUDO) as h, http() as client:
        for line in (
            "/song a lo-fi beat about rain duration=8",
            "/mod grant bob 5 thanks",
            "/mod ban bob spam",
            "/mod limits bob max_concurrent=1",
            "/mod settings cooldown_seconds=5",
        ):
            await h.run(line)
        link = await panel_link(h)
        async with client.get(local(h, link)) as answer:
            pages["signin"] = await answer.text()
        async with http() as stranger:
            async with stranger.get(f"{h.app.base_url}/panel/") as answer:
                pages["signed out"] = await answer.text()
            async with stranger.post(f"{h.app.base_url}/panel/signin", data={"token": "x"}) as a:
                pages["link refused"] = await a.text()
        csrf = await sign_in(h, client, link)
        for path in (
            "/panel/",
            "/panel/members",
            "/panel/members?q=nobody",
            "/panel/members/bob",
            "/panel/members/you",
            "/panel/audit",
            "/panel/audit?kind=ban",
            "/panel/jobs",
            "/panel/jobs?state=failed",
            "/panel/settings",
            "/panel/members/bob?done=grant",
        ):
            async with client.get(f"{h.app.base_url}{path}") as answer:
                assert answer.status == 200, path
                pages[path] = await answer.text()
        for path, form in (
            ("/panel/members/bob/grant", {"csrf": csrf, "amount": "lots"}),
            ("/panel/members/bob/grant", {"csrf": "forged", "amount": "1"}),
            ("/panel/settings", {"csrf": csrf, "price_multiplier": "much"}),
        ):
            async with client.post(f"{h.app.base_url}{path}", data=form) as answer:
                pages[f"POST {path} {form['csrf'][:6]}"] = await answer.text()
        async with client.post(f"{h.app.base_url}/panel/logout", data={"csrf": csrf}) as answer:
            pages["logged out"] = await answer.text()
        scope = h.member.scope
        async with h.app.store.read() as conn:
            job_ids = [row[0] for row in await conn.execute_fetchall("SELECT id FROM jobs")]
    # what the pages quote as data: ids, what members and moderators wrote, stored codes
    # (a refused form names its field as the form calls it, like an option typed in chat)
    data = [
        "Chorus",
        "UTC",
        "system",
        "amount",
        "price_multiplier",
        "thanks",
        "spam",
        "nobody",
        "bob",
        "you",
        scope.platform,
        scope.id,
        *job_ids,
    ]
    # a journal row's kind is a stored code, like an operation's name
    codes = {"grant", "hold", "capture", "release"}
    words = names() | codes | set(CATALOG)
    for name, html in pages.items():
        assert '<html lang="en-XA">' in html, name
        # one text per page: a translated paragraph may hold markup (<code>/mod panel</code>)
        found = leaks([" ".join(visible(html))], data, words)
        assert not found, (name, found[0][1] if found else "")
