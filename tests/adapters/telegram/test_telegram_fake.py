"""The fake Bot API refuses what Telegram refuses, with Telegram's status and description.

Each test sends the raw request a client would (form fields, all strings) and checks the answer
against the Bot API documentation cited in the fake (tests/fakes/telegram/*.py).
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import numpy as np
import pytest
from PIL import Image

from tests.conftest import mp3, tone
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram import payloads as tg
from tests.fakes.telegram.clock import FakeClock

GROUP = tg.chat(-100300, "supergroup")
DM = tg.chat(601, "private")
ANNA = tg.user(601, "Anna")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(clock=FakeClock())
    await server.start()
    yield server
    await server.stop()


async def api(
    fake: FakeTelegram,
    method: str,
    files: dict[str, tuple[str, bytes]] | None = None,
    **params: Any,
) -> tuple[int, dict[str, Any]]:
    """One Bot API call as python-telegram-bot sends it: every value a string."""
    form = aiohttp.FormData()
    for key, value in params.items():
        form.add_field(key, value if isinstance(value, str) else json.dumps(value))
    for key, (name, data) in (files or {}).items():
        form.add_field(key, data, filename=name)
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fake.url}/bot{fake.token}/{method}", data=form) as response,
    ):
        return response.status, await response.json()


def refused(status: int, description: str) -> tuple[int, dict[str, Any]]:
    return status, {"ok": False, "error_code": status, "description": description}


async def updates(fake: FakeTelegram) -> list[dict[str, Any]]:
    status, body = await api(fake, "getUpdates", timeout=0)
    assert status == 200
    return list(body["result"])


# --- privacy mode (bots FAQ "What messages will my bot get?") ---------------------------------
async def test_privacy_mode_keeps_group_chatter_from_the_bot(fake: FakeTelegram) -> None:
    fake.push(message=tg.message(GROUP, ANNA, "just chatting"))
    fake.push(message=tg.message(GROUP, ANNA, "/song@other_bot a tune"))
    fake.push(message=tg.message(GROUP, ANNA, "/song a tune"))  # no bot of ours posted last
    addressed = fake.push(message=tg.message(GROUP, ANNA, "/song@Chorus_Test_Bot a tune"))
    private = fake.push(message=tg.message(DM, ANNA, "anything at all"))
    assert [u["update_id"] for u in await updates(fake)] == [
        addressed["update_id"],
        private["update_id"],
    ]
    assert len(fake.withheld) == 3
    _, me = await api(fake, "getMe")
    assert me["result"]["can_read_all_group_messages"] is False


async def test_privacy_mode_lets_replies_and_bare_commands_after_its_post_through(
    fake: FakeTelegram,
) -> None:
    _, sent = await api(fake, "sendMessage", chat_id=GROUP["id"], text="Title?")
    prompt = sent["result"]
    reply = fake.push(message=tg.message(GROUP, ANNA, "Starry Night", reply_to=prompt))
    bare = fake.push(message=tg.message(GROUP, ANNA, "/skip"))  # our bot posted last
    fake.another_bot_posts(int(GROUP["id"]))
    fake.push(message=tg.message(GROUP, ANNA, "/cancel"))  # now it goes to the other bot
    assert [u["update_id"] for u in await updates(fake)] == [reply["update_id"], bare["update_id"]]


async def test_an_admin_bot_or_privacy_off_sees_everything(fake: FakeTelegram) -> None:
    fake.members[(int(GROUP["id"]), int(fake.bot["id"]))] = "administrator"
    chatter = fake.push(message=tg.message(GROUP, ANNA, "just chatting"))
    assert [u["update_id"] for u in await updates(fake)] == [chatter["update_id"]]
    open_fake = FakeTelegram(privacy=False)
    await open_fake.start()
    try:
        open_fake.push(message=tg.message(GROUP, ANNA, "just chatting"))
        assert len(await updates(open_fake)) == 1
        _, me = await api(open_fake, "getMe")
        assert me["result"]["can_read_all_group_messages"] is True
    finally:
        await open_fake.stop()


async def test_edits_arrive_as_edited_message_updates(fake: FakeTelegram) -> None:
    # Bot API Update: "edited_message: New version of a message that is known to the bot and
    # was edited".
    original = tg.message(DM, ANNA, "/song a tune")
    fake.push(message=original)
    fake.push(edited_message=tg.edited(original, "/song another tune"))
    [first, second] = await updates(fake)
    assert "message" in first and second["edited_message"]["message_id"] == original["message_id"]
    assert second["edited_message"]["text"] == "/song another tune"


# --- formatting (Bot API "Formatting options", sendMessage, sendAudio) -------------------------
@pytest.mark.parametrize(
    ("markup", "description"),
    [
        (
            "<b>cut off",
            "Bad Request: can't parse entities: "
            'Can\'t find end tag corresponding to start tag "b"',
        ),
        (
            "fish <chips>",
            'Bad Request: can\'t parse entities: Unsupported start tag "chips" at byte offset 5',
        ),
        (
            "<b>x</i>",
            "Bad Request: can't parse entities: Unmatched end tag at byte offset 4, "
            'expected "</b>", found "</i>"',
        ),
        ("a <b", "Bad Request: can't parse entities: Unclosed start tag at byte offset 2"),
    ],
)
async def test_html_that_does_not_parse_is_refused(
    fake: FakeTelegram, markup: str, description: str
) -> None:
    answer = await api(fake, "sendMessage", chat_id=DM["id"], text=markup, parse_mode="HTML")
    assert answer == refused(400, description)


async def test_lengths_are_counted_after_parsing(fake: FakeTelegram) -> None:
    fits = "<b>" + "&amp;" * 4096 + "</b>"  # 4096 characters once parsed
    assert (await api(fake, "sendMessage", chat_id=DM["id"], text=fits, parse_mode="HTML"))[
        0
    ] == 200
    fake.advance(1)
    over = await api(fake, "sendMessage", chat_id=DM["id"], text="x" * 4097)
    assert over == refused(400, "Bad Request: message is too long")
    song = ("song.mp3", mp3(1.0))
    long_caption = "<i>" + "é" * 1025 + "</i>"
    answer = await api(
        fake,
        "sendAudio",
        {"audio": song},
        chat_id=DM["id"],
        caption=long_caption,
        parse_mode="HTML",
    )
    assert answer == refused(400, "Bad Request: message caption is too long")
    emoji = "🎵" * 513  # 1026 UTF-16 code units: Telegram counts those
    answer = await api(fake, "sendAudio", {"audio": song}, chat_id=DM["id"], caption=emoji)
    assert answer == refused(400, "Bad Request: message caption is too long")


# --- forum topics (Bot API sendMessage message_thread_id; Message.is_topic_message) -----------
async def test_topics_take_posts_only_when_open(fake: FakeTelegram) -> None:
    fake.forum(int(GROUP["id"]), 7, 9, closed=(9,))
    _, sent = await api(fake, "sendMessage", chat_id=GROUP["id"], text="hi", message_thread_id=7)
    assert sent["result"]["message_thread_id"] == 7 and sent["result"]["is_topic_message"]
    fake.advance(1)
    answer = await api(fake, "sendMessage", chat_id=GROUP["id"], text="hi", message_thread_id=8)
    assert answer == refused(400, "Bad Request: message thread not found")
    answer = await api(fake, "sendMessage", chat_id=GROUP["id"], text="hi", message_thread_id=9)
    assert answer == refused(400, "Bad Request: TOPIC_CLOSED")


# --- flood limits (bots FAQ "My bot is hitting limits"; Bot API ResponseParameters) -------------
async def test_one_message_a_second_in_a_chat(fake: FakeTelegram) -> None:
    assert (await api(fake, "sendMessage", chat_id=DM["id"], text="one"))[0] == 200
    answer = await api(fake, "sendMessage", chat_id=DM["id"], text="two")
    assert answer[0] == 429
    assert answer[1]["description"] == "Too Many Requests: retry after 1"
    assert answer[1]["parameters"] == {"retry_after": 1}
    fake.advance(1)
    assert (await api(fake, "sendMessage", chat_id=DM["id"], text="two"))[0] == 200


async def test_twenty_a_minute_in_a_group_edits_included(fake: FakeTelegram) -> None:
    _, sent = await api(fake, "sendMessage", chat_id=GROUP["id"], text="status 0")
    for n in range(1, 20):
        fake.advance(1)
        edit = await api(
            fake,
            "editMessageText",
            chat_id=GROUP["id"],
            message_id=sent["result"]["message_id"],
            text=f"status {n}",
        )
        assert edit[0] == 200
    fake.advance(1)
    answer = await api(fake, "sendMessage", chat_id=GROUP["id"], text="one too many")
    assert answer[0] == 429 and answer[1]["description"] == "Too Many Requests: retry after 40"
    fake.advance(40)
    assert (await api(fake, "sendMessage", chat_id=GROUP["id"], text="later"))[0] == 200


async def test_thirty_a_second_overall(fake: FakeTelegram) -> None:
    for chat in range(1, 31):
        assert (await api(fake, "sendMessage", chat_id=chat, text="news"))[0] == 200
    answer = await api(fake, "sendMessage", chat_id=31, text="news")
    assert answer[0] == 429 and answer[1]["parameters"] == {"retry_after": 1}


async def test_a_blocked_or_removed_bot_is_forbidden(fake: FakeTelegram) -> None:
    fake.block(int(DM["id"]))
    fake.block(int(GROUP["id"]))
    answer = await api(fake, "sendMessage", chat_id=DM["id"], text="hello")
    assert answer == refused(403, "Forbidden: bot was blocked by the user")
    answer = await api(fake, "sendMessage", chat_id=GROUP["id"], text="hello")
    assert answer == refused(403, "Forbidden: bot was kicked from the supergroup chat")


# --- buttons (Bot API answerCallbackQuery) ------------------------------------------------------
async def test_callback_queries_are_tracked_until_answered(fake: FakeTelegram) -> None:
    _, sent = await api(fake, "sendMessage", chat_id=DM["id"], text="pick")
    query = tg.callback_query(ANNA, sent["result"], "bpm:abc123")
    fake.push(callback_query=query)
    await updates(fake)
    assert list(fake.unanswered) == [query["id"]]
    assert (await api(fake, "answerCallbackQuery", callback_query_id=query["id"]))[0] == 200
    assert fake.unanswered == {}
    answer = await api(fake, "answerCallbackQuery", callback_query_id=query["id"])
    assert answer == refused(
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )


# --- members (Bot API getChatMember, ChatMember) -----------------------------------------------
async def test_member_statuses_are_telegrams(fake: FakeTelegram) -> None:
    fake.members[(int(GROUP["id"]), 700)] = "kicked"
    fake.push(message=tg.message(GROUP, ANNA, "/song@chorus_test_bot x"))
    statuses = {}
    for user in (700, 601, 999):
        _, body = await api(fake, "getChatMember", chat_id=GROUP["id"], user_id=user)
        statuses[user] = body["result"]["status"]
    assert statuses == {700: "kicked", 601: "member", 999: "left"}


# --- audio and thumbnails (Bot API sendAudio) --------------------------------------------------
def picture(kind: str, side: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 40, 90)).save(out, kind)
    return out.getvalue()


async def test_only_mp3_and_m4a_play_and_thumbnails_must_be_small_jpegs(
    fake: FakeTelegram,
) -> None:
    _, sent = await api(fake, "sendAudio", {"audio": ("take.wav", tone(1.0))}, chat_id=601)
    assert "document" in sent["result"] and "audio" not in sent["result"]
    for n, (thumb, kept) in enumerate(
        [(picture("JPEG", 320), True), (picture("PNG", 100), False), (picture("JPEG", 400), False)]
    ):
        fake.advance(1)
        status, sent = await api(
            fake,
            "sendAudio",
            {"audio": ("s.mp3", mp3(1.0)), "thumbnail": ("t", thumb)},
            chat_id=601,
        )
        assert status == 200 and ("thumbnail" in sent["result"]["audio"]) is kept, n
    assert fake.thumbnail_problems == ["not a JPEG", "400x400"]


async def test_only_mpeg4_video_plays(fake: FakeTelegram) -> None:
    """Bot API sendVideo: "Telegram clients support MPEG4 videos (other formats may be sent as
    Document)": anything else comes back as a document, without the player."""
    from simulator.codecs import music_video

    movie = music_video(np.zeros(22_050, dtype=np.float32), seed=1)
    _, sent = await api(fake, "sendVideo", {"video": ("clip.mp4", movie)}, chat_id=601)
    assert sent["result"]["video"]["mime_type"] == "video/mp4"
    assert (sent["result"]["video"]["width"], sent["result"]["video"]["height"]) == (320, 320)
    fake.advance(1)
    _, sent = await api(fake, "sendVideo", {"video": ("clip.mp4", tone(1.0))}, chat_id=601)
    assert "document" in sent["result"] and "video" not in sent["result"]


