"""Members' audio: fetched with a size cap, validated, stored by content, served signed.

The vendor takes audio only by URL, so an upload is stored under the data folder and offered as
``{PUBLIC_BASE_URL}/media/{token}``, where the token is an HMAC over the file id and an expiry.
A platform URL that embeds a secret (Telegram's file URLs carry the bot token) is read here and
never passed on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import mutagen
import soundfile as sf

from bot import messages
from bot.domain import AudioInput, Member
from bot.store import Store, media

FORMATS = {
    "MP3": ("mp3", "audio/mpeg"),
    "WAVE": ("wav", "audio/wav"),
    "OggVorbis": ("ogg", "audio/ogg"),
    "OggOpus": ("ogg", "audio/ogg"),
    "MP4": ("m4a", "audio/mp4"),
    "FLAC": ("flac", "audio/flac"),
}  # fmt: skip
EXTENSIONS = frozenset(ext for ext, _ in FORMATS.values())
# The file names of those formats, for telling an audio file from other words or attachments before
# it is fetched (Ogg audio is also named .oga and .opus). AAC and WebM are not here: ``inspect``
# refuses them, so fetching them would only end in the same refusal.
AUDIO_SUFFIXES = (".mp3", ".wav", ".ogg", ".oga", ".opus", ".m4a", ".flac")
TOKEN = re.compile(
    r"(?P<id>[0-9a-f]{64})\.(?P<expires>[0-9]{1,12})\.(?P<signature>[0-9a-f]{32})\.(?P<ext>[a-z0-9]+)",
    re.ASCII,
)
PARTIAL_SECONDS = 3_600  # no intake takes an hour: a temporary file that old was abandoned
MAX_SECONDS = 8 * 60  # the vendor's upload limit
MIN_SECONDS = 1.0
UPLOAD_REUSE_SECONDS = 23 * 3600  # the vendor accepts uploads for add_* for 24 h


def reusable_upload(row: media.MediaRow, now: float) -> str | None:
    """The vendor's clip for this audio if it was uploaded recently enough to use again."""
    if row.vendor_clip_id is None or (row.vendor_clip_at or 0) < now - UPLOAD_REUSE_SECONDS:
        return None
    return row.vendor_clip_id


class MediaRefused(Exception):
    """Audio Chorus will not use; ``str()`` tells the member exactly why."""


@dataclass(frozen=True)
class MediaConfig:
    root: Path
    secret: bytes
    public_base_url: str | None
    max_bytes: int = 20 * 1024 * 1024
    keep_seconds: float = 2 * 86_400
    link_seconds: float = 3_600


def inspect(path: Path) -> tuple[str, str, float]:
    """(extension, MIME type, seconds) of real audio, or MediaRefused saying what is wrong."""
    if path.stat().st_size == 0:
        raise MediaRefused(messages.AUDIO_EMPTY)
    try:
        info = mutagen.File(path)
    except Exception:  # mutagen raises many unrelated types for damaged files
        info = None
    kind = type(info).__name__ if info is not None else None
    if kind not in FORMATS or info is None or not getattr(info.info, "length", 0):
        raise MediaRefused(messages.AUDIO_NOT_AUDIO)
    ext, mime = FORMATS[kind]
    declared = float(info.info.length)
    if declared > MAX_SECONDS:  # before decoding: a two-hour file is refused at its header
        raise MediaRefused(messages.audio_too_long(declared / 60))
    bitrate = float(getattr(info.info, "bitrate", 0) or 0)
    if kind in ("MP3", "WAVE") and bitrate and path.stat().st_size < bitrate / 8 * declared * 0.9:
        # The header promises more audio than the file holds (decoders pad it with silence).
        raise MediaRefused(messages.AUDIO_CUT_SHORT)
    if ext != "m4a":  # decode to catch corrupt audio behind a valid header
        try:
            decoded = sf.info(path).duration if ext == "wav" else _decoded_seconds(path)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise MediaRefused(messages.AUDIO_DAMAGED) from exc
        if decoded < declared * 0.9:
            raise MediaRefused(messages.AUDIO_CUT_SHORT)
        declared = min(declared, decoded)
    if declared < MIN_SECONDS:
        raise MediaRefused(messages.AUDIO_TOO_SHORT)
    return ext, mime, declared


def _decoded_seconds(path: Path) -> float:
    frames = 0
    with sf.SoundFile(path) as audio:
        rate = audio.samplerate
        for block in audio.blocks(blocksize=65_536):
            frames += len(block)
    if path.stat().st_size > 0 and frames == 0:
        raise RuntimeError("no audio frames")
    return float(frames / rate)


