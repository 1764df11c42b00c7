"""The Telegram adapter (python-telegram-bot)."""

import os

# Opt in to python-telegram-bot's coming timedelta ``retry_after`` (the adapter reads both).
os.environ.setdefault("PTB_TIMEDELTA", "1")

from adapters.telegram.adapter import TelegramAdapter, create

__all__ = ["TelegramAdapter", "create"]
