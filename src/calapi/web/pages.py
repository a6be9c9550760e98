"""Rendering a page: the templates, the headers every page carries, the static files.

Every page answers with ``Cache-Control: no-store`` (a page may show a key once, or a person's
data), a content security policy that allows this server's own scripts and styles only, no
framing, and no referrer (a one-time link's token is in its path).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

from calapi import __version__
from calapi.web import forms

STATIC_URL = "/static/web"

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

_env = Environment(
    loader=PackageLoader("calapi.web", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default=True),
    undefined=StrictUndefined,
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(
    request: Request, template: str, context: Mapping[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """The page, with what every template may use: ``csrf_token``, ``signed_in`` (the user or
    None), ``errors`` (field name → message), ``notice`` (a line confirming what was done), ``version``, ``static`` (the static files' URL),
    ``path`` (this page's path, for the navigation)."""
    binding, new_form_cookie = forms.binding_for_render(request)
    signed_in = getattr(request.state, "signed_in", None)
    values: dict[str, Any] = {
        "csrf_token": forms.csrf_token(request, binding),
        "signed_in": signed_in.user if signed_in is not None else None,
        "errors": {},
        "notice": None,
        "version": __version__,
        "static": request.scope.get("root_path", "") + STATIC_URL,
        "path": request.url.path,
        **(context or {}),
    }
    body = _env.get_template(template).render(values)
    response = HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS)
    if new_form_cookie:
        forms.set_form_cookie(request, response, binding)
    return response


def redirect(location: str) -> RedirectResponse:
    """After a form's POST: 303, so that reloading the next page sends no form again."""
    return RedirectResponse(location, status_code=303, headers=PAGE_HEADERS)


def install_static(app: FastAPI) -> None:
    app.mount(STATIC_URL, StaticFiles(directory=str(files("calapi.web") / "static")), name="web-static")
