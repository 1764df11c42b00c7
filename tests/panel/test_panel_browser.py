"""The moderators' panel in a real browser: Debian's Chromium, driven by Selenium through
Debian's chromedriver (nothing is downloaded), against the running bot.

One browser serves the whole module. Selenium's calls block, so each runs in a thread while the
bot serves the page in the test's event loop. Every page is saved as a screenshot under
docs/screenshots/, which the README shows. Without Chromium the tests are skipped on a
developer's machine and fail in CI (``CI`` set), where .ci/run installs it.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from bot import messages
from bot.catalog import CATALOG
from bot.domain import Member
from bot.ledger import day_start
from bot.store import audit, outbox
from tests.harness import Chorus, chorus
from tests.panel.panel_session import local, panel_link

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# the repository's docs/screenshots/, wherever in tests/ this file is
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
SHOTS = ROOT / "docs" / "screenshots"
WIDE, PHONE = (1280, 900), (390, 844)
DAY = 86_400


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs chromium and chromium-driver")
        pytest.skip("needs Debian's chromium and chromium-driver packages")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={WIDE[0]},{WIDE[1]}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


async def act(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A blocking Selenium call, run in a thread so that the bot keeps serving the browser."""
    return await asyncio.to_thread(call, *args, **kwargs)


def text_of(driver: WebDriver, css: str = "main") -> str:
    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def submit(driver: WebDriver, form: str, **fields: str) -> None:
    """Fill a form's fields by name and press its button, then wait for the next page."""
    found = driver.find_element(By.CSS_SELECTOR, form)
    for name, value in fields.items():
        box = found.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)
    old = driver.find_element(By.TAG_NAME, "html")
    invalid = driver.execute_script(
        "return [...arguments[0].elements].filter(e => !e.checkValidity()).map(e => e.name)",
        found,
    )
    assert invalid == [], f"the browser would not send the form: {invalid} invalid"
    found.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: _stale(old))


def attributes(driver: WebDriver, css: str, *names: str) -> list[tuple[str, ...]]:
    """Attributes of every element ``css`` matches, in document order."""
    return [
        tuple(str(e.get_attribute(n)) for n in names)
        for e in driver.find_elements(By.CSS_SELECTOR, css)
    ]


def click(driver: WebDriver, by: str, value: str, navigates: bool = True) -> None:
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(by, value).click()
    if navigates:
        WebDriverWait(driver, 10).until(lambda d: _stale(old))


def tab_to(driver: WebDriver) -> str:
    """Press Tab on a fresh page; the class of the element that has the focus."""
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    return str(driver.switch_to.active_element.get_attribute("class"))


def _stale(element: Any) -> bool:
    try:
        element.is_enabled()
    except Exception:
        return True
    return False


