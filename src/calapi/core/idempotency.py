"""``Idempotency-Key`` on booking create / cancel / reschedule (beyond Cal.com; user needs #34).

A retry with the same key and the same body gets the first response back (status and body) for
24 hours; the same key with another body is refused (422). The mechanism is one ASGI middleware
for every path in ``IDEMPOTENT_PATHS``, so the routes need no code of their own.

How concurrent retries make one booking: the key is *claimed first*, by inserting its row in a
short transaction of its own (the unique ``scope_key`` lets exactly one insert win). The winner
runs the request and stores its response; everyone else polls the row until the response is
there and replays it. A 5xx response is not stored: the claim is released so a retry runs again.

A key is scoped to the caller, the method and the path, so two callers never see each other's
responses. The caller is the key's user for an authenticated request (every key of a user, a
refreshed one too, is the same caller) and otherwise the client address (as the trusted-proxy
rule gives it) together with any credential sent that did not authenticate.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, Text, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calapi.core.auth import credential_from_scope
from calapi.core.envelopes import error_body
from calapi.core.errors import AppError, BadRequest, Conflict, Unprocessable
from calapi.db import Base, UTCDateTime, begin_write, utcnow

HEADER = b"idempotency-key"
REPLAY_HEADER = b"idempotent-replayed"
KEEP_FOR = timedelta(hours=24)
# A claim whose request has not finished after this long belonged to a process that died.
ABANDONED_AFTER = timedelta(seconds=60)
WAIT_FOR_FIRST = 30.0  # seconds a retry waits for the first request's response
POLL_EVERY = 0.02
MAX_KEY_LENGTH = 255

IDEMPOTENT_PATHS = (
    re.compile(r"^/v2/bookings/?$"),
    re.compile(r"^/v2/bookings/[^/]+/cancel/?$"),
    re.compile(r"^/v2/bookings/[^/]+/reschedule/?$"),
)


class IdempotencyKey(Base):
    """One claimed key and, once the first request finished, the response it got."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256(caller, method, path, key)
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    response_type: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _caller(scope: Scope) -> str:
    auth = scope.get("calapi.auth")
    if auth is not None and auth.principal is not None:
        return f"user:{auth.principal.user_id}"
    client = scope.get("client")
    return f"address:{client[0] if client else 'unknown'}\ncredential:{credential_from_scope(scope) or ''}"


def scope_key(scope: Scope, key: str) -> str:
    caller_hash = hashlib.sha256(_caller(scope).encode()).hexdigest()
    text = "\n".join((caller_hash, scope["method"], scope["path"].rstrip("/"), key))
    return hashlib.sha256(text.encode()).hexdigest()


def request_hash(body: bytes) -> str:
    """Same body = same JSON value (key order and whitespace do not matter); else the same bytes."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except (UnicodeDecodeError, json.JSONDecodeError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


class _Outcome:
    def __init__(self, row: IdempotencyKey | None, claimed: bool) -> None:
        self.row = row
        self.claimed = claimed


async def _claim(sessionmaker: async_sessionmaker[AsyncSession], key: str, body_hash: str) -> _Outcome:
    """Insert the key's row (we run the request) or return the existing one (someone else did)."""
    now = utcnow()
    async with sessionmaker() as session:
        await begin_write(session)
        existing = await session.scalar(select(IdempotencyKey).where(IdempotencyKey.scope_key == key))
        if existing is not None:
            expired = existing.expires_at <= now
            abandoned = existing.response_status is None and existing.created_at <= now - ABANDONED_AFTER
            if not (expired or abandoned):
                await session.commit()
                return _Outcome(existing, claimed=False)
            await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == existing.id))
        session.add(IdempotencyKey(scope_key=key, request_hash=body_hash, created_at=now, expires_at=now + KEEP_FOR))
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            return _Outcome(None, claimed=False)  # lost the race: poll for the winner's row
        return _Outcome(None, claimed=True)


async def _read(sessionmaker: async_sessionmaker[AsyncSession], key: str) -> IdempotencyKey | None:
    async with sessionmaker() as session:
        return await session.scalar(select(IdempotencyKey).where(IdempotencyKey.scope_key == key))


async def _store(
    sessionmaker: async_sessionmaker[AsyncSession], key: str, status: int, body: bytes, content_type: str | None
) -> None:
    async with sessionmaker() as session:
        await begin_write(session)
        if status >= 500:
            await session.execute(delete(IdempotencyKey).where(IdempotencyKey.scope_key == key))
        else:
            await session.execute(
                update(IdempotencyKey)
                .where(IdempotencyKey.scope_key == key)
                .values(
                    response_status=status, response_body=body.decode("utf-8", "replace"), response_type=content_type
                )
            )
        await session.commit()


class IdempotencyMiddleware:
    """Replays stored responses for requests that carry an ``Idempotency-Key`` on the listed paths."""

    def __init__(self, app: ASGIApp, *, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.app = app
        self.sessionmaker = sessionmaker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not any(p.match(scope["path"]) for p in IDEMPOTENT_PATHS)
        ):
            await self.app(scope, receive, send)
            return
        key = _header(scope, HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            await _send_error(
                scope, send, BadRequest(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters long.")
            )
            return
        body = await _read_body(receive)
        skey, body_hash = scope_key(scope, key), request_hash(body)

        deadline = asyncio.get_running_loop().time() + WAIT_FOR_FIRST
        while True:
            outcome = await _claim(self.sessionmaker, skey, body_hash)
            if outcome.claimed:
                await self._run_and_store(scope, body, send, skey)
                return
            row = outcome.row or await _read(self.sessionmaker, skey)
            while row is not None and row.response_status is None and row.request_hash == body_hash:
                if asyncio.get_running_loop().time() > deadline:
                    await _send_error(
                        scope,
                        send,
                        Conflict("A request with this Idempotency-Key is still being processed; retry later."),
                    )
                    return
                await asyncio.sleep(POLL_EVERY)
                row = await _read(self.sessionmaker, skey)
            if row is None:
                continue  # the first request failed (5xx) and released the key: run this one
            if row.request_hash != body_hash:
                await _send_error(
                    scope,
                    send,
                    Unprocessable(
                        "Idempotency-Key was already used with a different request body; use a new key for a different request."
                    ),
                )
                return
            await _replay(send, row)
            return

    async def _run_and_store(self, scope: Scope, body: bytes, send: Send, skey: str) -> None:
        status = 500
        content_type: str | None = None
        chunks: list[bytes] = []
        sent_body = False

        async def receive_again() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = next(
                    (v.decode("latin-1") for k, v in message.get("headers", []) if k == b"content-type"), None
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive_again, capture)
        finally:
            await _store(self.sessionmaker, skey, status, b"".join(chunks), content_type)


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(parts)


async def _replay(send: Send, row: IdempotencyKey) -> None:
    body = (row.response_body or "").encode()
    headers: list[tuple[bytes, bytes]] = [(b"content-length", str(len(body)).encode()), (REPLAY_HEADER, b"true")]
    if row.response_type:
        headers.append((b"content-type", row.response_type.encode("latin-1")))
    await send({"type": "http.response.start", "status": row.response_status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_error(scope: Scope, send: Send, error: AppError) -> None:
    body = json.dumps(error_body(HTTPConnection(scope), error), separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
