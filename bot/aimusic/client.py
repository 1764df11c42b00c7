"""The AI Music API client: one async method per endpoint.

Retries only where the request certainly did not take effect: a connection that was never made,
a 429, or a 5xx/timeout on a GET. A POST whose answer was lost is never resent (the vendor has no
idempotency key, so a resend charges twice); it raises :class:`AnswerLost` instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from bot.aimusic import models as m
from bot.aimusic.errors import (
    AIMusicError,
    AnswerLost,
    AuthFailed,
    ContentRejected,
    CreditsExhausted,
    EndpointRetired,
    NotFound,
    RateLimited,
    SourceExpired,
    TaskNotFound,
    UpstreamUnavailable,
    ValidationRejected,
)

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
DEFAULT_BASE_URL = "https://api.aimusicapi.ai"
MAX_RETRY_AFTER = 30.0


def _message(body: Any, fallback: str) -> str:
    """The vendor's error text; clients in the wild read message, then error, detail, type."""
    if isinstance(body, dict):
        for key in ("message", "error", "detail", "type"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    return fallback


def error_for(status: int, body: Any, headers: httpx.Headers, path: str = "") -> AIMusicError:
    """Map an HTTP error answer from ``path`` to the error class a caller acts on."""
    text = _message(body, f"HTTP {status}")
    lowered = text.lower()
    if status == 400:
        if "task not found" in lowered or "missing task id" in lowered:
            return TaskNotFound(text, status=status)
        return ValidationRejected(text, status=status)
    if status == 401:
        return AuthFailed(text, status=status)
    if status == 403:
        if "credits" in lowered or "subscription" in lowered:
            return CreditsExhausted(text, status=status)
        return ContentRejected(text, status=status)
    if status == 404:
        if path.endswith("/download"):  # documented: the source audio is gone
            return SourceExpired(text, status=status)
        return NotFound(text, status=status)
    if status == 410:
        return EndpointRetired(text, status=status)
    if status == 429:
        try:
            wait = float(headers.get("Retry-After", "3"))
        except ValueError:
            wait = 3.0
        return RateLimited(text, retry_after=min(max(wait, 0.0), MAX_RETRY_AFTER), status=status)
    return UpstreamUnavailable(text, status=status)


def _asks_webhook(body: dict[str, Any] | None) -> bool:
    return bool(body and body.get("webhook_url"))


KEEPALIVE = 8  # idle connections kept: polls come at most 25 a second and take milliseconds


class AIMusicClient:
    """Async client for api.aimusicapi.ai (or the simulator). Use as an async context manager."""

    def __init__(
        self,
        api_key: SecretStr | str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 30.0,
        upload_timeout: float = 90.0,
        max_attempts: int = 4,
        backoff: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
        observer: Callable[[str, str], None] | None = None,
    ) -> None:
        self._key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        self.base_url = base_url.rstrip("/")
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.upload_timeout = upload_timeout
        self.retries = 0  # how many resends this client made; benchmarks and metrics read it
        self.calls = 0  # requests sent, retries included
        self.observer = observer  # told (endpoint, result) of every attempt, for metrics
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=10.0),
            transport=transport,
            headers={"Accept": "application/json"},
            # httpcore looks through every pooled connection on each request: after a burst,
            # a hundred idle connections kept alive by a steady trickle of polls made each poll
            # cost more than the request itself. A few stay open; the rest close when released.
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=KEEPALIVE),
        )

    def __repr__(self) -> str:
        return f"AIMusicClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> AIMusicClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- transport ---------------------------------------------------------------------------
    def _delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter, capped at 8 s."""
        return random.uniform(0, min(8.0, self.backoff * 2**attempt))

    async def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        accept: tuple[int, ...] = (200,),
        read_timeout: float | None = None,
    ) -> tuple[int, Any]:
        """Send one request with bounded, safe retries; returns (status, parsed JSON)."""
        safe_to_resend = method == "GET"
        headers = {"Authorization": f"Bearer {self._key.get_secret_value()}"}
        endpoint = re.sub(r"/task/[^/]+$", "/task", path)
        for attempt in range(self.max_attempts):
            last = attempt == self.max_attempts - 1
            self.calls += 1
            try:
                response = await self._http.request(
                    method,
                    path,
                    json=body,
                    headers=headers,
                    timeout=read_timeout if read_timeout is not None else httpx.USE_CLIENT_DEFAULT,
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # The request never reached the server: resending is always safe.
                log.warning("aimusic %s %s: cannot connect (%s)", method, path, type(exc).__name__)
                self._observe(endpoint, "unreachable")
                if last:
                    raise UpstreamUnavailable("The music service cannot be reached.") from None
                await self._pause(self._delay(attempt))
                continue
            except httpx.HTTPError as exc:
                log.warning("aimusic %s %s: %s", method, path, type(exc).__name__)
                self._observe(endpoint, "timeout")
                if not safe_to_resend:
                    raise AnswerLost(
                        "The music service did not answer in time.", webhook=_asks_webhook(body)
                    ) from None
                if last:
                    raise UpstreamUnavailable("The music service did not answer in time.") from None
                await self._pause(self._delay(attempt))
                continue
            status = response.status_code
            try:
                parsed = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                parsed = None
            log.debug("aimusic %s %s -> %s", method, path, status)
            self._observe(endpoint, str(status) if parsed is not None else "garbled")
            if status in accept:
                if parsed is None:
                    if not safe_to_resend:
                        raise AnswerLost(
                            "The music service sent a garbled answer.", webhook=_asks_webhook(body)
                        )
                    if last:
                        raise UpstreamUnavailable("The music service sent a garbled answer.")
                    await self._pause(self._delay(attempt))
                    continue
                return status, parsed
            error = error_for(status, parsed, response.headers, path)
            retryable = isinstance(error, RateLimited) or (
                safe_to_resend and isinstance(error, UpstreamUnavailable)
            )
            if not retryable or last:
                raise error
            wait = error.retry_after if isinstance(error, RateLimited) else self._delay(attempt)
            await self._pause(wait)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _observe(self, endpoint: str, result: str) -> None:
        if self.observer is not None:
            self.observer(endpoint, result)

    async def _pause(self, seconds: float) -> None:
        self.retries += 1
        await asyncio.sleep(seconds)

    @staticmethod
    def _parse(model: type[T], payload: Any) -> T:
        try:
            return model.model_validate(payload)
        except ValidationError:
            raise UpstreamUnavailable(
                "The music service sent an answer Chorus does not understand."
            ) from None

    @staticmethod
    def _parse_answer(model: type[T], payload: Any, body: dict[str, Any]) -> T:
        """A POST's answer. One Chorus cannot read (a 200 without its ``task_id``, say) is a lost
        answer, not an outage: the request took effect and must not be sent again."""
        try:
            return model.model_validate(payload)
        except ValidationError:
            raise AnswerLost(
                "The music service sent an answer Chorus does not understand.",
                webhook=_asks_webhook(body),
            ) from None

    async def _post(self, path: str, request: m.Request, model: type[T], **kw: Any) -> T:
        body = request.body()
        _, payload = await self._call("POST", path, body, **kw)
        return self._parse_answer(model, payload, body)

    async def _post_data(self, path: str, request: m.Request, model: type[T]) -> T:
        """Analysis endpoints wrap their result as ``{"code": 200, "data": {...}}``."""
        body = request.body()
        _, payload = await self._call("POST", path, body)
        data = payload.get("data") if isinstance(payload, dict) else None
        return self._parse_answer(model, data, body)

    # --- sonic -------------------------------------------------------------------------------
    async def sonic_create(self, request: m.SonicCreateRequest) -> m.TaskAccepted:
        """Every task_type of /sonic/create (create, extend, cover, concat, remaster, add_*...)."""
        return await self._post("/api/v1/sonic/create", request, m.TaskAccepted)

    async def sonic_task(self, task_id: str) -> m.SonicTask:
        """Poll a Sonic task. ``not_ready`` (HTTP 200 or 202) gives ``ready=False``."""
        if not task_id:
            raise TaskNotFound("missing task id.")
        _, payload = await self._call("GET", f"/api/v1/sonic/task/{task_id}", accept=(200, 202))
        if not isinstance(payload, dict):
            raise UpstreamUnavailable(
                "The music service sent an answer Chorus does not understand."
            )
        if payload.get("type") == "not_ready" or "data" not in payload:
            return m.SonicTask(task_id=task_id, ready=False, message=payload.get("message"))
        try:
            return m.SonicTask.from_data(task_id, payload["data"], payload.get("message"))
        except ValueError:
            raise UpstreamUnavailable(
                "The music service sent an answer Chorus does not understand."
            ) from None

    async def upload(self, request: m.UploadRequest) -> m.UploadedClip:
        """Synchronous upload (~20 s upstream): the vendor fetches ``url``, returns a clip id."""
        if request.callback_url:
            raise ValueError("use upload_async() with a callback_url")
        return await self._post(
            "/api/v1/sonic/upload", request, m.UploadedClip, read_timeout=self.upload_timeout
        )

    async def upload_async(self, request: m.UploadRequest) -> m.TaskAccepted:
        """Asynchronous upload: returns a task id; the result is posted to ``callback_url``."""
        if not request.callback_url:
            raise ValueError("upload_async() needs a callback_url")
        return await self._post("/api/v1/sonic/upload", request, m.TaskAccepted)

    async def _upload_and(self, path: str, request: m.Request) -> m.UploadAndGenerate:
        body = request.body()
        _, payload = await self._call("POST", path, body, read_timeout=self.upload_timeout)
        task = self._parse_answer(m.TaskAccepted, payload, body)
        steps = payload.get("steps") or {}
        clip_id = (steps.get("upload") or {}).get("clip_id") if isinstance(steps, dict) else None
        return m.UploadAndGenerate(task_id=task.task_id, upload_clip_id=clip_id)

    async def upload_extend(self, request: m.UploadExtendRequest) -> m.UploadAndGenerate:
        return await self._upload_and("/api/v1/sonic/upload-extend", request)

    async def upload_cover(self, request: m.UploadCoverRequest) -> m.UploadAndGenerate:
        return await self._upload_and("/api/v1/sonic/upload-cover", request)

    async def sample(self, request: m.SampleRequest) -> m.TaskAccepted:
        return await self._post(
            "/api/v1/sonic/sample", request, m.TaskAccepted, read_timeout=self.upload_timeout
        )

    async def mashup(self, request: m.MashupRequest) -> m.TaskAccepted:
        return await self._post("/api/v1/sonic/mashup", request, m.TaskAccepted)

    async def replace_section(self, request: m.ReplaceSectionRequest) -> m.TaskAccepted:
        return await self._post("/api/v1/sonic/replace-section", request, m.TaskAccepted)

    async def stems_basic(self, request: m.ClipRequest) -> m.TaskAccepted:
        return await self._post("/api/v1/sonic/stems/basic", request, m.TaskAccepted)

    async def stems_full(self, request: m.ClipRequest) -> m.TaskAccepted:
        return await self._post("/api/v1/sonic/stems/full", request, m.TaskAccepted)

    async def create_voice(self, request: m.CreateVoiceRequest) -> m.TaskAccepted:
        return await self._post(
            "/api/v1/sonic/create-voice", request, m.TaskAccepted, read_timeout=self.upload_timeout
        )

    async def create_persona(self, request: m.PersonaRequest) -> m.Persona:
        return await self._post("/api/v1/sonic/persona", request, m.Persona)

    async def bpm(self, request: m.ClipRequest) -> m.Bpm:
        return await self._post_data("/api/v1/sonic/bpm", request, m.Bpm)

    async def vox(self, request: m.VoxRequest) -> m.Vox:
        return await self._post_data("/api/v1/sonic/vox", request, m.Vox)

    async def wav(self, request: m.ClipRequest) -> m.Wav:
        return await self._post_data("/api/v1/sonic/wav", request, m.Wav)

    async def download(self, request: m.DownloadRequest) -> m.Download:
        """200: files ready; 202: preparing (``ready=False``, retry free); 404: SourceExpired."""
        status, payload = await self._call(
            "POST", "/api/v1/sonic/download", request.body(), accept=(200, 202)
        )
        if status == 202:
            return m.Download(ready=False)
        data = payload.get("data") if isinstance(payload, dict) else None
        return m.Download(
            ready=True, files=self._parse(m.Download, {"ready": True, **(data or {})}).files
        )

    async def midi(self, request: m.ClipRequest) -> m.Midi:
        return await self._post_data("/api/v1/sonic/midi", request, m.Midi)

    async def aligned_lyrics(self, request: m.ClipRequest) -> m.AlignedLyrics:
        return await self._post_data("/api/v1/sonic/aligned-lyrics", request, m.AlignedLyrics)

    async def upsample_tags(self, request: m.UpsampleTagsRequest) -> m.UpsampledTags:
        return await self._post_data("/api/v1/sonic/upsample-tags", request, m.UpsampledTags)

    async def lyrics(self, request: m.LyricsRequest) -> m.Lyrics:
        return await self._post("/api/v1/sonic/lyrics", request, m.Lyrics)

    async def get_credits(self) -> m.Credits:
        _, payload = await self._call("GET", "/api/v1/get-credits")
        if isinstance(payload, dict) and isinstance(payload.get("data"), dict):
            payload = payload["data"]  # tolerate a {code, data} wrapper, seen on sister APIs
        return self._parse(m.Credits, payload)

    # --- producer ----------------------------------------------------------------------------
    async def producer_create(self, request: m.ProducerCreateRequest) -> m.TaskAccepted:
        return await self._post("/api/v1/producer/create", request, m.TaskAccepted)

    async def producer_lyrics_create(self, request: m.ProducerLyricsRequest) -> m.TaskAccepted:
        return await self._post("/api/v1/producer/lyrics-create", request, m.TaskAccepted)

    async def producer_video_clip(self, request: m.ClipRequest) -> m.TaskAccepted:
        return await self._post("/api/v1/producer/video-clip", request, m.TaskAccepted)

    async def producer_upload(self, request: m.ProducerUploadRequest) -> m.TaskAccepted:
        return await self._post(
            "/api/v1/producer/upload", request, m.TaskAccepted, read_timeout=self.upload_timeout
        )

    async def producer_download(self, request: m.ProducerDownloadRequest) -> m.TaskAccepted:
        return await self._post("/api/v1/producer/download", request, m.TaskAccepted)

    async def producer_task(self, task_id: str) -> m.ProducerTask:
        if not task_id:
            raise TaskNotFound("missing task id.")
        _, payload = await self._call("GET", f"/api/v1/producer/task/{task_id}")
        return self._parse(m.ProducerTask, {"task_id": task_id, **payload})

    # --- retired -----------------------------------------------------------------------------
    async def nuro_create(self, body: dict[str, Any]) -> m.TaskAccepted:
        """Nuro was retired upstream (HTTP 410); kept so callers get EndpointRetired, not a 404."""
        _, payload = await self._call("POST", "/api/v1/nuro/create", body)
        return self._parse(m.TaskAccepted, payload)
