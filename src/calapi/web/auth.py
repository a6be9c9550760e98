"""Who is signed in: the session cookie read into a user, for the pages only.

The API never reads this cookie (``core/auth.py`` takes API keys alone), so a browser that is
signed in here cannot call ``/v1`` or ``/v2`` on its user's behalf.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response

from calapi.accounts import service as accounts_service
from calapi.accounts.service import SignedIn, StartedSession
from calapi.db import SessionDep, utcnow
from calapi.web import forms


class SignInRequired(Exception):
    """A page that needs a signed-in user was asked for without one: it answers with the sign-in page."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


def session_token(request: Request) -> str | None:
    return request.cookies.get(forms.SESSION_COOKIE)


async def _read(request: Request, db: SessionDep) -> SignedIn | None:
    who = await accounts_service.signed_in(db, session_token(request))
    if who is not None:
        request.state.signed_in = who
        if request.method in ("GET", "HEAD"):
            await accounts_service.note_seen(request.app.state.sessionmaker, who)
        else:
            await accounts_service.note_seen_in(db, who)
    return who


async def optional_user(request: Request, db: SessionDep) -> SignedIn | None:
    return await _read(request, db)


async def required_user(request: Request, db: SessionDep) -> SignedIn:
    who = await _read(request, db)
    if who is None:
        raise SignInRequired(request.url.path)
    return who


OptionalUser = Annotated[SignedIn | None, Depends(optional_user)]
CurrentUser = Annotated[SignedIn, Depends(required_user)]


def safe_next(value: str | None, default: str = "/settings/security") -> str:
    """Where to go after signing in: a path on this server only (never another site)."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")) and len(value) < 512:
        return value
    return default


def sign_in_url(back_to: str) -> str:
    return "/sign-in?next=" + quote(back_to, safe="/")


def set_session_cookie(request: Request, response: Response, started: StartedSession) -> None:
    max_age = max(1, int((started.expires_at - utcnow()).total_seconds()))
    response.set_cookie(forms.SESSION_COOKIE, started.token, max_age=max_age, **forms.cookie_flags(request))  # type: ignore[arg-type]


def clear_session_cookie(request: Request, response: Response) -> None:
    flags = forms.cookie_flags(request)
    response.delete_cookie(forms.SESSION_COOKIE, path="/", secure=bool(flags["secure"]), httponly=True, samesite="lax")
