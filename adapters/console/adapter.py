"""The console adapter: a REPL for people, and a script runner for pipes and tests.

The local user ("you") is the operator, so they are a moderator of the console's one scope;
``/as NAME <command>`` runs one command as another member, who is not a moderator, so bans,
limits and allowances can be tried from the terminal.

A line may use the previous command's results: ``last`` (its first track), ``last.2`` (its
second) and ``last.lyrics`` (the first lyrics it wrote; ``last.lyrics.2`` the second; ``last``
as the value of a ``lyrics=`` option means the same). Such a line first waits for that command
to finish. In script mode (``--script FILE``, or stdin that is not a terminal) every command
runs in order; one refused only because the member has too many jobs running waits for a free
slot instead. At the end the adapter waits for every job it started (and any console job a
previous run left unfinished) to finish and be delivered, prints a table of what was saved,
and exits non-zero if any job failed or any line was refused.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from adapters.console.platform import ConsolePlatform
from bot import messages
from bot.adapter import Core
from bot.catalog import CATALOG, Needs
from bot.domain import Actor, Member, ReplyTarget, Scope
from bot.i18n import speaking
from bot.messages import (
    banned_member,
    limits_updated,
    moderated,
    unbanned_member,
)
from bot.moderation import audit_text, limits_text, report_text, settings_text
from bot.panel.access import LINK_MINUTES
from bot.service import Busy, Refused, Request
from bot.textcommand import CommandError, Resolver, options_of, parse, tokens_of

log = logging.getLogger(__name__)
SCOPE = Scope("console", "local")
TARGET = ReplyTarget("console", "terminal", upload_limit=50 * 1024 * 1024)


def account_commands() -> tuple[tuple[str, str], ...]:
    """The console's own commands, listed by /help after the catalog's (in today's language)."""
    return (
        ("balance", messages.HELP_CREDITS_ALIASED),
        ("mysongs", messages.HELP_HISTORY_KEPT),
        ("language", messages.HELP_LANGUAGE),
        ("as", messages.HELP_AS),
        ("mod", messages.HELP_MOD_CREDITS),
        ("help", messages.HELP_LIST),
    )


OPERATOR = "you"
# Results that lead somewhere only through `last`: what to type next, shown with the result.
MEMBER_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
LAST = re.compile(r"^last(?:\.(\d+)|\.lyrics(?:\.(\d+))?)?$")
TRACK_NEEDS = (Needs.TRACK, Needs.TWO_TRACKS, Needs.TRACK_OR_AUDIO)


def create(core: Core, *, out_dir: Path | None = None, user: str = OPERATOR) -> ConsoleAdapter:
    """The console, saving results under ``out_dir`` (default: ``<data_dir>/songs``)."""
    return ConsoleAdapter(core, out_dir or core.settings.data_dir / "songs", user)


class ConsoleAdapter:
    name = "console"

    def __init__(self, core: Core, out_dir: Path, user: str = OPERATOR) -> None:
        self.service = core.service
        self.platform = ConsolePlatform(out_dir)
        self.actor = Actor(user, name=user, is_admin=True)
        self.started: list[str] = []
        self.refused = 0  # lines refused: a script with any exits non-zero
        self.wait_for_slot = False  # script mode: a "too many jobs" refusal waits and retries
        self.last_job: str | None = None  # the newest job a line started: what `last` names
        self.session = uuid.uuid4().hex[:8]
        self._counter = itertools.count(1)

    async def start(self) -> None:
        """Nothing to connect: the console runs when the CLI hands it lines."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    def say(self, text: str) -> None:
        self.platform.write(text)

    async def execute(self, line: str) -> None:
        """Run one line and print its answer; refusals are printed, never raised."""
        line = line.strip()
        if not line or line.startswith("#"):
            return
        actor = self.actor
        with speaking(await self.service.language(actor, SCOPE, None)):
            try:
                actor, line = self._actor_of(line)
                language = await self.service.language(actor, SCOPE, None)
                key = f"console-{self.session}-{next(self._counter)}"
                with speaking(language):  # `/as bob` speaks bob's language
                    while True:
                        try:
                            answer = await self._dispatch(line, actor, key, language)
                            break
                        except Busy as exc:
                            if not self.wait_for_slot or not await self._one_finishes(actor):
                                raise
                            self.say(messages.waiting_for_a_slot(str(exc)))
            except (CommandError, Refused) as exc:
                self.refused += 1
                answer = messages.refused(str(exc))
            except (
                Exception
            ) as exc:  # a bug: the member gets a sentence, the operator the traceback
                log.exception("console command failed: %s", type(exc).__name__)
                self.refused += 1
                answer = messages.something_went_wrong()
            if answer:
                self.say(answer)

    def _actor_of(self, line: str) -> tuple[Actor, str]:
        """``/as NAME <command>``: the command, run as member NAME (never a moderator)."""
        if not re.match(r"^/as(\s|$)", line):
            return self.actor, line
        _, _, rest = line.partition(" ")
        name, _, command = rest.strip().partition(" ")
        if not MEMBER_NAME.match(name) or not command.strip().startswith("/"):
            raise CommandError(messages.AS_USAGE)
        if name == self.actor.user_id:
            return self.actor, command.strip()
        return Actor(name, name=name, is_admin=False), command.strip()

    async def _one_finishes(self, actor: Actor) -> bool:
        """Wait until one of ``actor``'s running console jobs ends; False if none is running."""
        running: set[str] | None = None
        while True:
            jobs = (await self.service.progress(self.started)).jobs
            now = {j.id for j in jobs if j.owner == actor.user_id and not j.finished}
            if running is None:
                running = now
            if not running or running - now:
                return bool(running)
            self.platform.changed.clear()
            try:
                await asyncio.wait_for(self.platform.changed.wait(), timeout=0.5)
            except TimeoutError:
                continue

    # --- `last` -----------------------------------------------------------------------------
    async def _resolver(self, line: str) -> Resolver | None:
        """What ``last`` words in ``line`` stand for, once the job they name has finished."""
        try:
            words = tokens_of(line, escapes=True)
        except ValueError:
            return None  # parse() says what is wrong with the line
        op = CATALOG.get(words[0][1:].lower()) if words else None
        takes_tracks = op is not None and op.needs in TRACK_NEEDS

        def names_last(word: str, option: str | None) -> bool:
            """`last` is a result only where a result belongs: a track where the command takes
            tracks, lyrics in a ``lyrics=`` option or as ``last.lyrics``; elsewhere a word."""
            if option is not None:
                return option == "lyrics" and op is not None and option in op.params.model_fields
            return word.startswith("last.lyrics") or takes_tracks

        named = [
            w
            for w in words[1:]
            if LAST.match(w.partition("=")[2] or w)
            and names_last(w, w.partition("=")[0] if "=" in w else None)
        ]
        if not named:
            return None
        if self.last_job is None:
            raise CommandError(messages.no_earlier_result())
        job_id = self.last_job
        await self._until_delivered(job_id)
        job, tracks = await self.service.results(job_id)
        if job is None or job.state != "succeeded":
            raise CommandError(messages.last_did_not_succeed(job_id))
        lyrics = [t.lyrics for t in tracks if t.lyrics]  # a /lyrics result's sets are tracks too

        def resolve(word: str, option: str | None) -> str | None:
            match = LAST.match(word)
            if match is None or not names_last(word, option):
                return None
            wants_lyrics = word.startswith("last.lyrics") or option == "lyrics"
            index = int(match.group(1) or match.group(2) or 1) - 1
            found = lyrics if wants_lyrics else [t.id for t in tracks]
            if not 0 <= index < len(found):
                raise CommandError(
                    messages.last_out_of_range(
                        word, index + 1, job.op, job_id, len(found), wants_lyrics
                    )
                )
            return found[index]

        return resolve

    async def _until_delivered(self, job_id: str) -> None:
        while True:
            progress = await self.service.progress([job_id])
            if progress.settled:
                return
            self.platform.changed.clear()
            try:
                await asyncio.wait_for(self.platform.changed.wait(), timeout=0.5)
            except TimeoutError:
                continue

    async def _dispatch(self, line: str, actor: Actor, key: str, language: str) -> str | None:
        parsed = parse(line, paths=True, resolve=await self._resolver(line))
        name = parsed.name
        if name == "help":
            return await self.service.help(SCOPE, account_commands())
        if name == "language":
            return await self.service.choose_language(actor, SCOPE, " ".join(parsed.words))
        if name in ("balance", "credits"):
            return await self.service.balance(actor, SCOPE)
        if name in ("history", "mysongs"):
            tracks = await self.service.history(
                actor, SCOPE, page=int(parsed.args.get("page", 0) or 0)
            )
            listed = "\n".join(messages.track_line(t.id, t.title, t.duration or 0) for t in tracks)
            kept = await self.service.kept_text(actor, SCOPE)
            parts = (listed, kept)
            return "\n\n".join(part for part in parts if part) or messages.no_tracks_yet()
        if name == "mod":
            return await self._moderate(parsed.words, actor)
        request = Request(
            op=name,
            actor=actor,
            scope=SCOPE,
            target=replace(TARGET, language=language),  # the console's one reader
            request_key=key,
            args=parsed.args,
            tracks=tuple(parsed.tracks),
            audio=tuple(parsed.audio),
        )
        accepted = await self.service.run(request)
        self.started.append(accepted.job_id)
        self.last_job = accepted.job_id
        return messages.job_accepted(accepted.job_id, accepted.price, accepted.available_after)

    async def _moderate(self, words: list[str], actor: Actor) -> str:
        if not words:
            return messages.MOD_USAGE_CONSOLE
        action, rest = words[0], words[1:]
        options = options_of(rest)
        plain = [word for word in rest if "=" not in word]
        member = Member(SCOPE, plain[0]) if plain else None
        reason = " ".join(plain[2:] if action in ("grant", "revoke") else plain[1:]) or None
        service = self.service
        if action == "credits":
            return await service.upstream_credits(actor, SCOPE)
        if action == "panel":
            return messages.panel_link(await service.panel_link(actor, SCOPE), LINK_MINUTES)
        if action == "settings" and "language" in options:
            said = str(
                await service.moderate("set_language", actor, SCOPE, options.pop("language"))
            )
            if not options:
                return said
            values: dict[str, Any] = {k: _value(v) for k, v in options.items()}
            policy = await service.moderate("update_settings", actor, SCOPE, values, reason)
            return f"{said}\n{settings_text(policy)}"
        if action == "settings":
            values = {k: _value(v) for k, v in options.items()}
            if not values:
                policy = await service.moderate("settings", actor, SCOPE)
            else:
                policy = await service.moderate("update_settings", actor, SCOPE, values, reason)
            return settings_text(policy)
        if action == "audit":
            rows = await service.moderate(
                "audit_log", actor, SCOPE, member=plain[0] if plain else None
            )
            return audit_text(rows)
        if member is None:
            raise Refused(messages.mod_needs_member(action))
        if action in ("grant", "revoke"):
            if len(plain) < 2 or not plain[1].lstrip("-").isdigit():
                raise Refused(messages.mod_amount_usage(action))
            balance = await service.moderate(action, actor, member, int(plain[1]), reason)
            return moderated(balance.describe_member(member.user_id))
        if action == "limits":
            values = {k: _value(v) for k, v in options.items()}
            policy = await service.moderate("set_limits", actor, member, values, reason)
            return limits_updated(member.user_id, limits_text(policy))
        if action in ("ban", "unban"):
            await service.moderate(action, actor, member, reason)
            return (banned_member if action == "ban" else unbanned_member)(member.user_id)
        if action == "show":
            return report_text(await service.moderate("show", actor, member))
        raise Refused(messages.no_mod_action(action))

    # --- modes -----------------------------------------------------------------------------
    async def run_script(self, lines: Iterable[str], patience: float = 3600) -> int:
        with speaking(await self.service.language(self.actor, SCOPE, None)):
            return await self._run_script(lines, patience)

    async def _run_script(self, lines: Iterable[str], patience: float) -> int:
        self.wait_for_slot = True
        await self.adopt_unfinished()
        for line in lines:
            await self.execute(line)
        failed = await self.wait_for_jobs(patience)
        self.print_table()
        return 1 if failed or self.refused else 0

    async def adopt_unfinished(self) -> None:
        """Console jobs a previous run left unfinished (it was killed): this run waits for them
        too, so a restarted script still sees them delivered."""
        for job in await self.service.unfinished(SCOPE.platform):
            if job.id not in self.started:
                self.started.append(job.id)
                self.say(messages.waiting_for_job(job.id, job.op))

    async def wait_for_jobs(self, patience: float) -> int:
        """Wait until every job started here is finished and delivered; returns how many failed."""
        deadline = time.monotonic() + patience
        while True:
            progress = await self.service.progress(self.started)
            if progress.settled:
                return sum(1 for job in progress.jobs if job.state == "failed")
            if time.monotonic() > deadline:
                self.say(messages.gave_up_waiting())
                return len(progress.jobs)
            self.platform.changed.clear()
            try:
                await asyncio.wait_for(self.platform.changed.wait(), timeout=0.5)
            except TimeoutError:
                continue

    def print_table(self) -> None:
        if not self.platform.saved:
            return
        self.say("\n" + messages.RESULTS_HEADER)
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
        with speaking(await self.service.language(self.actor, SCOPE, None)):
            self.say(messages.CONSOLE_BANNER)
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
