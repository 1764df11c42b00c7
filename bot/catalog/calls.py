"""Each operation's call to the music service, and how a finished task that makes no new track
(a download, a video, lyrics, a timeline) becomes a result.

The calls turn typed parameters and resolved sources into the vendor's request models; they
never sleep or poll (a file still being prepared answers :class:`NotReady`, and the scheduler
asks again).
"""

from __future__ import annotations

import re
from typing import Any

from bot import messages
from bot.aimusic import AIMusicClient
from bot.aimusic import models as m
from bot.aimusic.errors import UpstreamUnavailable
from bot.catalog.operation import Env, Immediate, NotReady, Outcome, Source, Submitted
from bot.catalog.params import (
    ComposeParams,
    CoverParams,
    DownloadParams,
    ExtendParams,
    InstrumentalParams,
    LyricsParams,
    MashupParams,
    NoParams,
    PersonaParams,
    ProducerParams,
    RemasterParams,
    ReplaceParams,
    SampleParams,
    SongParams,
    TagsParams,
    VocalsParams,
    VoxParams,
)
from bot.domain import Attachment


def _mv(model: str | None, env: Env) -> Any:
    return model or env.default_model


async def _sonic(client: AIMusicClient, env: Env, **fields: Any) -> Submitted:
    request = m.SonicCreateRequest(
        **{k: v for k, v in fields.items() if v is not None}, **env.hooks()
    )
    return Submitted("sonic", (await client.sonic_create(request)).task_id)


async def create(client: AIMusicClient, p: SongParams, _: list[Source], env: Env) -> Outcome:
    return await _sonic(
        client,
        env,
        custom_mode=False,
        gpt_description_prompt=p.prompt,
        make_instrumental=p.instrumental or None,
        tags=p.tags,
        mv=_mv(p.model, env),
        duration=p.duration,
    )


async def compose(client: AIMusicClient, p: ComposeParams, _: list[Source], env: Env) -> Outcome:
    return await _sonic(
        client,
        env,
        custom_mode=True,
        prompt=p.lyrics,
        title=p.title,
        tags=p.tags,
        negative_tags=p.negative_tags,
        vocal_gender=p.vocal_gender,
        mv=_mv(p.model, env),
        style_weight=p.style_weight,
        weirdness_constraint=p.weirdness,
    )


def _words(prompt: str | None, lyrics: str | None, fallback: str) -> dict[str, Any]:
    if lyrics:
        return {"custom_mode": True, "prompt": lyrics}
    return {"custom_mode": False, "gpt_description_prompt": prompt or fallback}


async def extend(client: AIMusicClient, p: ExtendParams, src: list[Source], env: Env) -> Outcome:
    source = src[0]
    default_at = 0.1 if source.uploaded else max(0.1, (source.duration or 1) - 0.5)
    return await _sonic(
        client,
        env,
        task_type="extend_upload_music" if source.uploaded else "extend_music",
        continue_clip_id=source.clip_id,
        continue_at=p.at if p.at is not None else default_at,
        tags=p.tags,
        mv=_mv(p.model, env),
        duration=p.duration,
        **_words(p.prompt, p.lyrics, "continue the song in the same style"),
    )


async def cover(client: AIMusicClient, p: CoverParams, src: list[Source], env: Env) -> Outcome:
    source = src[0]
    return await _sonic(
        client,
        env,
        task_type="cover_upload_music" if source.uploaded else "cover_music",
        continue_clip_id=source.clip_id,
        tags=p.tags,
        mv=_mv(p.model, env),
        **_words(p.prompt, p.lyrics, f"a cover in the style of {p.tags or 'a fresh genre'}"),
    )


