"""GET|HEAD /media/{token}: odd tokens are 404, never a 500; Range follows RFC 9110."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.domain import AudioInput
from tests.conftest import tone
from tests.harness import chorus


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[str, bytes]]:
    """(signed URL, bytes) of a member's stored audio, served by a running Chorus."""
    riff = tmp_path / "riff.wav"
    riff.write_bytes(tone(2))
    async with chorus(tmp_path) as h:
        row = await h.app.media.intake(AudioInput(str(riff), "riff.wav"), h.member)
        url = h.app.media.public_url(row)
        assert url is not None
        yield url, riff.read_bytes()


@pytest.mark.parametrize(
    "token",
    [
        "x.1.%C3%A9.mp3",  # a non-ASCII signature
        "x.1.%00.mp3",
        "x.99999999999.é.wav",
        "%C3%A9.1.0123456789abcdef0123456789abcdef.mp3",
        "x.1.2",
        "..%2F..%2Fchorus.db",
        "x" * 2000,
    ],
)
async def test_a_malformed_token_is_404(served: tuple[str, bytes], token: str) -> None:
    url, _ = served
    base = url.rsplit("/", 1)[0]
    async with httpx.AsyncClient() as http:
        for method in ("GET", "HEAD"):
            answer = await http.request(method, f"{base}/{token}")
            assert answer.status_code == 404, (method, token, answer.text[:200])


async def test_a_token_naming_another_extension_is_404(served: tuple[str, bytes]) -> None:
    """The extension is not signed: only the stored file's own may be asked for."""
    url, _ = served
    media_id, expires, signature, _ = url.rsplit("/", 1)[1].split(".")
    base = url.rsplit("/", 1)[0]
    async with httpx.AsyncClient() as http:
        for ext in ("db", "key", "mp3"):
            answer = await http.get(f"{base}/{media_id}.{expires}.{signature}.{ext}")
            assert answer.status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        "bytes=abc",
        "bytes=0-1,5-9",  # several ranges: aiohttp cannot serve them, so the whole file
        "bytes=9-2",  # last before first: invalid
        "bytes=-",
        "items=0-5",  # a unit the server does not understand MUST be ignored
        "bytes=0-99; x",
        "bytes = 0-99",  # no whitespace around "=" in the grammar
        "",
    ],
)
async def test_a_malformed_or_multi_range_is_ignored(
    served: tuple[str, bytes], header: str
) -> None:
    url, data = served
    async with httpx.AsyncClient() as http:
        answer = await http.get(url, headers={"Range": header})
        assert answer.status_code == 200, (header, answer.status_code)
        assert answer.content == data
        head = await http.head(url, headers={"Range": header})
        assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(data)


async def test_a_valid_single_range_is_still_honoured(served: tuple[str, bytes]) -> None:
    url, data = served
    async with httpx.AsyncClient() as http:
        first = await http.get(url, headers={"Range": "bytes=0-99"})
        assert first.status_code == 206 and first.content == data[:100]
        tail = await http.get(url, headers={"Range": "bytes=-100"})
        assert tail.status_code == 206 and tail.content == data[-100:]
        for spelled in ("BYTES=10-19", "bytes= 10-19"):  # the unit is case-insensitive
            spaced = await http.get(url, headers={"Range": spelled})
            assert spaced.status_code == 206 and spaced.content == data[10:20]
        beyond = await http.get(url, headers={"Range": f"bytes={len(data) + 10}-"})
        assert beyond.status_code == 416  # well-formed but unsatisfiable: RFC 9110 §15.5.17
        assert beyond.headers["Content-Range"] == f"bytes */{len(data)}"
