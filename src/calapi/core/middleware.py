"""The edge of every request, as plain ASGI middleware (cheap, and they see every response).

Order, outermost first: request id + security headers + last-resort error → client address from
trusted proxies → body-size cap → credential + rate limit.
"""

from __future__ import annotations

import ipaddress
import logging
import time
import uuid
from datetime import UTC, datetime

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calapi.core.auth import (
    AuthProblem,
    AuthResult,
    KeyResolver,
    Principal,
    credential_from_scope,
    hash_key,
    key_expired,
    looks_like_api_key,
)
from calapi.core.envelopes import error_body, is_v1
from calapi.core.errors import AppError, PayloadTooLarge, TooManyRequests, Unauthorized
from calapi.core.ratelimit import RateLimiter, ip_tracker, user_tracker

log = logging.getLogger("calapi.http")

# On every answer: browsers must not guess a JSON body's type (and render it as HTML).
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff")]
# On every answer to a request that carried a credential: personal data and minted keys must not be
# kept by a browser or shared cache.
NO_STORE = (b"cache-control", b"no-store")


def _error_response(scope: Scope, error: AppError, extra_headers: dict[str, str] | None = None) -> JSONResponse:
    headers = {**error.headers, **(extra_headers or {})}
    return JSONResponse(error_body(HTTPConnection(scope), error), status_code=error.status, headers=headers)


class EdgeMiddleware:
    """Gives every response an ``X-Request-Id``, the security headers and the headers inner layers
    ask for (which replace the application's own of the same name), and turns any escaped error
    into an enveloped 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        scope["calapi.request_id"] = request_id
        # Inner layers add headers for every response here (the rate-limit headers).
        extra: list[tuple[bytes, bytes]] = [(b"x-request-id", request_id.encode()), *SECURITY_HEADERS]
        scope["calapi.response_headers"] = extra
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {name for name, _ in extra}
                message["headers"] = [*(h for h in message.get("headers", ()) if h[0] not in names), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # The stack trace goes to the log under the request id, never to the client.
            log.exception("unhandled error, request id %s", request_id)
            if started:
                raise
            error = AppError("Internal server error. Quote this request id when reporting it: " + request_id)
            await _error_response(scope, error)(scope, receive, send_with_id)


def _forwarded_host(hop: str) -> str | None:
    """One X-Forwarded-For entry (``1.2.3.4``, ``1.2.3.4:5678``, ``::1``, ``[::1]:80``) → its address."""
    hop = hop.strip()
    if hop.startswith("["):
        hop = hop[1:].split("]", 1)[0]
    elif hop.count(":") == 1:
        hop = hop.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(hop))
    except ValueError:
        return None


class TrustedProxyMiddleware:
    """The client's address (and scheme) from ``X-Forwarded-For`` (``-Proto``), only when the
    connection comes from a configured proxy (``CALAPI_TRUSTED_PROXIES``); anyone else could
    write any address there and get a rate-limit bucket of their own."""

    def __init__(self, app: ASGIApp, *, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> None:
        self.app = app
        self.networks = networks

    def _trusted(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # a dual-stack socket shows IPv4 peers this way
        return any(address in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and client and self._trusted(client[0]):
            hops: list[str] = []
            proto = None
            for name, value in scope.get("headers", ()):
                if name == b"x-forwarded-for":
                    hops += value.decode("latin-1").split(",")
                elif name == b"x-forwarded-proto":
                    proto = value.decode("latin-1").strip().lower()
            # Each proxy appends the address it was called from: the client is the nearest hop that
            # is not itself a trusted proxy (entries further left are the caller's to write).
            address = client[0]
            for hop in reversed(hops):
                host = _forwarded_host(hop)
                if host is None:
                    break
                address = host
                if not self._trusted(host):
                    break
            if address != client[0]:
                scope["client"] = (address, 0)
            if proto in ("http", "https"):
                scope["scheme"] = proto
        await self.app(scope, receive, send)


class BodySizeLimitMiddleware:
    """Refuses request bodies over the cap with 413 before any of it reaches a handler."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self, scope: Scope) -> JSONResponse:
        return _error_response(
            scope, PayloadTooLarge(f"Request body is larger than the {self.max_bytes} bytes this server accepts")
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = None
                break
        if length is not None:
            if length > self.max_bytes:
                await self._too_large(scope)(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        # No length given (chunked): read up to the cap, then replay what was read.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class AuthRateLimitMiddleware:
    """Resolves the caller's API key (one query) and counts the request against its limits, per
    user (every key of a user draws on the same budget)."""

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, resolve_key: KeyResolver, key_prefix: str) -> None:
        self.app = app
        self.limiter = limiter
        self.resolve_key = resolve_key
        self.key_prefix = key_prefix

    async def _authenticate(self, scope: Scope) -> tuple[AuthResult, str | None, object]:
        credential = credential_from_scope(scope)
        if credential is None:
            return AuthResult(), None, None
        if not looks_like_api_key(credential, self.key_prefix):
            return AuthResult(problem=AuthProblem.invalid_token, credential_sent=True), None, None
        hashed = hash_key(credential, self.key_prefix)
        resolved = await self.resolve_key(hashed)
        if resolved is None:
            return AuthResult(problem=AuthProblem.invalid_key, credential_sent=True), None, None
        if key_expired(resolved.expires_at, datetime.now(UTC)):
            return AuthResult(problem=AuthProblem.expired_key, credential_sent=True), hashed, resolved
        if resolved.user_locked:
            return AuthResult(problem=AuthProblem.locked_user, credential_sent=True), hashed, resolved
        principal = Principal(
            user_id=resolved.user_id,
            role=resolved.user_role,
            api_key_id=resolved.api_key_id,
            hashed_key=hashed,
            profile=resolved.profile,
        )
        return AuthResult(principal=principal, credential_sent=True), hashed, resolved

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        result, hashed, resolved = await self._authenticate(scope)
        scope["calapi.auth"] = result
        if result.credential_sent:
            scope["calapi.response_headers"].append(NO_STORE)
        if hashed is not None and resolved is not None:
            decision = await self.limiter.hit(user_tracker(resolved.user_id), resolved.limits)  # type: ignore[attr-defined]
        else:
            client = scope.get("client")
            decision = await self.limiter.hit(ip_tracker(client[0] if client else "unknown"))
        scope["calapi.response_headers"].extend(decision.headers(time.time()))

        if not decision.allowed:
            if is_v1(scope["path"]):
                error: AppError = TooManyRequests(
                    "Rate limit exceeded",
                    v1_body={"error": {"code": "too_many_requests", "message": "Rate limit exceeded"}},
                )
            else:
                text = "CustomThrottlerGuard - Too many requests. Please try again later."
                error = TooManyRequests(text, details=text)
            await _error_response(scope, error)(scope, receive, send)
            return
        if result.problem is AuthProblem.invalid_key and not is_v1(scope["path"]):
            # Cal.com's throttler refuses an unknown key on every v2 route, before any route guard.
            await _error_response(scope, Unauthorized("CustomThrottlerGuard - Invalid API Key"))(scope, receive, send)
            return
        await self.app(scope, receive, send)
