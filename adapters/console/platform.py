"""The console as a platform: status lines on the terminal, results saved as files.

Deliveries are idempotent by key: a marker file per delivered key is written after the result's
files are in place, so a redelivery after a crash overwrites the same files and is recorded once.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot import messages
from bot.domain import ReplyTarget, ResultCard
from bot.filenames import safe_name, within


@dataclass(frozen=True)
class Saved:
    job_id: str
    track_id: str | None
    title: str
    duration: float | None
    files: tuple[str, ...]
    text: str | None


class ConsolePlatform:
    name = "console"

    def __init__(self, out_dir: Path, write: Callable[[str], None] = print) -> None:
        self.out_dir = out_dir
        self.markers = out_dir / ".delivered"
        self.write = write
        self.saved: list[Saved] = []
        self.notices: list[str] = []
        self.changed = asyncio.Event()
        self._refs = 0

    async def post_status(self, target: ReplyTarget, text: str) -> str:
        self._refs += 1
        self.write(text)
        return f"status-{self._refs}"

    async def edit_status(self, target: ReplyTarget, ref: str, text: str) -> None:
        self.write(text)

    def _seen(self, key: str) -> bool:
        return (self.markers / key).exists()

    def _mark(self, key: str) -> None:
        self.markers.mkdir(parents=True, exist_ok=True)
        partial = self.markers / f".{key}.part"
        partial.write_text(key)
        partial.replace(self.markers / key)

    async def deliver(self, target: ReplyTarget, card: ResultCard, key: str) -> str:
        if await asyncio.to_thread(self._seen, key):
            return key
        saved = await asyncio.to_thread(self._save, card, key)
        self.saved.append(saved)
        lines = [f"♪ {card.title}" + (f" [{card.track_id}]" if card.track_id else "")]
        if card.duration:
            lines[0] += f" — {int(card.duration // 60)}:{int(card.duration % 60):02d}"
        if card.tags:
            lines.append(f"  {messages.result_style(card.tags)}")
        if card.text:
            lines.extend(f"  {line}" for line in card.text.splitlines())
        lines.extend(f"  {messages.result_saved(path)}" for path in saved.files)
        if card.link:
            lines.append(f"  {messages.result_too_big_to_save(card.link)}")
        if card.actions:
            commands = [f"/{a.op} {a.track_id}" for a in card.actions]
            lines.append(f"  {messages.result_next(commands)}")
        self.write("\n".join(lines))
        self.changed.set()
        return key

    def _save(self, card: ResultCard, key: str) -> Saved:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        files = []
        for attachment in card.attachments:
            prefix = card.track_id or card.job_id
            suffix = Path(attachment.filename).suffix
            name = safe_name(f"{prefix}-{card.title[:40]}{suffix}", prefix)
            destination = within(self.out_dir, name)
            shutil.copyfile(attachment.path, destination)
            files.append(str(destination))
        self._mark(key)
        return Saved(card.job_id, card.track_id, card.title, card.duration, tuple(files), card.text)

    async def notify(self, target: ReplyTarget, text: str, key: str) -> str:
        if await asyncio.to_thread(self._seen, key):
            return key
        await asyncio.to_thread(self._mark, key)
        self.notices.append(text)
        self.write(text)
        self.changed.set()
        return key
