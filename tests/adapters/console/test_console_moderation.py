"""``/mod limits`` and ``/mod settings`` on the console: options that share a name with the
core's own arguments (``reason=``, ``member=``, ``actor=``, ``scope=``) or that repeat are refused
with a clear message and change nothing, instead of crashing the console."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import messages
from bot.domain import Member
from tests.harness import chorus


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        (
            "/mod limits bob reason=x",
            "reason= is not a setting; the settings are: daily_allowance=",
        ),
        (
            "/mod limits bob member=alice",
            "member= is not a setting; the settings are: daily_allowance=",
        ),
        (
            "/mod limits bob max_concurrent=3 actor=you",
            "actor= is not a setting; the settings are: daily_allowance=",
        ),
        ("/mod settings scope=x", "scope= is not a setting; the settings are: daily_allowance="),
        ("/mod limits bob max_concurrent=3 max_concurrent=9", "max_concurrent= is given twice"),
        ("/mod settings price_multiplier=2 price_multiplier=3", "given twice"),
    ],
)
async def test_a_clashing_or_repeated_option_is_refused_and_changes_nothing(
    tmp_path: Path, line: str, complaint: str
) -> None:
    async with chorus(tmp_path) as h:
        bob = Member(h.member.scope, "bob")
        before = await h.app.ledger.policy(bob)
        await h.console.execute(line)
        assert complaint in h.lines[0]
        assert await h.app.ledger.policy(bob) == before
        assert await h.app.service.moderate("audit_log", h.console.actor, h.member.scope) == []
        await h.console.execute("/balance")  # the console still answers


async def test_a_member_using_a_clashing_option_hears_they_are_no_moderator(
    tmp_path: Path,
) -> None:
    async with chorus(tmp_path) as h:
        await h.console.execute("/as bob /mod limits alice max_concurrent=3 reason=x")
        assert "Only moderators" in h.lines[-1]


async def test_an_unexpected_error_is_answered_and_the_console_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with chorus(tmp_path) as h:

        async def broken(*_: object) -> str:
            raise RuntimeError("a bug in Chorus")

        monkeypatch.setattr(h.app.service, "balance", broken)
        await h.console.execute("/balance")
        assert h.lines[-1] == messages.something_went_wrong()
        assert any(r.exc_info and "a bug in Chorus" in str(r.exc_info[1]) for r in caplog.records)
        monkeypatch.undo()
        await h.console.execute("/balance")
        assert "1000 credits" in h.lines[-1]
