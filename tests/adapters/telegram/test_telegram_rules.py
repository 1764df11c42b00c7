"""The Telegram adapter keeps Telegram's rules, shown against the strict fake Bot API.

Each test here fails on the adapter as it was before these rules were kept: bare prompts in
privacy mode, charging again for an edited command, captions cut inside their HTML, results in
General instead of the topic, status edits over the flood limits, a button left spinning.
"""

from __future__ import annotations

import io
import json
import logging
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from adapters.telegram.platform import jpeg_thumbnail
from adapters.telegram.render import CAPTION_LIMIT, TEXT_LIMIT, caption
from bot.domain import Attachment, ReplyTarget, ResultCard
from bot.platform import PlatformError
from tests.fakes.telegram import payloads as tg
from tests.fakes.telegram.flood import COUNTED
from tests.fakes.telegram.markup import plain_text, utf16_length
from tests.telegram_harness import ALICE, BOB, BOT, GROUP, Telegram, adapter_for, telegram

__all__ = ["telegram"]  # the fixture


def texts(fake: Any, method: str = "sendMessage") -> list[str]:
    return [str(c.params.get("text") or c.params.get("caption")) for c in fake.calls_to(method)]


# --- privacy mode --------------------------------------------------------------------------------
async def test_a_command_that_needs_audio_says_how_to_give_it(telegram: Telegram) -> None:
    fake = telegram.fake
    telegram.say(ALICE, f"/cover{BOT} as a jazz ballad")  # no audio, no reply
    [answer] = await fake.wait_for("sendMessage")
    assert (
        "reply to the audio message (or one of my results) with /cover@chorus_test_bot"
        in (answer.params["text"])
    )
    assert await telegram.credits(ALICE) == 1000


async def test_a_bare_command_reaches_the_bot_only_when_it_posted_last(telegram: Telegram) -> None:
    fake = telegram.fake
    telegram.say(ALICE, f"/credits{BOT}")
    await fake.wait_for("sendMessage")
    telegram.say(ALICE, "/credits")  # Chorus posted last: Telegram passes it on
    await fake.wait_for("sendMessage", 2)
    fake.another_bot_posts(int(GROUP["id"]))
    telegram.say(ALICE, "/credits")  # now it goes to the other bot
    telegram.say(ALICE, f"/credits{BOT}")
    await fake.wait_for("sendMessage", 3)
    assert len(fake.withheld) == 1


async def test_the_start_log_says_whether_privacy_mode_is_on(
    telegram: Telegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="adapters.telegram")
    await telegram.adapter.stop()
    restarted = adapter_for(telegram.chorus, telegram.fake)
    await restarted.start()
    telegram.adapter = restarted
    assert any(
        "privacy mode is on (can_read_all_group_messages is false)" in r.getMessage()
        for r in caplog.records
    )


# --- edits ---------------------------------------------------------------------------------------
async def test_editing_a_command_does_not_run_it_again(telegram: Telegram) -> None:
    fake = telegram.fake
    command = telegram.say(ALICE, f"/song{BOT} a tune about rain")
    await fake.wait_for("sendAudio", 2)
    fake.push(edited_message=tg.edited(command, f"/song{BOT} a tune about snow"))
    telegram.say(ALICE, f"/credits{BOT}")  # handled after the edit: the balance shows any charge
    await fake.wait_until(lambda: any("credits:" in t for t in texts(fake)))
    assert next(t for t in texts(fake) if "credits:" in t).startswith("You have 986 credits")
    assert len(fake.calls_to("sendAudio")) == 2


# --- captions ------------------------------------------------------------------------------------
piece = st.text(alphabet=st.sampled_from("ab &<>\"'é🎵\n"), min_size=1, max_size=12)
# Short texts, and long ones (up to about 5,000 characters) around the limits.
member_text = st.one_of(
    st.text(alphabet=st.sampled_from("ab &<>\"'é🎵\n"), max_size=40),
    st.builds(lambda part, times: part * times, piece, st.integers(1, 400)),
)


@settings(max_examples=300, deadline=None)
@given(title=member_text, tags=member_text, lyrics=member_text, link=st.booleans())
def test_captions_always_parse_and_fit(title: str, tags: str, lyrics: str, link: bool) -> None:
    card = ResultCard(
        "job1",
        title,
        track_id="abc123",
        tags=tags,
        duration=125,
        lyrics=lyrics,
        link='https://cdn.example/a?b=1&c="2"' if link else None,
    )
    for limit in (CAPTION_LIMIT, TEXT_LIMIT):
        shown = plain_text(caption(card, limit))  # raises where Telegram would refuse it
        assert utf16_length(shown) <= limit
        assert "ID: abc123" in shown
        assert lyrics.strip()[:20] in shown or "…" in shown


