"""Signing in to the moderators' panel from a test, as a moderator would: ask the console for
``/mod panel``, open the link it prints, press the button."""

from __future__ import annotations

import re
from dataclasses import dataclass

import aiohttp

from tests.harness import Chorus

LINK = re.compile(r"https?://\S+/panel/signin/[A-Za-z0-9_-]+")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def panel_link(h: Chorus, line: str = "/mod panel") -> str:
    """The link the console prints for ``line`` (the operator's, unless ``/as`` someone)."""
    before = len(h.lines)
    await h.console.execute(line)
    printed = "\n".join(h.lines[before:])
    found = LINK.search(printed)
    assert found is not None, printed
    return found.group(0)


def local(h: Chorus, url: str) -> str:
    """The same path on the bot's loopback address (the link names the public one)."""
    return h.app.base_url + url[url.index("/panel/") :]


def http() -> aiohttp.ClientSession:
    """A client that keeps cookies for 127.0.0.1 (aiohttp's jar refuses IP hosts by default)
    and does not follow redirects, so each answer can be looked at."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


@dataclass(frozen=True)
class Pressed:
    """The answer to pressing a link's button: where it sends the browser, the cookie it sets."""

    status: int
    location: str | None
    cookie: str | None
    text: str


async def press(h: Chorus, client: aiohttp.ClientSession, link: str) -> Pressed:
    """Press the button on ``link``'s page (a POST of its token), following nothing."""
    async with client.post(
        f"{h.app.base_url}/panel/signin",
        data={"token": link.rsplit("/", 1)[1]},
        allow_redirects=False,
    ) as answer:
        headers = answer.headers
        return Pressed(
            answer.status, headers.get("Location"), headers.get("Set-Cookie"), await answer.text()
        )


async def sign_in(h: Chorus, client: aiohttp.ClientSession, link: str | None = None) -> str:
    """Use a fresh (or the given) link; returns the session's CSRF token."""
    pressed = await press(h, client, link or await panel_link(h))
    assert pressed.status == 303, pressed.text
    async with client.get(f"{h.app.base_url}/panel/") as page:
        assert page.status == 200, await page.text()
        found = CSRF.search(await page.text())
    assert found is not None
    return found.group(1)
