"""Declared response bodies shared by every domain: the v2 envelopes and each version's error bodies.

Routes declare their answers for the OpenAPI documents with ``declare(Model)``; presenters fill
those models with ``model_construct`` (no re-validation on the way out, see ``ResponseModel``) and
the conformance tests check that what is sent matches what is declared. Response models leave extra
fields allowed: a field added later is not a breaking change for a generated client.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, Self, TypeVar

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, RootModel, create_model

from calapi.core.envelopes import is_v1

T = TypeVar("T")


class ResponseModel(BaseModel):
    """Base of every declared response body (never used to parse input)."""

    model_config = ConfigDict(extra="allow")

    # The pydantic mypy plugin re-declares model_construct on every model with its fields as typed
    # parameters, so a presenter's call is checked field by field; this override keeps that.
    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:  # type: ignore[override]
        """The body as a presenter fills it, unvalidated: only the fields given are set, in the order
        given, which is the order they are sent in (``calapi.core.presenters.wire``); a field left
        out is not sent. Several times cheaper than pydantic's own, which fills in every default."""
        model = cls.__new__(cls)
        _set = object.__setattr__
        _set(model, "__dict__", values)
        _set(model, "__pydantic_fields_set__", set(values) if _fields_set is None else _fields_set)
        _set(model, "__pydantic_extra__", {})
        _set(model, "__pydantic_private__", None)
        return model


class Envelope(ResponseModel, Generic[T]):
    """v2 success: ``{"status": "success", "data": …}``."""

    status: Literal["success"]
    data: T


class Pagination(ResponseModel):
    totalItems: int
    remainingItems: int
    returnedItems: int
    itemsPerPage: int
    currentPage: int
    totalPages: int
    hasNextPage: bool
    hasPreviousPage: bool


class PagedEnvelope(Envelope[T], Generic[T]):
    """v2 success of a paginated list: the envelope with Cal.com's ``pagination`` block."""

    pagination: Pagination


class StatusOnly(ResponseModel):
    """v2 success without data (``{"status": "success"}``)."""

    status: Literal["success"]


class V2ErrorDetail(ResponseModel):
    code: str
    message: str
    details: Any = None


class V2Error(ResponseModel):
    """Every v2 and legacy v2 refusal."""

    status: Literal["error"]
    timestamp: str
    path: str
    error: V2ErrorDetail


class V1ErrorText(ResponseModel):
    message: str


class V1MessageError(ResponseModel):
    """v1's usual refusal: ``{"message": …}`` (with ``"data": null`` or the message repeated in ``error``)."""

    message: str
    data: None = None
    error: V1ErrorText | None = None


class V1RateLimited(ResponseModel):
    code: str
    message: str


class V1KeyError(ResponseModel):
    """v1's key and admin refusals: ``{"error": …}``."""

    error: str | V1RateLimited


class V1Error(RootModel[V1MessageError | V1KeyError]):
    pass


# The refusals every route may answer: validation and input limits (400), the key (401, 403), a
# missing resource (404), state conflicts (409), the body cap (413), refused transitions (422) and
# the rate limit (429). v1 also answers 405 with the methods a path serves, and 501 where a
# feature Cal.com gates is off.
_V2_ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 422, 429)
_V1_ERROR_STATUSES = (400, 401, 403, 404, 405, 409, 413, 422, 429, 501)


def v2_error_responses() -> dict[int | str, dict[str, Any]]:
    return {status: {"model": V2Error} for status in _V2_ERROR_STATUSES}


def v1_error_responses() -> dict[int | str, dict[str, Any]]:
    return {status: {"model": V1Error} for status in _V1_ERROR_STATUSES}


def error_responses_for(router: APIRouter) -> dict[int | str, dict[str, Any]]:
    """The error bodies of the version a router's paths belong to."""
    paths = [getattr(route, "path", "") for route in router.routes]
    return v1_error_responses() if paths and all(is_v1(path) for path in paths) else v2_error_responses()


# The response model of every declared route: the answer as the route built it (``Any`` validates
# nothing and changes nothing). Why not ``None``: without a response model FastAPI runs every answer
# through ``jsonable_encoder``, a Python walk of each value (about 25 µs of the 100 µs ``/v2/me``
# costs in process); with one it encodes the answer in a single pass in pydantic-core.
AS_BUILT: Any = Any


def declare(model: Any, status: int = 200, description: str = "Successful Response") -> dict[str, Any]:
    """Route decorator arguments that declare a success body without re-validating the answer."""
    return {"response_model": AS_BUILT, "responses": {status: {"model": model, "description": description}}}


# --- v1 bodies: a resource under its own key (``{"schedule": {…}}``), with a message when created ----

_V1_MODELS: dict[tuple[str, Any, bool], type[ResponseModel]] = {}


def _v1_model(key: str, item: Any, *, with_message: bool) -> type[ResponseModel]:
    cached = _V1_MODELS.get((key, item, with_message))
    if cached is None:
        fields: dict[str, Any] = {key: (item, ...)}
        if with_message:
            fields["message"] = (str, ...)
        # "…Body" keeps the wrapper's name apart from the resource model's own ``V1<Thing>``
        name = f"V1{key[:1].upper()}{key[1:]}{'Created' if with_message else ''}Body"
        cached = _V1_MODELS[(key, item, with_message)] = create_model(name, __base__=ResponseModel, **fields)
    return cached


def v1_one(key: str, item: Any) -> type[ResponseModel]:
    """``{key: item}`` (a list is ``v1_one("schedules", list[Schedule])``)."""
    return _v1_model(key, item, with_message=False)


def v1_created(key: str, item: Any) -> type[ResponseModel]:
    """``{key: item, "message": "<Thing> created successfully"}``."""
    return _v1_model(key, item, with_message=True)


class V1Message(ResponseModel):
    """v1's answer to a delete: ``{"message": "<Thing> with id: <id> deleted successfully"}``."""

    message: str
