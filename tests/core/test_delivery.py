"""Delivery decisions a member sees: files that fit are attached, the rest are linked."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import bot.store.outbox
from adapters.console.adapter import SCOPE, TARGET
from bot import messages
from bot.delivery import MAX_ATTEMPTS
from bot.domain import Action, Actor, Attachment, AudioInput, ReplyTarget, ResultCard, Scope
from bot.platform import PlatformError
from bot.service import Request
from bot.store import Store
from bot.store.database import latest_version, migrations
from bot.store.sqlite import _statements
from tests.conftest import FileHost, tone
from tests.harness import chorus


async def test_a_result_too_big_for_the_target_is_posted_as_a_link(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        small_target = replace(TARGET, upload_limit=10_000)  # smaller than any 4 s MP3
        accepted = await h.app.service.run(
            Request(
                op="song",
                actor=h.console.actor,
                scope=SCOPE,
                target=small_target,
                request_key="tiny-limit",
                args={"prompt": "a big song"},
            )
        )
        h.console.started.append(accepted.job_id)
        await h.console.wait_for_jobs(30)
        saved = [s for s in h.console.platform.saved if s.job_id == accepted.job_id]
        assert len(saved) == 2 and all(not s.files for s in saved)
        assert (
            sum("too big to save here, listen at http://127.0.0.1" in line for line in h.lines) == 2
        )


async def test_a_shareable_platform_url_is_passed_through_without_a_public_url(
    tmp_path: Path, files: FileHost
) -> None:
    """Discord attachment URLs are public; with no PUBLIC_BASE_URL the vendor may fetch them."""
    url = files.put("riff.wav", tone(8))
    async with chorus(tmp_path, public=False) as h:
        accepted = await h.app.service.run(
            Request(
                op="cover",
                actor=Actor("dj"),
                scope=SCOPE,
                target=TARGET,
                request_key="shared",
                args={"prompt": "as jazz"},
                audio=(AudioInput(url, "riff.wav", shareable=True),),
            )
        )
        h.console.started.append(accepted.job_id)
        await h.console.wait_for_jobs(30)
        job = await h.app.service.job(accepted.job_id)
        assert job is not None and job.state == "succeeded"
        assert h.sim.sim.fetched_urls == [url]


class Refusing:
    """The console, except that results are refused: permanently (like a Discord 403) or with a
    retryable error (like a 5xx) every time. Status messages and notices still get through."""

    def __init__(self, inner: Any, *, permanent: bool) -> None:
        self.inner, self.permanent, self.name = inner, permanent, inner.name
        self.attempts = 0

    async def post_status(self, target: ReplyTarget, text: str) -> str:
        return str(await self.inner.post_status(target, text))

    async def edit_status(self, target: ReplyTarget, ref: str, text: str) -> None:
        await self.inner.edit_status(target, ref, text)

    async def notify(self, target: ReplyTarget, text: str, key: str) -> str:
        return str(await self.inner.notify(target, text, key))

    async def deliver(self, target: ReplyTarget, card: ResultCard, key: str) -> str:
        self.attempts += 1
        raise PlatformError("refused", permanent=self.permanent)


async def _song_refused(tmp_path: Path, *, permanent: bool) -> tuple[Any, Refusing, str]:
    async with chorus(tmp_path) as h:
        refusing = Refusing(h.app.platforms["console"], permanent=permanent)
        h.app.platforms["console"] = refusing
        job = await h.run("/song a song nobody can post")
        assert job is not None and job.state == "succeeded"  # the member paid for it
        async with h.app.store.read() as conn:
            outbox = await bot.store.outbox.outbox_counts(conn)
        counted = h.app.metrics.registry.get_sample_value(
            "chorus_undelivered_total", {"platform": "console", "kind": "result"}
        )
        assert counted == 2
        assert await h.available() == 1000 - 14
        await h.console.execute("/mysongs")
        return outbox, refusing, "\n".join(h.lines)


async def test_a_permanent_refusal_is_kept_for_mysongs_not_retried_or_marked_delivered(
    tmp_path: Path,
) -> None:
    outbox, refusing, shown = await _song_refused(tmp_path, permanent=True)
    assert refusing.attempts == 2  # one try per result: a 403 is not worth a second
    assert outbox == {"undelivered": 2, "delivered": 1}  # the two results; one notice got out
    assert shown.count("so it is kept for you: /mysongs lists it") == 1  # the member is told
    assert "Kept for you" in shown and ".mp3" in shown  # /mysongs names the files


async def test_a_retryable_error_is_tried_max_attempts_times_then_kept(tmp_path: Path) -> None:
    outbox, refusing, shown = await _song_refused(tmp_path, permanent=False)
    assert refusing.attempts == 2 * MAX_ATTEMPTS
    assert outbox == {"undelivered": 2, "delivered": 1}
    assert "Kept for you" in shown


async def test_migration_4_keeps_the_outbox_and_allows_undelivered(tmp_path: Path) -> None:
    """A store written before migrations 3 and 4 keeps its pending deliveries; the rebuilt table
    takes the new state and still refuses unknown ones."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as raw:
        for version, _, sql in migrations()[:2]:
            assert version < 3
            for statement in _statements(sql):
                raw.execute(statement)
        raw.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        raw.execute("INSERT INTO schema_version (version) VALUES (2)")
        raw.execute(
            "INSERT INTO accounts (id, platform, scope, user_id, created_at)"
            " VALUES (1, 'console', 'local', 'dj', 0)"
        )
        raw.execute(
            "INSERT INTO journal (id, account_id, kind, amount, actor, reason, created_at)"
            " VALUES (1, 1, 'grant', 10, 'system', 'start', 0)"
        )
        raw.execute(
            "INSERT INTO jobs (id, platform, scope, user_id, op, params, inputs, target, hold_id,"
            " state, not_before, created_at)"
            " VALUES ('j1', 'console', 'local', 'dj', 'song', '{}', '{}', '{}', 1,"
            " 'succeeded', 0, 0)"
        )
        raw.execute(
            "INSERT INTO outbox (job_id, kind, payload, target, not_before, created_at)"
            " VALUES ('j1', 'notice', '{\"text\": \"hi\"}', '{}', 5, 5)"
        )
    async with await Store.open(path) as store:
        assert await store.schema_version() == latest_version()
        async with store.read() as conn:
            rows = await conn.execute_fetchall("SELECT job_id, state, tried_at FROM outbox")
            assert [tuple(r) for r in rows] == [("j1", "pending", None)]
        async with store.write() as conn:
            await conn.execute("UPDATE outbox SET state = 'undelivered'")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            async with store.write() as conn:
                await conn.execute("UPDATE outbox SET state = 'lost'")