def shoot(driver: WebDriver, name: str, size: tuple[int, int] = WIDE) -> None:
    """Save the whole page at ``size``'s width as docs/screenshots/<name>.png (the viewport
    grown to the page's height through the DevTools protocol, as a window cannot be)."""
    width = size[0]
    metrics = {"width": width, "height": size[1], "deviceScaleFactor": 1, "mobile": size == PHONE}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {**metrics, "height": max(size[1], height)}
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        assert driver.save_screenshot(str(SHOTS / f"{name}.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


async def seed(h: Chorus) -> dict[str, int]:
    """Thirty days of a community: spending on three earlier days (through the ledger, at those
    days' times), a song made today, one that failed (refunded) and a member who has not made
    anything yet. Returns what was spent per day."""
    ledger = h.app.ledger
    today = day_start(time.time())
    spent: dict[str, int] = {}
    for days_ago, amount in ((20, 30), (9, 12), (2, 21)):
        moment = today - days_ago * DAY + 3600
        ledger.clock = lambda moment=moment: moment
        hold = await ledger.hold(Member(h.member.scope, "carol"), amount, reason="seed")
        await ledger.capture(hold.hold_id)
        spent[time.strftime("%Y-%m-%d", time.gmtime(moment))] = amount
    ledger.clock = time.time
    song = await h.run("/song a lo-fi beat about rain duration=12")
    assert song is not None and song.state == "succeeded"
    words = await h.run("/lyrics a song about the sea")
    assert words is not None and words.state == "succeeded"
    spent[time.strftime("%Y-%m-%d", time.gmtime(today))] = 14 + CATALOG["lyrics"].price
    h.sim.sim.knobs.task_fail = 1.0
    failed = await h.run("/song this one fails")
    assert failed is not None and failed.state == "failed"
    h.sim.sim.knobs.task_fail = 0.0
    await h.console.execute("/as bob /balance")
    return spent


async def test_a_moderator_runs_the_community_from_the_browser(
    tmp_path: Path, browser: WebDriver
) -> None:
    async with chorus(tmp_path) as h:
        spent = await seed(h)
        link = local(h, await panel_link(h))

        # Signing in: the link's page, then its button.
        await act(browser.get, link)
        await act(shoot, browser, "signin")
        await act(submit, browser, "main form")
        assert await act(text_of, browser, "h1") == "Overview"

        # Overview: the charts show the seeded spending and the jobs per operation.
        bars = await act(attributes, browser, "#chart-spent rect.bar", "data-day", "data-value")
        drawn = {day: int(value) for day, value in bars}
        assert len(drawn) == 30
        assert {day: v for day, v in drawn.items() if v} == spent
        heights = {
            day: float(h)
            for day, h in await act(
                attributes, browser, "#chart-spent rect.bar", "data-day", "height"
            )
        }
        tallest = max(spent, key=lambda day: spent[day])
        assert max(heights, key=lambda day: heights[day]) == tallest
        operations = await act(
            attributes, browser, "#chart-operations rect.bar", "data-op", "data-value"
        )
        assert operations == [("song", "2"), ("lyrics", "1")]
        assert await act(text_of, browser, "#stat-failed") == "33%"
        assert await act(text_of, browser, "#stat-refunded") == "33%"
        assert await act(text_of, browser, "#stat-spent") == str(sum(spent.values()))
        assert int(await act(text_of, browser, "#stat-vendor")) == h.sim.sim.credits
        await act(shoot, browser, "overview")

        # On a phone: nothing wider than the screen (tables scroll inside their box).
        await act(browser.set_window_size, *PHONE)
        wide = await act(
            browser.execute_script,
            "return document.documentElement.scrollWidth > window.innerWidth",
        )
        assert wide is False
        await act(shoot, browser, "overview-phone", PHONE)
        await act(browser.set_window_size, *WIDE)

        # Keyboard: the first Tab reaches the skip link, which leads to the content.
        assert await act(tab_to, browser) == "skip"

        # Members: search, open Bob, grant him credits; the audit log shows it.
        await act(browser.get, f"{h.app.base_url}/panel/members")
        await act(submit, browser, "form[role=search]", q="bo")
        rows = await act(text_of, browser, "#members tbody")
        assert "bob" in rows and "carol" not in rows
        await act(shoot, browser, "members")
        await act(click, browser, By.LINK_TEXT, "bob")
        await act(submit, browser, 'form[action$="/grant"]', amount="25", reason="contest prize")
        assert "Credits granted" in await act(text_of, browser, ".note")
        assert await act(text_of, browser, "#available") == "1025"
        await act(click, browser, By.LINK_TEXT, "Audit log")
        first = await act(text_of, browser, "#audit tbody tr")
        assert "grant" in first and "bob" in first and "amount=25" in first
        assert "contest prize" in first and "UTC" in first

        # Ban Bob in the browser: the chat refuses him.
        await act(browser.get, f"{h.app.base_url}/panel/members/bob")
        await act(submit, browser, 'form[action$="/ban"]', reason="spamming the channel")
        assert await act(text_of, browser, "#status") == "banned (spamming the channel)"
        await act(shoot, browser, "member")
        await h.console.execute("/as bob /song let me in")
        assert messages.banned("spamming the channel") in h.lines[-1]
        await act(browser.get, f"{h.app.base_url}/panel/audit?kind=ban")
        await act(shoot, browser, "audit")

        # Settings: switch /lyrics off; the chat refuses it.
        await act(browser.get, f"{h.app.base_url}/panel/settings")
        await act(click, browser, By.CSS_SELECTOR, 'input[value="lyrics"]', False)
        await act(submit, browser, "form.settings", daily_allowance="5", reason="quiet week")
        assert "Settings saved" in await act(text_of, browser, ".note")
        await act(shoot, browser, "settings")
        await h.console.execute("/as carol /lyrics about the sea")
        assert messages.operation_disabled("lyrics") in h.lines[-1]
        policy = await h.app.service.moderate("settings", h.console.actor, h.member.scope)
        assert policy.daily_allowance == 5

        # Jobs: a result no route took is posted again from the browser.
        song_job = h.console.started[0]
        async with h.app.store.write() as conn:
            # as delivery leaves a result no route took (tests/test_delivery.py shows when)
            kept = await conn.execute_fetchall(
                "SELECT id, payload FROM outbox WHERE job_id = ? AND kind = 'result'", (song_job,)
            )
            for row_id, payload in kept:
                item = outbox.OutboxItem.from_json(payload)
                await outbox.mark_undelivered(conn, row_id, item, "Missing Access", time.time())
                # and the console never showed it
                (h.console.platform.markers / f"outbox-{row_id}").unlink()
        await act(browser.get, f"{h.app.base_url}/panel/jobs")
        line = await act(text_of, browser, f"#job-{song_job}")
        assert "succeeded" in line and "14" in line and "2 not delivered" in line
        failed_line = await act(text_of, browser, f"#job-{h.console.started[2]}")
        assert "failed" in failed_line
        await act(shoot, browser, "jobs")
        saved_before = len(h.console.platform.saved)
        await act(submit, browser, f"#job-{song_job} form")
        assert "queued to be posted again" in await act(text_of, browser, ".note")
        await h.console.wait_for_jobs(30)
        async with h.app.store.read() as conn:
            assert await outbox.undelivered_results(conn, song_job) == 0
        reposted = h.console.platform.saved[saved_before:]
        assert len(reposted) == 2 and {s.job_id for s in reposted} == {song_job}
        async with h.app.store.read() as conn:
            rows_ = await audit.page(conn, h.member.scope, target=None, before_id=None, limit=1)
        assert rows_[0].action == "repost" and rows_[0].details == {"job": song_job, "results": 2}

        # Logging out ends the session.
        await act(submit, browser, "form.logout")
        await act(browser.get, f"{h.app.base_url}/panel/members")
        assert await act(text_of, browser, "h1") == "Please sign in"


async def test_the_browser_is_refused_a_used_link_a_forged_cookie_and_a_bare_form(
    tmp_path: Path, browser: WebDriver
) -> None:
    async with chorus(tmp_path) as h:
        link = local(h, await panel_link(h))
        await act(browser.delete_all_cookies)
        await act(browser.get, link)
        await act(submit, browser, "main form")
        assert await act(text_of, browser, "h1") == "Overview"

        # The same link again, from another tab or person: refused.
        await act(browser.get, link)
        await act(submit, browser, "main form")
        assert await act(text_of, browser, "h1") == "This link cannot be used"
        await act(shoot, browser, "link-refused")

        # A form without this session's token (as another site would send it): refused.
        await act(browser.get, f"{h.app.base_url}/panel/members/bob")
        await act(
            browser.execute_script,
            "document.querySelector('form[action$=\"/grant\"] input[name=csrf]').remove()",
        )
        await act(submit, browser, 'form[action$="/grant"]', amount="500")
        assert "security token" in await act(text_of, browser, "main")
        assert (await h.app.ledger.balance(Member(h.member.scope, "bob"))).available == 1000

        # A cookie the bot never issued: nothing.
        await act(browser.delete_all_cookies)
        await act(
            browser.add_cookie, {"name": "chorus_panel", "value": "forged", "path": "/panel/"}
        )
        await act(browser.get, f"{h.app.base_url}/panel/")
        assert await act(text_of, browser, "h1") == "Please sign in"

        # The cookie is out of the page's scripts' reach.
        await act(browser.delete_all_cookies)
        await act(browser.get, local(h, await panel_link(h)))
        await act(submit, browser, "main form")
        seen = await act(browser.execute_script, "return document.cookie")
        assert "chorus_panel" not in seen
        assert await act(text_of, browser, "h1") == "Overview"
