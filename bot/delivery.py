"""The outbox worker: fetch each result's files, post it through its platform, record it.

A row is marked delivered in the store only after the platform accepted it; the platform key
(the row id) makes a repeat after a crash harmless, and a row tried before is first looked for
on platforms that can (their own deduplication forgets keys after a while). Vendor CDNs
sometimes answer 403 or an empty body for a while after a task finishes, so downloads retry; a
file that still cannot be fetched, or is bigger than the target accepts, is posted as a link.

Errors come in two kinds. Retryable ones (rate limits, server errors, timeouts) are tried again
with backoff, at most ``MAX_ATTEMPTS`` times. Permanent ones (no access or permission, too
large, a bad request, a member who blocked the bot) cannot succeed by repetition: the adapter
has already tried its own fallbacks (another route to the member) before saying so. Either way a
row that runs out of routes becomes *undelivered*: never recorded as delivered, listed in
/mysongs with its files, counted in ``chorus_undelivered_total``, and the member is told where
that is still possible.

Several instances may deliver from one database. Each claims the rows it is about to post
(:func:`bot.store.outbox.claim`) and renews the claim while it works on them, so no other
instance posts them meanwhile; the claim of an instance that died runs out after
``CLAIM_SECONDS`` and another takes the rows over. Its post carries the same key, and a row
tried before is looked for first, exactly as after a restart: a kill between the post and the
mark is no worse on many instances than on one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import mutagen

from bot import messages
from bot.domain import Attachment, Member, ResultCard
from bot.filenames import safe_name, within
from bot.i18n import speaking
from bot.metrics import Metrics
from bot.platform import FindsPosted, PlatformError
from bot.platforms import Platforms
from bot.store import Store, jobs, outbox

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
MAX_FILE = 200 * 1024 * 1024
# How long a claim on outbox rows lasts unless renewed (every third of it while the instance
# works on them): how long a dead instance's rows wait before another instance takes them over.
CLAIM_SECONDS = 60.0
BATCH = 50


class FetchFailed(Exception):
    pass


@dataclass(frozen=True)
class Kept:
    """An undelivered result as /mysongs shows it: its files still on disk, and its links."""

    job_id: str
    op: str
    title: str
    files: tuple[Attachment, ...]
    links: tuple[str, ...]

    def names(self) -> list[str]:
        return [a.filename for a in self.files] + list(self.links)


async def kept_for(store: Store, member: Member, limit: int = 10) -> list[Kept]:
    """The member's undelivered results, newest first."""
    async with store.read() as conn:
        rows = await outbox.undelivered(conn, member, limit)
    found = []
    for row in rows:
        card = row.item.card
        assert card is not None  # only results are kept
        on_disk = [await asyncio.to_thread(Path(a.path).is_file) for a in card.attachments]
        files = tuple(a for a, there in zip(card.attachments, on_disk, strict=True) if there)
        wanted = [f.url for f in row.item.fetch]
        links = tuple(dict.fromkeys(u for u in (card.link, *wanted) if u))
        found.append(Kept(job_id=row.job_id, op=row.op, title=card.title, files=files, links=links))
    return found


def _looks_right(body: bytes, mime: str) -> bool:
    """The bytes are what the name promises: real audio (or video) for audio and video,
    anything else non-empty."""
    if not body:
        return False
    if mime.startswith(("audio/", "video/")) and mime != "audio/midi":
        return mutagen.File(io.BytesIO(body)) is not None
    return True


