"""The API documentation pages (Swagger UI, ReDoc), with their scripts and styles served by calapi.

The assets come from the installed ``fastapi-offline`` package (which ships Swagger UI and ReDoc
builds), so the pages render on a machine without internet access and nothing is copied by hand.
Every URL a page references is on the server's own origin.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS_URL = "/static/docs"
V2_DOCS_URL = "/v2/docs"
V2_REDOC_URL = "/v2/redoc"

# Swagger UI would otherwise send the document to an online validator for its badge.
_SWAGGER_UI_PARAMETERS = {"validatorUrl": None}


def assets_directory() -> str:
    return str(files("fastapi_offline") / "static")


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


def swagger_ui_page(request: Request, *, openapi_url: str, title: str) -> HTMLResponse:
    root = _root(request)
    return get_swagger_ui_html(
        openapi_url=root + openapi_url,
        title=title,
        swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        oauth2_redirect_url=None,
        swagger_ui_parameters=_SWAGGER_UI_PARAMETERS,
    )


def redoc_page(request: Request, *, openapi_url: str, title: str) -> HTMLResponse:
    root = _root(request)
    return get_redoc_html(
        openapi_url=root + openapi_url,
        title=title,
        redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        with_google_fonts=False,
    )


def install(app: FastAPI) -> None:
    """Serve the assets and the v2 pages (the v1 page is served with the v1 document)."""
    app.mount(ASSETS_URL, StaticFiles(directory=assets_directory()), name="docs-assets")
    openapi_url = str(app.openapi_url)

    async def v2_swagger_ui(request: Request) -> HTMLResponse:
        return swagger_ui_page(request, openapi_url=openapi_url, title=f"{app.title} - Swagger UI")

    async def v2_redoc(request: Request) -> HTMLResponse:
        return redoc_page(request, openapi_url=openapi_url, title=f"{app.title} - ReDoc")

    # Plain routes, as FastAPI adds its own docs pages: they are no API operations.
    app.add_route(V2_DOCS_URL, v2_swagger_ui, include_in_schema=False)
    app.add_route(V2_REDOC_URL, v2_redoc, include_in_schema=False)
