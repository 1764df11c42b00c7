"""The console adapter: a REPL for people, and a script runner for pipes and tests.

The local user is the operator, so they are a moderator of the console's one scope. In script
mode (``--script FILE``, or stdin that is not a terminal) every command runs in order, then the
adapter waits for every job it started to finish and be delivered, prints a table of what was
saved, and exits non-zero if any job failed.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from adapters.console.platform import ConsolePlatform
from bot.app import App
from bot.domain import Actor, Member, ReplyTarget, Scope
from bot.messages import banned_member, credits, limits_updated, moderated, unbanned_member
from bot.moderation import audit_text, limits_text, report_text, settings_text
from bot.service import Refused, Request
from bot.store import jobs as q
from bot.textcommand import CommandError, parse

SCOPE = Scope("console", "local")
TARGET = ReplyTarget("console", "terminal", upload_limit=50 * 1024 * 1024)
BANNER = """Chorus console. Try:
  /song a lo-fi beat about rain
  /cover <track id> as a jazz ballad      /cover ./my.mp3 as a rock anthem
  /stems <track id>    /balance    /history    /help    /quit"""


class ConsoleAdapter:
    def __init__(self, app: App, out_dir: Path, user: str = "you") -> None:
        self.app = app
        self.service = app.service
        self.platform = ConsolePlatform(out_dir)
        app.platforms["console"] = self.platform
        self.actor = Actor(user, name=user, is_admin=True)
        self.started: list[str] = []
        self.session = uuid.uuid4().hex[:8]
        self._counter = itertools.count(1)

    def say(self, text: str) -> None:
        self.platform.write(text)

    async def execute(self, line: str) -> None:
        """Run one line and print its answer; refusals are printed, never raised."""
        line = line.strip()
        if not line or line.startswith("#"):
            return
        try:
            answer = await self._dispatch(line)
        except (CommandError, Refused) as exc:
            answer = f"✋ {exc}"
        if answer:
            self.say(answer)

    async def _dispatch(self, line: str) -> str | None:
        parsed = parse(line, paths=True)
        name = parsed.name
        if name == "help":
            return await self.service.help(SCOPE)
        if name in ("balance", "credits"):
            return await self.service.balance(self.actor, SCOPE)
        if name in ("history", "mysongs"):
            tracks = await self.service.history(
                self.actor, SCOPE, page=int(parsed.args.get("page", 0) or 0)
            )
            listed = "\n".join(f"{t.id}  {t.title}  ({(t.duration or 0):.0f}s)" for t in tracks)
            kept = await self.service.kept_text(self.actor, SCOPE)
            return "\n\n".join(part for part in (listed, kept) if part) or "No tracks yet."
        if name == "mod":
            return await self._moderate(parsed.words)
        request = Request(
            op=name,
            actor=self.actor,
            scope=SCOPE,
            target=TARGET,
            request_key=f"console-{self.session}-{next(self._counter)}",
            args=parsed.args,
            tracks=tuple(parsed.tracks),
            audio=tuple(parsed.audio),
        )
        accepted = await self.service.run(request)
        self.started.append(accepted.job_id)
        left = accepted.available_after
        return f"→ job {accepted.job_id}: {credits(accepted.price)} reserved, {left} left."

    async def _moderate(self, words: list[str]) -> str:
        if not words:
            return "Usage: /mod grant|revoke|limits|ban|unban|show|audit|settings|credits ..."
        action, rest = words[0], words[1:]
        options = dict(word.split("=", 1) for word in rest if "=" in word)
        plain = [word for word in rest if "=" not in word]
        member = Member(SCOPE, plain[0]) if plain else None
        reason = " ".join(plain[2:] if action in ("grant", "revoke") else plain[1:]) or None
        service = self.service
        if action == "credits":
            return await service.upstream_credits(self.actor, SCOPE)
        if action == "settings":
            values: dict[str, Any] = {k: _value(v) for k, v in options.items()}
            if not values:
                policy = await service.moderate("settings", self.actor, SCOPE)
            else:
                policy = await service.moderate(
                    "update_settings", self.actor, SCOPE, reason, **values
                )
            return settings_text(policy)
        if action == "audit":
            rows = await service.moderate(
                "audit_log", self.actor, SCOPE, member=plain[0] if plain else None
            )
            return audit_text(rows)
        if member is None:
            raise Refused(f"/mod {action} needs a member.")
        if action in ("grant", "revoke"):
            if len(plain) < 2 or not plain[1].lstrip("-").isdigit():
                raise Refused(f"Usage: /mod {action} <member> <credits> [reason]")
            balance = await service.moderate(action, self.actor, member, int(plain[1]), reason)
            return moderated(balance.describe_member(member.user_id))
        if action == "limits":
            values = {k: _value(v) for k, v in options.items()}
            policy = await service.moderate("set_limits", self.actor, member, reason, **values)
            return limits_updated(member.user_id, limits_text(policy))
        if action in ("ban", "unban"):
            await service.moderate(action, self.actor, member, reason)
            return (banned_member if action == "ban" else unbanned_member)(member.user_id)
        if action == "show":
            return report_text(await service.moderate("show", self.actor, member))
        raise Refused(f"There is no /mod {action}.")

    # --- modes -----------------------------------------------------------------------------
    async def run_script(self, lines: Iterable[str], patience: float = 3600) -> int:
        for line in lines:
            await self.execute(line)
        failed = await self.wait_for_jobs(patience)
        self.print_table()
        return 1 if failed else 0

    async def wait_for_jobs(self, patience: float) -> int:
        """Wait until every job started here is finished and delivered; returns how many failed."""
        deadline = time.monotonic() + patience
        while True:
            async with self.app.store.read() as conn:
                jobs = [await q.job(conn, job_id) for job_id in self.started]
                outbox = await q.outbox_counts(conn)
            if all(job and job.state in q.TERMINAL for job in jobs) and not outbox.get("pending"):
                return sum(1 for job in jobs if job and job.state == "failed")
            if time.monotonic() > deadline:
                self.say("Gave up waiting for the remaining jobs.")
                return len(jobs)
            self.platform.changed.clear()
            try:
                await asyncio.wait_for(self.platform.changed.wait(), timeout=0.5)
            except TimeoutError:
                continue

    def print_table(self) -> None:
        if not self.platform.saved:
            return
        self.say("\ntrack   title                                    length  file")
        for saved in self.platform.saved:
            length = (
                f"{int((saved.duration or 0) // 60)}:{int((saved.duration or 0) % 60):02d}"
                if saved.duration
                else ""
            )
            file = (
                saved.files[0]
                if saved.files
                else next(iter((saved.text or "").splitlines()), "")[:40]
            )
            self.say(f"{saved.track_id or '':7} {saved.title[:40]:40} {length:>6}  {file}")

    async def repl(self) -> int:
        self.say(BANNER)
        while True:
            try:
                line = await asyncio.to_thread(input, "chorus> ")
            except EOFError:
                break
            if line.strip() in ("/quit", "/exit"):
                break
            await self.execute(line)
        return 0


def _value(text: str) -> Any:
    """Option values from the command line: numbers and lists where they look like them."""
    lowered = text.lower()
    if lowered in ("none", "null", ""):
        return None
    if lowered.lstrip("-").isdigit():
        return int(lowered)
    try:
        return float(lowered)
    except ValueError:
        pass
    return [part for part in text.split(",") if part] if "," in text else text


def interactive() -> bool:
    return sys.stdin.isatty()
