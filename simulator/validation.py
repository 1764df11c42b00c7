"""The vendor's request checks and their exact messages (reference §2.1 and §6).

Each check returns the message of the first problem, or None. Messages are the vendor's words
where the reference quotes them; where it does not, they are plain and say what to fix.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

CREATE_MODELS = {
    *(
        f"sonic-{v}"
        for v in ("v3-5", "v4", "v4-5", "v4-5-plus", "v5", "v5-5", "v6", "v6-wild", "v6-mini")
    ),
    *(f"chirp-{v}" for v in ("v3-5", "v4", "v4-5", "v4-5-plus", "v5")),
}
SAMPLE_MODELS = CREATE_MODELS | {"sonic-v4-5-all"}
OLD_MODELS = {"sonic-v3-5", "sonic-v4", "chirp-v3-5", "chirp-v4"}
GENDER_MODELS = {"v4-5", "v4-5-plus", "v5", "v5-5", "v6", "v6-wild", "v6-mini"}
DURATION_TYPES = {
    "create_music",
    "persona_music",
    "extend_music",
    "cover_music",
    "extend_upload_music",
    "cover_upload_music",
}
TASK_TYPES = DURATION_TYPES | {"concat_music", "remaster", "add_vocals", "add_instrumental"}
GENERATIVE = DURATION_TYPES | {"add_vocals", "add_instrumental"}


def is_old(mv: str) -> bool:
    return mv in OLD_MODELS


def _number(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def check_webhook(body: dict[str, Any]) -> str | None:
    url = body.get("webhook_url")
    if url is None:
        return None
    parsed = urlparse(str(url))
    loopback = parsed.hostname in ("127.0.0.1", "localhost", "::1")
    if len(str(url)) > 1024 or not (
        parsed.scheme == "https" or (loopback and parsed.scheme == "http")
    ):
        return "The 'webhook_url' must be an HTTPS URL of at most 1024 characters."
    return None


def check_generation(
    body: dict[str, Any], task_type: str, models: set[str] = CREATE_MODELS
) -> str | None:
    """Field checks shared by create, upload-extend/cover, sample, mashup and replace-section."""
    for flag in ("custom_mode", "make_instrumental", "auto_lyrics", "use_suno_cdn"):
        if flag in body and not isinstance(body[flag], bool):
            return f"The '{flag}' field should be boolean."
    mv = body.get("mv")
    if task_type != "concat_music" and mv not in models:
        return "The 'mv' field is invalid. The model should be one of: " + ", ".join(sorted(models))
    mv = str(mv or "")
    if task_type in GENERATIVE and "custom_mode" not in body:
        return "The 'custom_mode' field should be boolean."
    custom = body.get("custom_mode", False)
    prompt, description = body.get("prompt"), body.get("gpt_description_prompt")
    if task_type in GENERATIVE and task_type not in ("add_instrumental",):
        if (custom or task_type == "add_vocals") and not prompt:
            return "The 'prompt' field is required when custom_mode is true."
        if not custom and task_type != "add_vocals" and not description:
            return "The 'gpt_description_prompt' field is required when custom_mode is false."
    limit = 3000 if is_old(mv) else 5000
    if prompt is not None and (not isinstance(prompt, str) or len(prompt) > limit):
        return f"The prompt character length should be less than {limit}."
    if description is not None and (not isinstance(description, str) or len(description) > 400):
        return "The 'gpt_description_prompt' character length should be less than 400."
    title = body.get("title")
    if title is not None and (not isinstance(title, str) or len(title) > 80):
        return "The title character length should be less than 80."
    tags, tag_limit = body.get("tags"), 200 if is_old(mv) else 1000
    if tags is not None and (not isinstance(tags, str) or len(tags) > tag_limit):
        return f"The tags character length should be less than {tag_limit}."
    for weight in ("style_weight", "weirdness_constraint", "audio_weight"):
        if weight in body and not (
            (value := _number(body, weight)) is not None and 0 <= value <= 1
        ):
            return f"The '{weight}' field must be a number between 0 and 1."
    gender = body.get("vocal_gender")
    if gender is not None:
        if gender not in ("f", "m"):
            return "The 'vocal_gender' field should be 'f' or 'm'."
        if mv.split("-", 1)[-1] not in GENDER_MODELS:
            return "The 'vocal_gender' field is only supported by v4.5 and newer models."
    if "duration" in body:
        if task_type not in DURATION_TYPES:
            return f"The 'duration' field is not allowed for task_type = {task_type}."
        duration = body["duration"]
        if not isinstance(duration, int) or isinstance(duration, bool) or not 10 <= duration <= 360:
            return "The 'duration' field should be an integer between 10 and 360."
    return check_webhook(body)
