"""The platforms the core can reach, by name: one registry shared by progress and delivery.

The root registers each adapter's :class:`~bot.platform.Platform` as it builds the adapter;
status messages and the outbox look a job's platform up here, and a job whose platform is not
(or no longer) configured is skipped rather than failed.
"""

from __future__ import annotations

from bot.platform import Platform


class Platforms:
    def __init__(self) -> None:
        self._by_name: dict[str, Platform] = {}

    def __setitem__(self, name: str, platform: Platform) -> None:
        self._by_name[name] = platform

    def __getitem__(self, name: str) -> Platform:
        return self._by_name[name]

    def get(self, name: str) -> Platform | None:
        return self._by_name.get(name)

    def names(self) -> list[str]:
        return list(self._by_name)
