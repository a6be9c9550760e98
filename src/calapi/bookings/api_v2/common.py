"""What the bookings routers share: Cal.com's wording for booking body errors.

Booking bodies are parsed here rather than by FastAPI's body binding because Cal.com answers
unknown keys (and other shape errors) on them with its own one-line message:
``<prop> property is wrong,property <prop> should not exist `` (quirk 4).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from calapi.core.errors import BadRequest

M = TypeVar("M", bound=BaseModel)


def _path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def wire_errors(error: ValidationError) -> str:
    """Cal.com's class-validator text: ``<prop> property is wrong,<why> `` per problem."""
    messages = []
    for item in error.errors():
        prop = _path(item["loc"])
        if item["type"] == "extra_forbidden":
            messages.append(f"{prop} property is wrong,property {prop} should not exist ")
        elif item["type"] == "missing":
            messages.append(f"{prop} property is wrong,{prop} should not be empty ")
        else:
            messages.append(f"{prop} property is wrong,{item['msg'].removeprefix('Value error, ')} ")
    return ",".join(messages)


async def read_json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        payload = json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"Malformed JSON body: {exc}") from None
    if not isinstance(payload, dict):
        raise BadRequest("The request body must be a JSON object.")
    return payload


def parse_body(model: type[M], payload: dict[str, Any]) -> M:
    """Validate a booking body the way Cal.com words it (unknown keys refused)."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise BadRequest(wire_errors(error)) from None


async def parse_optional_body(model: type[M], request: Request) -> M:
    """``parse_body`` of the request's body; no body at all is the model's defaults."""
    return parse_body(model, await read_json_object(request)) if await request.body() else model()
