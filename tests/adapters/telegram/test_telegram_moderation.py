"""``/mod limits`` on Telegram with options named like the core's own arguments, or repeated:
every sender gets a clear answer (no silence, no error in the log) and nothing changes."""

from __future__ import annotations

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
    assert "reason: Extra inputs are not permitted" in texts[1]
    assert "max_concurrent= is given twice" in texts[2]
    assert await telegram.chorus.app.ledger.policy(bob) == before
