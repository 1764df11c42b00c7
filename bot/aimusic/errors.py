"""Errors a caller of the AI Music API can act on, one class per decision it has to make.

Messages carry the vendor's own words (for logs; members read Chorus's sentences in
``bot.messages``) and never the API key.
"""

from __future__ import annotations


class AIMusicError(Exception):
    """Base class; ``kind`` names the class of failure for metrics and logs."""

    kind = "error"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ValidationRejected(AIMusicError):
    """400: the vendor refused the request's fields. Nothing was charged."""

    kind = "validation"


class TaskNotFound(AIMusicError):
    """The task id is unknown to the vendor (400 "task not found.")."""

    kind = "task_not_found"


class AuthFailed(AIMusicError):
    """401: the API key is missing or wrong. An operator must fix the configuration."""

    kind = "auth"


class CreditsExhausted(AIMusicError):
    """403: the vendor account has no credits (or no subscription). Moderators must top it up."""

    kind = "upstream_credits"


class ContentRejected(AIMusicError):
    """403: moderation, copyright or artist-name rejection; ``reason`` is the vendor's text."""

    kind = "content"

    @property
    def reason(self) -> str:
        return self.message


class SourceExpired(AIMusicError):
    """404 from /download: the vendor no longer keeps the source audio; regenerate it."""

    kind = "source_expired"


class NotFound(AIMusicError):
    """404 from any other endpoint: something the request names or links to is not there.

    Not :class:`SourceExpired`: only a download's 404 is documented to mean the track's audio is
    gone; elsewhere (create-voice fetching a link, a moved endpoint) it means no such thing.
    """

    kind = "not_found"


class EndpointRetired(AIMusicError):
    """410: the endpoint is gone upstream (Nuro, retired producer task types)."""

    kind = "retired"


class RateLimited(AIMusicError):
    """429 after the client's bounded retries; ``retry_after`` is the vendor's wait in seconds."""

    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: float, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class UpstreamUnavailable(AIMusicError):
    """5xx, timeouts, refused connections or malformed answers: try again later."""

    kind = "unavailable"


class AnswerLost(UpstreamUnavailable):
    """A POST was sent but its answer was lost (timeout, dropped connection, garbled body).

    It may have taken effect and been charged upstream; there is no idempotency key, so it is
    never resent automatically. ``webhook`` says whether the request asked for a webhook: if it
    did, the vendor may still report the task there, and the caller can wait for it.
    """

    kind = "answer_lost"

    def __init__(self, message: str, *, status: int | None = None, webhook: bool = False) -> None:
        super().__init__(message, status=status)
        self.webhook = webhook
