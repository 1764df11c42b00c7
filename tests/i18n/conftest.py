"""The tests here start Chorus with other default languages (DEFAULT_LANGUAGE is process-wide
once the app is created): each test leaves the source language as it found it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot import i18n


@pytest.fixture(autouse=True)
def default_language_restored() -> Iterator[None]:
    before = i18n.default()
    yield
    i18n.set_default(before)
