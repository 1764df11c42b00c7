"""Telegram's webhook mode on one instance or several: an update delivered twice is handled once.

Telegram sends an update again when it got no answer in time, and behind a load balancer the
second delivery may reach another instance; the update ids taken in are kept in the database,
so that either way the member gets one answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.plugin import serving_telegram
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram import payloads as tg
from tests.harness import Chorus, chorus
from tests.pg import drop_database, fresh_database
from tests.telegram_harness import ALICE, BOT, GROUP, adapter_for

CREDITS = "You have 1000 credits: enough for 71 songs."


async def answers_after(fake: FakeTelegram, url: str | None = None) -> list[str]:
    """Every answer the bot sent, once it has answered a /help sent last (to ``url``): the
    chat's updates are handled in order, so an update taken in before it has been answered."""
    help_ = tg.message(GROUP, ALICE, f"/help{BOT}")
    assert await fake.post_update(update_id=9_000, to=url, message=help_) == 200

    def texts() -> list[str]:
        return [str(call.params["text"]) for call in fake.calls_to("sendMessage")]

    await fake.wait_until(lambda: any(text != CREDITS for text in texts()))
    return texts()


def hook(h: Chorus) -> str:
    return f"{h.app.base_url}/hooks/telegram"


async def test_an_update_telegram_delivers_twice_is_answered_once(
    tmp_path: Path, database: str
) -> None:
    async with serving_telegram() as fake, chorus(tmp_path, database_url=database) as harness:
        adapter = adapter_for(harness, fake, telegram_webhook=True)
        await adapter.start()
        try:
            credits = tg.message(GROUP, ALICE, f"/credits{BOT}")
            assert await fake.post_update(update_id=41, message=credits) == 200
            assert await fake.post_update(update_id=41, message=credits) == 200  # the retry
            texts = await answers_after(fake)
            async with httpx.AsyncClient() as http:
                empty = await http.post(
                    hook(harness),
                    json={},
                    headers={"X-Telegram-Bot-Api-Secret-Token": adapter.webhook_secret},
                )
            assert empty.status_code == 400  # not an update, and no id to remember
        finally:
            await adapter.stop()
    assert texts.count(CREDITS) == 1


@pytest.fixture
async def shared_pg() -> AsyncIterator[str]:
    url = await fresh_database()
    try:
        yield url
    finally:
        await drop_database(url)


async def test_an_update_retried_to_another_instance_is_answered_once(
    tmp_path: Path, shared_pg: str
) -> None:
    async with (
        serving_telegram() as fake,
        chorus(tmp_path, database_url=shared_pg) as a,
        chorus(tmp_path, database_url=shared_pg) as b,
    ):
        adapters = [adapter_for(h, fake, telegram_webhook=True) for h in (a, b)]
        for adapter in adapters:
            await adapter.start()
        try:
            credits = tg.message(GROUP, ALICE, f"/credits{BOT}")
            assert await fake.post_update(update_id=41, to=hook(a), message=credits) == 200
            await fake.wait_for("sendMessage")
            # Telegram missed A's answer and retries; the load balancer picks B.
            assert await fake.post_update(update_id=41, to=hook(b), message=credits) == 200
            texts = await answers_after(fake, hook(b))
            other = tg.message(GROUP, ALICE, f"/credits{BOT}")
            assert await fake.post_update(update_id=42, to=hook(a), message=other) == 200
            await fake.wait_until(lambda: len(fake.calls_to("sendMessage")) == len(texts) + 1)
        finally:
            for adapter in adapters:
                await adapter.stop()
    assert texts.count(CREDITS) == 1  # the retry was dropped
