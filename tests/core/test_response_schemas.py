"""Every operation declares its success body and its error bodies, in both OpenAPI documents.

A route that answers one version's shape for the same path and method as another (a legacy v2
route beside its versioned successor) is checked on its own too: the documents show one operation
per path and method, so a route hidden behind another would otherwise go unchecked.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from calapi.core.openapi import api_routes

DOCUMENTS = ("/openapi.json", "/v1/openapi.json")


# What FastAPI writes for a route that declares nothing (``-> dict[str, Any]``, ``-> list[Any]``, none):
# any object, any array, anything. None of them tells a client a single field.
_UNTYPED = ({}, {"type": "object", "additionalProperties": True}, {"type": "array", "items": {}}, {"type": "object"})


def _json_schema(response: dict[str, Any]) -> dict[str, Any]:
    """The body schema of a response (JSON, or text for a plain-text, iCalendar or CSV answer); {} when untyped."""
    for media_type in ("application/json", "text/plain", "text/calendar", "text/csv"):
        schema = response.get("content", {}).get(media_type, {}).get("schema") or {}
        bare = {key: value for key, value in schema.items() if key not in ("title", "description")}
        if bare not in _UNTYPED:
            return schema
    return {}


def _success_declared(operation: dict[str, Any]) -> bool:
    return any(code.startswith("2") and _json_schema(answer) for code, answer in operation.get("responses", {}).items())


def _error_declared(operation: dict[str, Any]) -> bool:
    responses = operation.get("responses", {})
    return all(_json_schema(responses.get(code, {})) for code in ("400", "401", "404"))


def _undeclared(document: dict[str, Any]) -> list[str]:
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not _success_declared(operation):
                missing.append(f"{method.upper()} {path} ({operation.get('operationId')}): no success body")
            elif not _error_declared(operation):
                missing.append(f"{method.upper()} {path} ({operation.get('operationId')}): no error bodies")
    return missing


async def test_every_operation_of_both_documents_declares_its_bodies(client: httpx.AsyncClient) -> None:
    missing: list[str] = []
    for url in DOCUMENTS:
        document = (await client.get(url)).json()
        assert len(document["paths"]) > 10
        missing += _undeclared(document)
    assert not missing, f"{len(missing)} operations declare no response body:\n" + "\n".join(missing)


async def test_every_route_declares_its_bodies_even_where_another_shares_its_path(app: FastAPI) -> None:
    missing: list[str] = []
    operations = 0
    # one document per included router: a router's routes are never hidden by another router's
    for router in app.routes:
        if not api_routes([router]):
            continue
        document = get_openapi(title="one router", version="0", routes=[router])
        operations += sum(len(methods) for methods in document["paths"].values())
        missing += _undeclared(document)
    assert operations > 150
    assert not missing, f"{len(missing)} routes declare no response body:\n" + "\n".join(missing)
