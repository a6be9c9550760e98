"""Two OpenAPI documents from one app: v2 (+ system routes) at ``/openapi.json``, v1 at ``/v1/openapi.json``.

The v1 routers are included in the same application as v2, so the edge middleware (request id,
body cap, rate limit, auth) applies to ``/v1`` exactly as before; only the schema is split by path.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from calapi.core.docs_pages import swagger_ui_page
from calapi.core.envelopes import is_v1

V1_OPENAPI_URL = "/v1/openapi.json"
V1_DOCS_URL = "/v1/docs"
V1_DESCRIPTION = (
    "Cal.com's API v1, as it answered before Cal.com switched it off: authenticate with `?apiKey=`. "
    "Where calapi differs from Cal.com's v1 on purpose, see docs/v1.md. "
    "Every path below also answers without its `/v1` prefix where no other route claims it "
    "(for clients configured with the server's root), and `/v1/hooks` is `/v1/webhooks`."
)


def _children(route: BaseRoute) -> list[BaseRoute] | None:
    """The routes of an included router (FastAPI ≥ 0.165 keeps them behind ``original_router``)."""
    original = getattr(route, "original_router", None)
    return list(original.routes) if original is not None else None


def api_routes(routes: list[BaseRoute]) -> list[APIRoute]:
    """Every APIRoute of an app, included routers flattened (their paths carry their prefix)."""
    found: list[APIRoute] = []
    for route in routes:
        children = _children(route)
        if children is not None:
            found += api_routes(children)
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def _is_v1_route(route: BaseRoute) -> bool:
    children = _children(route)
    if children is not None:
        return bool(children) and all(_is_v1_route(child) for child in children)
    return isinstance(route, APIRoute) and is_v1(route.path)


def _declared_bodies_only(document: dict[str, Any]) -> dict[str, Any]:
    """Each success body exactly as ``declare`` states it, without the pass-through model's trace.

    FastAPI titles the schema of a route's response model ("Response Me Get") before it merges the
    declared body in: beside a ``$ref`` that title would rename the body for a client generator, so
    it goes; an inline body keeps its own title, written last as FastAPI writes it.
    """
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                for content in response.get("content", {}).values():
                    schema = content.get("schema")
                    if not isinstance(schema, dict) or "title" not in schema:
                        continue
                    title = schema.pop("title")
                    if "$ref" not in schema:
                        schema["title"] = title
    return document


def _schema(app: FastAPI, *, v1: bool) -> dict[str, Any]:
    routes = [r for r in app.routes if _is_v1_route(r) == v1]
    document = get_openapi(
        title=f"{app.title} API v1" if v1 else app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=V1_DESCRIPTION if v1 else app.description,
        routes=routes,
    )
    return _declared_bodies_only(document)


def split_documents(app: FastAPI) -> None:
    """Make ``app.openapi()`` the v2 document and serve the v1 document and its Swagger UI."""
    cache: dict[str, dict[str, Any]] = {}

    def v2_openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _schema(app, v1=False)
        return app.openapi_schema

    def v1_openapi() -> dict[str, Any]:
        if "v1" not in cache:
            cache["v1"] = _schema(app, v1=True)
        return cache["v1"]

    app.openapi = v2_openapi  # type: ignore[method-assign]

    @app.get(V1_OPENAPI_URL, include_in_schema=False)
    async def v1_openapi_json() -> JSONResponse:
        return JSONResponse(v1_openapi())

    @app.get(V1_DOCS_URL, include_in_schema=False)
    async def v1_docs(request: Request) -> Response:
        # Cal.com's ``GET /v1/docs`` answered the OpenAPI JSON; a browser asking for HTML gets Swagger UI.
        if "text/html" in request.headers.get("accept", ""):
            return swagger_ui_page(request, openapi_url=V1_OPENAPI_URL, title=f"{app.title} API v1 - Swagger UI")
        return JSONResponse(v1_openapi())
