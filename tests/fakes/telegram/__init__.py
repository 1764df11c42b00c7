"""A fake Telegram Bot API on loopback that the unmodified python-telegram-bot talks to."""

from tests.fakes.telegram.server import Call, FakeTelegram

__all__ = ["Call", "FakeTelegram"]
