"""LOG_LEVEL and LOG_FORMAT are applied; a record is one line; secrets never reach a log."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import logs
from bot.config import load_settings
from tests.harness import chorus_cli

TOKEN = "123456:AAE-telegram-token-value"
FORGED = "a title\n2026-12-02T10:00:00.000Z ERROR bot.ledger: credits lost\r\x1b[2J"


@pytest.fixture
def root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """configure() replaces the root handlers; pytest's own go back afterwards. No .env or
    LOG_* variable of the machine running the tests takes part."""
    monkeypatch.chdir(tmp_path)
    for name in ("LOG_LEVEL", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    logger = logging.getLogger()
    handlers, level = list(logger.handlers), logger.level
    chatty = {name: logging.getLogger(name).level for name in logs.CHATTY + logs.INTERNALS}
    yield
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    for handler in handlers:
        logger.addHandler(handler)
    logger.setLevel(level)
    for name, was in chatty.items():
        logging.getLogger(name).setLevel(was)


def emit(fmt: logs.LogFormat, **settings: str) -> str:
    """Configure from settings like the CLI does, log what an attacker controls, return it."""
    out = io.StringIO()
    logs.configure_from(load_settings(log_format=fmt, telegram_token=TOKEN, **settings), out)
    log = logging.getLogger("bot.test")
    log.debug("a debug detail")
    log.info("fetching https://api.telegram.org/file/bot%s/voice.ogg", TOKEN)
    log.warning("delivery postponed: %s", FORGED)
    try:
        raise RuntimeError(f"{FORGED} with bot{TOKEN}")
    except RuntimeError:
        log.exception("delivery failed")
    logging.getLogger("httpx").info("HTTP Request: GET https://api.telegram.org/bot%s/x", TOKEN)
    return out.getvalue()


def test_text_logs_are_one_line_per_record_with_no_secret(root: None) -> None:
    out = emit("text")
    assert TOKEN not in out and "[redacted]" in out
    records = [line for line in out.splitlines() if not line.startswith("  | ")]
    assert [r.split(" ")[1:3] for r in records] == [
        ["INFO", "bot.test:"],
        ["WARNING", "bot.test:"],
        ["ERROR", "bot.test:"],
    ]
    assert "\x1b" not in out and "\r" not in out
    assert records[1].endswith(
        "postponed: a title\\n2026-12-02T10:00:00.000Z ERROR bot.ledger: credits lost\\r\\x1b[2J"
    )
    traceback = [line for line in out.splitlines() if line.startswith("  | ")]
    assert traceback[0] == "  | Traceback (most recent call last):"
    # The exception's own text spans lines, but each stays under its record.
    assert traceback[-3:] == [
        "  | RuntimeError: a title",
        "  | 2026-12-02T10:00:00.000Z ERROR bot.ledger: credits lost",
        "  | \\x1b[2J with bot[redacted]",
    ]


def test_json_logs_are_one_object_per_line_with_no_secret(root: None) -> None:
    out = emit("json", log_level="debug")
    assert TOKEN not in out
    entries = [json.loads(line) for line in out.splitlines()]
    assert [(e["level"], e["logger"]) for e in entries] == [
        ("DEBUG", "bot.test"),
        ("INFO", "bot.test"),
        ("WARNING", "bot.test"),
        ("ERROR", "bot.test"),
        ("INFO", "httpx"),  # request logs are shown at DEBUG only
    ]
    assert entries[2]["message"] == f"delivery postponed: {FORGED}"
    assert entries[3]["exception"].endswith(f"RuntimeError: {FORGED} with bot[redacted]")
    assert entries[0]["time"].endswith("Z")


def test_log_level_hides_what_is_below_it(root: None) -> None:
    assert "a debug detail" not in emit("text")
    assert "a debug detail" in emit("text", log_level="DEBUG")
    assert emit("text", log_level="ERROR").splitlines()[0].split(" ")[1] == "ERROR"


def test_the_demo_applies_log_level_and_json_format(tmp_path: Path) -> None:
    result = chorus_cli(
        "demo",
        "--data",
        str(tmp_path / "demo"),
        "--time-scale",
        "0.005",
        cwd=tmp_path,
        env={"LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json"},
        stdin="/lyrics a song about the sea\n",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    calls = [(e["level"], e["logger"], e["message"]) for e in entries]
    assert ("DEBUG", "bot.aimusic.client", "aimusic POST /api/v1/sonic/lyrics -> 200") in calls
    assert not [c for c in calls if c[1].startswith(logs.INTERNALS)]  # every SQL statement


def test_a_bad_log_setting_is_named(tmp_path: Path) -> None:
    result = chorus_cli("doctor", cwd=tmp_path, env={"LOG_LEVEL": "loud", "LOG_FORMAT": "xml"})
    assert result.returncode == 2
    assert "LOG_LEVEL" in result.stderr and "LOG_FORMAT" in result.stderr
    good = chorus_cli("doctor", cwd=tmp_path, env={"LOG_LEVEL": "warning", "LOG_FORMAT": "JSON"})
    assert good.returncode == 0 and "logging: WARNING, json" in good.stdout
