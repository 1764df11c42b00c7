"""Every Sonic endpoint, through the real client, over loopback HTTP to the simulator."""

from __future__ import annotations

import io

import httpx
import mido
import mutagen
import mutagen.mp4
import pytest

from bot.aimusic import AIMusicClient, SourceExpired
from bot.aimusic import models as m
from simulator import RunningSimulator
from tests.conftest import FileHost, tone
from tests.polling import finished


async def song(client: AIMusicClient, **fields: object) -> m.SonicTask:
    request = m.SonicCreateRequest(
        custom_mode=False,
        mv="sonic-v5",
        gpt_description_prompt="an upbeat pop song about summer",
        **fields,
    )
    task = await finished(client, (await client.sonic_create(request)).task_id)
    assert [c.state for c in task.clips] == ["succeeded", "succeeded"]
    return task


async def audio_seconds(url: str) -> float:
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
    assert response.status_code == 200
    info = mutagen.File(io.BytesIO(response.content))  # type: ignore[attr-defined]
    assert info is not None, "not an audio file"
    return float(info.info.length)


async def test_create_polls_through_not_ready_to_two_playable_clips(client: AIMusicClient) -> None:
    accepted = await client.sonic_create(
        m.SonicCreateRequest(
            custom_mode=False, mv="sonic-v5", gpt_description_prompt="lo-fi rain", duration=12
        )
    )
    first = await client.sonic_task(accepted.task_id)
    assert not first.ready and not first.done
    task = await finished(client, accepted.task_id)
    assert len(task.clips) == 2
    for clip in task.clips:
        assert clip.model == "sonic-v5" and clip.mv == "chirp-v5"  # echoed in chirp- spelling
        assert clip.duration == pytest.approx(12.0)
        assert clip.lyrics and "[Verse]" in clip.lyrics
        assert await audio_seconds(clip.audio_url or "") == pytest.approx(clip.duration, abs=0.1)


async def test_custom_lyrics_are_sung_and_instrumental_has_a_marker(client: AIMusicClient) -> None:
    lyrics = "[Verse]\nStars they shine above me\n\n[Chorus]\nStarry night"
    custom = await finished(
        client,
        (
            await client.sonic_create(
                m.SonicCreateRequest(
                    custom_mode=True,
                    mv="sonic-v4-5",
                    title="Starry Night",
                    tags="pop, dreamy",
                    prompt=lyrics,
                )
            )
        ).task_id,
    )
    assert {c.lyrics for c in custom.clips} == {lyrics}
    assert {c.title for c in custom.clips} == {"Starry Night"}
    instrumental = await song(client, make_instrumental=True)
    assert all(c.lyrics == "[Instrumental]" for c in instrumental.clips)


async def test_extend_then_concat_gives_the_full_song(client: AIMusicClient) -> None:
    source = (await song(client)).clips[0]
    extension = await finished(
        client,
        (
            await client.sonic_create(
                m.SonicCreateRequest(
                    task_type="extend_music",
                    continue_clip_id=source.clip_id,
                    continue_at=4.0,
                    custom_mode=False,
                    mv="sonic-v5",
                    gpt_description_prompt="keep going",
                    duration=10,
                )
            )
        ).task_id,
    )
    ext = extension.clips[0]
    assert ext.duration == pytest.approx(10.0)
    full = await finished(
        client,
        (
            await client.sonic_create(
                m.SonicCreateRequest(task_type="concat_music", continue_clip_id=ext.clip_id)
            )
        ).task_id,
    )
    assert len(full.clips) == 1
    assert full.clips[0].duration == pytest.approx(4.0 + 10.0, abs=0.05)
    assert await audio_seconds(full.clips[0].audio_url or "") == pytest.approx(14.0, abs=0.1)


