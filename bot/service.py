"""The facade every adapter calls: run an operation, read balances and history, moderate.

``run`` does, in order: validate the arguments, resolve the inputs (tracks, voices, member
audio, which is downloaded and checked here, before any charge), price the operation, then place
the hold and insert the job in ONE transaction keyed by the platform's event id. Anything wrong
raises :class:`Refused` with the sentence to show, having changed nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from bot import i18n, messages
from bot.aimusic import AIMusicClient, AIMusicError
from bot.aimusic.models import UploadRequest
from bot.catalog import CATALOG, Needs, Operation
from bot.delivery import Kept, kept_for
from bot.domain import (
    Actor,
    AudioInput,
    JobView,
    Member,
    Progress,
    ReplyTarget,
    Scope,
    TrackView,
    short_id,
)
from bot.i18n import speaking
from bot.ledger import Hold, Ledger, LedgerRefusal, TooManyJobs
from bot.media import Media, MediaRefused, reusable_upload
from bot.moderation import Moderation, ModerationRefused, NotModerator
from bot.panel.access import PanelAccess
from bot.progress import StatusMessages
from bot.reports import Reports
from bot.store import Store, jobs, languages, media, outbox, tracks, updates, voices
from bot.store import journal as j
from bot.store.connection import Conn


class Refused(Exception):
    """The request changes nothing; ``str()`` is the sentence to show the member."""


class Busy(Refused):
    """Refused only because the member already has as many jobs running as allowed: the same
    request succeeds once one of them finishes (a console script waits for that)."""


class ButtonGone(Refused):
    """A button whose track (or operation) no longer exists; each platform words it its way."""


class NotYours(Refused):
    """A button pressed by someone who neither made its track nor moderates where it lives."""


class Forbidden(Refused):
    """A moderator's request from someone who does not moderate the scope."""


@dataclass(frozen=True)
class Request:
    op: str
    actor: Actor
    scope: Scope
    target: ReplyTarget
    request_key: str
    args: dict[str, Any] = field(default_factory=dict)
    tracks: tuple[str, ...] = ()
    audio: tuple[AudioInput, ...] = ()


@dataclass(frozen=True)
class Accepted:
    job_id: str
    op: str
    price: int
    position: int
    available_after: int
    replayed: bool = False


def explain(error: ValidationError, operation: Operation) -> str:
    """The first problem with a command's arguments, in words a member can act on."""
    op = operation.name
    problem = error.errors()[0]
    name = ".".join(str(p) for p in problem["loc"]) or "arguments"
    kind, ctx = problem["type"], problem.get("ctx") or {}
    if kind == "missing":
        return messages.missing_parameter(op, name)
    if kind == "extra_forbidden":
        return messages.no_such_option(op, name)
    if kind == "not_text":
        return messages.not_text(name, ctx["why"], ctx["codepoint"])
    if kind == "string_too_long":
        return messages.too_long(name, ctx.get("max_length"))
    if kind == "string_too_short":
        return messages.cannot_be_empty(name)
    if kind == "span_order":
        return messages.span_out_of_order(ctx["start"], ctx["end"])
    if kind == "literal_error":
        return messages.one_of(name, ctx.get("expected"))
    return messages.invalid_value(name, messages.validation_problem(kind, ctx, problem["msg"]))


