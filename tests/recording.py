"""A platform that keeps every post as it arrives, for tests that must count duplicates.

Unlike the console platform it has no de-duplication at all: each call to ``deliver`` or
``notify`` is one post, appended as one JSON line to a file opened with ``O_APPEND`` and written
with a single ``os.write``, so a post survives a SIGKILL the instant the call is made and posts
from successive processes land in one file in the order they happened. A test reads the file
back with :func:`read_posts` and sees every repeat, whatever the core or an adapter would hide.

Several processes may append to one file at once (instances sharing a database): each line then
names the process that posted it (``instance``), and being one ``write`` under ``O_APPEND`` it
lands whole, never interleaved with another process's line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.domain import ReplyTarget, ResultCard


@dataclass(frozen=True)
class Post:
    run: int  # which process posted it: the count of "restart" lines before it
    kind: str  # result | notice
    key: str
    job_id: str | None
    track_id: str | None
    text: str | None
    instance: str | None = None  # the process that posted it, when several share the file


class RecordingPlatform:
    name = "console"  # it stands in for the console adapter's platform

    def __init__(self, log: Path, echo: bool = True, instance: str | None = None) -> None:
        self.log = log
        self.echo = echo  # print status lines too, as the console does (tests pace kills on them)
        self.instance = instance
        self._fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._refs = 0

    def _append(self, record: dict[str, Any]) -> None:
        if self.instance is not None:
            record = {**record, "instance": self.instance}
        os.write(self._fd, (json.dumps(record) + "\n").encode())

    def _say(self, text: str) -> None:
        if self.echo:
            print(text, flush=True)

    async def post_status(self, target: ReplyTarget, text: str) -> str:
        self._refs += 1
        self._say(text)
        return f"status-{self._refs}"

    async def edit_status(self, target: ReplyTarget, ref: str, text: str) -> None:
        self._say(text)

    async def deliver(self, target: ReplyTarget, card: ResultCard, key: str) -> str:
        self._append(
            {"kind": "result", "key": key, "job_id": card.job_id, "track_id": card.track_id}
        )
        self._say(f"posted {key}")
        return key

    async def notify(self, target: ReplyTarget, text: str, key: str) -> str:
        self._append({"kind": "notice", "key": key, "text": text})
        self._say(f"posted {key}")
        return key


def mark_restart(log: Path) -> None:
    """Called by the test between two processes: later posts belong to the next run."""
    with log.open("a") as out:
        out.write(json.dumps({"kind": "restart"}) + "\n")


def read_posts(log: Path) -> list[Post]:
    posts: list[Post] = []
    run = 0
    for line in log.read_text().splitlines():
        record = json.loads(line)
        if record["kind"] == "restart":
            run += 1
            continue
        posts.append(
            Post(
                run,
                record["kind"],
                record["key"],
                record.get("job_id"),
                record.get("track_id"),
                record.get("text"),
                record.get("instance"),
            )
        )
    return posts
