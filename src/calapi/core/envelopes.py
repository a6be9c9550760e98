"""Wire envelopes: Cal.com API v2's ``{"status": …}`` shapes and API v1's bare bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import HTTPConnection

from calapi.core.errors import AppError
from calapi.core.redact import redact_query_string


def success(data: Any = None, **extra: Any) -> dict[str, Any]:
    """v2 success body; ``data`` is omitted when None is not meant to be sent (use ``success_no_data``)."""
    return {"status": "success", "data": data, **extra}


def success_no_data() -> dict[str, Any]:
    return {"status": "success"}


def iso_ms(value: datetime) -> str:
    """An instant as Cal.com writes it: UTC, milliseconds, ``Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def request_path(conn: HTTPConnection) -> str:
    """The path and query as asked, without the value of a credential sent in the query."""
    query = redact_query_string(conn.scope.get("query_string", b"").decode("latin-1"))
    return conn.url.path + (f"?{query}" if query else "")


def is_v1(path: str) -> bool:
    return path == "/v1" or path.startswith("/v1/")


def v2_error_body(conn: HTTPConnection, error: AppError) -> dict[str, Any]:
    details = error.details
    if details is None:
        details = {"message": error.message, "error": error.reason_phrase, "statusCode": error.status}
    return {
        "status": "error",
        "timestamp": iso_ms(datetime.now(UTC)),
        "path": request_path(conn),
        "error": {"code": error.code, "message": error.message, "details": details},
    }


def v1_error_body(error: AppError) -> dict[str, Any]:
    if error.v1_body is not None:
        return error.v1_body
    return {"message": error.message, "data": None}


def error_body(conn: HTTPConnection, error: AppError) -> dict[str, Any]:
    return v1_error_body(error) if is_v1(conn.url.path) else v2_error_body(conn, error)
