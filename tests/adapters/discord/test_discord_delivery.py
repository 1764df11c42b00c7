"""Where Discord results go when the channel will not take them, and what a member is charged.

The bot checks its permissions in the channel before any hold; a channel that refuses a result
later (its permissions changed) sends the result down the next route: a follow-up on the
member's interaction while its token lives, then a DM, then /mysongs. The fake enforces each
rule as Discord does; its clock is moved forward instead of waiting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.discord.permissions import INVITE_PERMISSIONS
from bot.domain import Attachment, ReplyTarget, ResultCard
from bot.store import jobs, outbox
from tests.discord_harness import ALICE, MESSAGES, Discord, running_discord
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as dc
from tests.fakes.discord.payloads import Json
from tests.fakes.discord.server import TOKEN_LIFETIME, Request

NO_ATTACH = dc.BOT_PERMISSIONS & ~dc.ATTACH_FILES
NO_THREADS = dc.BOT_PERMISSIONS & ~dc.SEND_MESSAGES_IN_THREADS


def with_thread(fake: FakeDiscord, guild: Json) -> None:
    fake.add_thread(guild, "ideas")


@pytest.fixture
async def discord_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Discord]:
    async with running_discord(tmp_path, monkeypatch, caplog, with_thread) as handle:
        yield handle


def song() -> Json:
    return dc.option("prompt", "rain on a tin roof", dc.STRING)


async def test_the_invite_grants_what_posting_results_needs() -> None:
    assert INVITE_PERMISSIONS.value == dc.BOT_PERMISSIONS == 274878024704
    assert INVITE_PERMISSIONS.send_messages_in_threads


async def test_a_channel_without_attach_files_is_refused_for_free_naming_it(
    discord_bot: Discord,
) -> None:
    fake = discord_bot.fake
    fake.permit(discord_bot.guild["channels"][0], NO_ATTACH)
    asked = await discord_bot.slash(ALICE, "song", song())
    reply = await discord_bot.reply(asked)
    assert "missing the Attach Files permission" in reply and "Nothing was charged" in reply
    assert await discord_bot.credits(ALICE) == 1000
    async with discord_bot.chorus.app.store.read() as conn:
        assert await jobs.state_counts(conn) == {}
    assert fake.requests_to("POST", MESSAGES) == []  # not even a status message


async def test_a_form_command_is_refused_before_its_form(discord_bot: Discord) -> None:
    discord_bot.fake.permit(discord_bot.guild["channels"][0], dc.BOT_PERMISSIONS & ~dc.EMBED_LINKS)
    asked = await discord_bot.slash(ALICE, "compose")
    state = await discord_bot.fake.responded(asked)
    assert state.modal is None  # no form to fill in for nothing
    assert "missing the Embed Links permission" in await discord_bot.reply(asked)


async def test_in_a_thread_send_messages_in_threads_is_what_counts(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    [thread] = discord_bot.guild["threads"]
    fake.permit(thread, NO_THREADS)
    refused = await discord_bot.slash(ALICE, "song", song(), channel=thread)
    assert "missing the Send Messages in Threads permission" in await discord_bot.reply(refused)
    assert await discord_bot.credits(ALICE) == 1000
    fake.permit(thread, dc.BOT_PERMISSIONS & ~dc.SEND_MESSAGES)  # a thread needs no Send Messages
    asked = await discord_bot.slash(ALICE, "song", song(), channel=thread)
    assert "on its way" in await discord_bot.reply(asked)
    await fake.wait_until(
        lambda: sum(1 for m in fake.messages.values() if m["channel_id"] == thread["id"]) >= 3
    )
    await discord_bot.settled()
    posted = [m for m in fake.messages.values() if m["channel_id"] == thread["id"]]
    assert sum(1 for m in posted if m["embeds"] and m["attachments"]) == 2


def result_post(request: Request) -> bool:
    """The bot posting a result (an embed) in a channel with its own token."""
    return (
        request.method == "POST"
        and request.path.startswith("/channels/")
        and bool((request.json or {}).get("embeds"))
    )


async def refused_later(discord_bot: Discord, *, expire: bool, dms_closed: bool) -> Json:
    """A song accepted in a channel that then loses Attach Files before its results arrive;
    optionally the member's interaction token has expired and their DMs are closed by then."""
    fake = discord_bot.fake
    gate = fake.hold(result_post)
    asked = await discord_bot.slash(ALICE, "song", song())
    assert "on its way" in await discord_bot.reply(asked)
    await fake.wait_until(lambda: len(fake.held) >= 1)
    fake.permit(discord_bot.guild["channels"][0], NO_ATTACH)
    if expire:
        fake.clock.advance(TOKEN_LIFETIME + 1)
    if dms_closed:
        fake.dms_closed.add(ALICE["id"])
    gate.set()
    await discord_bot.settled()
    return asked