class Delivery:
    def __init__(
        self,
        store: Store,
        platforms: Platforms,
        metrics: Metrics,
        wake: asyncio.Event,
        files: Path,
        instance: str,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.platforms, self.metrics = store, platforms, metrics
        self.wake = wake  # set when the outbox has something new
        self.files, self.time_scale, self.clock = files, time_scale, clock
        self.instance = instance  # who claims rows: this process, among all sharing the store
        self.claim_seconds = CLAIM_SECONDS  # wall seconds, whatever time_scale says
        self.batch = BATCH  # rows claimed per pass
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(60.0), follow_redirects=True)
        self._task: asyncio.Task[None] | None = None

    def scaled(self, seconds: float) -> float:
        return seconds * self.time_scale

    async def start(self) -> None:
        if self.store.dialect == "sqlite":
            # A SQLite file serves one instance: a claim found now is a run's that was killed,
            # and its rows go out at once, as they did before there were claims.
            await self.store.transact(functools.partial(outbox.release_claims, instance=None))
        self._task = asyncio.create_task(self._run(), name="chorus-delivery")

    async def stop(self) -> None:
        """Stop delivering and, on PostgreSQL, hand back the rows this instance held but did not
        post: another instance (or this one, restarted) posts them at once, not when the claims
        run out. (A SQLite file has one instance, which hands every claim back as it starts; its
        group commit is not to be written to right after a writer was cancelled mid-block.)"""
        task, self._task = self._task, None
        if task is not None:  # running until now (a second stop finds the store closed)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if task is not None and self.store.dialect == "postgresql":
            try:
                await self.store.transact(
                    functools.partial(outbox.release_claims, instance=self.instance)
                )
            except Exception as exc:  # stopping because the store failed: the claims run out
                log.warning("outbox claims not handed back (%s); they run out", exc)
        await self.http.aclose()

    async def _run(self) -> None:
        wake = self.wake
        while True:
            wake.clear()  # before the pass: a row written during it must start the next one
            try:
                pause = await self.drain()
            except Exception:
                log.exception("delivery pass failed")
                pause = 1.0
            # asyncio.timeout, not wait_for: Python 3.11's wait_for returns the event's result
            # when a stop() cancels it just as the event is set, and the loop would run on.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.005, pause)):
                    await wake.wait()

    async def drain(self) -> float:
        """Deliver everything due; returns how long until the next row is due."""
        served = self.platforms.names()  # another platform's rows wait for a process serving it
        now = self.clock()
        rows = await self.store.transact(
            lambda conn: outbox.claim(
                conn,
                self.store.dialect,
                self.instance,
                now,
                now + self.claim_seconds,
                self.batch,
                served,
            )
        )
        # One job's results go out in the order they were written (the order of its tracks, which
        # is what "the first result" means to a member); different jobs go out side by side.
        by_job: dict[str, list[outbox.OutboxRow]] = {}
        for row in rows:
            by_job.setdefault(row.job_id, []).append(row)
        keeper = asyncio.create_task(self._keep_claims([row.id for row in rows]))
        try:
            await asyncio.gather(*(self._deliver_in_order(group) for group in by_job.values()))
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
        async with self.store.read() as conn:
            upcoming = await outbox.next_delivery(conn, served, self.instance, self.clock())
        if upcoming is None:
            return self.scaled(60)
        return max(0.0, upcoming - self.clock())

    async def _keep_claims(self, ids: list[int]) -> None:
        """Renew the claim on the rows of this pass until it ends (a download or a platform's
        rate limit may hold a row longer than one claim lasts)."""
        if not ids:
            return
        while True:
            await asyncio.sleep(self.claim_seconds / 3)
            renew = functools.partial(
                outbox.extend_claims,
                instance=self.instance,
                ids=ids,
                until=self.clock() + self.claim_seconds,
            )
            try:
                await self.store.transact(renew)
            except Exception:  # the store is down: the posts fail too, and are retried
                log.exception("renewing the outbox claims failed")

    async def _deliver_in_order(self, rows: list[outbox.OutboxRow]) -> None:
        for row in rows:
            with speaking(row.target.language):  # posted where the job came from, in its language
                await self.deliver(row)

    async def deliver(self, row: outbox.OutboxRow) -> None:
        platform = self.platforms.get(row.target.platform)
        if platform is None:
            return
        key = f"outbox-{row.id}"
        if row.tried_at is None:
            async with self.store.write() as conn:
                await outbox.mark_tried(conn, row.id, self.clock())
        card: ResultCard | None = None
        try:
            if row.kind == "notice":
                ref = await platform.notify(row.target, row.item.text or "", key)
            else:
                card = await self._prepare(row)
                found = None
                if row.tried_at is not None and isinstance(platform, FindsPosted):
                    found = await platform.find_posted(row.target, card, key)
                ref = found or await platform.deliver(row.target, card, key)
        except PlatformError as exc:
            if exc.permanent or row.attempts + 1 >= MAX_ATTEMPTS:
                await self._give_up(row, card, str(exc))
                return
            wait = (
                exc.retry_after if exc.retry_after is not None else self.scaled(5 * 2**row.attempts)
            )
            log.info("delivery %s postponed %.1fs: %s", key, wait, exc)
            async with self.store.write() as conn:
                await outbox.retry_later(conn, row.id, self.clock() + wait)
            return
        except Exception as exc:
            log.exception("delivery %s failed", key)
            if row.attempts + 1 >= MAX_ATTEMPTS:
                await self._give_up(row, card, type(exc).__name__)
                return
            async with self.store.write() as conn:
                await outbox.retry_later(
                    conn, row.id, self.clock() + self.scaled(10 * 2 ** min(row.attempts, 6))
                )
            return
        async with self.store.write() as conn:
            await outbox.mark_delivered(conn, row.id, ref, self.clock())
            job = await jobs.job(conn, row.job_id)
        if job and job.finished_at:
            self.metrics.delivery_seconds.observe(max(0.0, self.clock() - job.finished_at))

    async def _give_up(self, row: outbox.OutboxRow, card: ResultCard | None, why: str) -> None:
        """No route took the row: keep it (with the files fetched for it) for /mysongs, and
        queue one notice per job telling the member so (a notice that fails in turn is only
        counted)."""
        item = row.item
        if card is not None:  # what was fetched stays on disk and is listed from here
            item = outbox.OutboxItem.result(card)
        async with self.store.write() as conn:
            await outbox.mark_undelivered(conn, row.id, item, why, self.clock())
            job = await jobs.job(conn, row.job_id)
            first = await outbox.undelivered_results(conn, row.job_id) == 1
            if row.kind == "result" and job is not None and first:  # one notice per job
                text = messages.kept_for_you(job.id, job.op)
                await outbox.enqueue(
                    conn, job.id, outbox.OutboxItem.notice(text), row.target, self.clock()
                )
        log.info("delivery outbox-%s undelivered: %s", row.id, why)
        self.metrics.undelivered.labels(platform=row.target.platform, kind=row.kind).inc()
        self.wake.set()

    async def _prepare(self, row: outbox.OutboxRow) -> ResultCard:
        """Fetch the card's remote files; attach those that fit, link the rest."""
        card = row.item.card
        assert card is not None  # notices are posted as text, not prepared
        attachments = list(card.attachments)
        link = card.link
        for wanted in row.item.fetch:
            url = wanted.url or ""
            # Sanitized again: a row queued by an older Chorus may hold a raw title.
            filename = safe_name(wanted.filename, row.job_id)
            path = within(self.files, row.job_id, filename)
            try:
                size = await self._fetch(url, wanted.mime, path)
            except FetchFailed:
                link = link or url
                continue
            if size > row.target.upload_limit:
                link = link or url
                continue
            attachments.append(wanted.stored(str(path), filename))
            if link == url:
                link = None
        return replace(card, attachments=tuple(attachments), link=link)

    async def _fetch(self, url: str, mime: str, path: Path) -> int:
        if await asyncio.to_thread(path.is_file):
            return (await asyncio.to_thread(path.stat)).st_size
        for attempt in range(5):
            try:
                response = await self.http.get(url)
                body = response.content
                if (
                    response.status_code == 200
                    and len(body) <= MAX_FILE
                    and _looks_right(body, mime)
                ):
                    await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
                    partial = path.with_suffix(path.suffix + ".part")
                    await asyncio.to_thread(partial.write_bytes, body)
                    await asyncio.to_thread(partial.replace, path)
                    return len(body)
                log.info(
                    "fetch %s: HTTP %s, %d bytes; retrying",
                    path.name,
                    response.status_code,
                    len(body),
                )
            except httpx.HTTPError as exc:
                log.info("fetch %s: %s; retrying", path.name, type(exc).__name__)
            if attempt < 4:
                await asyncio.sleep(self.scaled(2 * 2**attempt) * random.uniform(0.8, 1.2))
        raise FetchFailed(url)
