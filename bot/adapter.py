"""The contract between the core and an adapter (a chat platform's bot, or the console).

An adapter is built by the composition root from the settings and a :class:`Core`: the service
it translates its platform's commands into, and a way to route web requests to it. It never sees
the root or the store, so anything it needs from the core is a service call. Each adapter
package names one :data:`AdapterFactory` under the ``chorus.adapters`` entry-point group; the
root builds the adapter, registers its :class:`~bot.platform.Platform` with the engine and
delivery, starts it after the engine and stops it before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.config import Settings
from bot.leaders import Lease
from bot.platform import Platform
from bot.service import Service
from bot.web import Handler


@dataclass(frozen=True)
class Core:
    """What every adapter is given."""

    settings: Settings
    service: Service
    # Where the bot's web server is reachable from outside (None: loopback only).
    public_base_url: str | None
    # Route ``POST /hooks/<name>`` to a handler (Telegram's webhook mode).
    add_hook: Callable[[str, Handler], None]
    # This instance's lease on a role only one instance sharing the store may play at a time
    # (Telegram's long polling): the leader is chosen through the database.
    lease: Callable[[str], Lease]


class Adapter(Protocol):
    """One platform served: its name, the :class:`Platform` the core posts through, and its life."""

    name: str

    @property
    def platform(self) -> Platform: ...

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Stop serving; harmless when the adapter is stopped already."""
        ...


class AdapterFactory(Protocol):
    """An adapter package's entry point: the adapter, or ``None`` when the settings do not
    configure its platform (no token). A package's factory may take keyword options of its own
    after the core (tests tune timeouts); the root passes none."""

    def __call__(self, core: Core, /) -> Adapter | None: ...
