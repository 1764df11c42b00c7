"""The composition root: builds the store, ledger, client, media, the engine's parts (status
messages, outcomes, results, tracker, submitter, scheduler), delivery, service and web server
from Settings, and the adapters from their factories; starts them in that order (the adapters
last, once the scheduler can take their commands) and stops the adapters first. It hands each
part what it needs (the platform registry, the wake-up events, the metrics) rather than one
part to the others."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import secrets
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from aiohttp import web

from bot import i18n, logs
from bot.adapter import Adapter, AdapterFactory, Core
from bot.aimusic import AIMusicClient
from bot.catalog import Env
from bot.config import Settings
from bot.delivery import Delivery
from bot.leaders import Leaders
from bot.ledger import Defaults, Ledger
from bot.media import Media, MediaConfig
from bot.metrics import Metrics
from bot.outcomes import Outcomes
from bot.panel.routes import PanelHolder, make_panel
from bot.platforms import Platforms
from bot.progress import StatusMessages
from bot.results import Results
from bot.schedule import EngineConfig
from bot.scheduler import Bucket, Scheduler, SharedBucket, TokenBucket
from bot.service import Service
from bot.store import Store
from bot.submit import Submitter
from bot.tracking import Tracker
from bot.wake import JOBS, OUTBOX, Wake
from bot.web import Backend, Holder, make_web, vendor_reachable

SECRET_LENGTH = 64  # hex characters: the 32 random bytes secret_file makes


STALE_LOCK_SECONDS = 30.0  # a repair lock this old was left by an instance that died in it


def secret_file(path: Path) -> str:
    """A random secret kept in a file of its own (0600), made on first use.

    It signs webhook URLs and media links, so it must never be empty or short, and every
    instance sharing the data folder must sign with the same one, even when they start together
    on a fresh volume: a new secret is written whole to a temporary file and hard-linked into
    place, which fails when a file is there already; the instance that loses reads the winner's.
    A file a crash or an operator left empty or shorter than a made secret is treated as absent
    (links signed with it stop working, which is what a forgeable key deserves) and replaced by
    one instance at a time, under a lock file, so that instances repairing it together also end
    with one secret.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        value = _secret_in(path)
        if value is not None and len(value) >= SECRET_LENGTH:
            return value
        if value is None:
            made = _placed(path, secrets.token_hex(SECRET_LENGTH // 2))
            if made is not None:
                return made
            continue
        with _repairing(path):
            value = _secret_in(path)
            if value is not None and len(value) < SECRET_LENGTH:
                fresh = secrets.token_hex(SECRET_LENGTH // 2)
                _written(path, fresh, os.replace)
                return fresh


def _secret_in(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None


def _written(path: Path, value: str, put: Callable[[str, Path], None]) -> None:
    """``value`` written whole to a temporary file (0600), then put in place by ``put``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(value)
            out.flush()
            os.fsync(out.fileno())
        put(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _placed(path: Path, value: str) -> str | None:
    """``value`` written to ``path`` if no file is there (None: another instance was first)."""
    try:
        _written(path, value, os.link)
    except FileExistsError:
        return None
    except OSError:  # a filesystem without hard links: the last instance's file stays
        _written(path, value, os.replace)
    return value


@contextlib.contextmanager
def _repairing(path: Path) -> Iterator[None]:
    """Held by one instance at a time: a lock file made with ``O_EXCL`` next to ``path``."""
    lock = path.with_name(f".{path.name}.lock")
    while True:
        try:
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            break
        except FileExistsError:
            with contextlib.suppress(FileNotFoundError):
                if time.time() - lock.stat().st_mtime > STALE_LOCK_SECONDS:
                    lock.unlink()
                    continue
            time.sleep(0.01)  # another instance is writing a whole secret: milliseconds
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def instance_id() -> str:
    """This process's name as a lease owner among the instances sharing a database: host and
    pid say where to look, the random part tells a restarted process from its predecessor."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def defaults_from(settings: Settings) -> Defaults:
    return Defaults(
        starting_credits=settings.starting_credits,
        daily_allowance=settings.daily_allowance,
        daily_spend_cap=settings.daily_spend_cap,
        max_concurrent=settings.max_concurrent_jobs,
        cooldown_seconds=settings.cooldown_seconds,
        hold_ttl_seconds=settings.hold_ttl_seconds,
    )


@dataclass
class App:
    settings: Settings
    store: Store
    ledger: Ledger
    client: AIMusicClient
    media: Media
    metrics: Metrics
    statuses: StatusMessages
    tracker: Tracker
    submitter: Submitter
    scheduler: Scheduler
    delivery: Delivery
    service: Service
    runner: web.AppRunner
    base_url: str
    webhook_secret: str | None
    web: Backend
    leaders: Leaders
    platforms: Platforms = field(default_factory=Platforms)
    # started after the scheduler and delivery, stopped before them
    adapters: list[Adapter] = field(default_factory=list)
    instance: str = "chorus"  # this process among the instances sharing the database
    wakes: tuple[Wake, ...] = ()  # the wake-ups other instances can send (bot.wake)
    _vendor: tuple[float, str] = (0.0, "unknown")

    @classmethod
    async def create(
        cls,
        settings: Settings,
        *,
        engine_config: EngineConfig | None = None,
        local_public: bool = False,
    ) -> App:
        """Open everything and bind the web server.

        ``local_public`` (the demo) offers the bot's loopback address as its public URL, which
        works when the music service is the local simulator.
        """
        data = settings.data_dir
        instance = instance_id()
        i18n.set_default(settings.default_language)
        store = await Store.open(settings.database)
        ledger = Ledger(store, defaults_from(settings))
        metrics = Metrics()
        key = settings.aimusic_api_key.get_secret_value() if settings.aimusic_api_key else ""
        client = AIMusicClient(
            key,
            str(settings.aimusic_base_url),
            timeout=settings.aimusic_timeout,
            observer=metrics.vendor_call,
        )
        holder = Holder()
        panel = PanelHolder()
        site_app = make_web(holder)
        site_app.add_subapp("/panel/", make_panel(panel))
        runner = web.AppRunner(site_app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.web_host, settings.web_port)
        await site.start()
        port = runner.addresses[0][1]
        base_url = f"http://{settings.web_host}:{port}"
        public = str(settings.public_base_url).rstrip("/") if settings.public_base_url else None
        if public is None and local_public:
            public = base_url
        webhook_secret = None
        if public:
            webhook_secret = (
                settings.webhook_secret.get_secret_value()
                if settings.webhook_secret
                else await asyncio.to_thread(secret_file, data / "webhook.key")
            )
        media_secret = (
            settings.media_secret.get_secret_value()
            if settings.media_secret
            else await asyncio.to_thread(secret_file, data / "media.key")
        )
        logs.SECRETS.add(webhook_secret)  # generated ones too: they sign what the vendor trusts
        logs.SECRETS.add(media_secret)
        media = Media(
            store,
            MediaConfig(
                root=data / "media",
                secret=media_secret.encode(),
                public_base_url=public,
                max_bytes=settings.media_max_mb * 1024 * 1024,
            ),
        )
        env = Env(
            default_model=settings.default_model,
            webhook_url=f"{public}/hooks/aimusic" if public else None,
            webhook_secret=webhook_secret,
        )
        config = engine_config or EngineConfig(
            max_in_flight=settings.max_in_flight, rate_per_second=settings.vendor_rate
        )
        env = replace(env, poll_scale=config.time_scale)
        platforms = Platforms()
        files = data / "results"
        instance = instance_id()
        wake, delivery_wake = Wake(store, JOBS, instance), Wake(store, OUTBOX, instance)
        statuses = StatusMessages(store, platforms, config, env.default_model)
        outcomes = Outcomes(store, ledger, statuses, metrics, config, delivery_wake)
        results = Results(store, outcomes, files)
        tracker = Tracker(
            store, client, results, outcomes, statuses, metrics, config, bool(env.webhook_url)
        )
        rate = config.rate_per_second / config.time_scale
        # Several instances share the vendor's rate (one row); one instance keeps it in memory.
        bucket: Bucket = (
            SharedBucket(store, rate, config.burst)
            if store.shared
            else TokenBucket(rate, config.burst)
        )
        submitter = Submitter(
            store,
            client,
            media,
            tracker,
            results,
            outcomes,
            statuses,
            metrics,
            env,
            config,
            bucket.drain,
            instance,
        )
        scheduler = Scheduler(
            store,
            ledger,
            media,
            bucket,
            submitter,
            tracker,
            outcomes,
            statuses,
            config,
            wake,
            delivery_wake,
            instance,
        )
        delivery = Delivery(
            store, platforms, metrics, delivery_wake, files, instance, config.time_scale
        )
        service = Service(
            store,
            ledger,
            media,
            client,
            statuses,
            wake,
            delivery_wake,
            panel_url=public or base_url,
        )
        panel.service = service
        app = cls(
            settings,
            store,
            ledger,
            client,
            media,
            metrics,
            statuses,
            tracker,
            submitter,
            scheduler,
            delivery,
            service,
            runner,
            base_url,
            webhook_secret,
            # the health check asks the app, which caches the answer, once the server is up
            Backend(
                store,
                metrics,
                tracker,
                outcomes,
                media,
                webhook_secret,
                lambda: app.vendor_status(),
                engine_wake=wake,
            ),
            Leaders(store, instance),
            platforms,
            instance=instance,
            wakes=(wake, delivery_wake),
        )
        holder.backend = app.web
        return app

    @property
    def core(self) -> Core:
        """What an adapter is given: the service, the settings and web routes, never the root."""
        return Core(
            settings=self.settings,
            service=self.service,
            public_base_url=self.media.config.public_base_url,
            add_hook=self.web.hooks.__setitem__,
            lease=self.leaders.lease,
        )

    def adapter(self, build: AdapterFactory) -> Adapter | None:
        """Build an adapter from the settings and register its platform for status messages and
        delivery; ``None`` when the settings do not configure it. :meth:`start` starts it
        (one built after that is started by whoever built it)."""
        built = build(self.core)
        if built is not None:
            self.platforms[built.name] = built.platform
            self.adapters.append(built)
        return built

    async def start(self) -> None:
        for wake in self.wakes:
            await wake.start()
        await self.scheduler.start()
        await self.delivery.start()
        for adapter in self.adapters:
            await adapter.start()
        settle_heap()

    async def stop(self) -> None:
        gc.unfreeze()  # what start() set aside can be collected again once this app is gone
        for adapter in reversed(self.adapters):
            await adapter.stop()
        await self.scheduler.stop()
        await self.delivery.stop()
        for wake in self.wakes:
            await wake.stop()
        await self.runner.cleanup()
        await self.client.aclose()
        await self.store.close()

    async def vendor_status(self) -> str:
        """Whether the vendor answers; checked at most once a minute, as health checks are many."""
        checked, status = self._vendor
        if time.monotonic() - checked > 60:
            status = await vendor_reachable(self.client)
            self._vendor = (time.monotonic(), status)
        return status


def settle_heap() -> None:
    """Load the language catalogs now, then move everything alive at start-up out of the garbage
    collector's reach (``gc.freeze``). What is loaded once and kept for the process's life
    (catalogs, CLDR data, models, templates) would otherwise be walked by every full collection,
    and a full collection that lands in a burst of commands stalls the event loop for tens of
    milliseconds (BENCHMARKS.md, command-to-hold latency: the burst's p99 halves)."""
    for language in i18n.SHIPPED:
        i18n.translations(language)
    gc.collect()
    gc.freeze()
