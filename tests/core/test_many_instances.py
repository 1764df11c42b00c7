"""Several Chorus instances on one PostgreSQL database and one shared data folder.

Deliveries: two instances racing over 40 queued results post each exactly once (counted where
the posts arrive); a live instance keeps the rows it is slow to post; a killed instance's rows
are taken over once its claim runs out, and posted with the same key. Webhooks: the vendor's
webhook reaching both instances at once is applied once. Media: instances starting together on
a fresh data folder sign with one key, and a link signed by one is served by the other.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.app import App
from bot.config import load_settings
from bot.domain import AudioInput, ReplyTarget, ResultCard
from bot.store import jobs, outbox
from tests.conftest import tone
from tests.harness import ENGINE, SIM_KNOBS, Chorus, chorus
from tests.ledger_fixtures import ALICE
from tests.outbox_rows import queued
from tests.pg import drop_database, fresh_database
from tests.recording import Post, RecordingPlatform, read_posts


@pytest.fixture
async def shared_pg() -> AsyncIterator[str]:
    url = await fresh_database()
    try:
        yield url
    finally:
        await drop_database(url)


class Timed(RecordingPlatform):
    """Every post kept (see :class:`RecordingPlatform`), with the wall time it arrived."""

    def __init__(self, log: Path) -> None:
        super().__init__(log, echo=False)
        self.at: dict[str, float] = {}

    async def deliver(self, target: ReplyTarget, card: ResultCard, key: str) -> str:
        self.at[key] = time.time()
        return await super().deliver(target, card, key)


class Latent(RecordingPlatform):
    """Every post kept, each taking a few milliseconds to arrive, as over a network: two
    instances posting the same rows would overlap, and be counted twice."""

    async def deliver(self, target: ReplyTarget, card: ResultCard, key: str) -> str:
        await asyncio.sleep(0.005)
        return await super().deliver(target, card, key)


class Stalling(RecordingPlatform):
    """An instance stuck mid-post: each post hangs until ``go`` is set (or the task dies)."""

    def __init__(self, log: Path) -> None:
        super().__init__(log, echo=False)
        self.asked: list[str] = []
        self.go = asyncio.Event()

    async def deliver(self, target: ReplyTarget, card: ResultCard, key: str) -> str:
        self.asked.append(key)
        await self.go.wait()
        return await super().deliver(target, card, key)


async def until(check: Callable[[], Awaitable[bool]], patience: float = 30) -> None:
    async with asyncio.timeout(patience):
        while not await check():
            await asyncio.sleep(0.01)


async def asked(platform: Stalling) -> None:
    """Until the platform was asked to post (and is stuck posting)."""

    async def check() -> bool:
        return bool(platform.asked)

    await until(check)


async def killed(h: Chorus) -> None:
    """The instance's delivery dies mid-post, as in a SIGKILL: nothing is recorded, the claim
    is neither renewed nor handed back (a clean stop would hand it back)."""
    task = h.app.delivery._task
    assert task is not None
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def pending(h: Chorus) -> int:
    async with h.app.store.read() as conn:
        return (await outbox.outbox_counts(conn)).get("pending", 0)


async def test_two_instances_post_40_queued_results_each_exactly_once(
    tmp_path: Path, shared_pg: str
) -> None:
    async with (
        chorus(tmp_path, database_url=shared_pg) as a,
        chorus(tmp_path, database_url=shared_pg) as b,
    ):
        for h, name in ((a, "a"), (b, "b")):
            h.app.platforms["console"] = Latent(tmp_path / f"{name}.log", echo=False)
            h.app.delivery.batch = 3  # many small claims, so that the two interleave
        ids = await queued(a.app.ledger, 20, 2, time.time())
        a.app.delivery.wake.set()
        b.app.delivery.wake.set()

        async def all_posted() -> bool:
            return await pending(a) == 0

        await until(all_posted)
        posted = {name: read_posts(tmp_path / f"{name}.log") for name in ("a", "b")}
    keys = [p.key for p in posted["a"] + posted["b"]]
    assert sorted(keys) == sorted(f"outbox-{i}" for i in ids)  # each row once, none lost
    assert posted["a"] and posted["b"], "both instances delivered"
    for job_posts in _by_job(posted["a"] + posted["b"]).values():
        assert len(job_posts) == 2


def _by_job(posts: list[Post]) -> dict[str | None, list[Post]]:
    found: dict[str | None, list[Post]] = {}
    for post in posts:
        found.setdefault(post.job_id, []).append(post)
    return found


async def test_a_killed_instances_rows_are_posted_by_another_once_its_claim_runs_out(
    tmp_path: Path, shared_pg: str
) -> None:
    """Instance A claims a row, starts posting it and is killed before recording it. B leaves
    the row alone while A's claim lasts, then posts it with the key A used, as a restarted
    instance would (the platform's deduplication or a look for the post covers a post A made)."""
    async with chorus(tmp_path, database_url=shared_pg) as a:
        stuck = Stalling(tmp_path / "a.log")
        a.app.platforms["console"] = stuck
        a.app.delivery.claim_seconds = 1.0
        [row_id] = await queued(a.app.ledger, 1, 1, time.time())
        a.app.delivery.wake.set()
        await asked(stuck)
        await killed(a)
        async with a.app.store.read() as conn:
            [(claimed_by, claimed_until, tried_at)] = await conn.execute_fetchall(
                "SELECT claimed_by, claimed_until, tried_at FROM outbox WHERE id = ?", (row_id,)
            )
        assert claimed_by == a.app.instance and tried_at is not None
        async with chorus(tmp_path, database_url=shared_pg) as b:
            arrived = Timed(tmp_path / "b.log")
            b.app.platforms["console"] = arrived
            b.app.delivery.wake.set()

            async def posted() -> bool:
                return await pending(b) == 0

            await until(posted)
            async with b.app.store.read() as conn:
                [(state, owner)] = await conn.execute_fetchall(
                    "SELECT state, claimed_by FROM outbox WHERE id = ?", (row_id,)
                )
    assert stuck.asked == [f"outbox-{row_id}"]
    assert [p.key for p in read_posts(tmp_path / "b.log")] == stuck.asked  # the same key
    assert arrived.at[stuck.asked[0]] >= claimed_until  # not before A's claim ran out
    assert (state, owner) == ("delivered", b.app.instance)
    assert read_posts(tmp_path / "a.log") == []


async def test_a_live_instance_slow_to_post_keeps_its_rows(tmp_path: Path, shared_pg: str) -> None:
    """A post that takes longer than a claim lasts (a big download, a rate limit) is not taken
    over: the instance renews its claim while it works."""
    async with chorus(tmp_path, database_url=shared_pg) as a:
        slow = Stalling(tmp_path / "a.log")
        a.app.platforms["console"] = slow
        a.app.delivery.claim_seconds = 0.3
        [row_id] = await queued(a.app.ledger, 1, 1, time.time())
        a.app.delivery.wake.set()
        await asked(slow)

        async def claimed_until() -> float:
            async with a.app.store.read() as conn:
                rows = await conn.execute_fetchall(
                    "SELECT claimed_until FROM outbox WHERE id = ?", (row_id,)
                )
            return float(next(iter(rows))[0])

        first = await claimed_until()

        async def renewed_twice() -> bool:
            return await claimed_until() > first + 0.15

        await until(renewed_twice)
        async with chorus(tmp_path, database_url=shared_pg) as b:
            b.app.platforms["console"] = RecordingPlatform(tmp_path / "b.log", echo=False)
            pause = await b.app.delivery.drain()  # past A's first claim: still A's, renewed
            assert 0 < pause <= 0.3
            slow.go.set()

            async def posted() -> bool:
                return await pending(a) == 0

            await until(posted)
    assert [p.key for p in read_posts(tmp_path / "a.log")] == [f"outbox-{row_id}"]
    assert read_posts(tmp_path / "b.log") == []


SLOW = dataclasses.replace(SIM_KNOBS, time_scale=0.03)  # a song takes a few seconds
WEBHOOKS_ONLY = dataclasses.replace(ENGINE, webhook_poll=1e6)  # no poll finishes the job


class LoadBalancer:
    """The bot's public address, sending every vendor webhook to each instance at once (the
    worst a load balancer's retries can do) and answering with the first instance's answer."""

    def __init__(self) -> None:
        self.instances: list[str] = []
        self.forwarded = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        site = web.Application()
        site.router.add_post("/hooks/aimusic", self.hook)
        self._runner = web.AppRunner(site, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-")}
        headers["Content-Type"] = "application/json"
        async with httpx.AsyncClient() as http:
            answers = await asyncio.gather(
                *(
                    http.post(f"{base}{request.path_qs}", content=body, headers=headers)
                    for base in self.instances
                )
            )
        self.forwarded += 1
        return web.Response(status=answers[0].status_code, text=answers[0].text)


async def test_a_webhook_reaching_two_instances_at_once_is_applied_once(
    tmp_path: Path, shared_pg: str
) -> None:
    balancer = LoadBalancer()
    await balancer.start()
    try:
        async with chorus(
            tmp_path,
            database_url=shared_pg,
            public_base_url=balancer.url,
            knobs=SLOW,
            engine=WEBHOOKS_ONLY,
        ) as a:
            # B takes the vendor's webhooks (its web server is up) and runs no engine.
            b = await App.create(a.app.settings, engine_config=WEBHOOKS_ONLY)
            try:
                balancer.instances = [a.app.base_url, b.base_url]
                job = await a.run("/song for two instances")
                assert job is not None and job.state == "succeeded"
                async with a.app.store.read() as conn:
                    made = await conn.execute_fetchall(
                        "SELECT id FROM tracks WHERE job_id = ?", (job.id,)
                    )
                    rows = await conn.execute_fetchall(
                        "SELECT kind, state FROM outbox WHERE job_id = ?", (job.id,)
                    )
                    seen = await conn.execute_fetchall("SELECT count(*) FROM webhook_events")
            finally:
                await b.stop()
            saved = [s for s in a.console.platform.saved if s.job_id == job.id]
            assert await a.available() == 1000 - 14  # charged once
    finally:
        await balancer.stop()
    assert balancer.forwarded >= 2  # at least the streaming and the completed events
    assert len(made) == 2 and len(saved) == 2  # two tracks, each posted once
    assert sorted(tuple(r) for r in rows) == [("result", "delivered")] * 2
    assert next(iter(seen))[0] == balancer.forwarded  # each event recorded once, by either
    assert job.state in jobs.TERMINAL


async def test_a_media_link_signed_by_one_instance_is_served_by_another(
    tmp_path: Path, shared_pg: str
) -> None:
    """Two instances start together on a fresh shared data folder with no MEDIA_SECRET: they
    must end up with one signing key, and either serves the other's links."""
    settings = load_settings(
        aimusic_api_key="k",
        aimusic_base_url="http://127.0.0.1:9",
        data_dir=tmp_path / "data",
        web_port=0,
        database_url=shared_pg,
        public_base_url="http://127.0.0.1:9",
    )
    a, b = await asyncio.gather(App.create(settings), App.create(settings))
    try:
        assert a.media.config.secret == b.media.config.secret
        riff = tmp_path / "riff.wav"
        riff.write_bytes(tone(2))
        row = await a.media.intake(AudioInput(str(riff), "riff.wav"), ALICE)
        link = a.media.public_url(row)
        assert link is not None
        token = link.rsplit("/", 1)[1]
        async with httpx.AsyncClient() as http:
            for app in (a, b):
                answer = await http.get(f"{app.base_url}/media/{token}")
                assert answer.status_code == 200
                assert answer.content == riff.read_bytes()
    finally:
        await a.stop()
        await b.stop()
