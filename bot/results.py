"""What a finished vendor task becomes: track rows and the result cards that present them.

Clips become tracks (a stem keeps its type in the title and offers no next steps); a Sonic
voice becomes a saved voice; an operation answered at once (a download, a video, lyrics)
becomes files written under the results folder, or text tracks that later steps can name.
The cards and rows are handed to :class:`~bot.outcomes.Outcomes`, which records and charges
for them in one transaction.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot import messages
from bot.aimusic.models import Clip, ProducerTask
from bot.catalog import CATALOG, Immediate, Operation, Source
from bot.domain import Action, Attachment, ResultCard, short_id
from bot.filenames import safe_name, within
from bot.joblanguage import in_job_language
from bot.outcomes import Outcomes
from bot.store import Store, jobs, outbox, tracks, voices
from bot.store.connection import Conn


def new_track(
    job: jobs.JobRow,
    now: float,
    *,
    origin: str,
    title: str,
    clip_id: str | None = None,
    tags: str | None = None,
    lyrics: str | None = None,
    duration: float | None = None,
    audio_url: str | None = None,
    image_url: str | None = None,
) -> tracks.TrackRow:
    """A result of ``job`` as a track row, named by keyword (a text track has no clip or audio)."""
    return tracks.TrackRow(
        id=short_id(6),
        job_id=job.id,
        platform=job.platform,
        scope=job.scope,
        user_id=job.user_id,
        clip_id=clip_id,
        origin=origin,
        title=title,
        tags=tags,
        lyrics=lyrics,
        duration=duration,
        audio_url=audio_url,
        image_url=image_url,
        created_at=now,
    )


def clip_title(clip: Clip) -> str:
    title = clip.title or messages.UNTITLED
    if clip.segment:
        return messages.segment_title(title, clip.segment)
    return (
        f"{title} ({clip.stem_type})" if clip.stem_type and clip.stem_type not in title else title
    )


def next_steps(op: Operation, track_id: str, lyrics: str | None = None) -> tuple[Action, ...]:
    """The next steps ``op`` declares for its results, less those that cannot apply to
    this one (a lyrics file of an instrumental), each button worded in the current language."""
    wanted = (CATALOG[name] for name in op.actions if name in CATALOG)
    return tuple(
        Action(step.name, messages.translated(step.label), track_id)
        for step in wanted
        if lyrics is None or step.applies_to(lyrics)
    )


class Results:
    def __init__(
        self,
        store: Store,
        outcomes: Outcomes,
        files: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.outcomes, self.files, self.clock = store, outcomes, files, clock

    async def collect(self, job: jobs.JobRow, task: ProducerTask) -> Immediate | None:
        """A finished Producer task whose result is not a new track (a download, a video,
        lyrics), read by its operation's ``collect``; None for the tasks that make tracks."""
        if job.state in jobs.TERMINAL:
            return None
        op = CATALOG[job.op]
        if op.collect is None:
            return None
        async with self.store.read() as conn:
            given = [await tracks.track(conn, t) for t in job.inputs.get("tracks", [])]
        source = next(
            (Source(clip_id=t.clip_id, title=t.title, lyrics=t.lyrics) for t in given if t), None
        )
        return op.collect(task.data, op.params(**job.params), source)

    @in_job_language
    async def clips(self, job: jobs.JobRow, clips: list[Clip], expected: int) -> None:
        """Deliver the clips that succeeded; ``expected`` is how many the task was to make."""
        if job.state in jobs.TERMINAL:
            return
        op = CATALOG[job.op]
        now = self.clock()
        rows = [
            new_track(
                job,
                now,
                clip_id=clip.clip_id,
                origin="stem" if clip.stem_type else "generated",
                title=clip_title(clip),
                tags=clip.tags,
                lyrics=clip.lyrics,
                duration=clip.duration,
                audio_url=clip.audio_url,
                image_url=clip.image_url,
            )
            for clip in clips
        ]
        cards = [
            outbox.OutboxItem.result(
                ResultCard(
                    job_id=job.id,
                    title=row.title,
                    track_id=row.id,
                    tags=row.tags,
                    duration=row.duration,
                    lyrics=row.lyrics,
                    cover_url=row.image_url,
                    link=row.audio_url,
                    actions=()
                    if row.origin == "stem"
                    else next_steps(op, row.id, row.lyrics or ""),
                ),
                [Attachment.remote(row.audio_url, f"{row.id}.mp3", "audio/mpeg")]
                if row.audio_url
                else [],
            )
            for row in rows
        ]
        await self.outcomes.succeed(job, rows, cards, expected=expected)

    @in_job_language
    async def voice(self, job: jobs.JobRow, result: dict[str, Any]) -> None:
        if job.state in jobs.TERMINAL:
            return
        persona_id, name = (
            str(result.get("persona_id")),
            str(result.get("name") or messages.VOICE_DEFAULT_NAME),
        )
        card = ResultCard(
            job_id=job.id,
            title=messages.voice_ready(name),
            text=messages.sing_with(name),
        )

        async def remember(conn: Conn) -> None:
            await voices.add_voice(conn, persona_id, job.member, name, self.clock())

        await self.outcomes.succeed(job, [], [outbox.OutboxItem.result(card)], also=remember)

    @in_job_language
    async def immediate(self, job: jobs.JobRow, outcome: Immediate) -> None:
        """Files are named after the track's title, which the member chose: sanitized, and
        written only inside the results folder."""
        fallback = (job.inputs.get("tracks") or [job.id])[0]
        attachments = []
        for made in outcome.made:
            filename = safe_name(made.filename, fallback)
            path = within(self.files, job.id, filename)
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            await asyncio.to_thread(path.write_bytes, made.data or b"")
            attachments.append(made.stored(str(path), filename))
        card = ResultCard(
            job_id=job.id, title=outcome.title, text=outcome.text, attachments=tuple(attachments)
        )
        fetch = [replace(f, filename=safe_name(f.filename, fallback)) for f in outcome.remote]
        if not outcome.lyrics:
            await self.outcomes.succeed(job, [], [outbox.OutboxItem.result(card, fetch)])
            return
        # Each set of lyrics is a text track (no audio), so its next steps can name it by id.
        now, op = self.clock(), CATALOG[job.op]
        rows = [
            new_track(job, now, origin="text", title=title, lyrics=words)
            for title, words in outcome.lyrics
        ]
        cards = [
            outbox.OutboxItem.result(
                ResultCard(
                    job_id=job.id,
                    title=row.title,
                    track_id=row.id,
                    text=row.lyrics,
                    actions=next_steps(op, row.id),
                )
            )
            for row in rows
        ]
        await self.outcomes.succeed(job, rows, cards)