async def concat(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    return await _sonic(client, env, task_type="concat_music", continue_clip_id=src[0].clip_id)


async def remaster(
    client: AIMusicClient, p: RemasterParams, src: list[Source], env: Env
) -> Outcome:
    return await _sonic(
        client,
        env,
        task_type="remaster",
        continue_clip_id=src[0].clip_id,
        mv=_mv(p.model, env),
        variation_category=p.strength,
    )


async def vocals(client: AIMusicClient, p: VocalsParams, src: list[Source], env: Env) -> Outcome:
    return await _sonic(
        client,
        env,
        task_type="add_vocals",
        continue_clip_id=src[0].clip_id,
        custom_mode=True,
        prompt=p.lyrics,
        tags=p.tags,
        vocal_gender=p.vocal_gender,
        mv=_mv(p.model, env),
    )


async def instrumental(
    client: AIMusicClient, p: InstrumentalParams, src: list[Source], env: Env
) -> Outcome:
    return await _sonic(
        client,
        env,
        task_type="add_instrumental",
        continue_clip_id=src[0].clip_id,
        custom_mode=False,
        gpt_description_prompt=p.prompt or "a full band backing",
        tags=p.tags,
        mv=_mv(p.model, env),
    )


async def replace(client: AIMusicClient, p: ReplaceParams, src: list[Source], env: Env) -> Outcome:
    request = m.ReplaceSectionRequest(
        clip_id=src[0].clip_id or "",
        infill_start_s=p.start,
        infill_end_s=p.end,
        infill_lyrics=p.lyrics,
        prompt=src[0].lyrics or None,
        mv=_mv(p.model, env),
        auto_concat=True,
        **env.hooks(),
    )
    return Submitted("sonic", (await client.replace_section(request)).task_id)


async def sample(client: AIMusicClient, p: SampleParams, src: list[Source], env: Env) -> Outcome:
    source = src[0]
    request = m.SampleRequest(
        url=source.media_url,
        sample_clip_id=None if source.media_url else source.clip_id,
        chop_sample_start_s=p.start,
        chop_sample_end_s=p.end,
        custom_mode=False,
        gpt_description_prompt=p.prompt,
        mv=p.model or _mv(None, env),
        **env.hooks(),
    )
    return Submitted("sonic", (await client.sample(request)).task_id)


async def mashup(client: AIMusicClient, p: MashupParams, src: list[Source], env: Env) -> Outcome:
    request = m.MashupRequest(
        mashup_clip_ids=[s.clip_id or "" for s in src],
        custom_mode=False,
        gpt_description_prompt=p.prompt,
        mv=_mv(p.model, env),
        **env.hooks(),
    )
    return Submitted("sonic", (await client.mashup(request)).task_id)


async def stems(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    return Submitted(
        "sonic", (await client.stems_basic(m.ClipRequest(clip_id=src[0].clip_id or ""))).task_id
    )


async def stems_full(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    return Submitted(
        "sonic", (await client.stems_full(m.ClipRequest(clip_id=src[0].clip_id or ""))).task_id
    )


# A file being prepared is asked for again this many times, ever less often (2 s, 3 s, …, at
# most 10 s: about a minute and a half), before the submission gives up as unavailable (and is
# retried like any other).
PREPARE_ASKS = 12


async def _prepared(
    client: AIMusicClient,
    clip_id: str,
    fmt: str,
    file_name: str,
    title: str,
    env: Env,
    late: str,
) -> Outcome:
    """One ask of the Sonic /download, which answers 202 while it prepares the files."""
    answer = await client.download(m.DownloadRequest(clip_id=clip_id, formats=[fmt]))
    if answer.ready:
        file = answer.files[0]
        return Immediate(
            title=title, remote=(Attachment.remote(file.file_url, file_name, MIME[fmt]),)
        )
    if env.asked + 1 >= PREPARE_ASKS:
        raise UpstreamUnavailable(late)
    return NotReady(min(10.0, 2.0 * 1.5**env.asked) * env.poll_scale)


async def wav(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    return await _prepared(
        client,
        src[0].clip_id or "",
        "wav",
        f"{src[0].title or messages.TRACK_FILE_NAME}.wav",
        messages.file_of("wav", src[0].title),
        env,
        messages.WAV_STILL_PREPARING,
    )


MIME = {"mp3": "audio/mpeg", "m4a": "audio/mp4", "wav": "audio/wav", "mp4": "video/mp4"}


async def download(
    client: AIMusicClient, p: DownloadParams, src: list[Source], env: Env
) -> Outcome:
    """A track in the member's format: the Sonic download (202 while it prepares, asked again
    free) or, for a Producer track, the Producer's download task."""
    source = src[0]
    if source.product == "producer":
        request = m.ProducerDownloadRequest(clip_id=source.clip_id or "", format=p.format)
        task = await client.producer_download(request)
        return Submitted("producer", task.task_id, hooked=False)
    return await _prepared(
        client,
        source.clip_id or "",
        p.format,
        f"{source.title or messages.TRACK_FILE_NAME}.{p.format}",
        messages.file_of(p.format, source.title),
        env,
        messages.FILE_STILL_PREPARING,
    )


def downloaded(data: list[dict[str, Any]], p: DownloadParams, src: Source | None) -> Immediate:
    title = src.title if src else messages.TRACK_FILE_NAME
    files = tuple(
        Attachment.remote(str(item["audio_url"]), f"{title}.{p.format}", MIME[p.format])
        for item in data[:1]
        if item.get("audio_url")
    )
    return Immediate(title=messages.file_of(p.format, title), remote=files)


async def video(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.producer_video_clip(m.ClipRequest(clip_id=src[0].clip_id or ""))
    return Submitted("producer", answer.task_id, hooked=False)


def filmed(data: list[dict[str, Any]], _: NoParams, src: Source | None) -> Immediate:
    title = src.title if src else messages.TRACK_FILE_NAME
    files = tuple(
        Attachment.remote(str(item["video_url"]), f"{title}.mp4", MIME["mp4"])
        for item in data[:1]
        if item.get("video_url")
    )
    return Immediate(title=messages.video_of(title), remote=files)


async def upload(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.producer_upload(m.ProducerUploadRequest(url=src[0].media_url or ""))
    return Submitted("producer", answer.task_id, hooked=False)


async def midi(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.midi(m.ClipRequest(clip_id=src[0].clip_id or ""))
    notes = sum(len(i.notes) for i in answer.instruments)
    text = messages.midi_notes(notes, [i.name for i in answer.instruments])
    files = (
        (
            Attachment.remote(
                answer.midi_url, f"{src[0].title or messages.TRACK_FILE_NAME}.mid", "audio/midi"
            ),
        )
        if answer.midi_url
        else ()
    )
    return Immediate(title=messages.midi_of(src[0].title), text=text, remote=files)


async def bpm(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.bpm(m.ClipRequest(clip_id=src[0].clip_id or ""))
    text = messages.tempo(answer.avg_bpm, answer.min_bpm, answer.max_bpm)
    return Immediate(title=messages.tempo_of(src[0].title), text=text)


async def vox(client: AIMusicClient, p: VoxParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.vox(
        m.VoxRequest(clip_id=src[0].clip_id or "", vocal_start_s=p.start, vocal_end_s=p.end)
    )
    return Immediate(
        title=messages.vocals_of(src[0].title),
        text=messages.vocals_isolated(
            answer.vocal_start_s or 0, answer.vocal_end_s or 0, str(answer.vox_audio_id)
        ),
    )


def _stamp(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"[{int(minutes):02d}:{rest:05.2f}]"


def lrc(words: list[m.AlignedWord], lyrics: str | None = None) -> bytes:
    """An .lrc file: one timed line per line of the lyrics, as karaoke players expect.

    The vendor times words, not lines, so the lyrics' own lines (section tags such as [Verse]
    and blank lines left out) take as many timed words as they hold, each line stamped with its
    first sung word. Without the lyrics, a line ends at a sentence mark or after eight words."""
    lines: list[str] = []
    sung = [re.sub(r"\[[^\]]*\]", " ", line).strip() for line in (lyrics or "").splitlines()]
    queue = list(words)
    for line in (line for line in sung if line):
        count = len(line.split())
        taken, queue = queue[:count], queue[count:]
        start = next((w.start_s for w in taken if w.start_s is not None), None)
        if start is not None:
            lines.append(f"{_stamp(start)}{' '.join(line.split())}")
    current: list[str] = []
    start = None
    for word in queue:  # words the lyrics did not account for (or no lyrics at all)
        if word.start_s is None:
            continue
        start = word.start_s if start is None else start
        current.append(word.word)
        if len(current) == 8 or word.word.endswith((".", ",", "!", "?")):
            lines.append(f"{_stamp(start)}{' '.join(current)}")
            current, start = [], None
    if current and start is not None:
        lines.append(f"{_stamp(start)}{' '.join(current)}")
    return ("\n".join(lines) + "\n").encode()


async def timeline(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    answer = await client.aligned_lyrics(m.ClipRequest(clip_id=src[0].clip_id or ""))
    name = f"{src[0].title or messages.TRACK_FILE_NAME}.lrc"
    return Immediate(
        title=messages.timeline_of(src[0].title),
        made=(Attachment.made(name, lrc(answer.alignment, src[0].lyrics), "text/plain"),),
    )


async def tags(client: AIMusicClient, p: TagsParams, _: list[Source], env: Env) -> Outcome:
    answer = await client.upsample_tags(m.UpsampleTagsRequest(tags=p.tags))
    return Immediate(title=messages.RICHER_TAGS, text=answer.upsampled_tags)


async def lyrics(client: AIMusicClient, p: LyricsParams, _: list[Source], env: Env) -> Outcome:
    if p.writer == "producer":
        request = m.ProducerLyricsRequest(prompt=p.description)
        task = await client.producer_lyrics_create(request)
        return Submitted("producer", task.task_id, hooked=False)
    answer = await client.lyrics(m.LyricsRequest(description=p.description))
    return written([r.model_dump() for r in answer.results], p, None)


def written(data: list[dict[str, Any]], p: LyricsParams, _: Source | None) -> Immediate:
    sets = tuple(
        (str(item.get("title") or messages.UNTITLED), str(item["lyrics"]))
        for item in data
        if item.get("lyrics")
    )
    return Immediate(title=messages.lyrics_about(p.description), lyrics=sets)


async def voice(client: AIMusicClient, _: NoParams, src: list[Source], env: Env) -> Outcome:
    request = m.CreateVoiceRequest(audio_url=src[0].media_url or "")
    return Submitted("sonic", (await client.create_voice(request)).task_id)


async def persona(client: AIMusicClient, p: PersonaParams, _: list[Source], env: Env) -> Outcome:
    return await _sonic(
        client,
        env,
        task_type="persona_music",
        persona_id=p.voice,
        tags=p.tags,
        mv=_mv(p.model, env),
        **_words(p.prompt, p.lyrics, "a song in my voice"),
    )


async def producer(client: AIMusicClient, p: ProducerParams, _: list[Source], env: Env) -> Outcome:
    request = m.ProducerCreateRequest(
        sound=p.prompt,
        lyrics=p.lyrics,
        title=p.title,
        make_instrumental=p.instrumental or None,
        **env.hooks(),
    )
    return Submitted("producer", (await client.producer_create(request)).task_id)
