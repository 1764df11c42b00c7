"""Member audio arriving many times at once: every command is served or clearly refused."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from adapters.console.adapter import SCOPE, TARGET
from bot.domain import AudioInput
from bot.service import Accepted, Refused, Request
from tests.conftest import FileHost, tone
from tests.harness import chorus


@pytest.mark.parametrize("where", ["local", "url"])
async def test_twelve_concurrent_commands_on_one_source_are_all_served(
    tmp_path: Path, files: FileHost, where: str
) -> None:
    riff = tmp_path / "riff.wav"
    riff.write_bytes(tone(8))
    location = str(riff) if where == "local" else files.put("riff.wav", riff.read_bytes())
    async with chorus(tmp_path) as h:
        answers = await asyncio.gather(
            *(
                h.app.service.run(
                    Request(
                        op="cover",
                        actor=h.console.actor,
                        scope=SCOPE,
                        target=TARGET,
                        request_key=f"same-source-{n}",
                        args={"prompt": "as jazz"},
                        audio=(AudioInput(location, "riff.wav"),),
                    )
                )
                for n in range(12)
            ),
            return_exceptions=True,
        )
        unexpected = [a for a in answers if not isinstance(a, Accepted | Refused)]
        assert unexpected == []
        accepted = [a for a in answers if isinstance(a, Accepted)]
        assert len(accepted) == 12  # nothing is wrong with the audio: every one is served
        assert await h.available() == 1000 - 12 * (14 + 2)
        media = h.app.settings.data_dir / "media"
        assert [p.suffix for p in media.iterdir()] == [".wav"]  # one stored file, no leftovers


async def test_temporary_files_abandoned_by_a_crash_are_cleaned_up(tmp_path: Path) -> None:
    async with chorus(tmp_path) as h:
        media = h.app.settings.data_dir / "media"
        abandoned, current = media / "incoming-0123456789abcdef.part", media / "incoming-f.part"
        abandoned.write_bytes(b"half a download")
        current.write_bytes(b"a download in progress")
        two_hours_ago = time.time() - 7200
        os.utime(abandoned, (two_hours_ago, two_hours_ago))
        await h.app.media.cleanup()
        assert not abandoned.exists() and current.exists()
