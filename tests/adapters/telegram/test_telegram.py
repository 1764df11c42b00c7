"""The Telegram adapter, driven through a fake Bot API by the real python-telegram-bot."""

from __future__ import annotations

from pathlib import Path

from bot.catalog import CATALOG
from bot.domain import Member, Scope
from tests.conftest import mp3
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram import payloads as tg
from tests.harness import chorus, chorus_run
from tests.telegram_harness import (
    ADMIN,
    ALICE,
    BOB,
    BOT,
    GROUP,
    Telegram,
    adapter_for,
    telegram,
)

__all__ = ["telegram"]  # the fixture


async def test_a_song_from_command_to_posted_audio(telegram: Telegram) -> None:
    fake = telegram.fake
    commands = (await fake.wait_for("setMyCommands"))[0].params["commands"]
    assert {"song", "cover", "credits", "mod"} <= {c["command"] for c in commands}
    telegram.say(ALICE, f"/song{BOT} a lo-fi beat about rain")
    sent = await fake.wait_for("sendAudio", 2)
    for call in sent:
        filename, _, data = call.files["audio"]
        assert filename.endswith(".mp3") and len(data) > 1000
        assert call.files["thumbnail"][2].startswith(b"\xff\xd8")  # the cover art, as a JPEG
        assert call.params["title"] and call.params["performer"] == "Chorus"
        assert "ID: " in call.params["caption"] and call.params["parse_mode"] == "HTML"
        buttons = [
            b["callback_data"]
            for row in call.params["reply_markup"]["inline_keyboard"]
            for b in row
        ]
        assert "extend:" in buttons[0] and all(len(b.encode()) <= 64 for b in buttons)
    statuses = [c.params["text"] for c in fake.calls_to("sendMessage")]
    assert any("queued" in text for text in statuses)
    assert any("done, 2 results" in c.params["text"] for c in fake.calls_to("editMessageText"))
    assert await telegram.credits(ALICE) == 1000 - 14


async def test_a_cover_by_replying_to_audio_never_leaks_the_token(telegram: Telegram) -> None:
    fake = telegram.fake
    file_id, unique, size = fake.add_file(mp3())
    upload = telegram.say(BOB, None, audio=tg.audio(file_id, unique, size))  # type: ignore[arg-type]
    telegram.say(BOB, f"/cover{BOT} as a jazz ballad", reply_to=upload)
    await fake.wait_for("sendAudio", 2)
    assert fake.calls_to("getFile")[0].params["file_id"] == file_id
    fetched = telegram.chorus.sim.sim.fetched_urls
    assert fetched and all("/media/" in url for url in fetched)
    assert not any(fake.token in url for url in fetched)
    assert await telegram.credits(BOB) == 1000 - 16  # the cover and the vendor upload


async def test_an_oversized_upload_is_refused_before_any_charge(telegram: Telegram) -> None:
    fake = telegram.fake
    file_id, unique, _ = fake.add_file(mp3(1.0))
    big = telegram.say(ALICE, None, audio=tg.audio(file_id, unique, 25 * 1024 * 1024))  # type: ignore[arg-type]
    telegram.say(ALICE, f"/cover{BOT} as rock", reply_to=big)
    [reply] = await fake.wait_for("sendMessage")
    assert "Telegram lets bots download files up to 20 MB" in reply.params["text"]
    assert fake.calls_to("getFile") == []
    assert await telegram.credits(ALICE) == 1000


async def test_buttons_work_for_the_owner_and_admins_only(telegram: Telegram) -> None:
    fake = telegram.fake
    fake.members[(int(GROUP["id"]), int(ADMIN["id"]))] = "administrator"
    telegram.say(ALICE, f"/song{BOT} a tune")
    [first, _] = await fake.wait_for("sendAudio", 2)
    posted = fake.sent[(int(GROUP["id"]), max(k[1] for k in fake.sent if "audio" in fake.sent[k]))]
    track = first.params["caption"].split("ID: ")[1][:6]
    fake.push(callback_query=tg.callback_query(BOB, posted, f"bpm:{track}"))
    [denied] = await fake.wait_for("answerCallbackQuery")
    assert "Only the member who made this track" in denied.params["text"]
    fake.push(callback_query=tg.callback_query(ADMIN, posted, f"bpm:{track}"))
    fake.push(callback_query=tg.callback_query(ALICE, posted, f"bpm:{track}"))
    answers = await fake.wait_for("answerCallbackQuery", 3)
    assert all("/bpm started" in a.params["text"] for a in answers[1:])

    def bpm_results() -> list[str]:
        return [
            c.params["text"]
            for c in fake.calls_to("sendMessage")
            if "BPM</blockquote>" in c.params["text"]
        ]

    await fake.wait_until(lambda: len(bpm_results()) == 2)  # the admin's and the owner's
    assert await telegram.credits(ALICE) == 1000 - 14 - 1
    assert await telegram.credits(ADMIN) == 1000 - 1  # whoever presses pays