# --- command menus per language: https://core.telegram.org/bots/api#setmycommands -------------
# language_code is "a two-letter ISO 639-1 language code"; an empty one sets the list for every
# language without its own. Anything else is refused: "Bad Request: invalid language code
# specified" (what the Bot API answers, e.g. for "zh-hans").
MENU = [{"command": "song", "description": "Make a song"}]


async def test_command_menus_are_kept_per_language(fake: FakeTelegram) -> None:
    assert (await api(fake, "setMyCommands", commands=MENU))[0] == 200
    german = [{"command": "song", "description": "Ein Lied machen"}]
    assert (await api(fake, "setMyCommands", commands=german, language_code="de"))[0] == 200
    assert fake.menu("de") == {"song": "Ein Lied machen"}
    assert fake.menu("fr") == {"song": "Make a song"}  # no French list: the default one
    assert fake.menu() == {"song": "Make a song"}


@pytest.mark.parametrize("code", ["pt_BR", "pt-br", "zh-hans", "DE", "deu", "d"])
async def test_a_command_menu_language_must_be_two_lowercase_letters(
    fake: FakeTelegram, code: str
) -> None:
    assert await api(fake, "setMyCommands", commands=MENU, language_code=code) == refused(
        400, "Bad Request: invalid language code specified"
    )
    assert fake.my_commands == {}


