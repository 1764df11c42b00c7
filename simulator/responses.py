"""JSON answers in the vendor's shapes: errors are ``{"code": <status>, "message": <text>}``."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import wraps
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


Body = dict[str, Any]  # a request's JSON object
Route = Callable[[web.Request], Awaitable[web.Response]]
JsonHandler = Callable[[Simulator, Body, web.Request], Awaitable[web.Response]]


def json_route(handler: JsonHandler) -> Route:
    """A route whose request carries a JSON object: the handler gets ``(sim, body, request)``,
    and any other body is answered with the vendor's 400 before the handler runs."""

    @wraps(handler)
    async def route(request: web.Request) -> web.Response:
        body = await read_json(request)
        if isinstance(body, web.Response):
            return body
        return await handler(sim_of(request), body, request)

    return route