async def test_moderation_is_for_chat_admins(telegram: Telegram) -> None:
    fake = telegram.fake
    fake.members[(int(GROUP["id"]), int(ADMIN["id"]))] = "administrator"
    target = telegram.say(BOB, f"/credits{BOT}")
    await fake.wait_for("sendMessage")
    telegram.say(ALICE, "/mod grant 100 nice try", reply_to=target)
    telegram.say(ADMIN, "/mod grant 100 contest prize", reply_to=target)
    replies = await fake.wait_for("sendMessage", 3)
    texts = [r.params["text"] for r in replies[1:]]
    assert any("Only moderators" in t for t in texts)
    assert any(t.startswith(f"Done. {BOB['id']} has 1100 credits") for t in texts)
    assert await telegram.credits(BOB) == 1100


async def test_a_429_from_telegram_is_waited_out(telegram: Telegram) -> None:
    fake = telegram.fake
    fake.fail_next["sendAudio"] = (429, "Too Many Requests: retry after 1", {"retry_after": 1})
    telegram.say(ALICE, f"/song{BOT} a patient tune")
    await fake.wait_for("sendAudio", 3)  # one refused, then both results
    assert len([c for c in fake.calls_to("sendAudio")]) == 3


async def test_chorus_run_serves_telegram_from_settings(tmp_path: Path) -> None:
    """The real mode end to end: `chorus run` with TELEGRAM_TOKEN set, stopped by SIGTERM."""
    fake = FakeTelegram()
    await fake.start()
    async with chorus_run(tmp_path, TELEGRAM_TOKEN=fake.token, TELEGRAM_API_URL=fake.url):
        await fake.wait_for("getUpdates")
        fake.push(message=tg.message(GROUP, ALICE, f"/song{BOT} a tune from the real mode"))
        await fake.wait_for("sendMessage")  # the status message: the command reached the core
    await fake.stop()


async def test_compose_step_by_step_then_cancel_and_timeout(telegram: Telegram) -> None:
    fake = telegram.fake
    telegram.say(ALICE, f"/compose{BOT}")
    await fake.wait_for("sendMessage", 1)
    telegram.say(ALICE, "Starry Night", reply_to=telegram.last_from_bot())
    await fake.wait_for("sendMessage", 2)
    telegram.say(ALICE, "dream pop", reply_to=telegram.last_from_bot())
    await fake.wait_for("sendMessage", 3)
    # Each question asks for a reply, the only answer a bot in privacy mode receives in a group.
    for prompt in fake.calls_to("sendMessage"):
        markup = prompt.params["reply_markup"]
        assert markup["force_reply"] is True and markup["selective"] is True
        assert prompt.params["reply_parameters"]["message_id"]  # quoting the member's message
    telegram.say(ALICE, "[Verse]\nStars they shine above me", reply_to=telegram.last_from_bot())
    sent = await fake.wait_for("sendAudio", 2)
    assert all(call.params["title"] == "Starry Night" for call in sent)
    assert all("dream pop" in call.params["caption"] for call in sent)
    asked = len(fake.calls_to("sendMessage"))
    telegram.say(BOB, f"/compose{BOT}")
    telegram.say(BOB, f"/cancel{BOT}")
    await fake.wait_until(
        lambda: any("Cancelled" in c.params["text"] for c in fake.calls_to("sendMessage"))
    )
    telegram.say(ADMIN, f"/compose{BOT}")
    await fake.wait_until(
        lambda: any("timed out" in c.params["text"] for c in fake.calls_to("sendMessage")), 10
    )
    assert await telegram.credits(BOB) == 1000 and await telegram.credits(ADMIN) == 1000
    assert len(fake.calls_to("sendMessage")) >= asked + 3


async def test_private_chats_captions_and_replies_to_results(telegram: Telegram) -> None:
    fake = telegram.fake
    dm = tg.chat(int(ALICE["id"]), "private")
    file_id, unique, size = fake.add_file(mp3())
    fake.push(
        message=tg.message(
            dm, ALICE, caption="/cover as bossa nova", audio=tg.audio(file_id, unique, size)
        )
    )
    [result, _] = await fake.wait_for("sendAudio", 2)
    assert result.params["chat_id"] == dm["id"]
    posted = next(m for (chat, _), m in fake.sent.items() if chat == dm["id"] and "audio" in m)
    fake.push(message=tg.message(dm, ALICE, "/bpm", reply_to=posted))
    await fake.wait_until(
        lambda: any("BPM" in c.params["text"] for c in fake.calls_to("sendMessage"))
    )
    private = Member(Scope("telegram", f"dm:{ALICE['id']}"), str(ALICE["id"]))
    assert (await telegram.chorus.app.ledger.balance(private)).available == 1000 - 16 - 1


