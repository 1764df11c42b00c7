"""The Discord adapter, driven through a fake Discord by the real discord.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.catalog import CATALOG
from bot.config import ConfigError
from bot.domain import Attachment, Member, ReplyTarget, ResultCard, Scope
from bot.store import jobs, tracks
from tests.conftest import mp3
from tests.discord_harness import (
    ADA,
    ALICE,
    BOB,
    MESSAGES,
    ROLE_MOD,
    Discord,
    adapter_for,
    expected_warnings,
    running_discord,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as dc
from tests.fakes.discord.payloads import Json
from tests.harness import chorus_run


@pytest.fixture
async def discord_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Discord]:
    async with running_discord(tmp_path, monkeypatch, caplog) as handle:
        yield handle


def track_of(message: Json) -> str | None:
    footer = str(message["embeds"][0].get("footer", {}).get("text", ""))
    return footer[4:] if footer.startswith("ID: ") else None


def buttons_of(message: Json) -> list[str]:
    return [b["custom_id"] for row in message["components"] for b in row["components"]]


async def test_the_commands_published_are_the_catalog(discord_bot: Discord) -> None:
    [sync] = discord_bot.fake.requests_to("PUT", r"/applications/\d+/commands")
    published = {c["name"]: c for c in sync.json}
    assert set(CATALOG) | {"credits", "mysongs", "help", "mod"} <= set(published)
    menus = {c["name"] for c in sync.json if c.get("type") == 3}
    assert menus == {
        "Cover with Chorus",
        "Extend with Chorus",
        "Add vocals",
        "Add instrumental",
        "Use as sample",
    }
    options = {o["name"]: o for o in published["remaster"]["options"]}
    assert options["track"]["required"] and options["track"]["autocomplete"]
    assert [c["value"] for c in options["strength"]["choices"]] == ["subtle", "normal", "high"]
    cover = {o["name"]: o for o in published["cover"]["options"]}
    assert cover["audio"]["type"] == dc.ATTACHMENT and not cover["audio"]["required"]
    song = {o["name"]: o for o in published["song"]["options"]}
    assert song["duration"]["min_value"] == 10 and song["duration"]["max_value"] == 360
    assert song["prompt"]["max_length"] == 400 and song["model"]["autocomplete"]
    assert not {o["name"]: o for o in published["compose"]["options"]}["lyrics"]["required"]
    assert int(published["mod"]["default_member_permissions"]) == dc.MANAGE_GUILD


async def test_a_song_from_slash_command_to_posted_files(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    asked = await discord_bot.slash(ALICE, "song", dc.option("prompt", "rain on a tin roof", 3))
    assert "on its way" in await discord_bot.reply(asked)
    [first, *_] = [r for r in fake.requests if asked["token"] in r.path]
    assert first.path.endswith("/callback") and first.json["type"] == 5  # deferred before work
    assert first.json["data"]["flags"] & 64  # and only the member sees the confirmation
    results = await discord_bot.wait_for_results(2)
    for result in results:
        [shown] = result["embeds"]
        assert shown["title"] and shown["footer"]["text"].startswith("ID: ")
        assert shown["thumbnail"]["url"]  # the cover art
        [audio] = result["attachments"]
        assert audio["filename"].endswith(".mp3") and audio["size"] > 1000
        custom_ids = buttons_of(result)
        track = shown["footer"]["text"][4:]
        assert f"chorus:extend:{track}" in custom_ids and f"chorus:download:{track}" in custom_ids
        labels = {b["label"] for row in result["components"] for b in row["components"]}
        assert {"Extend", "Cover", "Stems", "Download", "MIDI", "Lyrics file", "Video"} <= labels
    [status] = [m for m in discord_bot.posted() if not m["embeds"]]
    assert "done, 2 results" in status["content"]  # one status message, edited as it moved
    shown = [r.json["content"] for r in fake.requests_to("POST", MESSAGES) if r.json["content"]]
    shown += [r.json["content"] for r in fake.requests_to("PATCH", rf"{MESSAGES}/{status['id']}")]
    assert "queued" in shown[0] and any("generating" in text for text in shown)
    assert shown[0].startswith(f"<@{ALICE['id']}> ")  # whose song it is, shown but not pinged
    sent = [r.json for r in fake.requests_to("POST", MESSAGES)]
    assert all(body["allowed_mentions"]["parse"] == [] for body in sent)  # never pings
    assert await discord_bot.credits(ALICE) == 1000 - 14


async def test_a_cover_from_an_attachment_option(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    upload = fake.add_attachment("hum.mp3", mp3(), "audio/mpeg")
    asked = await discord_bot.slash(
        BOB,
        "cover",
        dc.option("audio", upload["id"], dc.ATTACHMENT),
        dc.option("prompt", "as a jazz ballad", dc.STRING),
        resolved={"attachments": {upload["id"]: upload}},
    )
    assert "on its way" in await discord_bot.reply(asked)
    assert fake.cdn_fetches == [upload["url"]]  # downloaded at once, before CDN links expire
    await discord_bot.wait_for_results(2)
    assert await discord_bot.credits(BOB) == 1000 - 16  # the cover and the vendor upload


async def test_a_cover_from_the_context_menu_on_a_members_audio(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    upload = fake.add_attachment("riff.ogg", mp3(), "audio/ogg")
    posted = fake.post(discord_bot.guild, BOB, "my riff", attachments=[upload])
    asked = await fake.context_menu(BOB, "Cover with Chorus", posted, guild=discord_bot.guild)
    assert "/cover is on its way" in await discord_bot.reply(asked)
    results = await discord_bot.wait_for_results(2)
    assert all(r["attachments"] for r in results)
    plain = fake.post(discord_bot.guild, BOB, "no audio here")
    refused = await fake.context_menu(BOB, "Extend with Chorus", plain, guild=discord_bot.guild)
    assert "has no audio file" in (await discord_bot.fake.reply(refused))["content"]


async def test_a_text_file_or_a_200_mb_upload_is_refused_unread_and_free(
    discord_bot: Discord,
) -> None:
    fake = discord_bot.fake
    notes = fake.add_attachment("notes.txt", b"la la la", "text/plain")
    asked = await discord_bot.slash(
        ALICE,
        "extend",
        dc.option("audio", notes["id"], dc.ATTACHMENT),
        resolved={"attachments": {notes["id"]: notes}},
    )
    assert "not audio Chorus can use" in await discord_bot.reply(asked)
    huge = fake.add_attachment("live.wav", b"RIFF", "audio/wav", size=200 * 1024 * 1024)
    asked = await discord_bot.slash(
        ALICE,
        "cover",
        dc.option("audio", huge["id"], dc.ATTACHMENT),
        resolved={"attachments": {huge["id"]: huge}},
    )
    assert "200 MB" in await discord_bot.reply(asked)  # refused by its size, unread
    assert fake.cdn_fetches == []
    assert await discord_bot.credits(ALICE) == 1000
    async with discord_bot.chorus.app.store.read() as conn:
        assert await jobs.state_counts(conn) == {}


async def test_compose_in_a_form(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    asked = await discord_bot.slash(ALICE, "compose", dc.option("model", "sonic-v5", dc.STRING))
    state = await fake.responded(asked)
    assert state.response == 9 and state.modal is not None  # the form is the first answer
    fields = [c["components"][0]["custom_id"] for c in state.modal["components"]]
    assert fields == ["title", "tags", "lyrics"]
    submitted = await fake.submit(
        ALICE,
        state.modal,
        {"title": "Paper Boats", "tags": "", "lyrics": "[Verse]\nfold the map\n[Chorus]\nsail"},
        guild=discord_bot.guild,
    )
    assert "/compose is on its way" in await discord_bot.reply(submitted)
    results = await discord_bot.wait_for_results(2)
    assert all(r["embeds"][0]["title"] == "Paper Boats" for r in results)
    assert "fold the map" in results[0]["embeds"][0]["fields"][-1]["value"]  # folded lyrics


async def test_every_result_button_even_after_a_restart(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    await discord_bot.slash(ALICE, "song", dc.option("prompt", "a sea shanty", dc.STRING))
    [song, _] = await discord_bot.wait_for_results(2)
    await discord_bot.restart()  # the buttons were posted by the previous process
    ops = []
    for custom_id in buttons_of(song):
        op = custom_id.split(":")[1]
        reply = await discord_bot.reply(
            await fake.press(ALICE, song, custom_id, guild=discord_bot.guild)
        )
        assert f"/{op} started" in reply, reply  # every button offered is valid here
        ops.append(op)
    assert len(ops) == 9 and "fullsong" not in ops  # a plain song has no extension to join
    await discord_bot.settled()
    async with discord_bot.chorus.app.store.read() as conn:
        done = await jobs.jobs_in(conn, "succeeded", limit=100)
        extension = next(job for job in done if job.op == "extend")
        [extended, *_] = await tracks.job_tracks(conn, extension.id)
    assert sorted(job.op for job in done) == sorted(["song", *ops])
    posted = next(r for r in discord_bot.results() if track_of(r) == extended.id)
    assert f"chorus:fullsong:{extended.id}" in buttons_of(posted)  # an extension offers it
    joined = await fake.press(
        ALICE, posted, f"chorus:fullsong:{extended.id}", guild=discord_bot.guild
    )
    assert "/fullsong started" in await discord_bot.reply(joined)
    await discord_bot.settled()


async def test_only_the_owner_or_a_moderator_may_press_a_button(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    await discord_bot.slash(ALICE, "song", dc.option("prompt", "a waltz", dc.STRING))
    [song, _] = await discord_bot.wait_for_results(2)
    bpm = next(b for b in buttons_of(song) if b.startswith("chorus:bpm:"))
    denied = await fake.press(BOB, song, bpm, guild=discord_bot.guild)
    assert "Only the member who made this track" in await discord_bot.reply(denied)
    allowed = await fake.press(ADA, song, bpm, guild=discord_bot.guild, permissions=dc.MANAGE_GUILD)
    assert "/bpm started" in await discord_bot.reply(allowed)
    assert await discord_bot.credits(BOB) == 1000  # the refusal charged nobody


async def test_mod_is_checked_by_the_core_not_just_hidden(discord_bot: Discord) -> None:
    grant = dc.subcommand(
        "grant", [dc.option("member", BOB["id"], dc.USER), dc.option("amount", 50, dc.INTEGER)]
    )
    resolved = {"users": {BOB["id"]: BOB}}
    # Discord would hide /mod from Bob, but a client can still send it: the core refuses.
    forged = await discord_bot.slash(BOB, "mod", grant, resolved=resolved)
    assert "moderator" in await discord_bot.reply(forged)
    assert await discord_bot.credits(BOB) == 1000
    granted = await discord_bot.slash(
        ADA, "mod", grant, resolved=resolved, permissions=dc.MANAGE_GUILD
    )
    assert f"Done. <@{BOB['id']}> has 1050 credits" in await discord_bot.reply(granted)
    role = await discord_bot.fake.add_role(discord_bot.guild, "DJ")
    settings = dc.subcommand("settings", [dc.option("moderator_role", role, dc.ROLE)])
    guild_roles = {r["id"]: r for r in discord_bot.guild["roles"]}
    configured = await discord_bot.slash(
        ADA, "mod", settings, resolved={"roles": guild_roles}, permissions=dc.MANAGE_GUILD
    )
    assert f"Moderator roles: <@&{role}>." in await discord_bot.reply(configured)
    show = dc.subcommand("show", [dc.option("member", BOB["id"], dc.USER)])
    by_role = await discord_bot.slash(ROLE_MOD, "mod", show, resolved=resolved, roles=(role,))
    assert f"<@{BOB['id']}> has 1050 credits" in await discord_bot.reply(by_role)
    audit = await discord_bot.slash(
        ADA, "mod", dc.subcommand("audit", []), permissions=dc.MANAGE_GUILD
    )
    entries = await discord_bot.reply(audit)
    assert "grant" in entries and "settings" in entries


async def test_a_result_too_big_for_the_guild_is_posted_as_a_link(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    await discord_bot.slash(
        ALICE,
        "song",
        dc.option("prompt", "a long ambient drone", dc.STRING),
        dc.option("duration", 150, dc.INTEGER),
    )
    [song, _] = await discord_bot.wait_for_results(2)
    wav = next(b for b in buttons_of(song) if b.startswith("chorus:download:"))  # WAV
    await discord_bot.reply(await fake.press(ALICE, song, wav, guild=discord_bot.guild))
    [*_, result] = await discord_bot.wait_for_results(3)
    assert result["attachments"] == []  # 150 s of WAV is over the guild's 10 MB
    [link] = [f for f in result["embeds"][0]["fields"] if f["name"] == "Audio"]
    assert ".wav" in link["value"] and "too big to attach" in link["value"]
    assert fake.rejected_uploads == 0  # decided before uploading, not by a 413


async def test_a_rate_limit_from_discord_is_waited_out(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    fake.fail_next("POST", MESSAGES, retry_after=0.3)
    fake.fail_next("POST", MESSAGES, retry_after=0.3)
    await discord_bot.slash(ALICE, "lyrics", dc.option("description", "autumn", dc.STRING))
    [result, _] = await discord_bot.wait_for_results(2)  # two sets of lyrics
    assert result["embeds"][0]["title"] and result["embeds"][0]["fields"]
    assert fake.rate_limited == 2  # both 429s were sent, waited out and retried
    expected_warnings(discord_bot.caplog, "We are being rate limited", 2)


async def test_rate_limit_buckets_are_respected_before_a_429(discord_bot: Discord) -> None:
    """Discord announces each route's bucket in X-RateLimit-* headers; with two requests a
    second per route, the bot spaces its posts and edits itself and is never refused."""
    fake = discord_bot.fake
    fake.route_limit, fake.route_per = 2, 0.5
    await discord_bot.slash(ALICE, "song", dc.option("prompt", "slow and steady", dc.STRING))
    await discord_bot.wait_for_results(2)
    assert len(fake.requests_to("POST", MESSAGES)) >= 3  # the status message and two results
    assert fake.rate_limited == 0


async def test_a_redelivered_result_is_posted_once(discord_bot: Discord, tmp_path: Path) -> None:
    """Chorus may die after Discord accepted a result but before recording it: the retry
    carries the same nonces and Discord answers with the messages it already has. A message
    holds at most ten files, so twelve stems take two messages."""
    stems = []
    for number in range(12):
        path = tmp_path / f"stem{number}.wav"
        path.write_bytes(b"RIFF" + bytes(64 * 1024))
        stems.append(Attachment(str(path), path.name, "audio/wav"))
    channel = discord_bot.guild["channels"][0]["id"]
    target = ReplyTarget("discord", channel, upload_limit=10 * 1024 * 1024)  # the guild's
    card = ResultCard(job_id="j1", title="Stems", attachments=tuple(stems))
    first = await discord_bot.adapter.platform.deliver(target, card, "outbox-7")
    again = await discord_bot.adapter.platform.deliver(target, card, "outbox-7")
    posted = discord_bot.posted()
    assert first == again and len(posted) == 2
    assert [len(m["attachments"]) for m in posted] == [10, 2] and posted[0]["embeds"]
    assert discord_bot.fake.rejected_uploads == 0


async def test_autocomplete_offers_the_members_tracks_and_models(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    await discord_bot.slash(ALICE, "song", dc.option("prompt", "morning birds", dc.STRING))
    songs = await discord_bot.wait_for_results(2)
    tracks = {s["embeds"][0]["footer"]["text"][4:] for s in songs}
    offered = await fake.autocomplete(
        ALICE, "extend", [dc.option("track", "", dc.STRING, focused=True)], guild=discord_bot.guild
    )
    assert {c["value"] for c in offered} == tracks
    assert (
        await fake.autocomplete(
            BOB,
            "extend",
            [dc.option("track", "", dc.STRING, focused=True)],
            guild=discord_bot.guild,
        )
        == []
    )  # Bob sees only his own
    models = await fake.autocomplete(
        ALICE, "song", [dc.option("model", "v6", dc.STRING, focused=True)], guild=discord_bot.guild
    )
    assert models and all("v6" in c["value"] for c in models)


async def test_credits_mysongs_and_help(discord_bot: Discord) -> None:
    credits = await discord_bot.reply(await discord_bot.slash(ALICE, "credits"))
    assert "You have 1000 credits" in credits
    empty = await discord_bot.reply(await discord_bot.slash(ALICE, "mysongs"))
    assert "No tracks yet" in empty
    helped = await discord_bot.fake.reply(await discord_bot.slash(ALICE, "help"))
    text = helped["embeds"][0]["description"]
    assert "/song" in text and "/credits" in text and "/balance" not in text


async def test_a_form_from_before_a_restart_is_answered(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    state = await fake.responded(await discord_bot.slash(ALICE, "compose"))
    assert state.modal is not None
    await discord_bot.restart()
    late = await fake.submit(ALICE, state.modal, {"lyrics": "la"}, guild=discord_bot.guild)
    assert "form has expired" in await discord_bot.reply(late)
    assert await discord_bot.credits(ALICE) == 1000


async def test_commands_sync_to_a_development_guild_when_configured(discord_bot: Discord) -> None:
    await discord_bot.adapter.stop()
    guild_id = discord_bot.guild["id"]
    await discord_bot.start(discord_dev_guild=int(guild_id))
    [synced] = discord_bot.fake.requests_to("PUT", rf"/applications/\d+/guilds/{guild_id}/commands")
    assert "song" in {c["name"] for c in synced.json}  # instant in that guild, for testing


async def test_direct_messages_have_their_own_ledger(discord_bot: Discord) -> None:
    asked = await discord_bot.fake.command(ALICE, "credits", [], guild=None)
    assert "You have 1000 credits" in await discord_bot.reply(asked)
    member = Member(Scope("discord", f"dm:{ALICE['id']}"), ALICE["id"])
    assert (await discord_bot.chorus.app.ledger.balance(member)).available == 1000


async def test_chorus_run_serves_discord_from_settings(tmp_path: Path) -> None:
    """The real mode end to end: `chorus run` with DISCORD_TOKEN set, stopped by SIGTERM."""
    fake = FakeDiscord()
    await fake.start()
    guild = fake.add_guild()
    async with chorus_run(
        tmp_path,
        DISCORD_TOKEN=fake.token,
        DISCORD_API_URL=f"http://127.0.0.1:{fake.port}",
        DISCORD_GATEWAY_URL=fake.gateway_url,
    ):
        await fake.wait_until_ready(patience=60)
        await fake.wait_for("PUT", r"/applications/\d+/commands")
        song = [dc.option("prompt", "a tune", dc.STRING)]
        asked = await fake.command(ALICE, "song", song, guild=guild)
        assert "on its way" in (await fake.reply(asked))["content"]
    await fake.stop()


async def test_a_wrong_token_is_a_clear_configuration_error(discord_bot: Discord) -> None:
    wrong = adapter_for(discord_bot.chorus.app, discord_token=SecretStr("not.the-token"))
    with pytest.raises(ConfigError) as refused:
        await wrong.start()
    assert "DISCORD_TOKEN: Discord refused the token" in str(refused.value)
    assert "not.the-token" not in str(refused.value)
    discord_bot.chorus.app.platforms["discord"] = discord_bot.adapter.platform


async def test_use_these_lyrics_opens_compose_prefilled(discord_bot: Discord) -> None:
    """A lyrics result's button answers with the compose form, its lyrics filled in (line
    breaks and all); the button names the lyrics by id and the song sings them."""
    fake = discord_bot.fake
    await discord_bot.slash(ALICE, "lyrics", dc.option("description", "the sea", dc.STRING))
    [first, _] = await discord_bot.wait_for_results(2)
    [use] = buttons_of(first)
    assert use == f"chorus:compose:{track_of(first)}"
    async with discord_bot.chorus.app.store.read() as conn:
        written = await tracks.track(conn, track_of(first) or "")
    assert written is not None and written.lyrics and "\n" in written.lyrics
    shown_text = first["embeds"][0].get("description") or first["embeds"][0]["fields"][0]["value"]
    assert "\n".join(written.lyrics.split("\n")[:3]) in shown_text  # line breaks survive
    denied = await fake.responded(await fake.press(BOB, first, use, guild=discord_bot.guild))
    assert denied.modal is None  # only its owner (or a moderator) may use it
    pressed = await fake.press(ALICE, first, use, guild=discord_bot.guild)
    state = await fake.responded(pressed)
    assert state.response == 9 and state.modal is not None  # the form is the button's answer
    shown = {c["components"][0]["custom_id"]: c["components"][0] for c in state.modal["components"]}
    assert shown["lyrics"]["value"] == written.lyrics
    submitted = await fake.submit(
        ALICE, state.modal, {"title": "Tide", "lyrics": written.lyrics}, guild=discord_bot.guild
    )
    assert "/compose is on its way" in await discord_bot.reply(submitted)
    await discord_bot.wait_for_results(4)
    async with discord_bot.chorus.app.store.read() as conn:
        [song] = [j for j in await jobs.jobs_in(conn, "succeeded", limit=10) if j.op == "compose"]
        assert all(t.lyrics == written.lyrics for t in await tracks.job_tracks(conn, song.id))


async def test_a_video_and_an_m4a_are_attached(discord_bot: Discord) -> None:
    fake = discord_bot.fake
    await discord_bot.slash(ALICE, "song", dc.option("prompt", "a sea shanty", dc.STRING))
    [song, _] = await discord_bot.wait_for_results(2)
    video = next(b for b in buttons_of(song) if b.startswith("chorus:video:"))
    assert "/video started" in await discord_bot.reply(
        await fake.press(ALICE, song, video, guild=discord_bot.guild)
    )
    [*_, filmed] = await discord_bot.wait_for_results(3)
    [movie] = filmed["attachments"]
    assert movie["filename"].endswith(".mp4") and movie["content_type"] == "video/mp4"
    await discord_bot.slash(
        ALICE,
        "download",
        dc.option("track", track_of(song), dc.STRING),
        dc.option("format", "m4a", dc.STRING),
    )
    [*_, downloaded] = await discord_bot.wait_for_results(4)
    [m4a] = downloaded["attachments"]
    assert m4a["filename"].endswith(".m4a")


HOSTILE_LINK = "[free nitro](https://evil.example/x)"


async def test_hostile_title_tags_and_lyrics_arrive_escaped(discord_bot: Discord) -> None:
    """Member text is shown as typed: a masked link, bold, a spoiler or a mention in a title,
    tags or lyrics reaches the embed escaped, so Discord renders it literally."""
    fake = discord_bot.fake
    asked = await discord_bot.slash(ALICE, "compose")
    state = await fake.responded(asked)
    assert state.modal is not None
    hostile = {
        "title": f"{HOSTILE_LINK} **loud**",
        "tags": f"pop, {HOSTILE_LINK}, @everyone",
        "lyrics": f"[Verse]\n{HOSTILE_LINK}\n|| not hidden ||\n*stars*",
    }
    submitted = await fake.submit(ALICE, state.modal, hostile, guild=discord_bot.guild)
    assert "/compose is on its way" in await discord_bot.reply(submitted)
    [result, _] = await discord_bot.wait_for_results(2)
    shown = result["embeds"][0]
    escaped_link = r"\[free nitro](https://evil.example/x)"  # no link without its opening bracket
    assert shown["title"] == escaped_link + r" \*\*loud\*\*"
    assert escaped_link in shown["description"]
    assert "@\u200beveryone" in shown["description"] and "@everyone" not in shown["description"]
    lyrics = shown["fields"][-1]["value"]
    assert lyrics.startswith("||") and lyrics.endswith("||")
    assert escaped_link in lyrics and r"\|\| not hidden \|\|" in lyrics and r"\*stars\*" in lyrics
