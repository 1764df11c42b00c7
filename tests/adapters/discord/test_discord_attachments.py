"""A member's attachment without PUBLIC_BASE_URL: Discord's CDN links expire, so the audio goes
to the vendor while its link still works, not when the job's turn comes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import mp3
from tests.discord_harness import ALICE, Discord, running_discord
from tests.fakes.discord import payloads as dc
from tests.fakes.discord.server import CDN_LIFETIME


@pytest.fixture
async def discord_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Discord]:
    async with running_discord(tmp_path, monkeypatch, caplog, public=False) as handle:
        yield handle


async def test_a_cover_queued_past_its_links_expiry_still_runs(discord_bot: Discord) -> None:
    fake, app = discord_bot.fake, discord_bot.chorus.app
    upload = fake.add_attachment("hum.mp3", mp3(), "audio/mpeg")
    await app.scheduler.stop()  # the queue is long: the job's turn comes a day later
    asked = await discord_bot.slash(
        ALICE,
        "cover",
        dc.option("audio", upload["id"], dc.ATTACHMENT),
        dc.option("prompt", "as a jazz ballad", dc.STRING),
        resolved={"attachments": {upload["id"]: upload}},
    )
    assert "on its way" in await discord_bot.reply(asked)
    fake.clock.advance(CDN_LIFETIME + 60)  # the signed link is dead now
    await app.scheduler.start()
    results = await discord_bot.wait_for_results(2)
    assert all(r["attachments"] for r in results)
    assert await discord_bot.credits(ALICE) == 1000 - 16  # the cover and the vendor upload
    assert len(discord_bot.chorus.sim.sim.fetched_urls) == 1  # the vendor fetched it once, fresh


async def test_a_sample_which_the_vendor_fetches_when_it_runs_is_refused_free(
    discord_bot: Discord,
) -> None:
    fake = discord_bot.fake
    upload = fake.add_attachment("hum.mp3", mp3(), "audio/mpeg")
    asked = await fake.context_menu(
        ALICE,
        "Use as sample",
        fake.post(discord_bot.guild, ALICE, "my hum", attachments=[upload]),
        guild=discord_bot.guild,
    )
    state = await fake.responded(asked)
    assert state.modal is not None
    form = await fake.submit(
        ALICE, state.modal, {"prompt": "a lo-fi beat"}, guild=discord_bot.guild
    )
    assert "PUBLIC_BASE_URL" in await discord_bot.reply(form)
    assert await discord_bot.credits(ALICE) == 1000
