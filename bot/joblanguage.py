"""Job messages in the language of the place they are posted.

A job's status, results and notices are posted where the command came from (a channel, a
chat), so they speak that place's language, recorded in the job's :class:`ReplyTarget` when it
was accepted. The engine's steps (submitting, tracking, results, outcomes, status messages)
take the job's row first; :func:`in_job_language` runs them in that language, so every sentence
made inside, however deep, is translated for the readers of that channel and not for whoever
(a webhook, the poll loop, a restart's recovery) happened to trigger the work.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

from bot.i18n import speaking
from bot.store import jobs

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")


def in_job_language(
    method: Callable[Concatenate[S, jobs.JobRow, P], Awaitable[R]],
) -> Callable[Concatenate[S, jobs.JobRow, P], Awaitable[R]]:
    @functools.wraps(method)
    async def speaking_for_job(
        self: S, job: jobs.JobRow, /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        with speaking(job.target.language):
            return await method(self, job, *args, **kwargs)

    return speaking_for_job
