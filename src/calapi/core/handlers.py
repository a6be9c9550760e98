"""Exception handlers: every error leaves in the envelope of the API version that was asked."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from calapi.core.envelopes import error_body, is_v1
from calapi.core.errors import AppError, BadRequest, MethodNotAllowed, NotFound
from calapi.core.openapi import api_routes


def _respond(request: Request, error: AppError) -> JSONResponse:
    return JSONResponse(error_body(request, error), status_code=error.status, headers=error.headers or None)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _readable(err: dict[str, Any]) -> str:
    if err["type"] == "json_invalid":
        ctx = err.get("ctx", {})
        where = f" (at character {err['loc'][-1]})" if len(err["loc"]) > 1 else ""
        return f"Malformed JSON body: {ctx.get('error', 'invalid JSON')}{where}"
    if err["type"] == "missing":
        return f"{_field_path(err['loc'])} - is required"
    message = err["msg"].removeprefix("Value error, ")
    return f"{_field_path(err['loc'])} - {message}"


def _zod_style(err: dict[str, Any]) -> str:
    """v1's validation text: ``invalid_type in 'eventTypeId': Required``."""
    path = ",".join(str(p) for p in err["loc"] if p not in ("body", "query", "path"))
    if err["type"] == "missing":
        return f"invalid_type in '{path}': Required"
    if err["type"] == "extra_forbidden":
        return f"Unrecognized key(s) in object: '{path}'"
    if err["type"] == "json_invalid":
        return "invalid_json in 'body': " + str(err.get("ctx", {}).get("error", "Malformed JSON"))
    code = "invalid_type" if err["type"].endswith("_type") or err["type"].endswith("_parsing") else "custom"
    return f"{code} in '{path}': {err['msg'].removeprefix('Value error, ')}"


def validation_error(request: Request, exc: RequestValidationError) -> AppError:
    errors = exc.errors()
    if is_v1(request.url.path):
        message = "; ".join(_zod_style(e) for e in errors)
        return BadRequest(message)
    message = ", ".join(_readable(e) for e in errors)
    details = {
        "message": message,
        "errors": [
            {
                # for malformed JSON the location is a character position, not a field
                "property": "body" if e["type"] == "json_invalid" else _field_path(e["loc"]),
                # a missing field's input is the object around it (the whole body, secrets included)
                "value": None if e["type"] == "missing" else _json_safe(e.get("input")),
                "constraints": {e["type"]: _readable(e).split(" - ", 1)[-1]},
            }
            for e in errors
        ],
        "error": "Bad Request",
        "statusCode": 400,
    }
    return BadRequest(message, details=details)


def _json_safe(value: Any) -> Any:
    try:
        # allow_nan=False: the response renderer refuses NaN and infinities, so they are echoed as text
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return repr(value)[:200]
    if isinstance(value, (str, bytes)) and len(value) > 200:
        return value[:200]
    return value


def _allowed_methods(request: Request) -> str:
    """Every method the path serves (Starlette names only the first route that matched the path)."""
    methods: list[str] = []
    for route in api_routes(request.app.routes):
        if route.path_regex.match(request.url.path):
            methods += [
                m for m in sorted(route.methods or (), key=_METHOD_ORDER.index) if m not in methods and m != "HEAD"
            ]
    return ",".join(methods)


_METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def install(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return _respond(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _respond(request, validation_error(request, exc))

    @app.exception_handler(StatementError)
    async def _statement(request: Request, exc: StatementError) -> JSONResponse:
        # A refusal raised while binding a statement's values (db.NumberOutOfRange) arrives wrapped.
        if isinstance(exc.orig, AppError):
            return _respond(request, exc.orig)
        raise exc

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        # Python raises OverflowError only when a value is too large for the arithmetic asked of
        # it: a date near year 1 or 9999 moved across a time zone or by a duration, a number too
        # large for a float. Such values come from the request, so the request is what is wrong.
        return _respond(
            request,
            BadRequest(f"A date or number in the request is out of the range this server computes with ({exc})"),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        method, path = request.method, request.url.path
        if exc.status_code == 405 and is_v1(path):
            allow = _allowed_methods(request) or (exc.headers or {}).get("Allow", "").replace(" ", "")
            text = f"Method Not Allowed (Allow: {allow})"
            return _respond(request, MethodNotAllowed(text, v1_body={"message": text}, headers={"Allow": allow}))
        if exc.status_code in (404, 405):
            # Nest answers an unknown path and a wrong method alike.
            return _respond(request, NotFound(f"Cannot {method} {path}"))
        error = AppError(str(exc.detail))
        error.status = exc.status_code
        return _respond(request, error)
