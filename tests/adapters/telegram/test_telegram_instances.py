"""One Telegram bot served by several instances sharing one PostgreSQL database.

Long polling: exactly one instance polls (a leader chosen through the database); when it stops,
or stops renewing its lease as a dead one would, another takes polling over within a lease, and
a message sent after is answered once. Webhooks: every instance accepts updates and registers
the same webhook, and none deletes it when it stops.

Each instance reaches the fake Bot API through a root of its own (``FakeTelegram.url_for``), so
the fake tells which instance made each call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import AnyHttpUrl

from adapters.telegram import TelegramAdapter
from tests.fakes.plugin import serving_telegram
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram import payloads as tg
from tests.harness import Chorus, chorus
from tests.telegram_harness import adapter_for, quiet

LEASE = 1.2  # seconds: short, so that a takeover is quick to see
DANA = tg.user(701, "Dana")
DM = tg.chat(701, "private")


@dataclass
class Instance:
    name: str
    chorus: Chorus
    adapter: TelegramAdapter


@asynccontextmanager
async def instances(
    fake: FakeTelegram, tmp_path: Path, database_url: str, *names: str, **settings: Any
) -> AsyncIterator[dict[str, Instance]]:
    """One whole Chorus per name on one database, started in order, each with a Telegram
    adapter calling the fake through its own root."""
    async with AsyncExitStack() as stack:
        started: dict[str, Instance] = {}
        for name in names:
            harness = await stack.enter_async_context(
                chorus(tmp_path / name, database_url=database_url)
            )
            harness.app.leaders.ttl = LEASE
            adapter = adapter_for(
                harness, fake, telegram_api_url=AnyHttpUrl(fake.url_for(name)), **settings
            )
            await adapter.start()
            stack.push_async_callback(adapter.stop)
            started[name] = Instance(name, harness, adapter)
        yield started


def pollers(fake: FakeTelegram) -> set[str]:
    return {call.via for call in fake.calls_to("getUpdates")}


def conflicts_heard(fake: FakeTelegram) -> list[str]:
    """The instances that were told another one polls (409 Conflict). A poll a stopping
    instance abandoned is ended the same way, but nobody hears that answer."""
    return [call.via for call in fake.conflicts if call.heard]


def replies(fake: FakeTelegram, message: dict[str, Any]) -> list[str]:
    """The instances that answered ``message`` so far."""
    return [
        call.via
        for call in fake.calls_to("sendMessage")
        if (call.params.get("reply_parameters") or {}).get("message_id") == message["message_id"]
    ]


async def answered(fake: FakeTelegram, message: dict[str, Any]) -> list[str]:
    """The instances that answered ``message``, once one did."""
    await fake.wait_until(lambda: bool(replies(fake, message)), patience=30)
    return replies(fake, message)


async def answers_to(fake: FakeTelegram, message: dict[str, Any]) -> list[str]:
    """The instances that answered a polled ``message``, once one did and the bot had the time
    of two more polls to answer it again."""
    await answered(fake, message)
    polls = len(fake.calls_to("getUpdates"))
    await fake.wait_for("getUpdates", polls + 2)
    return replies(fake, message)


async def test_one_instance_polls_and_another_takes_over_when_it_stops(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, pg_url: str
) -> None:
    caplog.set_level(logging.WARNING)
    async with (
        serving_telegram() as fake,
        instances(fake, tmp_path, pg_url, "first", "second") as running,
    ):
        first, second = running["first"], running["second"]
        first_asked = tg.message(DM, DANA, "/credits")
        fake.push(message=first_asked)
        assert await answers_to(fake, first_asked) == ["first"]
        assert pollers(fake) == {"first"}  # the second stands by: it never polled
        assert second.adapter._lease is not None and not second.adapter._lease.leading
        assert conflicts_heard(fake) == []

        polled_before = len(fake.calls_to("getUpdates"))
        stopped = time.monotonic()
        await first.adapter.stop()  # gives the lease up on its way out
        await fake.wait_until(lambda: "second" in pollers(fake), patience=LEASE * 2)
        assert time.monotonic() - stopped < LEASE
        later = [c.via for c in fake.calls_to("getUpdates")[polled_before:]]
        assert later[-1] == "second" and set(later) <= {"first", "second"}

        asked = tg.message(DM, DANA, "/credits")
        fake.push(message=asked)
        assert await answers_to(fake, asked) == ["second"]
        assert second.adapter._lease.leading
        assert conflicts_heard(fake) == []
        # the stopping instance abandoned its last poll; Telegram ends it, unheard
        assert [(c.via, c.heard) for c in fake.conflicts] in ([], [("first", False)])
    quiet(caplog)


async def test_a_leader_that_stops_renewing_is_replaced_once_its_lease_runs_out(
    tmp_path: Path, pg_url: str
) -> None:
    """A leader killed gives nothing up: its lease must run out first, and only then does
    another instance poll. (A leader that finds at its next renewal that it lost the role
    stops polling: tests/core/test_leaders.py.)"""
    async with (
        serving_telegram() as fake,
        instances(fake, tmp_path, pg_url, "first", "second") as running,
    ):
        dead = running["first"].adapter
        lease = dead._lease
        assert lease is not None and lease._renewer is not None and dead._follower is not None
        frozen_at = time.monotonic()
        # as if its process were killed: it neither renews its lease nor polls any more
        dead._follower.cancel()
        lease._renewer.cancel()
        assert dead.application.updater is not None
        await dead.application.updater.stop()
        assert await fake.wait_for("getUpdates") and "second" not in pollers(fake)
        await fake.wait_until(lambda: "second" in pollers(fake), patience=LEASE * 3)
        waited = time.monotonic() - frozen_at
        assert LEASE * 2 / 3 <= waited <= LEASE * 2  # taken over after the lease, not before

        asked = tg.message(DM, DANA, "/credits")
        fake.push(message=asked)
        assert await answers_to(fake, asked) == ["second"]
        assert conflicts_heard(fake) == []


async def test_with_webhooks_every_instance_serves_and_none_deletes_the_webhook(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, pg_url: str
) -> None:
    caplog.set_level(logging.WARNING)
    async with (
        serving_telegram() as fake,
        instances(fake, tmp_path, pg_url, "first", "second", telegram_webhook=True) as running,
    ):
        registered = [(c.via, c.params["url"]) for c in fake.calls_to("setWebhook")]
        first_url = running["first"].chorus.app.media.config.public_base_url
        second_url = running["second"].chorus.app.media.config.public_base_url
        assert [via for via, _ in registered] == ["first", "second"]
        # what Telegram keeps is the last one registered; behind a balancer both are the same
        assert fake.webhook is not None and fake.webhook[0] == f"{second_url}/hooks/telegram"
        # each instance accepts an update posted to it (here: each its own address)
        for name, base in (("first", first_url), ("second", second_url)):
            fake.webhook = (f"{base}/hooks/telegram", fake.webhook[1])
            asked = tg.message(DM, DANA, "/credits")
            assert await fake.post_update(message=asked) == 200
            assert await answered(fake, asked) == [name]
        await running["first"].adapter.stop()
        assert fake.calls_to("deleteWebhook") == [] and fake.webhook is not None
        assert fake.calls_to("getUpdates") == []
    quiet(caplog)


async def test_a_leader_that_lost_its_lease_stops_polling_until_it_leads_again(
    tmp_path: Path, pg_url: str
) -> None:
    """Its lease taken over while it stalled (here: the row handed to another instance), the
    leader finds out at its next renewal and stops polling, so that two never poll at once;
    once the role is free again it takes it back and answers."""
    async with serving_telegram() as fake, instances(fake, tmp_path, pg_url, "only") as running:
        only = running["only"].adapter
        lease, updater = only._lease, only.application.updater
        assert lease is not None and lease.leading and updater is not None and updater.running
        store = running["only"].chorus.app.store
        async with store.write() as conn:
            await conn.execute(
                "UPDATE leaders SET holder = 'elsewhere', expires_at = ?", (time.time() + 3600,)
            )
        await asyncio.wait_for(lease.lost.wait(), LEASE)
        # python-telegram-bot stops polling with a last getUpdates (timeout 0) confirming
        # the updates it took
        await fake.wait_until(lambda: fake.calls_to("getUpdates")[-1].params["timeout"] == 0)
        assert not updater.running
        polled = len(fake.calls_to("getUpdates"))

        async with store.write() as conn:
            await conn.execute("DELETE FROM leaders")
        await fake.wait_for("getUpdates", polled + 1, patience=LEASE * 2)
        assert lease.leading and updater.running
        asked = tg.message(DM, DANA, "/credits")
        fake.push(message=asked)
        assert await answers_to(fake, asked) == ["only"]
