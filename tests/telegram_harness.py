"""The Telegram adapter on the fake Bot API: a fixture for every Telegram test file.

The adapter and the fake share one :class:`FakeClock`, so that Telegram's flood limits are
counted (and waited out) in virtual time. At the end of each test the fixture fails it when
python-telegram-bot or Chorus logged a warning or an error during the test, a button press was
left unanswered, a cover was one Telegram would drop, or the bot went over a flood limit.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from pydantic import AnyHttpUrl, SecretStr

from adapters import telegram as telegram_adapter
from adapters.telegram import TelegramAdapter
from bot.domain import Member, Scope
from tests.fakes.plugin import serving_telegram
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram import payloads as tg
from tests.fakes.telegram.clock import FakeClock
from tests.harness import Chorus, chorus

GROUP = tg.chat(-100200, "supergroup")
ALICE = tg.user(501, "Alice")
BOB = tg.user(502, "Bob")
ADMIN = tg.user(503, "Ada")
BOT = "@chorus_test_bot"  # groups: a bot in privacy mode sees commands addressed to it


@dataclass
class Telegram:
    fake: FakeTelegram
    chorus: Chorus
    adapter: TelegramAdapter

    def say(self, sender: dict[str, object], text: str, **extra: object) -> dict[str, object]:
        message = tg.message(GROUP, sender, text, **extra)
        self.fake.push(message=message)
        return message

    def last_from_bot(self, chat: dict[str, object] = GROUP) -> dict[str, object]:
        """The bot's newest message in the chat, for a member to reply to."""
        return self.fake.sent[max(k for k in self.fake.sent if k[0] == chat["id"])]

    async def credits(self, user: dict[str, object]) -> int:
        member = Member(Scope("telegram", str(GROUP["id"])), str(user["id"]))
        return (await self.chorus.app.ledger.balance(member)).available


def adapter_for(
    harness: Chorus, fake: FakeTelegram, compose_timeout: float = 300, **settings: object
) -> TelegramAdapter:
    """The adapter built by the app from its settings pointed at the fake (with ``settings``
    changed), on the fake's clock, so that flood limits pass in virtual time."""
    changed = harness.app.settings.model_copy(
        update={
            "telegram_token": SecretStr(fake.token),
            "telegram_api_url": AnyHttpUrl(fake.url),
            **settings,
        }
    )
    adapter = harness.app.adapter(
        lambda core: telegram_adapter.create(
            replace(core, settings=changed),
            compose_timeout=compose_timeout,
            clock=fake.clock if isinstance(fake.clock, FakeClock) else None,
            poll_timeout=1,
        )
    )
    assert isinstance(adapter, TelegramAdapter)
    return adapter


def quiet(caplog: pytest.LogCaptureFixture) -> None:
    """Fail on any warning or error that python-telegram-bot or Chorus logged during the test."""
    loud = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.get_records("call")
        if r.levelno >= logging.WARNING
        and r.name.startswith(("telegram", "adapters", "bot", "simulator"))
    ]
    assert loud == [], "python-telegram-bot or Chorus logged warnings or errors"


@pytest.fixture
async def telegram(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Telegram]:
    caplog.set_level(logging.WARNING)
    async with serving_telegram(clock=FakeClock()) as fake, chorus(tmp_path) as harness:
        adapter = adapter_for(harness, fake, compose_timeout=1.0)
        await adapter.start()
        handle = Telegram(fake, harness, adapter)
        try:
            yield handle
        finally:
            fake.clock.release()
            await handle.adapter.stop()
    quiet(caplog)
    assert fake.unanswered == {}, "a button press was left spinning"
    assert fake.thumbnail_problems == [], "Telegram would drop these covers"
    assert fake.flood.refused == [], "the bot went over Telegram's flood limits"
