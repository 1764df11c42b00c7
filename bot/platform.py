"""The whole contract between the core and a chat platform.

An adapter implements :class:`Platform` for its platform; the core calls it to show progress and
to post results. ``deliver`` and ``notify`` take a key that is stable across restarts (the
outbox row): an adapter must make a repeated key harmless, so that a result is posted once even
when Chorus dies between posting it and recording that it did.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.domain import ReplyTarget, ResultCard


class PlatformError(Exception):
    """The platform refused or failed; ``retry_after`` (seconds) when it asked us to wait.

    ``permanent`` says that sending the same thing again cannot succeed (missing access or
    permissions, too large, a bad request, a member who blocked the bot): the core stops retrying
    and takes its fallback instead. Everything else (429, 5xx, timeouts) is worth a retry.
    """

    def __init__(
        self, message: str, retry_after: float | None = None, *, permanent: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class Platform(Protocol):
    name: str

    async def post_status(self, target: ReplyTarget, text: str) -> str:
        """Post a job's status message; returns a reference for later edits."""
        ...

    async def edit_status(self, target: ReplyTarget, ref: str, text: str) -> None: ...

    async def deliver(self, target: ReplyTarget, card: ResultCard, key: str) -> str:
        """Post one result (its attachments are files on disk); returns the message reference.

        When the target refuses for good, the adapter tries its own other routes to the member
        first; a permanent :class:`PlatformError` means none would take it (the core then keeps
        the result for /mysongs and never records it as delivered)."""
        ...

    async def notify(self, target: ReplyTarget, text: str, key: str) -> str:
        """Post a plain message: a failure and its refund, or a notice to moderators."""
        ...


@runtime_checkable
class FindsPosted(Protocol):
    """A platform that can look for a result it may have posted already.

    The core asks before it tries a result again whose earlier attempt may have reached the
    platform (Chorus stopped between posting and recording, or the attempt timed out), when the
    platform's own deduplication may have forgotten the key (Discord keeps nonces for minutes).
    """

    async def find_posted(self, target: ReplyTarget, card: ResultCard, key: str) -> str | None:
        """The reference of the message already posted for ``key``, if there is one."""
        ...
