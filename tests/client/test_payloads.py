"""The documented example payloads of reference/aimusicapi.md parse into the client's models."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import respx

from bot.aimusic import AIMusicClient, AnswerLost, CreditsExhausted, RateLimited
from bot.aimusic import models as m

POLL_EXAMPLE = {
    "code": 200,
    "message": "success",
    "data": [
        {
            "clip_id": "26c9c592-0566-46cf-bb71-91ac1deaa7b5",
            "state": "succeeded",
            "title": "Starts",
            "tags": "pop",
            "lyrics": "[Verse]\n...",
            "image_url": "https://cdn2.suno.ai/image_x.jpeg",
            "audio_url": "https://cdn1.suno.ai/x.mp3",
            "video_url": None,
            "created_at": "2025-10-12T13:13:02.488Z",
            "mv": "chirp-v5",
            "gpt_description_prompt": None,
            "duration": "104.88",
            "negative_tags": None,
            "style_weight": None,
            "weirdness_constraint": None,
            "some_future_field": 1,
        }
    ],
}
PRODUCER_POLL = {
    "code": 200,
    "status": "SUCCESS",
    "message": "success",
    "data": [
        {
            "clip_id": "ac78601b",
            "title": "Back to You",
            "sound": None,
            "lyrics": "[Verse 1]\n...",
            "audio_url": "https://musicapi-cdn.b-cdn.net/producer/x.m4a",
            "wav_url": "https://musicapi-cdn.b-cdn.net/producer/x-wav.wav",
            "image_url": "https://i",
        }
    ],
}
BASE = "https://api.aimusicapi.ai"


@pytest.fixture
async def mocked() -> AsyncIterator[AIMusicClient]:
    async with AIMusicClient("k", BASE, backoff=0.001) as client:
        yield client


@respx.mock
async def test_documented_poll_answer(mocked: AIMusicClient) -> None:
    respx.get(f"{BASE}/api/v1/sonic/task/t1").respond(200, json=POLL_EXAMPLE)
    task = await mocked.sonic_task("t1")
    clip = task.clips[0]
    assert task.done and not task.failed
    assert clip.duration == 104.88 and clip.model == "sonic-v5"
    assert clip.model_extra == {
        "weirdness_constraint": None,
        "style_weight": None,
        "some_future_field": 1,
    }


@respx.mock
@pytest.mark.parametrize("status", [200, 202])
async def test_not_ready_with_200_or_202(mocked: AIMusicClient, status: int) -> None:
    respx.get(f"{BASE}/api/v1/sonic/task/t2").respond(status, json={"type": "not_ready"})
    task = await mocked.sonic_task("t2")
    assert not task.ready and not task.done


@respx.mock
@pytest.mark.parametrize(
    "body",
    [{"message": "success", "task_id": "a"}, {"code": 200, "message": "success", "task_id": "a"}],
)
async def test_accepted_with_or_without_code(
    mocked: AIMusicClient, body: dict[str, object]
) -> None:
    respx.post(f"{BASE}/api/v1/sonic/create").respond(200, json=body)
    accepted = await mocked.sonic_create(
        m.SonicCreateRequest(custom_mode=False, mv="chirp-v5", gpt_description_prompt="x")
    )
    assert accepted.task_id == "a"


@respx.mock
async def test_documented_producer_lyrics_credits_and_voice(mocked: AIMusicClient) -> None:
    respx.get(f"{BASE}/api/v1/producer/task/p").respond(200, json=PRODUCER_POLL)
    respx.post(f"{BASE}/api/v1/sonic/lyrics").respond(
        200,
        json={
            "code": 200,
            "message": "success",
            "results": [
                {"title": "Whisper of Shadows", "lyrics": "[Verse]\n..."},
                {"title": "Midnight", "lyrics": "..."},
            ],
        },
    )
    respx.get(f"{BASE}/api/v1/get-credits").respond(200, json={"credits": 50, "extra_credits": 0})
    respx.get(f"{BASE}/api/v1/sonic/task/v").respond(
        200, json={"code": 200, "data": {"persona_id": "p1", "name": "Me"}}
    )
    assert (await mocked.producer_task("p")).data[0]["title"] == "Back to You"
    assert [
        r.title
        for r in (await mocked.lyrics(m.LyricsRequest(description="a song about sky"))).results
    ] == [
        "Whisper of Shadows",
        "Midnight",
    ]
    assert (await mocked.get_credits()).credits == 50
    voice = await mocked.sonic_task("v")
    assert voice.done and voice.result == {"persona_id": "p1", "name": "Me"}


@respx.mock
async def test_error_bodies_in_other_shapes(mocked: AIMusicClient) -> None:
    respx.get(f"{BASE}/api/v1/get-credits").respond(
        403, json={"error": "You do not have an active subscription."}
    )
    with pytest.raises(CreditsExhausted, match="subscription"):
        await mocked.get_credits()
    respx.post(f"{BASE}/api/v1/sonic/bpm").respond(
        429, text="slow down", headers={"Retry-After": "soon"}
    )
    with pytest.raises(RateLimited) as limited:
        await mocked.bpm(m.ClipRequest(clip_id="c"))
    assert (
        limited.value.retry_after == 3.0
    )  # an unreadable Retry-After falls back to the vendor's 3 s


def test_the_webhook_secret_is_sent_but_never_shown() -> None:
    request = m.SonicCreateRequest(
        custom_mode=False,
        mv="sonic-v5",
        gpt_description_prompt="x",
        webhook_url="https://bot.example/hooks/aimusic",
        webhook_secret="whsec-123",
    )
    assert request.body()["webhook_secret"] == "whsec-123"
    assert request.body()["use_suno_cdn"] is False
    assert "whsec-123" not in repr(request) and "whsec-123" not in str(request)


@respx.mock
async def test_a_create_answer_without_its_task_id_is_a_lost_answer(mocked: AIMusicClient) -> None:
    """The request took effect upstream; an unreadable answer must not make it look retryable."""
    route = respx.post(f"{BASE}/api/v1/sonic/create").respond(200, json={"message": "success"})
    hooked = m.SonicCreateRequest(
        custom_mode=False,
        mv="chirp-v5",
        gpt_description_prompt="x",
        webhook_url="https://bot.example/hooks/aimusic?job=j1&sig=s",
    )
    with pytest.raises(AnswerLost) as lost:
        await mocked.sonic_create(hooked)
    assert lost.value.webhook and route.call_count == 1
    respx.post(f"{BASE}/api/v1/sonic/lyrics").respond(200, json={"code": 200})
    with pytest.raises(AnswerLost) as unread:
        await mocked.lyrics(m.LyricsRequest(description="sky"))
    assert not unread.value.webhook