async def test_buttons_keep_working_after_a_restart(telegram: Telegram) -> None:
    fake = telegram.fake
    telegram.say(ALICE, f"/song{BOT} a tune to keep")
    [first, _] = await fake.wait_for("sendAudio", 2)
    posted = next(m for m in fake.sent.values() if m.get("caption") == first.params["caption"])
    track = first.params["caption"].split("ID: ")[1][:6]
    await telegram.adapter.stop()  # the bot goes away; the buttons stay on the messages
    fake.advance(60)  # a restart takes a while; the new process does not know the old one's posts
    restarted = adapter_for(telegram.chorus, fake)
    await restarted.start()
    telegram.adapter = restarted
    fake.push(callback_query=tg.callback_query(ALICE, posted, f"wav:{track}"))
    [answer] = await fake.wait_for("answerCallbackQuery")
    assert "/wav started" in answer.params["text"]
    [wav] = await fake.wait_for("sendDocument")  # Telegram plays MP3 and M4A only
    assert wav.files["document"][0].endswith(".wav")


async def test_webhook_mode_checks_the_secret_token(tmp_path: Path) -> None:
    fake = FakeTelegram()
    await fake.start()
    async with chorus(tmp_path) as harness:
        adapter = adapter_for(harness, fake, telegram_webhook=True)
        await adapter.start()
        try:
            assert fake.webhook is not None and fake.webhook[0].endswith("/hooks/telegram")
            forged = await fake.post_update(
                secret="guessed", message=tg.message(GROUP, ALICE, f"/credits{BOT}")
            )
            assert forged == 401
            chatter = tg.message(GROUP, ALICE, "nice weather")  # privacy mode: never sent
            assert await fake.post_update(message=chatter) == 0
            assert await fake.post_update(message=tg.message(GROUP, ALICE, f"/credits{BOT}")) == 200
            [reply] = await fake.wait_for("sendMessage")
            assert reply.params["text"] == "You have 1000 credits: enough for 71 songs."
            assert fake.calls_to("getUpdates") == []
        finally:
            await adapter.stop()
            await fake.stop()


async def test_every_result_button_is_answered(telegram: Telegram) -> None:
    fake = telegram.fake
    telegram.say(ALICE, f"/song{BOT} buttons everywhere")
    [first, _] = await fake.wait_for("sendAudio", 2)
    posted = next(m for m in fake.sent.values() if m.get("caption") == first.params["caption"])
    buttons = [
        b["callback_data"] for row in first.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert [b.split(":")[0] for b in buttons] == list(CATALOG["song"].actions)  # as declared
    for data in buttons:
        fake.push(callback_query=tg.callback_query(ALICE, posted, data))
    answers = await fake.wait_for("answerCallbackQuery", len(buttons))
    texts = {a.params["text"] for a in answers}
    # Every button offered is valid for a song (no /fullsong: a song is not an extension).
    assert len([t for t in texts if " started: " in t]) == len(buttons)


async def test_a_member_who_blocked_the_bot_does_not_stall_delivery(telegram: Telegram) -> None:
    fake = telegram.fake
    fake.fail_next["sendAudio"] = (403, "Forbidden: bot was blocked by the user", {})
    telegram.say(ALICE, f"/song{BOT} for someone who left")
    await fake.wait_for("sendAudio", 2)  # the refused one is dropped, the other is posted
    await telegram.chorus.settled(30)
    async with telegram.chorus.app.store.read() as conn:
        pending = await conn.execute_fetchall("SELECT count(*) FROM outbox WHERE state = 'pending'")
    assert next(iter(pending))[0] == 0
    # The refused track is the member's still: /mysongs lists it with its file.
    before = len(fake.calls_to("sendMessage"))
    telegram.say(ALICE, f"/mysongs{BOT}")
    replies = await fake.wait_for("sendMessage", before + 1)
    listing = replies[-1].params["text"]
    assert "Kept for you" in listing and ".mp3" in listing


async def test_captions_escape_what_members_write(telegram: Telegram) -> None:
    fake = telegram.fake
    telegram.say(ALICE, f'/compose{BOT} "[Verse]\nfish & <chips>" "title=<b>R&B</b>"')
    sent = await fake.wait_for("sendAudio", 2)
    for call in sent:
        assert "&lt;b&gt;R&amp;B&lt;/b&gt;" in call.params["caption"]
        assert "fish &amp; &lt;chips&gt;" in call.params["caption"]
        assert "<b>R&B</b>" not in call.params["caption"]
