"""Who reaches the moderators' panel, over plain HTTP against the running bot: a link works
once and for ten minutes, a session is a cookie the page's scripts cannot read and other sites
cannot send, every change needs the session's CSRF token and a moderator, and a session reaches
its own community only. (tests/test_panel_browser.py does the same things in Chromium.)"""

from __future__ import annotations

import html
import time
from pathlib import Path

from bot import messages
from bot.domain import Actor, Member, Scope
from bot.moderation import MAX_GRANT
from bot.panel.access import SESSION_SECONDS
from bot.store import audit
from tests.harness import Chorus, chorus
from tests.panel.panel_session import http, local, panel_link, press, sign_in

BOB = "bob"


async def audit_rows(h: Chorus) -> int:
    async with h.app.store.read() as conn:
        return await audit.count(conn, h.member.scope)


async def available(h: Chorus, user: str, scope: Scope | None = None) -> int:
    member = Member(scope or h.member.scope, user)
    return (await h.app.ledger.balance(member)).available


async def test_a_link_opens_one_session_with_a_strict_http_only_expiring_cookie(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path) as h, http() as client:
        link = await panel_link(h)
        for _ in range(2):  # opening the link (a chat app's preview too) does not use it up
            async with client.get(local(h, link)) as page:
                assert page.status == 200
                assert "Open the panel" in await page.text()
                assert page.headers["Referrer-Policy"] == "same-origin"
        pressed = await press(h, client, link)
        assert pressed.status == 303 and pressed.location == "/panel/"
        cookie = pressed.cookie or ""
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/panel/" in cookie
        assert f"Max-Age={SESSION_SECONDS}" in cookie
        assert "Secure" not in cookie  # served over plain http here: see the https test
        async with client.get(f"{h.app.base_url}/panel/") as page:
            assert page.status == 200 and "Credits spent per day" in await page.text()
            assert "script-src" not in page.headers["Content-Security-Policy"]
        async with http() as other:
            again = await press(h, other, link)
        assert again.status == 403 and again.cookie is None
        assert "This link cannot be used" in again.text


