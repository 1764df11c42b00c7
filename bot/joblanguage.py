"""Job messages in the language of the place they are posted.

A job's status, results and notices are posted where the command came from (a channel, a
chat), so they speak that place's language, recorded in the job's :class:`ReplyTarget` when it
was accepted. The engine's methods that make a job's text take the job (or its id) first;
:func:`in_job_language` runs them in that language, so every sentence made inside, however deep,
is translated for the readers of that channel and not for whoever (a webhook, the poll loop)
happened to trigger the work.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from bot.i18n import speaking
from bot.store import jobs

P = ParamSpec("P")
R = TypeVar("R")
J = TypeVar("J", str, jobs.JobRow)


class KnowsLanguages(Protocol):
    async def job_language(self, job_id: str) -> str | None: ...


S = TypeVar("S", bound=KnowsLanguages)


def in_job_language(
    method: Callable[Concatenate[S, J, P], Awaitable[R]],
) -> Callable[Concatenate[S, J, P], Awaitable[R]]:
    @functools.wraps(method)
    async def speaking_for_job(self: S, job: J, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if isinstance(job, jobs.JobRow):
            language = job.target.language
        else:
            language = await self.job_language(job)
        with speaking(language):
            return await method(self, job, *args, **kwargs)

    return speaking_for_job