async def test_long_lyrics_full_of_ampersands_are_posted(telegram: Telegram) -> None:
    fake = telegram.fake
    lyrics = "[Verse]\n" + "rock & roll <loud> " * 55  # about 1,050 characters
    telegram.say(ALICE, f'/compose{BOT} "{lyrics}" "title=R&B"')
    sent = await fake.wait_for("sendAudio", 2)
    assert all("rock &amp; roll &lt;loud&gt;" in c.params["caption"] for c in sent)
    posted = [m for m in fake.sent.values() if "audio" in m]
    assert len(posted) == 2  # Telegram accepted both captions


# --- forum topics --------------------------------------------------------------------------------
async def test_results_go_to_the_topic_the_command_came_from(telegram: Telegram) -> None:
    fake = telegram.fake
    forum = tg.chat(-100777, "supergroup", "Studio", forum=True)
    fake.forum(int(forum["id"]), 42)
    fake.push(message=tg.message(forum, ALICE, f"/song{BOT} a tune for the topic", thread=42))
    await fake.wait_for("sendAudio", 2)
    await telegram.chorus.settled(30)
    posts = [
        c
        for c in fake.calls
        if c.method in ("sendMessage", "sendAudio") and c.params["chat_id"] == forum["id"]
    ]
    assert len(posts) == 3 and all(c.params.get("message_thread_id") == 42 for c in posts)
    async with telegram.chorus.app.store.read() as conn:
        rows = await conn.execute_fetchall("SELECT target FROM outbox")
    stored = [ReplyTarget(**json.loads(r[0])) for r in rows]
    assert stored and all(t.thread == "42" for t in stored)  # kept for a delivery after a restart


async def test_a_result_for_a_closed_topic_goes_to_general(telegram: Telegram) -> None:
    fake = telegram.fake
    forum = tg.chat(-100778, "supergroup", "Studio", forum=True)
    fake.forum(int(forum["id"]), 9, closed=(9,))  # closed after the command was given
    song = telegram.chorus.out / "song.mp3"
    song.parent.mkdir(parents=True, exist_ok=True)
    song.write_bytes(b"ID3" + bytes(2000))
    card = ResultCard(
        "job1", "A tune", attachments=(Attachment(str(song), "song.mp3", "audio/mpeg"),)
    )
    target = ReplyTarget("telegram", str(forum["id"]), thread="9")
    ref = await telegram.adapter.platform.deliver(target, card, "outbox-3")
    [refused, posted] = fake.calls_to("sendAudio")
    assert refused.params["message_thread_id"] == 9 and "message_thread_id" not in posted.params
    assert "message_thread_id" not in fake.sent[(int(forum["id"]), int(ref))]


# --- flood limits --------------------------------------------------------------------------------
async def test_a_busy_group_stays_within_the_flood_limits(telegram: Telegram) -> None:
    fake = telegram.fake
    for n in range(5):
        telegram.say(ALICE if n % 2 else BOB, f"/song{BOT} tune number {n}")
    await fake.wait_for("sendAudio", 10, patience=90)
    await telegram.chorus.settled(90)
    posts = sorted(
        c.at for c in fake.calls if c.method in COUNTED and c.params["chat_id"] == GROUP["id"]
    )
    assert len(posts) > 20  # statuses, their edits and two results each: over a minute's worth
    for first, later in zip(posts, posts[20:], strict=False):
        assert later - first >= 60  # never more than 20 in a minute
    assert all(b - a >= 1 for a, b in pairwise(posts))
    # The fixture checks that Telegram never had to refuse one.


async def test_a_chat_waiting_for_its_turn_does_not_hold_up_others(telegram: Telegram) -> None:
    fake = telegram.fake
    fake.clock.hold()  # time stands still: the group's second reply must wait a second
    telegram.say(ALICE, f"/credits{BOT}")
    telegram.say(BOB, f"/credits{BOT}")
    await fake.wait_for("sendMessage")
    dm = tg.chat(int(ALICE["id"]), "private")
    fake.push(message=tg.message(dm, ALICE, "/credits"))
    await fake.wait_until(lambda: any(c.params.get("chat_id") == dm["id"] for c in fake.calls))
    assert [c.params["chat_id"] for c in fake.calls_to("sendMessage")] == [GROUP["id"], dm["id"]]
    fake.advance(1)
    await fake.wait_for("sendMessage", 3)  # the group's turn came


async def test_many_chats_at_once_stay_within_thirty_a_second(telegram: Telegram) -> None:
    fake = telegram.fake
    for n in range(40):
        member = tg.user(900 + n, f"Member {n}")
        fake.push(message=tg.message(tg.chat(900 + n, "private"), member, "/credits"))
    replies = await fake.wait_for("sendMessage", 40)
    times = sorted(c.at for c in replies)
    assert all(later - first >= 1 for first, later in zip(times, times[30:], strict=False))


