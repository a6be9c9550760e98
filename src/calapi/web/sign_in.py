"""Signing in and out, one-time links that set a password, and "forgot password"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from calapi.accounts import service as accounts_service
from calapi.accounts.service import FieldRefused, SignInThrottled
from calapi.db import SessionDep
from calapi.web.auth import OptionalUser, clear_session_cookie, safe_next, session_token, set_session_cookie
from calapi.web.forms import Form, checked_form
from calapi.web.pages import redirect, render

router = APIRouter(include_in_schema=False)

CheckedForm = Annotated[Form, Depends(checked_form)]

_NOTICES = {
    "signed-out": "You are signed out.",
    "password-set": "Your password is set. Sign in with it.",
}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _email_configured(request: Request) -> bool:
    return request.app.state.settings.smtp_server is not None


@router.get("/sign-in")
async def sign_in_page(request: Request, who: OptionalUser) -> Response:
    notice = _NOTICES.get(request.query_params.get("done", ""))
    return render(
        request,
        "sign_in.html",
        {
            "next": safe_next(request.query_params.get("next")),
            "email": "",
            "notice": notice,
            "email_configured": _email_configured(request),
        },
    )


@router.post("/sign-in")
async def sign_in(request: Request, db: SessionDep, form: CheckedForm) -> Response:
    email = form.get("email").strip()[:320]
    back_to = safe_next(form.get("next"))
    try:
        started = await accounts_service.sign_in(
            db,
            settings=request.app.state.settings,
            limiter=request.app.state.limiter,
            email_address=email,
            password=form.get("password"),
            client=_client(request),
            replacing=session_token(request),
        )
    except (FieldRefused, SignInThrottled) as refused:
        field = refused.field if isinstance(refused, FieldRefused) else "password"
        context = {
            "next": back_to,
            "email": email,
            "errors": {field: refused.message},
            "email_configured": _email_configured(request),
        }
        return render(request, "sign_in.html", context, status_code=refused.status)
    response = redirect(back_to)
    set_session_cookie(request, response, started)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, db: SessionDep, form: CheckedForm) -> Response:
    await accounts_service.end_session(db, session_token(request))
    response = redirect("/sign-in?done=signed-out")
    clear_session_cookie(request, response)
    return response


@router.get("/sign-in/link/{token}")
async def link_page(request: Request, token: str, db: SessionDep) -> Response:
    user = await accounts_service.link_user(db, token)
    if user is None:
        return render(request, "link_expired.html", status_code=404)
    return render(request, "set_password.html", {"email": user.email, "token": token})


@router.post("/sign-in/link/{token}")
async def use_link(request: Request, token: str, db: SessionDep, form: CheckedForm) -> Response:
    password = form.get("password")
    if password != form.get("password_again"):
        user = await accounts_service.link_user(db, token)
        if user is None:
            return render(request, "link_expired.html", status_code=404)
        errors = {"password_again": "The two passwords differ. Type the same password twice."}
        return render(
            request, "set_password.html", {"email": user.email, "token": token, "errors": errors}, status_code=400
        )
    try:
        started = await accounts_service.use_link(
            db, settings=request.app.state.settings, token=token, password=password
        )
    except FieldRefused as refused:
        user = await accounts_service.link_user(db, token)
        if user is None:
            return render(request, "link_expired.html", status_code=404)
        context = {"email": user.email, "token": token, "errors": {refused.field: refused.message}}
        return render(request, "set_password.html", context, status_code=400)
    response = redirect("/settings/security")
    set_session_cookie(request, response, started)
    return response


@router.get("/forgot-password")
async def forgot_password_page(request: Request, who: OptionalUser) -> Response:
    return render(
        request, "forgot_password.html", {"email": "", "sent": False, "email_configured": _email_configured(request)}
    )


@router.post("/forgot-password")
async def forgot_password(request: Request, db: SessionDep, form: CheckedForm) -> Response:
    settings = request.app.state.settings
    email = form.get("email").strip()[:320]
    context: dict[str, object] = {"email": email, "sent": False, "email_configured": _email_configured(request)}
    try:
        await accounts_service.send_reset_link(
            db,
            settings=settings,
            limiter=request.app.state.limiter,
            email_address=email,
            client=_client(request),
            base_url=settings.public_url or str(request.base_url),
        )
    except (FieldRefused, SignInThrottled) as refused:
        context["errors"] = {"email": refused.message}
        return render(request, "forgot_password.html", context, status_code=refused.status)
    context["sent"] = True
    return render(request, "forgot_password.html", context)
