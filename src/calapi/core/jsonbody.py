"""Request bodies are strict JSON, checked once at the edge before any handler parses them.

Python's ``json`` module accepts what JSON does not (``NaN``, ``Infinity``, ``-Infinity``) and turns
an out-of-range number (``1e999``) into an infinity; such values then fail later, deep in a handler
or in the error renderer, as server errors. Nesting depth is bounded too (``CALAPI_MAX_JSON_DEPTH``):
no calapi body needs more than a few levels, and deep nesting only costs recursion.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calapi.core.envelopes import error_body
from calapi.core.errors import AppError
from calapi.core.handlers import validation_error

_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class JsonBodyError(ValueError):
    """A body that is not strict JSON; ``position`` is the character offset when known."""

    def __init__(self, reason: str, position: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position


def _refuse_constant(name: str) -> Any:
    raise JsonBodyError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonBodyError(f"the number {text[:40]} is out of range")
    return value


def _depth_over(value: Any, limit: int) -> bool:
    """Whether ``value`` nests arrays and objects more than ``limit`` levels deep (iteratively)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def loads_strict(raw: bytes | str, *, max_depth: int) -> Any:
    """Parse ``raw`` as strict JSON, raising ``JsonBodyError`` with a reason a client can act on."""
    too_deep = JsonBodyError(f"nested deeper than {max_depth} levels, the limit set by CALAPI_MAX_JSON_DEPTH")
    try:
        value = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except JsonBodyError:
        raise
    except json.JSONDecodeError as exc:
        raise JsonBodyError(exc.msg, exc.pos) from None
    except RecursionError:
        raise too_deep from None
    except UnicodeDecodeError:
        raise JsonBodyError("the body is not UTF-8 text") from None
    except ValueError as exc:  # an integer with more digits than Python converts
        raise JsonBodyError(str(exc).split(";")[0]) from None
    # Cheap first: a body with fewer brackets than the limit cannot nest deeper than it.
    text = raw if isinstance(raw, bytes) else raw.encode()
    if text.count(b"[") + text.count(b"{") > max_depth and _depth_over(value, max_depth):
        raise too_deep
    return value


def _is_json(scope: Scope) -> bool:
    """FastAPI reads a body without a content type as JSON, so that counts as JSON here too."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media = bytes(value).split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True


def body_error(conn: HTTPConnection, error: JsonBodyError) -> AppError:
    """The 400 for a bad body, worded as every other validation error of the version asked."""
    loc: tuple[Any, ...] = ("body", error.position) if error.position is not None else ("body",)
    detail = {
        "type": "json_invalid",
        "loc": loc,
        "msg": "JSON decode error",
        "input": {},
        "ctx": {"error": error.reason},
    }
    return validation_error(conn, RequestValidationError([detail]))  # type: ignore[arg-type]


class StrictJsonMiddleware:
    """Reads a JSON request body whole (the body cap outside this layer bounds it), refuses it
    with 400 unless it is strict JSON within the depth limit, and replays it to the app."""

    def __init__(self, app: ASGIApp, max_depth: int) -> None:
        self.app = app
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _METHODS_WITH_BODY or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # the client went away: let the app see the disconnect as it would have
                await self.app(scope, _replay([], message, receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body.strip():
            try:
                loads_strict(body, max_depth=self.max_depth)
            except JsonBodyError as exc:
                conn = HTTPConnection(scope)
                error = body_error(conn, exc)
                await JSONResponse(error_body(conn, error), status_code=error.status)(scope, receive, send)
                return
        await self.app(scope, _replay([body], None, receive), send)


def _replay(chunks: list[bytes], last: Message | None, receive: Receive) -> Receive:
    pending: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}] if chunks else []
    if last is not None:
        pending.append(last)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