async def test_a_result_the_channel_refuses_is_posted_as_a_follow_up(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    await refused_later(discord_bot, expire=False, dms_closed=False)
    followups = fake.requests_to("POST", rf"/webhooks/{fake.app_id}/[^/]+")
    assert len(followups) == 2
    shown = [m for m in discord_bot.fake.channel_messages(discord_bot.guild) if m["embeds"]]
    assert len(shown) == 2 and all(m["webhook_id"] == fake.app_id for m in shown)
    assert all(m["attachments"] and m["components"] for m in shown)  # files and buttons
    assert all(not m["flags"] & 64 for m in shown)  # for everyone, not only the member
    assert await discord_bot.credits(ALICE) == 1000 - 14
    async with discord_bot.chorus.app.store.read() as conn:
        assert (await outbox.outbox_counts(conn)).get("undelivered") is None


async def test_after_the_token_expires_a_refused_result_goes_by_dm(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    await refused_later(discord_bot, expire=True, dms_closed=False)
    dm = next(c for c in fake.channels.values() if c["type"] == 1)
    in_dm = [m for m in fake.messages.values() if m["channel_id"] == dm["id"] and m["embeds"]]
    assert len(in_dm) == 2 and all(m["attachments"] for m in in_dm)
    expired = [r for r in fake.requests if r.path.startswith("/webhooks/") and r.method == "POST"]
    assert expired  # the follow-up was tried and refused with 50027 before the DM


async def test_a_result_no_route_takes_is_kept_for_mysongs_with_its_files(
    discord_bot: Discord,
) -> None:
    fake = discord_bot.fake
    await refused_later(discord_bot, expire=True, dms_closed=True)
    assert await discord_bot.credits(ALICE) == 1000 - 14  # paid: the songs exist
    async with discord_bot.chorus.app.store.read() as conn:
        assert (await outbox.outbox_counts(conn))["undelivered"] == 2  # never recorded as delivered
    told = [m for m in discord_bot.posted() if "so it is kept for you" in m["content"]]
    assert len(told) == 1  # once per job; a text notice still fits the channel
    metrics = discord_bot.chorus.app.metrics.registry
    counted = {"platform": "discord", "kind": "result"}
    assert metrics.get_sample_value("chorus_undelivered_total", counted) == 2
    assert len(fake.invalid) == 2 * 3  # each result tried each route once, then left alone
    mine = await fake.reply(await discord_bot.slash(ALICE, "mysongs"))
    assert "Kept for you" in mine["content"]
    assert len(mine["attachments"]) == 2  # the files, in the private answer


async def test_a_result_retried_after_the_nonce_window_is_not_posted_twice(
    discord_bot: Discord, tmp_path: Path
) -> None:
    """Chorus posted a result and stopped before recording it; it comes back after Discord
    has forgotten the nonce. The retry finds the message in the channel's history."""
    fake = discord_bot.fake
    audio = tmp_path / "a.mp3"
    audio.write_bytes(b"ID3" + bytes(2000))
    card = ResultCard(
        job_id="j1",
        title="Late",
        track_id="abc123",
        attachments=(Attachment(str(audio), "a.mp3", "audio/mpeg"),),
    )
    target = ReplyTarget("discord", discord_bot.guild["channels"][0]["id"], requester=ALICE["id"])
    first = await discord_bot.adapter.platform.deliver(target, card, "outbox-7")
    fake.clock.advance(fake.nonce_window + 1)
    delivery = discord_bot.chorus.app.delivery
    row = outbox.OutboxRow(
        id=7,
        job_id="j1",
        kind="result",
        item=outbox.OutboxItem.result(card),
        target=target,
        attempts=1,
        tried_at=delivery.clock() - 600,
    )
    await delivery.deliver(row)
    assert len(discord_bot.results()) == 1
    assert fake.requests_to("GET", MESSAGES)  # it looked before posting
    assert first == discord_bot.results()[0]["id"]


async def test_files_fit_per_file(discord_bot: Discord, tmp_path: Path) -> None:
    """Discord's upload limit is per file: three 4 MiB stems go in one 10 MiB-limit message."""
    stems = []
    for name in ("vocals", "drums", "bass"):
        path = tmp_path / f"{name}.wav"
        path.write_bytes(b"RIFF" + bytes(4 * 1024 * 1024))
        stems.append(Attachment(str(path), path.name, "audio/wav"))
    target = ReplyTarget("discord", discord_bot.guild["channels"][0]["id"], upload_limit=10 << 20)
    card = ResultCard(job_id="j1", title="Stems", attachments=tuple(stems))
    await discord_bot.adapter.platform.deliver(target, card, "outbox-8")
    [posted] = discord_bot.results()
    assert len(posted["attachments"]) == 3
    assert discord_bot.fake.rejected_uploads == 0


async def test_in_a_dm_the_bot_uploads_at_most_10_mib_whatever_the_members_nitro(
    discord_bot: Discord,
) -> None:
    fake = discord_bot.fake
    nitro = {"member_upload_limit": 500 << 20}  # what the member may upload, not the bot
    long_song = [song(), dc.option("duration", 150, dc.INTEGER)]
    await fake.command(ALICE, "song", long_song, guild=None, **nitro)
    dm = next(c for c in fake.channels.values() if c["type"] == 1)

    def results() -> list[Json]:
        return [m for m in fake.messages.values() if m["channel_id"] == dm["id"] and m["embeds"]]

    await fake.wait_until(lambda: len(results()) >= 2, patience=60)
    await discord_bot.settled()
    first = results()[0]
    wav = next(
        b["custom_id"]
        for r in first["components"]
        for b in r["components"]
        if ":download:" in b["custom_id"]  # a WAV by default
    )
    pressed = await fake.press(ALICE, first, wav, guild=None, **nitro)
    assert "/download started" in await discord_bot.reply(pressed)
    await fake.wait_until(lambda: len(results()) >= 3, patience=60)
    await discord_bot.settled()
    [*_, result] = results()
    assert result["attachments"] == []  # 150 s of WAV is over the bot's 10 MiB in a DM
    [link] = [f for f in result["embeds"][0]["fields"] if f["name"] == "Audio"]
    assert "too big to attach" in link["value"]
    assert fake.rejected_uploads == 0  # decided before uploading, not by a 413


async def test_a_token_known_to_be_expired_is_not_even_tried(
    discord_bot: Discord, tmp_path: Path
) -> None:
    """Every refused request counts towards Discord's invalid-request ban, so a follow-up
    whose interaction is over 15 minutes old (its id says when it was made) is skipped."""
    fake = discord_bot.fake
    asked = await discord_bot.slash(ALICE, "credits")
    await discord_bot.reply(asked)
    channel = discord_bot.guild["channels"][0]
    fake.permit(channel, dc.BOT_PERMISSIONS & ~dc.SEND_MESSAGES)
    made = int(asked["id"]) - ((16 * 60 * 1000) << 22)  # the same interaction, 16 minutes ago
    target = ReplyTarget(
        "discord", channel["id"], requester=ALICE["id"], followup=f"{made}:{asked['token']}"
    )
    card = ResultCard(job_id="j1", title="Late")
    await discord_bot.adapter.platform.deliver(target, card, "outbox-9")
    assert not [r for r in fake.requests if r.method == "POST" and "/webhooks/" in r.path]
    dm = next(c for c in fake.channels.values() if c["type"] == 1)
    assert [
        m["embeds"][0]["title"] for m in fake.messages.values() if m["channel_id"] == dm["id"]
    ] == ["Late"]
