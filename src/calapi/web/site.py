"""The pages' wiring: their routers, static files and the answers to a missing sign-in or a refused form."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from calapi.web import home, security, sign_in, webhooks
from calapi.web.auth import SignInRequired, sign_in_url
from calapi.web.forms import FormRefused
from calapi.web.pages import install_static, redirect, render

ROUTERS = (home.router, sign_in.router, security.router, webhooks.router)


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    return redirect(sign_in_url(exc.back_to))


async def _form_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FormRefused)
    return render(request, "refused.html", {"message": exc.message}, status_code=exc.status)


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    install_static(app)
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(FormRefused, _form_refused)
