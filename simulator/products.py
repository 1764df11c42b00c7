"""The vendor's two products as the routes see them: each names its tasks and prices them, so a
route launches a task by its kind alone and the price list stays the one place credits come from."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from simulator.responses import error, ok
from simulator.state import VENDOR_SECONDS, Clip, Simulator, Task

NO_CREDITS = (
    "The remaining credits are not enough. You can buy more one-time credit packs or subscribe."
)


def base_url(request: web.Request) -> str:
    return str(request.url.origin())


@dataclass(frozen=True)
class Product:
    """A product's name (as its poll endpoint filters tasks) and its credits per task kind;
    ``pricing`` overrides the list where the vendor's price depends on the request."""

    name: str
    prices: Mapping[str, int]
    pricing: Callable[[str, dict[str, Any]], int | None] = lambda kind, body: None

    def price(self, kind: str, body: dict[str, Any] | None = None) -> int:
        special = self.pricing(kind, body or {})
        return self.prices[kind] if special is None else special

    def charge(self, sim: Simulator, kind: str) -> web.Response | None:
        """Take the price of a synchronous call: None once paid, else the vendor's 403."""
        return None if sim.charge(self.price(kind)) else error(403, NO_CREDITS)

    def launch(
        self,
        sim: Simulator,
        request: web.Request,
        body: dict[str, Any],
        kind: str,
        clips: list[Clip],
        *,
        build: Callable[[], None] | None = None,
        recipe: dict[str, Any] | None = None,
        vendor_seconds: float = VENDOR_SECONDS["generate"],
        result: Any = None,
    ) -> web.Response:
        """Charge, register and start a task, answering with its id; 403 (and the new clips
        forgotten) when the account cannot pay. Without ``build`` the builder registered for the
        task's kind renders it from ``recipe`` (by default the request body)."""
        cost = self.price(kind, body)
        if not sim.charge(cost):
            for clip in clips:
                sim.clips.pop(clip.clip_id, None)
            return error(403, NO_CREDITS)
        task = Task(
            task_id=str(uuid.uuid4()),
            product=self.name,
            kind=kind,
            cost=cost,
            base_url=base_url(request),
            build=build,
            recipe=recipe if recipe is not None else {"body": body},
            clips=clips,
            vendor_seconds=vendor_seconds,
            webhook_url=body.get("webhook_url"),
            webhook_secret=body.get("webhook_secret"),
            result=result,
        )
        sim.start(task)
        return ok({"message": "success", "task_id": task.task_id})
