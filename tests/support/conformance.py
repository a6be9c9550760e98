"""Every answer a test receives is checked against the body its route declares.

The hook finds the route that served the request (by path, method and ``cal-api-version``, as the
router does) and validates a JSON answer against the model declared for its status. Routes answer
with bodies they build themselves, so this is where a declared schema and the real answer meet in
every test of the suite, with real data behind them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette.routing import Match

from calapi.core.api_schemas import v1_error_responses, v2_error_responses
from calapi.core.envelopes import is_v1
from calapi.core.openapi import api_routes


@cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def _route_for(app: FastAPI, request: httpx.Request) -> APIRoute | None:
    scope = {
        "type": "http",
        "path": request.url.path,
        "method": request.method,
        "headers": [(k.lower().encode(), v.encode()) for k, v in request.headers.items()],
    }
    for route in api_routes(app.routes):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
    return None


def check_answer(app: FastAPI, response: httpx.Response) -> None:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return
    route = _route_for(app, response.request)
    if route is None:
        return
    # error bodies are declared where the routers are included (app.py), not on each route
    errors = v1_error_responses() if is_v1(route.path) else v2_error_responses()
    declared = {**errors, **route.responses}.get(response.status_code, {}).get("model")
    if declared is None:
        return
    try:
        _adapter(declared).validate_python(response.json())
    except ValidationError as exc:
        raise AssertionError(
            f"{response.request.method} {response.request.url.path} answered {response.status_code} with a body "
            f"that does not match its declared {getattr(declared, '__name__', declared)}:\n{exc}\n{response.text[:2000]}"
        ) from None


def conformance_hook(app: FastAPI) -> Any:
    async def hook(response: httpx.Response) -> None:
        await response.aread()
        check_answer(app, response)

    return hook