async def test_a_result_queued_by_an_older_chorus_still_delivers(
    tmp_path: Path, files: FileHost
) -> None:
    """An outbox row written before the outbox item was typed (its payload the plain JSON the old
    engine wrote: the card as a dict, the files to fetch as dicts) is posted after an upgrade,
    with its file on disk and its fetched file attached and its buttons kept."""
    lrc = tmp_path / "old.lrc"
    lrc.write_text("[00:00.00] la la")
    url = files.put("old.wav", tone(2))
    async with chorus(tmp_path) as h:
        job = await h.run("/song a song from before")
        assert job is not None
        card = {
            "job_id": job.id, "title": "From before", "track_id": "t0ld", "tags": None,
            "duration": None, "lyrics": None, "text": "kept across the upgrade", "cover_url": None,
            "link": None, "attachments": [{"path": str(lrc), "filename": "old.lrc",
            "mime": "text/plain"}], "actions": [{"op": "extend", "label": "Extend",
            "track_id": "t0ld"}],
        }  # fmt: skip
        payload = {
            "card": card,
            "fetch": [{"url": url, "filename": "old.wav", "mime": "audio/wav"}],
        }
        async with h.app.store.write() as conn:
            await conn.execute(
                "INSERT INTO outbox (job_id, kind, payload, target, platform, not_before,"
                " created_at) VALUES (?, 'result', ?, ?, ?, 0, 0)",
                (
                    job.id,
                    json.dumps(payload, sort_keys=True),
                    json.dumps(TARGET.__dict__),
                    TARGET.platform,
                ),
            )
        h.app.delivery.wake.set()
        await h.console.wait_for_jobs(30)
        [saved] = [s for s in h.console.platform.saved if s.title == "From before"]
        assert saved.text == "kept across the upgrade"
        assert sorted(Path(f).suffix for f in saved.files) == [".lrc", ".wav"]
        assert any("next: /extend t0ld" in line for line in h.lines)


