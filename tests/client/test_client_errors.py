"""Each error class the client promises, provoked for real through the simulator."""

from __future__ import annotations

import logging
import socket

import pytest
from pydantic import ValidationError

from bot.aimusic import (
    AIMusicClient,
    AnswerLost,
    AuthFailed,
    ContentRejected,
    CreditsExhausted,
    EndpointRetired,
    RateLimited,
    TaskNotFound,
    UpstreamUnavailable,
    ValidationRejected,
)
from bot.aimusic import models as m
from simulator import RunningSimulator
from tests.conftest import FileHost

DESCRIBED = {"custom_mode": False, "mv": "sonic-v5", "gpt_description_prompt": "a calm piano piece"}


def create_calls(sim: RunningSimulator) -> int:
    return sim.sim.calls["POST /api/v1/sonic/create"]


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"gpt_description_prompt": "x" * 401}, "gpt_description_prompt"),
        ({"title": "t" * 81}, "title"),
        ({"mv": "sonic-v4-5-all"}, "mv"),
        ({"style_weight": 1.01}, "style_weight"),
        ({"duration": 5}, "duration"),
        ({"custom_mode": True, "prompt": None}, "prompt"),
        ({"mv": "sonic-v4", "tags": "t" * 201}, "tags"),
        ({"mv": "sonic-v4", "vocal_gender": "f"}, "vocal_gender"),
    ],
)
async def test_documented_limits_are_refused_before_sending(
    client: AIMusicClient, sim: RunningSimulator, fields: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        m.SonicCreateRequest(**{**DESCRIBED, **fields})
    assert create_calls(sim) == 0


async def test_task_type_requirements_are_checked_locally() -> None:
    with pytest.raises(ValidationError, match="continue_clip_id"):
        m.SonicCreateRequest(task_type="extend_music", continue_at=3, **DESCRIBED)
    with pytest.raises(ValidationError, match="persona_id"):
        m.SonicCreateRequest(task_type="persona_music", **DESCRIBED)
    with pytest.raises(ValidationError, match="duration"):
        m.SonicCreateRequest(task_type="remaster", continue_clip_id="c", mv="sonic-v5", duration=30)


async def test_vendor_validation_is_a_400_with_its_message_and_no_charge(
    client: AIMusicClient,
) -> None:
    before = (await client.get_credits()).credits
    with pytest.raises(ValidationRejected, match="continue_clip_id"):
        await client.sonic_create(
            m.SonicCreateRequest(
                task_type="cover_music", continue_clip_id="no-such-clip", **DESCRIBED
            )
        )
    assert (await client.get_credits()).credits == before


async def test_wrong_key_is_auth_failed_and_the_key_never_leaks(
    sim: RunningSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-live-do-not-print-me"
    caplog.set_level(logging.DEBUG)
    async with AIMusicClient(secret, sim.url) as wrong:
        with pytest.raises(AuthFailed) as caught:
            await wrong.get_credits()
        assert secret not in repr(wrong)
    assert "Invalid API key" in str(caught.value)
    assert secret not in str(caught.value) and secret not in repr(caught.value)
    assert secret not in caplog.text


async def test_exhausted_upstream_credits_are_a_403_of_their_own(
    client: AIMusicClient, sim: RunningSimulator
) -> None:
    sim.sim.credits = 5
    with pytest.raises(CreditsExhausted, match="remaining credits are not enough"):
        await client.sonic_create(m.SonicCreateRequest(**DESCRIBED))


async def test_moderation_names_the_reason(client: AIMusicClient) -> None:
    with pytest.raises(ContentRejected) as artist:
        await client.sonic_create(
            m.SonicCreateRequest(**{**DESCRIBED, "gpt_description_prompt": "like Taylor Swift"})
        )
    assert "taylor swift" in artist.value.reason
    with pytest.raises(ContentRejected, match="copyrighted"):
        await client.sonic_create(
            m.SonicCreateRequest(
                custom_mode=True, mv="sonic-v5", prompt="[Verse]\nIs this the real life"
            )
        )


async def test_429_is_retried_then_surfaces_with_the_wait(
    client: AIMusicClient, sim: RunningSimulator
) -> None:
    sim.sim.knobs.fail_429 = 1.0
    with pytest.raises(RateLimited) as caught:
        await client.get_credits()
    assert caught.value.retry_after == 1.0
    assert sim.sim.calls["GET /api/v1/get-credits"] == client.max_attempts


async def test_a_429_on_create_is_resent_because_it_did_not_take_effect(
    client: AIMusicClient, sim: RunningSimulator
) -> None:
    sim.sim.knobs.create_interval = 3.0  # the vendor's one create per three seconds
    sim.sim.knobs.time_scale = 0.01  # 30 ms of wall time
    first = await client.sonic_create(m.SonicCreateRequest(**DESCRIBED))
    second = await client.sonic_create(m.SonicCreateRequest(**DESCRIBED))
    assert first.task_id != second.task_id
    assert client.retries >= 1
    assert len(sim.sim.tasks) == 2


async def test_5xx_on_get_is_retried_until_it_succeeds(sim: RunningSimulator) -> None:
    sim.sim.knobs.fail_500 = 0.5
    sim.sim.rng.seed(7)  # the simulator's faults are seeded, so this run is the same every time
    async with AIMusicClient(sim.api_key, sim.url, backoff=0.001, max_attempts=8) as patient:
        for _ in range(5):
            assert (await patient.get_credits()).credits > 0
        assert patient.retries > 0
    assert sim.sim.calls["GET /api/v1/get-credits"] == 5 + patient.retries


async def test_5xx_on_post_is_not_resent(client: AIMusicClient, sim: RunningSimulator) -> None:
    sim.sim.knobs.fail_500 = 1.0
    with pytest.raises(UpstreamUnavailable, match="Internal Server Error"):
        await client.sonic_create(m.SonicCreateRequest(**DESCRIBED))
    assert create_calls(sim) == 1


async def test_a_garbled_answer_to_a_post_is_answer_lost_and_never_resent(
    client: AIMusicClient, sim: RunningSimulator
) -> None:
    sim.sim.knobs.malformed = 1.0
    before = sim.sim.credits
    with pytest.raises(AnswerLost):
        await client.sonic_create(m.SonicCreateRequest(**DESCRIBED))
    assert create_calls(sim) == 1
    assert len(sim.sim.tasks) == 1 and sim.sim.credits == before - 14  # it did take effect upstream


async def test_a_slow_post_times_out_as_answer_lost(sim: RunningSimulator) -> None:
    sim.sim.knobs.slow_rate, sim.sim.knobs.slow_seconds = 1.0, 1.0
    async with AIMusicClient(sim.api_key, sim.url, timeout=0.2, backoff=0.001) as impatient:
        with pytest.raises(AnswerLost):
            await impatient.sonic_create(m.SonicCreateRequest(**DESCRIBED))
    assert create_calls(sim) == 1


async def test_an_unreachable_service_is_unavailable_after_bounded_retries() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    async with AIMusicClient(
        "k", f"http://127.0.0.1:{port}", backoff=0.001, max_attempts=3
    ) as offline:
        with pytest.raises(UpstreamUnavailable, match="cannot be reached"):
            await offline.sonic_create(m.SonicCreateRequest(**DESCRIBED))
        assert offline.retries == 2


async def test_unknown_task_and_retired_endpoints(client: AIMusicClient) -> None:
    with pytest.raises(TaskNotFound, match="task not found"):
        await client.sonic_task("00000000-0000-0000-0000-000000000000")
    with pytest.raises(TaskNotFound):
        await client.producer_task("nope")
    with pytest.raises(EndpointRetired, match="deprecated"):
        await client.nuro_create({"type": "vocal", "lyrics": "la"})


async def test_uploads_the_vendor_cannot_use_are_refused(
    client: AIMusicClient, files: FileHost
) -> None:
    text_as_mp3 = files.put("song.mp3", b"this is not audio at all", "audio/mpeg")
    with pytest.raises(ValidationRejected, match="Invalid audio file"):
        await client.upload(m.UploadRequest(url=text_as_mp3))
    probed = files.put("nohead.wav", b"RIFF")
    files.head_404.add("nohead.wav")
    with pytest.raises(ValidationRejected, match="not accessible"):
        await client.upload(m.UploadRequest(url=probed))
    with pytest.raises(ValidationRejected, match="not accessible"):
        await client.upload(m.UploadRequest(url=f"{files.url}/missing.wav"))