class Media:
    def __init__(
        self, store: Store, config: MediaConfig, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.config.root.mkdir(parents=True, exist_ok=True)

    def path_of(self, media_id: str, ext: str) -> Path:
        return self.config.root / f"{media_id}.{ext}"

    async def intake(self, audio: AudioInput, member: Member) -> media.MediaRow:
        """Fetch, validate and store a member's audio; the same bytes twice are one file."""
        limit = self.config.max_bytes
        if audio.size is not None and audio.size > limit:
            raise MediaRefused(messages.audio_too_big(audio.size, limit))
        # One temporary file per intake: the same audio may arrive many times at once (a
        # message's buttons pressed together), and a shared name is replaced under the others.
        partial = self.config.root / f"incoming-{secrets.token_hex(8)}.part"
        try:
            await self._fetch(audio, partial, limit)
            digest = await asyncio.to_thread(_sha256, partial)
            ext, mime, seconds = await asyncio.to_thread(inspect, partial)
            await asyncio.to_thread(partial.replace, self.path_of(digest, ext))
        finally:
            await asyncio.to_thread(partial.unlink, missing_ok=True)
        now = self.clock()
        row = media.MediaRow(
            id=digest,
            platform=member.scope.platform,
            scope=member.scope.id,
            user_id=member.user_id,
            filename=audio.filename,
            mime=mime,
            size=self.path_of(digest, ext).stat().st_size,
            duration=seconds,
            created_at=now,
            expires_at=now + self.config.keep_seconds,
            vendor_clip_id=None,
            vendor_clip_at=None,
        )
        async with self.store.write() as conn:
            await media.upsert_media(conn, row)
            stored = await media.media(conn, digest)
        assert stored is not None
        return stored

    async def _fetch(self, audio: AudioInput, into: Path, limit: int) -> None:
        if not audio.location.startswith(("http://", "https://")):
            await asyncio.to_thread(_copy_local, audio.location, into, limit)
            return
        try:
            async with (
                httpx.AsyncClient(timeout=httpx.Timeout(30.0), follow_redirects=True) as http,
                http.stream("GET", audio.location) as response,
            ):
                if response.status_code != 200:
                    raise MediaRefused(messages.AUDIO_DOWNLOAD_FAILED)
                declared = int(response.headers.get("content-length") or 0)
                if declared > limit:
                    raise MediaRefused(messages.audio_too_big(declared, limit))
                received = 0
                with into.open("wb") as out:
                    async for chunk in response.aiter_bytes():
                        received += len(chunk)
                        if received > limit:
                            raise MediaRefused(messages.audio_too_big(None, limit))
                        out.write(chunk)
        except httpx.HTTPError:
            # The URL may carry a platform secret (Telegram's does): never echo it.
            raise MediaRefused(messages.AUDIO_DOWNLOAD_FAILED) from None

    # --- signed links -------------------------------------------------------------------------
    def _sign(self, body: str) -> str:
        return hmac.new(self.config.secret, body.encode(), hashlib.sha256).hexdigest()[:32]

    def token(self, row: media.MediaRow) -> str:
        expires = int(self.clock() + self.config.link_seconds)
        ext = FORMATS_BY_MIME.get(row.mime, "bin")
        body = f"{row.id}.{expires}"
        return f"{body}.{self._sign(body)}.{ext}"

    def public_url(self, row: media.MediaRow) -> str | None:
        base = self.config.public_base_url
        return f"{base.rstrip('/')}/media/{self.token(row)}" if base else None

    def resolve(self, token: str) -> Path | None:
        """The file a token grants, or None if forged, altered or expired."""
        # Checked for shape first: compare_digest refuses non-ASCII text with a TypeError, and
        # the extension, which the signature does not cover, must be one Chorus stores.
        shape = TOKEN.fullmatch(token)
        if shape is None or shape["ext"] not in EXTENSIONS:
            return None
        media_id, expires, signature, ext = shape.group("id", "expires", "signature", "ext")
        if not hmac.compare_digest(signature, self._sign(f"{media_id}.{expires}")):
            return None
        if int(expires) < self.clock():
            return None
        path = self.path_of(media_id, ext)
        return path if path.is_file() else None

    async def cleanup(self) -> int:
        """Delete media past its keep time; returns how many files went."""
        now = self.clock()
        async with self.store.write() as conn:
            expired = await media.expired_media(conn, now)
            for media_id in expired:
                await media.forget_media(conn, media_id)
        for media_id in expired:
            for path in self.config.root.glob(f"{media_id}.*"):
                await asyncio.to_thread(path.unlink, missing_ok=True)
        await asyncio.to_thread(_forget_partials, self.config.root)
        return len(expired)


FORMATS_BY_MIME = {mime: ext for ext, mime in FORMATS.values()}


def _copy_local(location: str, into: Path, limit: int) -> None:
    """The console's way in: a file on this machine, with the same size cap as a download."""
    source = Path(location).expanduser()
    if not source.is_file():
        raise MediaRefused(messages.audio_missing(str(source)))
    size = source.stat().st_size
    if size > limit:
        raise MediaRefused(messages.audio_too_big(size, limit))
    into.write_bytes(source.read_bytes())


def _forget_partials(root: Path) -> None:
    """Temporary files an intake left when the process died mid-download (each has a name of
    its own, so nothing else would ever replace them). File times are wall-clock times."""
    stale = time.time() - PARTIAL_SECONDS
    for partial in root.glob("incoming-*.part"):
        with contextlib.suppress(FileNotFoundError):
            if partial.stat().st_mtime < stale:
                partial.unlink()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