async def test_cover_remaster_and_persona(client: AIMusicClient) -> None:
    source = (await song(client)).clips[0]
    cover = await finished(
        client,
        (
            await client.sonic_create(
                m.SonicCreateRequest(
                    task_type="cover_music",
                    continue_clip_id=source.clip_id,
                    custom_mode=False,
                    mv="sonic-v5",
                    gpt_description_prompt="as a jazz ballad",
                    tags="jazz",
                )
            )
        ).task_id,
    )
    assert all(c.state == "succeeded" for c in cover.clips)
    remaster = await finished(
        client,
        (
            await client.sonic_create(
                m.SonicCreateRequest(
                    task_type="remaster",
                    continue_clip_id=source.clip_id,
                    mv="sonic-v5",
                    variation_category="subtle",
                )
            )
        ).task_id,
    )
    assert remaster.clips[0].title == source.title
    persona = await client.create_persona(m.PersonaRequest(name="Nova", clip_id=source.clip_id))
    sung = await finished(
        client,
        (
            await client.sonic_create(
                m.SonicCreateRequest(
                    task_type="persona_music",
                    persona_id=persona.persona_id,
                    custom_mode=True,
                    mv="sonic-v5",
                    prompt="[Verse]\nhello there",
                )
            )
        ).task_id,
    )
    assert all(c.state == "succeeded" for c in sung.clips)


async def test_upload_then_extend_cover_add_vocals_and_instrumental(
    client: AIMusicClient, files: FileHost
) -> None:
    url = files.put("riff.wav", tone(8))
    uploaded = await client.upload(m.UploadRequest(url=url))
    assert files.requested[:2] == ["HEAD riff.wav", "GET riff.wav"]
    for task_type, extra in (
        (
            "extend_upload_music",
            {"continue_at": 0.1, "custom_mode": True, "prompt": "[Verse 2]\nmore"},
        ),
        ("cover_upload_music", {"custom_mode": False, "gpt_description_prompt": "rock cover"}),
        ("add_vocals", {"custom_mode": True, "prompt": "[Verse]\nla la la", "vocal_gender": "f"}),
        ("add_instrumental", {"custom_mode": False, "gpt_description_prompt": "a full band"}),
    ):
        request = m.SonicCreateRequest(
            task_type=task_type, continue_clip_id=uploaded.clip_id, mv="sonic-v5", **extra
        )
        task = await finished(client, (await client.sonic_create(request)).task_id)
        assert all(c.state == "succeeded" for c in task.clips), task_type
    vocals = await finished(
        client,
        (
            await client.sonic_create(
                m.SonicCreateRequest(
                    task_type="add_vocals",
                    continue_clip_id=uploaded.clip_id,
                    mv="sonic-v5",
                    custom_mode=True,
                    prompt="[Verse]\nhey",
                )
            )
        ).task_id,
    )
    assert vocals.clips[0].duration == pytest.approx(8.0, abs=0.05)  # vocals over the whole upload


async def test_one_call_upload_extend_and_upload_cover(
    client: AIMusicClient, files: FileHost
) -> None:
    url = files.put("hum.wav", tone(7, hz=330))
    extended = await client.upload_extend(
        m.UploadExtendRequest(
            url=url,
            continue_at=0.1,
            custom_mode=False,
            mv="sonic-v5",
            gpt_description_prompt="continue",
        )
    )
    covered = await client.upload_cover(
        m.UploadCoverRequest(
            url=url,
            custom_mode=False,
            mv="sonic-v5",
            gpt_description_prompt="edm cover",
        )
    )
    assert extended.upload_clip_id and covered.upload_clip_id
    for task_id in (extended.task_id, covered.task_id):
        assert all(c.state == "succeeded" for c in (await finished(client, task_id)).clips)


async def test_sample_mashup_and_replace_section(client: AIMusicClient, files: FileHost) -> None:
    a, b = (await song(client)).clips
    sampled = await client.sample(
        m.SampleRequest(
            url=files.put("hummed.wav", tone(9, hz=262)),
            chop_sample_start_s=1,
            chop_sample_end_s=8,
            custom_mode=False,
            mv="sonic-v4-5-all",
            gpt_description_prompt="a song from my humming",
        )
    )
    mashed = await client.mashup(
        m.MashupRequest(
            mashup_clip_ids=[a.clip_id, b.clip_id],
            custom_mode=False,
            mv="sonic-v5",
            gpt_description_prompt="mash them",
        )
    )
    replaced = await client.replace_section(
        m.ReplaceSectionRequest(
            clip_id=a.clip_id,
            infill_start_s=1,
            infill_end_s=3,
            infill_lyrics="new words here",
            mv="sonic-v5",
            auto_concat=True,
        )
    )
    for task_id in (sampled.task_id, mashed.task_id):
        assert all(c.state == "succeeded" for c in (await finished(client, task_id)).clips)
    pieces = (await finished(client, replaced.task_id)).clips
    assert [c.segment for c in pieces] == ["replaced", "full"]
    assert pieces[0].duration == pytest.approx(2.0, abs=0.05)
    assert pieces[1].duration == pytest.approx(a.duration or 0, abs=0.05)


