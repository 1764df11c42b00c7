"""JSON answers in the vendor's shapes: errors are ``{"code": <status>, "message": <text>}``."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from simulator.state import Simulator

SIM_KEY: web.AppKey[Simulator] = web.AppKey("simulator", Simulator)


def sim_of(request: web.Request) -> Simulator:
    return request.app[SIM_KEY]


def ok(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"code": status, "message": message}, status=status, headers=headers)


async def read_json(request: web.Request) -> dict[str, Any] | web.Response:
    """The request body as a JSON object, or the 400 the vendor gives for anything else."""
    try:
        body = json.loads(await request.read() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return error(400, "Invalid JSON body.")
    if not isinstance(body, dict):
        return error(400, "Invalid JSON body.")
    return body
