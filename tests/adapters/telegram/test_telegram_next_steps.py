"""Issue 13 on Telegram: "use these lyrics" starts /compose with the lyrics chosen; a video is
sent with sendVideo and an M4A with sendAudio."""

from __future__ import annotations

from bot.store import jobs, tracks
from tests.fakes.telegram import payloads as tg
from tests.telegram_harness import ALICE, BOB, BOT, Telegram, telegram

__all__ = ["telegram"]  # the fixture


def keyboard_of(call_params: dict[str, object]) -> list[str]:
    markup = call_params["reply_markup"]
    assert isinstance(markup, dict)
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]


async def test_use_these_lyrics_starts_compose_with_them(telegram: Telegram) -> None:
    fake = telegram.fake
    telegram.say(ALICE, f"/lyrics{BOT} a song about the sea")
    await fake.wait_until(
        lambda: len([c for c in fake.calls_to("sendMessage") if "reply_markup" in c.params]) >= 2
    )
    first = next(c for c in fake.calls_to("sendMessage") if "reply_markup" in c.params)
    [use] = keyboard_of(first.params)
    lyrics_id = use.split(":")[1]
    assert use == f"compose:{lyrics_id}" and len(use.encode()) <= 64  # an id, never the words
    async with telegram.chorus.app.store.read() as conn:
        chosen = await tracks.track(conn, lyrics_id)
    assert chosen is not None and chosen.lyrics and "\n" in chosen.lyrics
    assert "\n".join(chosen.lyrics.split("\n")[:3]) in first.params["text"]  # breaks survive
    posted = next(m for m in fake.sent.values() if m.get("text") == first.params["text"])
    asked = len(fake.calls_to("sendMessage"))
    fake.push(callback_query=tg.callback_query(BOB, posted, use))
    [denied] = await fake.wait_for("answerCallbackQuery", 1)
    assert "Only the member who made this track" in denied.params["text"]
    fake.push(callback_query=tg.callback_query(ALICE, posted, use))
    await fake.wait_for("answerCallbackQuery", 2)
    await fake.wait_for("sendMessage", asked + 1)
    question = fake.calls_to("sendMessage")[-1]
    assert "What is its title?" in question.params["text"]
    assert question.params["reply_markup"]["force_reply"] is True
    telegram.say(ALICE, "Tide", reply_to=telegram.last_from_bot())
    await fake.wait_for("sendMessage", asked + 2)
    telegram.say(ALICE, f"/skip{BOT}", reply_to=telegram.last_from_bot())
    await fake.wait_for("sendMessage", asked + 3)
    assert "/skip to sing the ones you chose" in fake.calls_to("sendMessage")[-1].params["text"]
    before = await telegram.credits(ALICE)
    telegram.say(ALICE, f"/skip{BOT}", reply_to=telegram.last_from_bot())
    sent = await fake.wait_for("sendAudio", 2)
    assert all(call.params["title"] == "Tide" for call in sent)
    await telegram.chorus.settled(30)
    async with telegram.chorus.app.store.read() as conn:
        [song] = [j for j in await jobs.jobs_in(conn, "succeeded", limit=10) if j.op == "compose"]
        assert all(t.lyrics == chosen.lyrics for t in await tracks.job_tracks(conn, song.id))
    assert await telegram.credits(ALICE) == before - 14


async def test_a_video_plays_and_an_m4a_is_audio(telegram: Telegram) -> None:
    fake = telegram.fake
    telegram.say(ALICE, f"/song{BOT} a sea shanty")
    [first, _] = await fake.wait_for("sendAudio", 2)
    posted = next(m for m in fake.sent.values() if m.get("caption") == first.params["caption"])
    video = next(b for b in keyboard_of(first.params) if b.startswith("video:"))
    fake.push(callback_query=tg.callback_query(ALICE, posted, video))
    [filmed] = await fake.wait_for("sendVideo", 1)
    assert filmed.files["video"][0].endswith(".mp4") and filmed.params["supports_streaming"]
    telegram.say(ALICE, f"/download{BOT} format=m4a", reply_to=posted)
    sent = await fake.wait_for("sendAudio", 3)
    shown = next(m for m in fake.sent.values() if "video" in m)  # posted before the M4A
    assert shown["video"]["mime_type"] == "video/mp4"  # Telegram's player, not a document
    assert sent[-1].files["audio"][0].endswith(".m4a")
    assert any(
        "audio" in m and m["audio"]["file_name"].endswith(".m4a") for m in fake.sent.values()
    )


async def test_compose_replying_to_lyrics_uses_them(telegram: Telegram) -> None:
    fake = telegram.fake
    telegram.say(ALICE, f"/lyrics{BOT} a song about rain writer=producer")
    await fake.wait_until(
        lambda: any("reply_markup" in c.params for c in fake.calls_to("sendMessage"))
    )
    first = next(c for c in fake.calls_to("sendMessage") if "reply_markup" in c.params)
    posted = next(m for m in fake.sent.values() if m.get("text") == first.params["text"])
    asked = len(fake.calls_to("sendMessage"))
    telegram.say(ALICE, f"/compose{BOT}", reply_to=posted)
    await fake.wait_for("sendMessage", asked + 1)
    assert "A song from" in fake.calls_to("sendMessage")[-1].params["text"]
    telegram.say(ALICE, "Rain", reply_to=telegram.last_from_bot())
    await fake.wait_for("sendMessage", asked + 2)
    telegram.say(ALICE, f"/skip{BOT}", reply_to=telegram.last_from_bot())
    await fake.wait_for("sendMessage", asked + 3)
    telegram.say(ALICE, f"/skip{BOT}", reply_to=telegram.last_from_bot())
    await fake.wait_for("sendAudio", 2)
    await telegram.chorus.settled(30)
    lyrics_id = keyboard_of(first.params)[0].split(":")[1]
    async with telegram.chorus.app.store.read() as conn:
        chosen = await tracks.track(conn, lyrics_id)
        [song] = [j for j in await jobs.jobs_in(conn, "succeeded", limit=10) if j.op == "compose"]
        assert chosen is not None
        assert all(t.lyrics == chosen.lyrics for t in await tracks.job_tracks(conn, song.id))
