"""The upstream AI Music API: typed client, request/response models, errors, webhook checks."""

from bot.aimusic.client import AIMusicClient
from bot.aimusic.errors import (
    AIMusicError,
    AnswerLost,
    AuthFailed,
    ContentRejected,
    CreditsExhausted,
    EndpointRetired,
    NotFound,
    RateLimited,
    SourceExpired,
    TaskNotFound,
    UpstreamUnavailable,
    ValidationRejected,
)

__all__ = [
    "AIMusicClient",
    "AIMusicError",
    "AnswerLost",
    "AuthFailed",
    "ContentRejected",
    "CreditsExhausted",
    "EndpointRetired",
    "NotFound",
    "RateLimited",
    "SourceExpired",
    "TaskNotFound",
    "UpstreamUnavailable",
    "ValidationRejected",
]