async def test_a_command_menu_description_over_256_characters_is_refused(
    fake: FakeTelegram,
) -> None:
    long = [{"command": "song", "description": "x" * 257}]
    assert await api(fake, "setMyCommands", commands=long, language_code="de") == refused(
        400, "Bad Request: BOT_COMMAND_INVALID"
    )


# --- who receives updates: Bot API "getUpdates", "setWebhook" ----------------------------------


async def test_get_updates_while_a_webhook_is_set_is_a_conflict(fake: FakeTelegram) -> None:
    """ "This method will not work if an outgoing webhook is set up": 409 until deleteWebhook."""
    assert (await api(fake, "setWebhook", url="https://bot.example/hooks/telegram"))[0] == 200
    assert await api(fake, "getUpdates", timeout="0") == refused(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
        "delete the webhook first",
    )
    assert (await api(fake, "deleteWebhook"))[0] == 200
    assert (await api(fake, "getUpdates", timeout="0"))[0] == 200


async def test_a_second_get_updates_ends_the_first_with_a_conflict(fake: FakeTelegram) -> None:
    """Two pollers of one bot: the newer request terminates the pending one with 409, and
    the updates go to the newer one."""
    first = asyncio.create_task(api(fake, "getUpdates", timeout="30"))
    await fake.wait_for("getUpdates")
    second = asyncio.create_task(api(fake, "getUpdates", timeout="30"))
    await fake.wait_for("getUpdates", 2)
    assert await asyncio.wait_for(first, 5) == refused(
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot "
        "instance is running",
    )
    fake.push(message=tg.message(DM, ANNA, "hello"))
    status, body = await asyncio.wait_for(second, 5)
    assert status == 200 and [u["message"]["text"] for u in body["result"]] == ["hello"]
    assert [(c.params.get("timeout"), c.heard) for c in fake.conflicts] == [(30, True)]


async def test_calls_through_a_labelled_root_carry_the_label(fake: FakeTelegram) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fake.url_for('east')}/bot{fake.token}/getMe") as response,
    ):
        assert response.status == 200
    assert [(c.method, c.via) for c in fake.calls] == [("getMe", "east")]
