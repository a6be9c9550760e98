"""Reading a page's form, and its CSRF token.

Every form carries ``csrf_token``: an HMAC (``CALAPI_SECRET_KEY``) of the browser's session
cookie, or, before signing in, of a random ``calapi_form`` cookie set with the page. A POST whose
token does not match (compared in constant time) is refused before anything reads its fields.
Another site cannot read the token, and with ``SameSite=Lax`` its POSTs carry no cookie at all.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "calapi_session"
FORM_COOKIE = "calapi_form"
CSRF_FIELD = "csrf_token"
MAX_FIELDS = 64
FORM_COOKIE_MAX_AGE = 7 * 24 * 3600


class FormRefused(Exception):
    """A POST the pages do not accept: not a form, or a missing or wrong CSRF token."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Form:
    fields: dict[str, list[str]]  # a name given several times (checkboxes) keeps every value

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        return list(self.fields.get(name, ()))


def _secret(request: Request) -> bytes:
    return str(request.app.state.settings.secret_key).encode()


def _binding(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(FORM_COOKIE) or None


def csrf_token(request: Request, binding: str) -> str:
    return hmac.new(_secret(request), b"csrf\0" + binding.encode(), hashlib.sha256).hexdigest()


def binding_for_render(request: Request) -> tuple[str, bool]:
    """What this page's token is bound to; True when that is a new form cookie to set."""
    binding = getattr(request.state, "csrf_binding", None) or _binding(request)
    if binding:
        return binding, False
    return secrets.token_urlsafe(32), True


def bind_to_session(request: Request, session_token: str) -> None:
    """The page rendered in this request (if any) is for the session just started."""
    request.state.csrf_binding = session_token


def cookie_flags(request: Request) -> dict[str, object]:
    return {"httponly": True, "samesite": "lax", "secure": bool(request.app.state.settings.secure_cookies), "path": "/"}


def set_form_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(FORM_COOKIE, value, max_age=FORM_COOKIE_MAX_AGE, **cookie_flags(request))  # type: ignore[arg-type]


async def checked_form(request: Request) -> Form:
    """The POSTed form, once its CSRF token is checked (a FastAPI dependency)."""
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise FormRefused("This address takes a form sent from its page.", status=415)
    try:
        pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise FormRefused("The form could not be read.", status=400) from None
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    binding = _binding(request)
    given = fields.get(CSRF_FIELD, [""])[0]
    if binding is None or not hmac.compare_digest(csrf_token(request, binding).encode(), given.encode()):
        raise FormRefused(
            "This form has expired or was not sent from this site. Go back, reload the page and try again."
        )
    return Form(fields)