def test_a_queued_result_is_stored_in_the_shape_older_versions_read() -> None:
    """Rolling back past the typed outbox item must not strand queued results: a result is
    written as the JSON the older delivery decoded (card fields, files as path/url, name, type)."""
    card = ResultCard(
        job_id="j1",
        title="Now",
        track_id="t1",
        attachments=(Attachment(path="/data/j1/t1.lrc", filename="t1.lrc", mime="text/plain"),),
        actions=(Action(op="extend", label="Extend", track_id="t1"),),
    )
    fetch = [Attachment.remote("http://v/t1.mp3", "t1.mp3", "audio/mpeg")]
    item = bot.store.outbox.OutboxItem.result(card, fetch)
    assert json.loads(item.to_json()) == {
        "card": {
            "job_id": "j1", "title": "Now", "track_id": "t1", "tags": None, "duration": None,
            "lyrics": None, "text": None, "cover_url": None, "link": None,
            "attachments": [
                {"path": "/data/j1/t1.lrc", "filename": "t1.lrc", "mime": "text/plain"}
            ],
            "actions": [{"op": "extend", "label": "Extend", "track_id": "t1"}],
        },
        "fetch": [{"url": "http://v/t1.mp3", "filename": "t1.mp3", "mime": "audio/mpeg"}],
    }  # fmt: skip
    assert json.loads(bot.store.outbox.OutboxItem.notice("hi").to_json()) == {"text": "hi"}
    assert bot.store.outbox.OutboxItem.from_json(item.to_json()) == item


class Recording:
    """A platform that takes every notice (here: Telegram, back after its token returned)."""

    name = "telegram"

    def __init__(self) -> None:
        self.notices: dict[str, str] = {}  # by key: a repeated key is one message

    async def post_status(self, target: ReplyTarget, text: str) -> str:
        return "status"

    async def edit_status(self, target: ReplyTarget, ref: str, text: str) -> None:
        return None

    async def notify(self, target: ReplyTarget, text: str, key: str) -> str:
        self.notices[key] = text
        return key

    async def deliver(self, target: ReplyTarget, card: ResultCard, key: str) -> str:
        return key


async def test_rows_for_a_platform_not_served_wait_without_starving_the_others(
    tmp_path: Path,
) -> None:
    """`chorus run` after a token was removed: that platform's pending rows must neither make
    the delivery loop spin nor fill its batch (50 rows) ahead of the platforms it serves; they
    are delivered once a process serving that platform runs."""
    async with chorus(tmp_path) as h:
        job = await h.run("/song a tune")
        assert job is not None
        away = ReplyTarget("telegram", "42")
        async with h.app.store.write() as conn:
            for n in range(60):
                note = bot.store.outbox.OutboxItem.notice(f"for telegram {n}")
                await bot.store.outbox.enqueue(conn, job.id, note, away, 0.0)
            note = bot.store.outbox.OutboxItem.notice("for the console")
            await bot.store.outbox.enqueue(conn, job.id, note, TARGET, 0.0)
        pause = await h.app.delivery.drain()
        assert any("for the console" in line for line in h.lines)  # not starved
        assert pause > 0  # nothing this process can deliver is due: the loop sleeps
        async with h.app.store.read() as conn:
            assert (await bot.store.outbox.outbox_counts(conn))["pending"] == 60
        telegram = Recording()
        h.app.platforms["telegram"] = telegram
        await h.app.delivery.drain()
        await h.app.delivery.drain()
        assert sorted(telegram.notices.values()) == sorted(f"for telegram {n}" for n in range(60))


async def test_a_console_script_does_not_wait_for_another_platforms_deliveries(
    tmp_path: Path,
) -> None:
    """A Telegram job's results wait for a process serving Telegram; the console's own
    finished and delivered jobs are settled all the same, and its script ends."""
    async with chorus(tmp_path) as h:
        elsewhere = await h.app.service.run(
            Request(
                op="song",
                actor=Actor("tg-member"),
                scope=Scope("telegram", "chat-1"),
                target=ReplyTarget("telegram", "chat-1"),
                request_key="tg-1",
                args={"prompt": "a song for telegram"},
            )
        )
        async with asyncio.timeout(30):
            while not (await h.app.service.progress([elsewhere.job_id])).jobs[0].finished:
                await asyncio.sleep(0.01)
        assert not (await h.app.service.progress([elsewhere.job_id])).settled  # still pending
        job = await h.run("/song a tune")
        assert job is not None and job.state == "succeeded"
        assert (await h.app.service.progress([job.id])).settled
        assert not any(messages.gave_up_waiting() in line for line in h.lines)
