"""The server's logging: uvicorn's and calapi's records, with no credential and no request body.

``calapi serve`` hands ``log_config(level)`` to uvicorn. Every handler runs ``RedactSecrets``, which
rewrites a record before any formatter sees it: query credentials (``?apiKey=``) in the message and
its arguments (the access log's request line) become ``REDACTED``, and a traceback is written without
the inputs that validation errors carry (a request body's fields, a webhook's secret among them).
"""

from __future__ import annotations

import copy
import logging
import traceback
from typing import Any

from calapi.core.redact import redact_text


def _validation_summary(exc: BaseException) -> str | None:
    """For an error that carries request input: what failed and where, never the input itself."""
    errors = getattr(exc, "errors", None)
    if not callable(errors) or not _carries_input(exc):
        return None
    try:
        items = errors()
    except Exception:
        return f"{exc.__class__.__name__} (details withheld)"
    places = ", ".join(f"{e.get('type')} at {'.'.join(str(p) for p in e.get('loc', ()))}" for e in items[:20])
    return f"{len(items)} validation error(s), inputs withheld: {places}"


def _carries_input(exc: BaseException) -> bool:
    # fastapi's RequestValidationError (and its siblings) and pydantic's ValidationError both echo
    # each failing input in their text; match by name so this module imports neither.
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"ValidationException", "ValidationError"})


def _exception_text(exc: BaseException) -> str:
    summary = _validation_summary(exc)
    text = summary if summary is not None else redact_text(str(exc))
    name = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
    return f"{name}: {text}" if text else name


def format_exception_safely(exc: BaseException) -> str:
    """A traceback like Python's (frames, causes and contexts) whose exception texts hold no input."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "The above exception was the direct cause of the following exception:"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "During handling of the above exception, another exception occurred:"
        else:
            current = None
    parts: list[str] = []
    # oldest first, as Python prints it; each entry's link names its relation to the next one
    for index, (item, _) in enumerate(reversed(chain)):
        if index:
            parts.append(f"\n{chain[len(chain) - index][1]}\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(item.__traceback__))
        parts.append(_exception_text(item) + "\n")
    return "".join(parts).rstrip("\n")


def _redact_arg(value: Any) -> Any:
    return redact_text(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    """Rewrites each record in place, so every formatter after it prints a safe line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            # a formatter prints exc_text when it is set instead of formatting exc_info itself
            record.exc_text = format_exception_safely(record.exc_info[1])
        return True


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's own logging setup, plus the redacting filter on every handler and calapi's loggers."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {**config.get("filters", {}), "redact_secrets": {"()": RedactSecrets}}
    for handler in config["handlers"].values():
        handler["filters"] = [*handler.get("filters", []), "redact_secrets"]
    config["loggers"]["calapi"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config
