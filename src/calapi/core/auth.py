"""Who is calling: an API key turned into a principal, once per request, by the edge middleware.

Keys look like ``<prefix><32 hex>``; only SHA-256 of the part after the prefix is stored. v2
reads ``Authorization: Bearer <key>`` (``Bearer`` optional, as Cal.com); v1 reads ``?apiKey=``.
The middleware records what it found on the scope; the route dependencies below decide whether
the route needs it and answer in the route's API version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Depends
from starlette.requests import Request
from starlette.types import Scope

from calapi.core.envelopes import is_v1
from calapi.core.errors import AppError, Forbidden, Unauthorized

LEGACY_KEY_MARKER = "cal_"  # Cal.com treats any bearer starting with this as an API key


@dataclass(frozen=True)
class LimitSpec:
    name: str
    limit: int
    window_seconds: int

    @property
    def limit_bytes(self) -> bytes:
        return b"%d" % self.limit


@dataclass(frozen=True)
class ResolvedKey:
    """What the edge needs to know about a stored key; built by the api_keys service."""

    api_key_id: str
    user_id: int
    user_role: str
    user_locked: bool
    expires_at: datetime | None
    last_used_at: datetime | None
    limits: tuple[LimitSpec, ...]
    # The owner's profile as read with the key (attribute access by the User model's names).
    profile: Any = None


KeyResolver = Callable[[str], Awaitable[ResolvedKey | None]]


@dataclass(frozen=True)
class Principal:
    user_id: int
    role: str
    api_key_id: str
    hashed_key: str
    profile: Any = None  # the user's row as read at the start of this request

    @property
    def is_admin(self) -> bool:
        return self.role == "ADMIN"


class AuthProblem(StrEnum):
    invalid_key = "invalid_key"
    expired_key = "expired_key"
    locked_user = "locked_user"
    invalid_token = "invalid_token"


@dataclass(frozen=True)
class AuthResult:
    principal: Principal | None = None
    problem: AuthProblem | None = None
    credential_sent: bool = False


def hash_key(key: str, prefix: str) -> str:
    """SHA-256 hex of the key with its prefix removed once (Cal.com's rule)."""
    return hashlib.sha256(key.replace(prefix, "", 1).encode()).hexdigest()


def looks_like_api_key(value: str, prefix: str) -> bool:
    return value.startswith((prefix, LEGACY_KEY_MARKER))


def key_expired(expires_at: datetime | None, now: datetime) -> bool:
    """A key is good through the whole UTC day its ``expiresAt`` falls on."""
    if expires_at is None:
        return False
    return now.astimezone(UTC).date() > expires_at.astimezone(UTC).date()


def credential_from_scope(scope: Scope) -> str | None:
    """The raw credential: ``?apiKey=`` on /v1, the ``Authorization`` header elsewhere."""
    if is_v1(scope["path"]):
        for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
            if name == "apiKey":
                return value or None
        return None
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            text = value.decode("latin-1").replace("Bearer ", "", 1).strip()
            return text or None
    return None


def get_auth(request: Request) -> AuthResult:
    return request.scope.get("calapi.auth") or AuthResult()


_V2_MESSAGES = {
    AuthProblem.invalid_key: "ApiAuthStrategy - api key - Your api key is not valid",
    AuthProblem.expired_key: "ApiAuthStrategy - api key - Your api key is expired",
    AuthProblem.locked_user: "ApiAuthStrategy - api key - This user is locked",
    AuthProblem.invalid_token: "ApiAuthStrategy - access token - Invalid Access Token.",
}
V2_NO_CREDENTIALS = (
    "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' header "
    "or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers"
)


def _v2_error(result: AuthResult) -> AppError:
    assert result.problem is not None
    return Unauthorized(_V2_MESSAGES[result.problem])


def _v1_error(result: AuthResult) -> AppError:
    if result.problem is AuthProblem.expired_key:
        return Unauthorized("This API key is expired.", v1_body={"error": "This API key is expired."})
    if result.problem is AuthProblem.locked_user:
        text = "You are not authorized to perform this request."
        return Forbidden(text, v1_body={"error": text})
    return Unauthorized("Your API key is not valid.", v1_body={"error": "Your API key is not valid."})


async def require_principal(request: Request) -> Principal:
    """v2 routes with Auth: required."""
    result = get_auth(request)
    if result.problem is not None:
        raise _v2_error(result)
    if result.principal is None:
        raise Unauthorized(V2_NO_CREDENTIALS)
    return result.principal


async def optional_principal(request: Request) -> Principal | None:
    """v2 routes with Auth: optional — no credentials is anonymous, bad credentials are 401."""
    result = get_auth(request)
    if result.problem is not None:
        raise _v2_error(result)
    return result.principal


async def require_v1_principal(request: Request) -> Principal:
    """Every /v1 route: ``?apiKey=`` is the only way in."""
    result = get_auth(request)
    if result.problem is not None:
        raise _v1_error(result)
    if result.principal is None:
        raise Unauthorized("No apiKey provided", v1_body={"message": "No apiKey provided"})
    return result.principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]
V1Principal = Annotated[Principal, Depends(require_v1_principal)]