async def test_status_edits_follow_stages_not_every_poll(telegram: Telegram) -> None:
    fake = telegram.fake
    telegram.say(ALICE, f"/song{BOT} a slow tune")
    await fake.wait_for("sendAudio", 2)
    await telegram.chorus.settled(30)
    edits = [c.params["text"] for c in fake.calls_to("editMessageText")]
    stages = {e.split(":")[1].split()[0] for e in edits}
    assert len(edits) <= len(stages) + 1 and edits[-1].startswith("✅")


async def test_a_429_on_a_status_edit_is_waited_out(telegram: Telegram) -> None:
    fake = telegram.fake
    fake.fail_next["editMessageText"] = (
        429,
        "Too Many Requests: retry after 7",
        {"retry_after": 7},
    )
    telegram.say(ALICE, f"/song{BOT} a tune")
    await fake.wait_until(lambda: any(t.startswith("✅") for t in texts(fake, "editMessageText")))
    refused, *retried = fake.calls_to("editMessageText")
    assert retried and retried[0].at - refused.at >= 7


async def test_a_retried_result_does_not_post_its_audio_again(telegram: Telegram) -> None:
    fake = telegram.fake
    folder = telegram.chorus.out
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "song.mp3").write_bytes(b"ID3" + bytes(2000))
    (folder / "song.lrc").write_text("[00:01.00] la la")
    card = ResultCard(
        "job1",
        "A tune",
        attachments=(
            Attachment(str(folder / "song.mp3"), "song.mp3", "audio/mpeg"),
            Attachment(str(folder / "song.lrc"), "song.lrc", "text/plain"),
        ),
    )
    target = ReplyTarget("telegram", str(ALICE["id"]))
    fake.fail_next["sendDocument"] = (502, "Bad Gateway", {})
    with pytest.raises(PlatformError) as caught:
        await telegram.adapter.platform.deliver(target, card, "outbox-7")
    assert not caught.value.permanent
    fake.advance(5)
    await telegram.adapter.platform.deliver(target, card, "outbox-7")
    assert len(fake.calls_to("sendAudio")) == 1  # the audio was posted once
    assert len(fake.calls_to("sendDocument")) == 2  # the failed file, then again


def test_covers_become_small_jpegs() -> None:
    big = io.BytesIO()
    Image.new("RGBA", (1400, 900), (10, 120, 200, 255)).save(big, "PNG")
    thumb = jpeg_thumbnail(big.getvalue())
    assert thumb is not None and thumb.startswith(b"\xff\xd8") and len(thumb) < 200 * 1024
    with Image.open(io.BytesIO(thumb)) as opened:
        assert opened.format == "JPEG" and max(opened.size) == 320
    assert jpeg_thumbnail(b"not a picture") is None


# --- buttons -------------------------------------------------------------------------------------
async def test_a_button_without_its_message_is_answered(telegram: Telegram) -> None:
    fake = telegram.fake
    query = tg.callback_query(ALICE, {}, "bpm:abc123")
    del query["message"]  # a button on an inline message: Telegram sends inline_message_id
    query["inline_message_id"] = "AAEB"
    fake.push(callback_query=query)
    [answer] = await fake.wait_for("answerCallbackQuery")
    assert "too old for its buttons" in answer.params["text"]


# --- members -------------------------------------------------------------------------------------
async def test_a_kicked_admin_cannot_moderate(telegram: Telegram) -> None:
    fake = telegram.fake
    fake.members[(int(GROUP["id"]), int(BOB["id"]))] = "kicked"
    target = telegram.say(ALICE, f"/credits{BOT}")
    await fake.wait_for("sendMessage")
    telegram.say(BOB, f"/mod{BOT} grant 100 for me", reply_to=target)
    replies = await fake.wait_for("sendMessage", 2)
    assert "Only moderators" in replies[1].params["text"]
    assert await telegram.credits(ALICE) == 1000


# --- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "description", "parameters", "permanent"),
    [
        (403, "Forbidden: bot was blocked by the user", {}, True),
        (400, "Bad Request: chat not found", {}, True),
        (413, "Request Entity Too Large", {}, True),
        (429, "Too Many Requests: retry after 3", {"retry_after": 3}, False),
        (502, "Bad Gateway", {}, False),
    ],
)
async def test_errors_are_sorted_into_permanent_and_retryable(
    telegram: Telegram, status: int, description: str, parameters: dict[str, Any], permanent: bool
) -> None:
    fake = telegram.fake
    fake.fail_next["sendAudio"] = (status, description, parameters)
    song = telegram.chorus.out / "song.mp3"
    song.parent.mkdir(parents=True, exist_ok=True)
    song.write_bytes(b"ID3" + bytes(2000))
    card = ResultCard(
        "job1", "A tune", attachments=(Attachment(str(song), "song.mp3", "audio/mpeg"),)
    )
    target = ReplyTarget("telegram", str(ALICE["id"]))
    with pytest.raises(PlatformError) as caught:
        await telegram.adapter.platform.deliver(target, card, "outbox-1")
    assert caught.value.permanent is permanent
    assert caught.value.retry_after == (3 if status == 429 else None)
