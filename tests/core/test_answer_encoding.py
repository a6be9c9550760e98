"""Answers are encoded to JSON in one pass, and the documents show only what routes declare.

A JSON route without a response model makes FastAPI walk its answer through ``jsonable_encoder``
(a Python call per value) before encoding it: a quarter of the CPU of ``GET /v2/me`` went there.
``declare`` gives each route the pass-through model ``AS_BUILT`` instead; these tests keep it so,
and keep that model out of the OpenAPI documents.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.dependencies.utils import get_typed_return_annotation
from pydantic import TypeAdapter
from starlette.responses import Response

from calapi.core.api_schemas import AS_BUILT
from calapi.core.openapi import api_routes


def test_every_route_that_answers_json_has_a_response_model(app: FastAPI) -> None:
    without = []
    for route in api_routes(app.routes):
        returns = get_typed_return_annotation(route.endpoint)
        answers_a_response = isinstance(returns, type) and issubclass(returns, Response)
        if route.response_field is None and not answers_a_response:
            without.append(f"{sorted(route.methods)} {route.path} ({route.name})")
    assert not without, "routes whose answers go through jsonable_encoder:\n" + "\n".join(without)


def test_the_pass_through_model_encodes_an_answer_as_built() -> None:
    answer: dict[str, Any] = {
        "status": "success",
        "data": {"id": 1, "name": "Zoë 日本", "bio": None, "ok": True, "weight": 12.5, "tags": ["a", "b"]},
    }
    adapter = TypeAdapter(AS_BUILT)
    assert adapter.validate_python(answer) is answer
    assert (
        adapter.dump_json(answer)
        == '{"status":"success","data":{"id":1,"name":"Zoë 日本","bio":null,"ok":true,"weight":12.5,"tags":["a","b"]}}'.encode()
    )


async def test_a_declared_body_referenced_by_ref_carries_nothing_beside_it(client: httpx.AsyncClient) -> None:
    # FastAPI titles a response model's schema ("Response Me Get"); beside a $ref a client generator
    # would take that title as the body's name.
    crowded = []
    for url in ("/openapi.json", "/v1/openapi.json"):
        document = (await client.get(url)).json()
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                for status, response in operation.get("responses", {}).items():
                    for content in response.get("content", {}).values():
                        schema = content.get("schema", {})
                        if "$ref" in schema and set(schema) != {"$ref"}:
                            crowded.append(f"{method.upper()} {path} {status}: {sorted(schema)}")
    assert not crowded, "\n".join(crowded)