async def test_stems_are_the_song_layers(client: AIMusicClient) -> None:
    clip = (await song(client)).clips[0]
    basic = await finished(
        client, (await client.stems_basic(m.ClipRequest(clip_id=clip.clip_id))).task_id
    )
    assert sorted(c.stem_type or "" for c in basic.clips) == ["instrumental", "vocals"]
    full = await finished(
        client, (await client.stems_full(m.ClipRequest(clip_id=clip.clip_id))).task_id
    )
    assert {"drums", "bass", "keys", "vocals"} <= {c.stem_type for c in full.clips}


async def test_analysis_endpoints_describe_the_real_song(client: AIMusicClient) -> None:
    clip = (await song(client, tags="rock")).clips[0]
    ref = m.ClipRequest(clip_id=clip.clip_id)
    bpm = await client.bpm(ref)
    assert 120 <= bpm.avg_bpm <= 132  # rock is planned around 126 bpm
    midi = await client.midi(ref)
    assert {i.name for i in midi.instruments} >= {"drums", "bass", "keys"}
    async with httpx.AsyncClient() as http:
        midi_file = mido.MidiFile(file=io.BytesIO((await http.get(midi.midi_url or "")).content))
    notes_in_file = sum(1 for track in midi_file.tracks for msg in track if msg.type == "note_on")
    assert notes_in_file == sum(len(i.notes) for i in midi.instruments)
    timeline = await client.aligned_lyrics(ref)
    assert timeline.alignment[0].word == (clip.lyrics or "").split("\n")[1].split()[0]
    vox = await client.vox(m.VoxRequest(clip_id=clip.clip_id, vocal_start_s=0, vocal_end_s=4))
    assert vox.source_clip_id == clip.clip_id
    wav = await client.wav(ref)
    assert await audio_seconds(wav.wav_url) == pytest.approx(clip.duration or 0, abs=0.05)
    tags = await client.upsample_tags(m.UpsampleTagsRequest(tags="rock"))
    assert tags.upsampled_tags.startswith("rock,") and "guitars" in tags.upsampled_tags


async def test_download_is_202_then_200_then_404_once_purged(
    client: AIMusicClient, sim: RunningSimulator
) -> None:
    clip = (await song(client)).clips[0]
    request = m.DownloadRequest(clip_id=clip.clip_id, formats=["mp3", "wav"])
    first = await client.download(request)
    assert not first.ready
    while not (ready := await client.download(request)).ready:
        pass  # the simulator prepares files in ~20 ms of wall time
    assert [f.format for f in ready.files] == ["mp3", "wav"]
    assert await audio_seconds(ready.files[1].file_url) == pytest.approx(
        clip.duration or 0, abs=0.05
    )
    sim.sim.clips[clip.clip_id].purged = True
    with pytest.raises(SourceExpired):
        await client.download(request)


async def test_download_encodes_real_aac_in_m4a(client: AIMusicClient) -> None:
    """The vendor's download offers mp3, m4a and wav; the simulator's m4a is real AAC."""
    clip = (await song(client)).clips[0]
    request = m.DownloadRequest(clip_id=clip.clip_id, formats=["m4a"])
    while not (ready := await client.download(request)).ready:
        pass
    async with httpx.AsyncClient() as http:
        body = (await http.get(ready.files[0].file_url)).content
    audio = mutagen.File(io.BytesIO(body))
    assert isinstance(audio, mutagen.mp4.MP4) and audio.info.codec == "mp4a.40.2"  # AAC-LC
    assert audio.info.length == pytest.approx(clip.duration or 0, abs=0.1)


async def test_lyrics_voice_and_credits(client: AIMusicClient, files: FileHost) -> None:
    lyrics = await client.lyrics(m.LyricsRequest(description="a song about sky"))
    assert len(lyrics.results) == 2 and all("sky" in r.lyrics for r in lyrics.results)
    voice_task = await client.create_voice(
        m.CreateVoiceRequest(audio_url=files.put("me.wav", tone(12)))
    )
    voice = await finished(client, voice_task.task_id)
    assert voice.result and voice.result["persona_id"]
    before = (await client.get_credits()).credits
    await client.bpm(m.ClipRequest(clip_id=(await song(client)).clips[0].clip_id))
    assert (await client.get_credits()).credits == before - 14 - 1  # a create and a BPM
