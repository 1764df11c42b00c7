"""``/mod limits`` on Telegram with options named like the core's own arguments, or repeated:
every sender gets a clear answer (no silence, no error in the log) and nothing changes."""

from __future__ import annotations

import logging

import pytest

from bot import messages
from bot.domain import Member, Scope
from tests.telegram_harness import ADMIN, ALICE, BOB, BOT, GROUP, Telegram, telegram

__all__ = ["telegram"]


async def test_clashing_and_repeated_limit_options_are_answered_and_change_nothing(
    telegram: Telegram,
) -> None:
    fake = telegram.fake
    fake.members[(int(GROUP["id"]), int(ADMIN["id"]))] = "administrator"
    bob = Member(Scope("telegram", str(GROUP["id"])), str(BOB["id"]))
    target = telegram.say(BOB, f"/credits{BOT}")
    await fake.wait_for("sendMessage")
    before = await telegram.chorus.app.ledger.policy(bob)
    telegram.say(ALICE, "/mod limits max_concurrent=3 reason=x", reply_to=target)  # no admin
    await fake.wait_for("sendMessage", 2, patience=20)
    telegram.say(ADMIN, "/mod limits reason=x", reply_to=target)
    await fake.wait_for("sendMessage", 3, patience=20)
    telegram.say(ADMIN, "/mod limits max_concurrent=3 max_concurrent=9", reply_to=target)
    replies = await fake.wait_for("sendMessage", 4, patience=20)
    texts = [r.params["text"] for r in replies[1:]]
    assert "Only moderators" in texts[0]
    assert "reason= is not a setting; the settings are: daily_allowance=," in texts[1]
    assert "max_concurrent= is given twice" in texts[2]
    assert await telegram.chorus.app.ledger.policy(bob) == before


async def test_an_unexpected_error_is_answered_not_met_with_silence(
    telegram: Telegram, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: object) -> str:
        raise RuntimeError("a bug in Chorus")

    monkeypatch.setattr(telegram.chorus.app.service, "balance", broken)
    telegram.say(ALICE, f"/credits{BOT}")
    [reply] = await telegram.fake.wait_for("sendMessage", patience=20)
    assert reply.params["text"] == messages.something_went_wrong()
    await telegram.fake.wait_until(lambda: bool(_errors(caplog)))
    assert "a bug in Chorus" in _errors(caplog)[0]
    caplog.clear()  # the operator's traceback, provoked on purpose: not a failure of the test


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.getMessage()} {r.exc_info[1] if r.exc_info else ''}"
        for r in caplog.records
        if r.levelno >= logging.ERROR
    ]
