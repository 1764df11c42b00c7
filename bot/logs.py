"""Logging as the operator configured it: ``LOG_LEVEL``, and ``LOG_FORMAT`` text or JSON.

Text is one line per record for a terminal or journald; JSON is one object per line for
Loki, ELK and the like. Either way:

- a record is one line: a member's title or a vendor's message with a line break in it cannot
  start a line of its own that passes for another record (text escapes line breaks and other
  control characters, and indents a traceback under its record; JSON escapes them by itself);
- every secret Chorus knows (the API key, the platform tokens, the webhook and media keys) is
  replaced by ``[redacted]`` wherever it appears, in messages and tracebacks alike: a Telegram
  file URL, for one, carries the bot token, and httpx logs URLs.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, TextIO

from pydantic import SecretStr

if TYPE_CHECKING:
    from bot.config import Settings

LogFormat = Literal["text", "json"]
REDACTED = "[redacted]"
MIN_SECRET = 4  # shorter "secrets" would blank out ordinary words
# httpx reports every HTTP request at INFO (URLs included): shown only at DEBUG.
CHATTY = ("httpx",)
# Library internals (each socket step, each SQL statement with its values): never shown.
INTERNALS = ("httpcore", "aiosqlite")
# Line breaks and every other control character, written as escapes.
ESCAPES: dict[int, str] = {
    code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))
} | {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def one_line(text: str) -> str:
    return text.translate(ESCAPES)


class Secrets:
    """The values no log line may show; applied to whole formatted text."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def add(self, value: str | None) -> None:
        if value and len(value) >= MIN_SECRET:
            self.values.add(value)

    def hide(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):  # a key inside a longer one
            text = text.replace(value, REDACTED)
        return text


SECRETS = Secrets()


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """``<time> <LEVEL> <logger>: <message>``; a traceback follows, each line under ``  | ``."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name}: "
        line += one_line(record.getMessage())
        details = [self.formatException(record.exc_info)] if record.exc_info else []
        if record.stack_info:
            details.append(self.formatStack(record.stack_info))
        for detail in details:
            line += "".join(f"\n  | {one_line(part)}" for part in detail.splitlines())
        return SECRETS.hide(line)


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message"[, "exception"][, "stack"]}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": SECRETS.hide(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = SECRETS.hide(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = SECRETS.hide(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, fmt: LogFormat = "text", stream: TextIO | None = None) -> None:
    """One handler on the root logger, at ``level``, in ``fmt``; replaces any before it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    chatty = logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING
    for name in CHATTY:
        logging.getLogger(name).setLevel(chatty)
    for name in INTERNALS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_from(settings: Settings, stream: TextIO | None = None) -> None:
    """Apply LOG_LEVEL and LOG_FORMAT; hide every secret setting (any SecretStr) from then on."""
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            SECRETS.add(value.get_secret_value())
    configure(settings.log_level, settings.log_format, stream)
