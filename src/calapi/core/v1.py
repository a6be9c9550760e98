"""API v1's conventions in one place: envelopes, messages, pagination, ids.

Every ``/v1`` router shapes its answers with these helpers, so the quirks Cal.com's v1 handlers
share (200 for every success, ``{"<thing>": …}`` keys, ``"<Thing> with id: <id> deleted
successfully"``) are decided once. Errors are the typed errors of ``core/errors.py``; the v1
handler renders them as ``{"message": …, "data": null}``. Who may act for whom (``userId``) is
``core/authorization.py``, shared with the other versions.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import APIRouter
from pydantic import BaseModel, ValidationError

from calapi.core.errors import AppError, BadRequest, Forbidden, NotFound, Unauthorized

M = TypeVar("M", bound=BaseModel)

DEFAULT_TAKE = 10  # v1's page size when ``take`` is not given


def v1_router(**kwargs: Any) -> APIRouter:
    """A router under ``/v1``; its routes go to the v1 OpenAPI document only (see app.py)."""
    return APIRouter(prefix="/v1", **kwargs)


# --- success bodies -----------------------------------------------------------------------------


def one(key: str, item: Any) -> dict[str, Any]:
    """``{"booking": {...}}`` — ``key`` keeps v1's casing (``event_type``, ``destinationCalendar``)."""
    return {key: item}


def many(key: str, items: Sequence[Any]) -> dict[str, Any]:
    """``{"bookings": [...]}``; an empty list is ``[]`` with 200 (quirk 21)."""
    return {key: list(items)}


def created(key: str, item: Any, thing: str) -> dict[str, Any]:
    """A create's answer: the object and ``"<Thing> created successfully"``."""
    return {key: item, "message": f"{thing} created successfully"}


def deleted(thing: str, ident: object) -> dict[str, Any]:
    """A delete's answer (status 200, as Cal.com's handlers send it)."""
    return {"message": f"{thing} with id: {ident} deleted successfully"}


# --- errors in v1's shapes ----------------------------------------------------------------------


def outside_responder(message: str) -> BadRequest:
    """An error Cal.com raises outside its shared responder: always 400 ``{"message", "error"}``."""
    return BadRequest(message, v1_body={"message": message, "error": {"message": message}})


def zod_message(error: ValidationError) -> str:
    """Pydantic's errors in v1's zod wording: ``invalid_type in 'field': Required; …``."""
    parts = []
    for item in error.errors():
        path = ",".join(str(p) for p in item["loc"])
        if item["type"] == "missing":
            parts.append(f"invalid_type in '{path}': Required")
        elif item["type"] == "extra_forbidden":
            parts.append(f"Unrecognized key(s) in object: '{path}'")
        else:
            code = "invalid_type" if item["type"].endswith(("_type", "_parsing")) else "custom"
            parts.append(f"{code} in '{path}': {item['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def parse(model: type[M], payload: Any) -> M:
    """Validate a v1 body (or a body v1 builds for a v2 schema) and answer 400 in zod wording."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise BadRequest(zod_message(error)) from None


@contextlib.contextmanager
def reworded(*, forbidden: AppError | None = None, not_found: AppError | None = None) -> Iterator[None]:
    """Re-raise a service's 403/404 with v1's own wording and status for this route."""
    try:
        yield
    except Forbidden as error:
        if forbidden is None:
            raise
        raise forbidden from error
    except NotFound as error:
        if not_found is None:
            raise
        raise not_found from error


# --- pagination -------------------------------------------------------------------------------------

_POSITIVE = re.compile(r"^\d{1,9}$")


@dataclass(frozen=True)
class Page:
    take: int
    page: int

    @property
    def skip(self) -> int:
        return (self.page - 1) * self.take


def _positive(name: str, raw: str) -> int:
    text = raw.strip()
    if not _POSITIVE.fullmatch(text) or int(text) < 1:
        # Cal.com's withPagination throws outside the responder: 400 with the captureErrors body.
        raise outside_responder(f"invalid_type in '{name}': Expected a positive integer, received {raw[:20]!r}")
    return int(text)


def page_of(take: str | None, page: str | None) -> Page:
    """``take``/``page`` as ``GET /users`` reads them (defaults 10 and 1)."""
    return Page(
        take=_positive("take", take) if take is not None else DEFAULT_TAKE,
        page=_positive("page", page) if page is not None else 1,
    )


def optional_page(take: str | None, page: str | None) -> Page | None:
    """``GET /bookings``: paginated only when both are given; each given one is still checked."""
    checked = page_of(take, page)
    return checked if take is not None and page is not None else None


def admin_required(message: str = "ADMIN required", *, status: int = 401) -> AppError:
    return Unauthorized(message) if status == 401 else Forbidden(message)


def split_compound_id(raw: str, names: tuple[str, str]) -> tuple[int, int]:
    """``{userId}_{teamId}`` → two ints; a bad part is 400 ``<name> is not a number``."""
    first, _, second = raw.partition("_")
    values = []
    for name, text in zip(names, (first, second), strict=True):
        if not re.fullmatch(r"\d{1,9}", text):
            raise BadRequest(f"{name} is not a number")
        values.append(int(text))
    return values[0], values[1]
