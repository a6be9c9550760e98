"""A presented answer on its way out.

Each API version has one presenter per resource: a function that fills the resource's declared
response model (``<domain>/api_schemas.py``) from a service's result, with ``model_construct``
(no validation on the way out; the conformance tests check the answers). ``wire`` turns it into the
body sent: the fields the presenter set, so an optional field it left out stays out of the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel


def wire(model: BaseModel) -> dict[str, Any]:
    """The JSON body of a presented model."""
    return model.model_dump(mode="json", exclude_unset=True)


def wire_all(models: Iterable[BaseModel]) -> list[dict[str, Any]]:
    return [model.model_dump(mode="json", exclude_unset=True) for model in models]