class Service:
    def __init__(
        self,
        store: Store,
        ledger: Ledger,
        media: Media,
        client: AIMusicClient,
        statuses: StatusMessages,
        wake: asyncio.Event,
        delivery_wake: asyncio.Event,
        clock: Callable[[], float] = time.time,
        panel_url: str | None = None,
    ) -> None:
        self.store, self.ledger, self.media, self.client = store, ledger, media, client
        self.statuses = statuses  # shows the queued job's status message
        self.wake = wake  # tells the scheduler a job was queued
        self.delivery_wake = delivery_wake  # tells delivery a result was queued again (/mod repost)
        self.clock = clock
        self.moderation = Moderation(ledger)
        self.reports = Reports(ledger, self.moderation, client)
        # the moderators' web panel, at ``panel_url`` (the bot's public or loopback address)
        self.panel = PanelAccess(store, self.moderation, panel_url)

    # --- running operations --------------------------------------------------------------------
    async def run(self, request: Request) -> Accepted:
        op = CATALOG.get(request.op)
        if op is None:
            raise Refused(messages.unknown_command(request.op))
        member = Member(request.scope, request.actor.user_id)
        request = await self._lyrics_from_track(op, request)
        try:
            params = op.params(**request.args)
        except ValidationError as exc:
            raise Refused(explain(exc, op)) from None
        args = params.model_dump(exclude_none=True)
        tracks = await self._tracks(op, request, params)
        if op.voice is not None:
            args[op.voice] = await self._voice(member, args[op.voice])
        inputs: dict[str, Any] = {"tracks": [t.id for t in tracks], "media": []}
        uploads = False  # whether the vendor will have to upload the member's audio
        private_upload = False  # uploaded here, at command time, while the platform link works
        if request.audio:
            audio = request.audio[0]
            private = self.media.config.public_base_url is None
            if private and (not audio.shareable or op.by_link):
                raise Refused(messages.AUDIO_NEEDS_PUBLIC_URL)
            try:
                stored = await self.media.intake(audio, member)
            except MediaRefused as exc:
                raise Refused(str(exc)) from None
            if stored.duration <= op.audio_over:  # the vendor would refuse it after the charge
                raise Refused(messages.audio_too_short_for(op.name, op.audio_over, stored.duration))
            inputs["media"] = [stored.id]
            uploads = not op.by_link and reusable_upload(stored, self.clock()) is None
            if private:
                await self._upload_while_fresh(stored, audio.location)
                private_upload = uploads
        job_id = short_id()
        fingerprint = {"op": op.name, "args": args, "inputs": dict(inputs)}
        if private_upload:
            inputs["uploaded"] = True  # done above, at command time: the fee is owed

        async def place(conn: Conn) -> tuple[Hold, jobs.JobRow, int | None]:
            """The price, the hold and the job in one transaction function: the store runs it
            whole on its thread, batched with the other commands arriving at the same time."""
            account = await j.find_account(conn, member)
            policy = await self.ledger.policy_in(
                conn, member.scope, account.id if account else None
            )
            fee = policy.price(op.upload_price) if uploads else 0
            price = policy.price(op.price) + fee
            inputs["upload_fee"] = fee  # returned at the end unless the vendor really uploads
            hold = await self.ledger.hold_in(
                conn,
                member,
                price,
                job_id=job_id,
                op=op.name,
                request_key=request.request_key,
                payload=fingerprint,
                reason=f"/{op.name}",
            )
            if hold.replayed:
                existing = await jobs.job_by_hold(conn, hold.hold_id)
                assert existing is not None
                return hold, existing, 0
            await jobs.insert_job(
                conn,
                job_id=job_id,
                member=member,
                op=op.name,
                params=args,
                inputs=inputs,
                target=request.target,
                hold_id=hold.hold_id,
                now=self.clock(),
            )
            job = await jobs.job(conn, job_id)
            assert job is not None
            if self.store.shared:
                return hold, job, None  # counted below
            return hold, job, await jobs.queue_position(conn, job)

        try:
            hold, job, position = await self.store.transact(place)
        except TooManyJobs as exc:
            raise Busy(str(exc)) from None
        except LedgerRefusal as exc:
            raise Refused(str(exc)) from None
        if hold.replayed:
            return Accepted(job.id, op.name, hold.amount, 0, hold.available_after, replayed=True)
        if position is None:
            # Shared by several instances (PostgreSQL), the queue is counted after the commit,
            # in a snapshot: inside the serializable transaction, a read of the whole queue
            # conflicts with every claim and poll the instances write, and under load the
            # command was retried until it gave up.
            position = await self.store.snapshot(lambda conn: jobs.queue_position(conn, job))
        self.wake.set()
        with speaking(request.target.language):  # the job's status is posted, for everyone there
            text = messages.queued(job_id, op.name, position)
        await self.statuses.status(job, text, force=True)
        return Accepted(job_id, op.name, hold.amount, position, hold.available_after)

    async def _upload_while_fresh(self, stored: media.MediaRow, location: str) -> None:
        """Without PUBLIC_BASE_URL the vendor can only fetch the member's audio from the
        platform's own link, and Discord signs those links to expire: a job queued for a while
        would hand the vendor a dead link. So it is uploaded to the vendor now, while the link
        works, and the job uses the vendor's clip (reused for a day, like any upload). This is
        before the hold: a refused hold leaves an upload the member's next try reuses."""
        if reusable_upload(stored, self.clock()) is not None:
            return
        try:
            clip = await self.client.upload(UploadRequest(url=location))
        except AIMusicError:
            raise Refused(messages.AUDIO_UPLOAD_FAILED) from None
        async with self.store.write() as conn:
            await media.set_vendor_clip(conn, stored.id, clip.clip_id, self.clock())

    async def _lyrics_from_track(self, op: Operation, request: Request) -> Request:
        """An operation that ``uses_lyrics`` given a lyrics result (not a song) takes its words:
        "use these lyrics" names the result by id, and the text never rides in a button."""
        if not op.uses_lyrics or len(request.tracks) != 1 or "lyrics" in request.args:
            return request
        async with self.store.read() as conn:
            track = await tracks.track(conn, request.tracks[0].strip().lower())
        if (
            track is None
            or track.origin != "text"
            or (track.platform, track.scope) != (request.scope.platform, request.scope.id)
        ):
            return request
        return replace(request, args={**request.args, "lyrics": track.lyrics or ""}, tracks=())

    async def _tracks(self, op: Operation, request: Request, params: Any) -> list[tracks.TrackRow]:
        needs = op.needs
        wanted = {Needs.TRACK: 1, Needs.TWO_TRACKS: 2, Needs.TRACK_OR_AUDIO: 1}.get(needs, 0)
        audio_ok = needs in (Needs.AUDIO, Needs.UPLOAD, Needs.TRACK_OR_AUDIO)
        if request.audio and not audio_ok:
            raise Refused(messages.not_on_audio(op.name, needs.value))
        if needs == Needs.UPLOAD and not request.audio:
            raise Refused(messages.needs_upload(op.name))
        if needs == Needs.AUDIO and not request.audio:
            raise Refused(messages.needs_audio(op.name))
        if needs == Needs.TRACK_OR_AUDIO and not request.audio and not request.tracks:
            raise Refused(messages.needs_track_or_audio(op.name))
        if request.audio:
            wanted = 0
        if len(request.tracks) != wanted and not (needs == Needs.NOTHING and not request.tracks):
            if wanted == 0:
                raise Refused(messages.takes_no_track(op.name))
            raise Refused(messages.needs_tracks(op.name, needs.value))
        found: list[tracks.TrackRow] = []
        if not request.tracks:
            return found  # most commands name no track: no need to wait for the store
        async with self.store.read() as conn:
            for track_id in request.tracks:
                track = await tracks.track(conn, track_id.strip().lower())
                if track is None or (track.platform, track.scope) != (
                    request.scope.platform,
                    request.scope.id,
                ):
                    raise Refused(messages.unknown_track(track_id))
                if track.clip_id is None:
                    raise Refused(messages.track_without_audio(track_id))
                if not op.applies_to(track.lyrics):
                    raise Refused(messages.no_sung_words(track_id, op.name))
                if op.refuse is not None:
                    source = await jobs.job(conn, track.job_id)
                    why = op.refuse(source.op if source else "", params)
                    if why is not None:
                        raise Refused(why)
                found.append(track)
        return found

    async def _voice(self, member: Member, name: str) -> str:
        async with self.store.read() as conn:
            persona_id = await voices.find_voice(conn, member, name)
        if persona_id is None:
            raise Refused(messages.unknown_voice(name))
        return persona_id

    # --- buttons -------------------------------------------------------------------------------
    async def button(
        self,
        track_id: str,
        actor: Actor,
        *,
        usable: Callable[[TrackView], bool] | None = None,
        admin: Callable[[], Awaitable[bool]] | None = None,
    ) -> TrackView:
        """The track a result's button names, if the presser may use it: the member who made
        it, or a moderator where it lives. Raises :class:`ButtonGone` when the track is gone
        (or not ``usable`` for this button), :class:`NotYours` otherwise. ``admin`` is asked
        only when the presser is not the owner: where knowing costs a platform call."""
        async with self.store.read() as conn:
            row = await tracks.track(conn, track_id)
        track = None if row is None else _track_view(row)
        if track is None or (usable is not None and not usable(track)):
            raise ButtonGone(track_id)
        if track.owner == actor.user_id:
            return track
        if admin is not None and await admin():
            return track
        if not await self.moderation.is_moderator(actor, track.scope):
            raise NotYours(track_id)
        return track

    async def lyrics_to_use(
        self,
        track_id: str,
        actor: Actor,
        *,
        admin: Callable[[], Awaitable[bool]] | None = None,
    ) -> TrackView:
        """The lyrics result "use these lyrics" names, checked like any button: one of
        /lyrics' sets whose words are still there, on every platform."""
        return await self.button(
            track_id,
            actor,
            usable=lambda track: track.is_lyrics and bool(track.lyrics),
            admin=admin,
        )

    async def press(
        self,
        op: str,
        track_id: str,
        actor: Actor,
        target: ReplyTarget,
        request_key: str,
        *,
        admin: Callable[[], Awaitable[bool]] | None = None,
    ) -> Accepted:
        """A result's button: ``op`` on its track, in the track's scope, checked by
        :meth:`button` first."""
        if op not in CATALOG:
            raise ButtonGone(track_id)
        track = await self.button(track_id, actor, admin=admin)
        request = Request(op, actor, track.scope, target, request_key, tracks=(track_id,))
        return await self.run(request)

    async def lyrics_result(self, track_ids: Iterable[str]) -> TrackView | None:
        """The first of ``track_ids`` that is a lyrics result (one of /lyrics' sets)."""
        async with self.store.read() as conn:
            for track_id in track_ids:
                row = await tracks.track(conn, track_id)
                if row is not None and row.origin == "text" and row.lyrics:
                    return _track_view(row)
        return None

    # --- waiting for jobs ------------------------------------------------------------------------
    async def progress(self, job_ids: Iterable[str]) -> Progress:
        """How far these jobs got, and whether any of their results is still to be delivered
        (another platform's rows, which this process may not even serve, are not waited for)."""
        wanted = list(job_ids)
        async with self.store.read() as conn:
            rows = [await jobs.job(conn, job_id) for job_id in wanted]
            waiting = await outbox.pending_of(conn, wanted)
        views = tuple(_job_view(row) for row in rows if row is not None)
        return Progress(views, delivering=bool(waiting))

    async def unfinished(self, platform: str) -> list[JobView]:
        """The jobs of ``platform`` that have not finished (a restarted console waits for them)."""
        found: list[JobView] = []
        async with self.store.read() as conn:
            for state in ("queued", "submitting", "running", "unconfirmed"):
                for row in await jobs.jobs_in(conn, state, limit=1_000_000):
                    if row.platform == platform:
                        found.append(_job_view(row))
        return found

    async def results(self, job_id: str) -> tuple[JobView | None, list[TrackView]]:
        """A job and the tracks it made (a /lyrics result's sets are tracks too)."""
        async with self.store.read() as conn:
            row = await jobs.job(conn, job_id)
            made = await tracks.job_tracks(conn, job_id)
        job = None if row is None else _job_view(row)
        return job, [_track_view(t) for t in made]

    # --- reading ---------------------------------------------------------------------------------
    async def balance(self, actor: Actor, scope: Scope) -> str:
        return (await self.ledger.balance(Member(scope, actor.user_id))).describe()

    async def history(
        self, actor: Actor, scope: Scope, page: int = 0, per_page: int = 10
    ) -> list[TrackView]:
        async with self.store.read() as conn:
            rows = await tracks.user_tracks(
                conn, Member(scope, actor.user_id), limit=per_page, offset=page * per_page
            )
        return [_track_view(row) for row in rows]

    async def kept(self, actor: Actor, scope: Scope) -> list[Kept]:
        """Results that could not be posted anywhere, kept (with their files) for the member."""
        return await kept_for(self.store, Member(scope, actor.user_id))

    async def kept_text(self, actor: Actor, scope: Scope) -> str | None:
        """The same as a paragraph for /mysongs on any platform, or ``None`` when there are none."""
        found = await self.kept(actor, scope)
        if not found:
            return None
        return messages.undelivered([(k.job_id, k.title, k.names()) for k in found])

    async def voices(self, actor: Actor, scope: Scope) -> list[str]:
        async with self.store.read() as conn:
            return await voices.voices(conn, Member(scope, actor.user_id))

    async def job(self, job_id: str) -> jobs.JobRow | None:
        async with self.store.read() as conn:
            return await jobs.job(conn, job_id)

    async def first_sight(self, source: str, update_id: int) -> bool:
        """Whether a platform update (``update_id`` from the bot ``source``) is new to every
        instance: it is recorded in the store, so a redelivery handed to any instance, this
        one or another, answers False and is dropped."""
        now = self.clock()
        return await self.store.transact(
            lambda conn: updates.first_sight(conn, source, update_id, now)
        )

    async def help(
        self,
        scope: Scope,
        account: tuple[tuple[str, str], ...] = (
            ("balance", messages.HELP_CREDITS),
            ("history", messages.HELP_HISTORY),
            ("help", messages.HELP_LIST),
        ),
    ) -> str:
        """Every enabled operation at this scope's prices, then the platform's account commands."""
        policy = await self.ledger.policy(Member(scope, ""))
        lines = []
        for op in CATALOG.values():
            if op.name in policy.disabled_ops:
                continue
            lines.append(
                messages.help_operation(op.name, op.needs.value, op.summary, policy.price(op.price))
            )
        lines += [messages.help_command(name, text) for name, text in account]
        return "\n".join(lines)

    # --- languages ------------------------------------------------------------------------------
    async def language(self, actor: Actor, scope: Scope, platform_locale: str | None) -> str:
        """What Chorus speaks to this member here: their own choice, else the community's,
        else their platform's locale (Discord's interaction locale, Telegram's language_code),
        else the operator's DEFAULT_LANGUAGE."""
        async with self.store.read() as conn:
            chosen = await languages.member_language(conn, scope.platform, actor.user_id)
            community = await languages.scope_language(conn, scope)
        return i18n.first_spoken(chosen, community, platform_locale)

    async def public_language(self, scope: Scope, platform_locale: str | None) -> str:
        """What Chorus posts in for everyone in a community: the moderators' choice, else the
        platform's (Discord's guild locale), else the operator's default."""
        async with self.store.read() as conn:
            community = await languages.scope_language(conn, scope)
        return i18n.first_spoken(community, platform_locale)

    async def choose_language(self, actor: Actor, scope: Scope, code: str | None) -> str:
        """/language: with no code, which language and which others; with one, remember it
        (``auto`` forgets the choice). Answers in the language now spoken."""
        if not code:
            current = await self.language(actor, scope, None)
            with i18n.speaking(current):
                return messages.language_current(current, list(i18n.SHIPPED))
        wanted = code.strip()
        language = None if wanted.lower() == "auto" else i18n.resolve(wanted)
        if language is None and wanted.lower() != "auto":
            raise Refused(messages.unknown_language(wanted, [*i18n.SHIPPED, "auto"]))
        async with self.store.write() as conn:
            await languages.set_member_language(
                conn, scope.platform, actor.user_id, language, self.clock()
            )
        if language is None:
            with i18n.speaking(await self.language(actor, scope, None)):
                return messages.language_cleared()
        with i18n.speaking(language):
            return messages.language_set(language)

    # --- moderators -----------------------------------------------------------------------------
    async def upstream_credits(self, actor: Actor, scope: Scope) -> str:
        if not await self.moderation.is_moderator(actor, scope):
            raise Refused(messages.not_moderator())
        try:
            credits = await self.client.get_credits()
        except AIMusicError as exc:
            raise Refused(messages.vendor_silent(exc.message)) from None
        return messages.music_service_credits(credits.credits, credits.extra_credits)

    async def moderate(self, action: str, actor: Actor, *args: Any, **kwargs: Any) -> Any:
        """Call a :class:`Moderation` method, turning its refusals into :class:`Refused`."""
        method = getattr(self.moderation, action, None)
        if method is None or action.startswith("_") or action == "is_moderator":
            raise Refused(messages.unknown_moderator_action(action))
        try:
            return await method(actor, *args, **kwargs)
        except NotModerator as exc:
            raise Forbidden(str(exc)) from None
        except ModerationRefused as exc:
            raise Refused(str(exc)) from None

    async def report(self, name: str, actor: Actor, *args: Any, **kwargs: Any) -> Any:
        """Call a :class:`Reports` method (what the panel's pages show), refusals as with
        :meth:`moderate`."""
        method = getattr(self.reports, name, None)
        if method is None or name.startswith("_"):
            raise Refused(messages.unknown_moderator_action(name))
        try:
            return await method(actor, *args, **kwargs)
        except NotModerator as exc:
            raise Forbidden(str(exc)) from None

    async def panel_link(self, actor: Actor, scope: Scope) -> str:
        """``/mod panel``: a one-time link to the web panel for this scope, for moderators."""
        try:
            return await self.panel.link(actor, scope)
        except NotModerator as exc:
            raise Forbidden(str(exc)) from None

    async def repost(
        self, actor: Actor, scope: Scope, job_id: str, reason: str | None = None
    ) -> int:
        """Post a job's undelivered results again (audited); how many were queued."""
        count: int = await self.moderate("repost", actor, scope, job_id, reason)
        self.delivery_wake.set()
        return count


def _lyrics_result(track: TrackView) -> bool:
    return track.is_lyrics and bool(track.lyrics)


def _track_view(row: tracks.TrackRow) -> TrackView:
    return TrackView(
        id=row.id,
        title=row.title,
        owner=row.user_id,
        scope=Scope(row.platform, row.scope),
        duration=row.duration,
        lyrics=row.lyrics,
        is_lyrics=row.origin == "text",
    )


def _job_view(row: jobs.JobRow) -> JobView:
    return JobView(
        id=row.id,
        op=row.op,
        owner=row.user_id,
        platform=row.platform,
        state=row.state,
        finished=row.state in jobs.TERMINAL,
    )
