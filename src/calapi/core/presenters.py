"""A presented answer on its way out.

Each API version has one presenter per resource: a function that fills the resource's declared
response model (``<domain>/api_schemas.py``) from a service's result with ``model_construct``
(``calapi.core.api_schemas.ResponseModel``: no validation, only the fields given, in the order
given). ``wire`` turns it into the body sent. The conformance tests check every answer against its
declared model.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel


def _holds_models(annotation: Any) -> bool:
    """Whether a field of this type can hold presented models (itself, in a list, in a union)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType):
        return any(_holds_models(arg) for arg in typing.get_args(annotation))
    return False


@functools.cache
def _nested_fields(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name, field in model.model_fields.items() if _holds_models(field.annotation))


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return wire(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def wire(model: BaseModel) -> dict[str, Any]:
    """The JSON body of a presented model: its fields as given, nested presented models as bodies."""
    body = dict(model.__dict__)
    for name in _nested_fields(type(model)):
        if name in body:
            body[name] = _plain(body[name])
    return body


def wire_all(models: Iterable[BaseModel]) -> list[dict[str, Any]]:
    return [wire(model) for model in models]