async def test_an_expired_link_and_an_expired_session_are_refused(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h, http() as client:
        panel = h.app.service.panel
        link = await panel_link(h)
        panel.clock = lambda: time.time() + 601  # eleven minutes later
        assert (await press(h, client, link)).status == 403
        panel.clock = time.time
        await sign_in(h, client)
        panel.clock = lambda: time.time() + SESSION_SECONDS + 1
        async with client.get(f"{h.app.base_url}/panel/members") as page:
            assert page.status == 401 and "Please sign in" in await page.text()


async def test_a_forged_or_missing_cookie_reaches_nothing(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h, http() as client:
        await sign_in(h, client)  # a real session exists; the forgery is not it
        forged = "A" * 43
        for cookies in ({"chorus_panel": forged}, {}):
            async with http() as stranger:
                stranger.cookie_jar.update_cookies(cookies)
                for path in ("/panel/", "/panel/members", "/panel/audit.csv"):
                    async with stranger.get(f"{h.app.base_url}{path}") as page:
                        assert page.status == 401, path
                async with stranger.post(
                    f"{h.app.base_url}/panel/members/{BOB}/grant",
                    data={"amount": "500", "csrf": "guess"},
                ) as answer:
                    assert answer.status == 401
        assert await available(h, BOB) == 1000
        assert await audit_rows(h) == 0


async def test_a_change_without_the_sessions_csrf_token_changes_nothing(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h, http() as client:
        csrf = await sign_in(h, client)
        url = f"{h.app.base_url}/panel/members/{BOB}/grant"
        for form in ({"amount": "500"}, {"amount": "500", "csrf": csrf[:-1] + "x"}):
            async with client.post(url, data=form) as answer:
                assert answer.status == 403
                assert "security token" in await answer.text()
        async with client.post(f"{h.app.base_url}/panel/logout", data={}) as answer:
            assert answer.status == 403  # logging out is a change too
        assert await available(h, BOB) == 1000 and await audit_rows(h) == 0
        async with client.post(
            url, data={"amount": "500", "csrf": csrf, "reason": "prize"}, allow_redirects=False
        ) as answer:
            assert answer.status == 303
        assert await available(h, BOB) == 1500 and await audit_rows(h) == 1


async def test_a_post_from_another_website_is_refused(tmp_path: Path) -> None:
    """A page elsewhere cannot sign a moderator in to the attacker's session, nor change
    anything with a token it somehow learnt: browsers name the page a form was sent from."""
    async with chorus(tmp_path) as h, http() as client:
        link = await panel_link(h)
        evil = {"Origin": "https://evil.example"}
        async with client.post(
            f"{h.app.base_url}/panel/signin",
            data={"token": link.rsplit("/", 1)[1]},
            headers=evil,
            allow_redirects=False,
        ) as answer:
            assert answer.status == 403 and "another website" in await answer.text()
        csrf = await sign_in(h, client, link)  # the link was not used up by the refusal
        for elsewhere in ("https://evil.example", "null", "http://127.0.0.1:1"):
            async with client.post(
                f"{h.app.base_url}/panel/members/{BOB}/grant",
                data={"amount": "500", "csrf": csrf},
                headers={"Origin": elsewhere},
            ) as answer:
                assert answer.status == 403, elsewhere
        async with client.post(
            f"{h.app.base_url}/panel/members/{BOB}/grant",
            data={"amount": "5", "csrf": csrf},
            headers={"Origin": h.app.base_url},
            allow_redirects=False,
        ) as answer:
            assert answer.status == 303
        assert await available(h, BOB) == 1005


async def test_bad_input_is_explained_and_changes_nothing(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h, http() as client:
        csrf = await sign_in(h, client)
        base = f"{h.app.base_url}/panel/members/{BOB}"
        for action, form, said in (
            ("grant", {"amount": "lots"}, messages.whole_number_needed("amount")),
            ("grant", {"amount": "0"}, messages.grant_out_of_range(MAX_GRANT)),
            ("limits", {"max_concurrent": "99"}, "max_concurrent"),
            ("ban", {"reason": "x" * 201}, messages.reason_too_long(200)),
        ):
            async with client.post(f"{base}/{action}", data={**form, "csrf": csrf}) as answer:
                assert answer.status == 400, (action, form)
                assert 'role="alert"' in (page := await answer.text())
                assert html.escape(said) in page
        async with client.post(
            f"{h.app.base_url}/panel/settings", data={"csrf": csrf, "price_multiplier": "cheap"}
        ) as answer:
            assert answer.status == 400
            assert html.escape(messages.number_needed("price_multiplier")) in await answer.text()
        async with client.post(
            f"{h.app.base_url}/panel/jobs/nosuch/repost", data={"csrf": csrf}
        ) as answer:
            assert answer.status == 400 and "There is no job nosuch" in await answer.text()
        assert await available(h, BOB) == 1000 and await audit_rows(h) == 0


async def test_only_moderators_get_a_link_and_a_lost_role_ends_their_access(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path) as h, http() as client:
        await h.console.execute(f"/as {BOB} /mod panel")
        assert "Only moderators" in h.lines[-1] and "/panel/" not in h.lines[-1]
        await h.console.execute("/mod settings moderator_roles=helpers")
        helper = Actor("hana", name="Hana", roles=frozenset({"helpers"}))
        link = await h.app.service.panel_link(helper, h.member.scope)
        csrf = await sign_in(h, client, link)
        await h.console.execute("/mod settings moderator_roles=none")  # Hana is no moderator now
        async with client.get(f"{h.app.base_url}/panel/members") as page:
            assert page.status == 403 and "Only moderators" in await page.text()
        async with client.post(
            f"{h.app.base_url}/panel/members/{BOB}/grant", data={"amount": "50", "csrf": csrf}
        ) as answer:
            assert answer.status == 403
        assert await available(h, BOB) == 1000


async def test_a_session_reaches_its_own_community_only(tmp_path: Path) -> None:
    elsewhere = Scope("console", "elsewhere")
    async with chorus(tmp_path) as h, http() as client:
        operator = Actor("you", is_admin=True)
        await h.app.service.moderate("grant", operator, Member(elsewhere, "zed"), 77, "there")
        hold = await h.app.ledger.hold(Member(elsewhere, "zed"), 40, reason="spent there")
        await h.app.ledger.capture(hold.hold_id)
        csrf = await sign_in(h, client)
        async with client.get(f"{h.app.base_url}/panel/members?q=zed") as page:
            assert 'href="/panel/members/zed"' not in await page.text()
        async with client.get(f"{h.app.base_url}/panel/") as page:
            assert '<span class="figure" id="stat-spent">0</span>' in await page.text()
        async with client.get(f"{h.app.base_url}/panel/audit?member=zed") as page:
            assert "there" not in await page.text()
        async with client.get(f"{h.app.base_url}/panel/members/zed") as page:
            assert "has not used Chorus here yet" in await page.text()
        async with client.post(
            f"{h.app.base_url}/panel/members/zed/grant",
            data={"amount": "5", "csrf": csrf},
            allow_redirects=False,
        ) as answer:
            assert answer.status == 303
        assert await available(h, "zed", elsewhere) == 1000 + 77 - 40  # untouched
        assert await available(h, "zed") == 1000 + 5  # a newcomer here, not the other one


async def test_the_cookie_is_secure_when_the_panel_is_served_over_https(tmp_path: Path) -> None:
    async with chorus(tmp_path, public_base_url="https://chorus.example") as h, http() as client:
        link = await panel_link(h)
        assert link.startswith("https://chorus.example/panel/signin/")
        pressed = await press(h, client, link)
        assert pressed.status == 303 and "Secure" in (pressed.cookie or "")


async def test_the_audit_log_filters_and_exports_csv_a_spreadsheet_reads_as_text(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path) as h, http() as client:
        csrf = await sign_in(h, client)
        async with client.post(
            f"{h.app.base_url}/panel/members/{BOB}/grant",
            data={"amount": "20", "reason": "=HYPERLINK(evil)", "csrf": csrf},
        ) as answer:
            assert answer.status == 200
        await h.console.execute("/mod grant carol 30 welcome")
        await h.console.execute(f"/mod ban {BOB} spam")
        async with client.get(f"{h.app.base_url}/panel/audit?member={BOB}&kind=grant") as page:
            text = await page.text()
        assert "=HYPERLINK(evil)" in text and "welcome" not in text and "spam" not in text
        async with client.get(f"{h.app.base_url}/panel/audit.csv?member={BOB}") as export:
            assert export.content_type == "text/csv"
            assert "attachment" in export.headers["Content-Disposition"]
            lines = (await export.text()).splitlines()
        assert lines[0] == "id,time_utc,moderator,action,member,details,reason"
        assert [line.split(",")[3] for line in lines[1:]] == ["ban", "grant"]
        assert lines[2].endswith(",'=HYPERLINK(evil)")
        async with client.get(f"{h.app.base_url}/panel/audit.csv?moderator=nobody") as export:
            assert len((await export.text()).splitlines()) == 1
