"""Signing in: passwords (argon2 through pwdlib), sessions kept on the server, one-time links.

A session or link token is 32 random bytes given to the browser once; the database keeps its
SHA-256 only. Setting a password (a link, the CLI, a change) ends every session of the user, so a
stolen cookie dies with the old password. Sign-in attempts are counted per account and per client
address with the API's rate limiter (fixed windows): a throttled account opens again when the
window ends, so nobody can lock another person out for good.
"""

from __future__ import annotations

import hashlib
import html
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calapi.accounts.models import SignInLink, WebSession
from calapi.config import Settings, parse_duration, parse_rate_limit
from calapi.core.auth import LimitSpec
from calapi.core.errors import AppError
from calapi.core.ratelimit import RateLimiter, ip_tracker
from calapi.db import rows_affected, utcnow
from calapi.notifications import email
from calapi.notifications.errors import SendFailed
from calapi.users import service as users_service
from calapi.users.models import User

log = logging.getLogger("calapi.accounts")

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256  # argon2 takes any length; this bounds the work one request can ask for
FIRST_RUN_LINK_LIFETIME = timedelta(hours=1)
RESET_LINK_LIFETIME = timedelta(minutes=30)
# lastSeen is written at most this often per session, so that page views stay reads.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)

_hasher = PasswordHash((Argon2Hasher(),))
# Checked when no account matches, so that an unknown address takes as long as a wrong password.
_DECOY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class FieldRefused(AppError):
    """Input refused, with the form field it belongs to (shown next to that field)."""

    status, code = 400, "BadRequestException"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class SignInThrottled(AppError):
    status, code = 429, "ThrottlerException"

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, (retry_after_seconds + 59) // 60)
        super().__init__(
            f"Too many sign-in attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            headers={"Retry-After": str(max(1, retry_after_seconds))},
        )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_new_password(password: str, field: str = "password") -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise FieldRefused(field, f"Use at least {PASSWORD_MIN_LENGTH} characters.")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise FieldRefused(field, f"Use at most {PASSWORD_MAX_LENGTH} characters.")


@dataclass(frozen=True)
class StartedSession:
    token: str  # for the cookie; never stored
    user_id: int
    expires_at: datetime


@dataclass(frozen=True)
class SignedIn:
    """The user behind a session cookie."""

    user: User
    session_id_hash: str
    last_seen_at: datetime


async def start_session(session: AsyncSession, user_id: int, lifetime: timedelta) -> StartedSession:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = WebSession(
        id_hash=_digest(token), user_id=user_id, created_at=now, expires_at=now + lifetime, last_seen_at=now
    )
    session.add(row)
    await session.flush()
    return StartedSession(token=token, user_id=user_id, expires_at=row.expires_at)


async def end_session(session: AsyncSession, token: str | None) -> None:
    if token:
        await session.execute(delete(WebSession).where(WebSession.id_hash == _digest(token)))


async def end_all_sessions(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(WebSession).where(WebSession.user_id == user_id))


async def signed_in(session: AsyncSession, token: str | None) -> SignedIn | None:
    """The user of an unexpired session (one query), or None."""
    if not token or len(token) > 128:
        return None
    found = (
        await session.execute(
            select(User, WebSession.id_hash, WebSession.last_seen_at)
            .join(WebSession, WebSession.user_id == User.id)
            .where(WebSession.id_hash == _digest(token), WebSession.expires_at > utcnow())
        )
    ).first()
    if found is None or found[0].locked:
        return None
    return SignedIn(user=found[0], session_id_hash=found[1], last_seen_at=found[2])


async def note_seen(sessionmaker: async_sessionmaker[AsyncSession], who: SignedIn) -> None:
    """Move the session's last-seen time forward (in a transaction of its own: page views read only)."""
    now = utcnow()
    if now - who.last_seen_at < LAST_SEEN_RESOLUTION:
        return
    async with sessionmaker() as session:
        await session.execute(
            update(WebSession).where(WebSession.id_hash == who.session_id_hash).values(last_seen_at=now)
        )
        await session.commit()


async def note_seen_in(session: AsyncSession, who: SignedIn) -> None:
    """The same, inside a request's own writing transaction."""
    now = utcnow()
    if now - who.last_seen_at >= LAST_SEEN_RESOLUTION:
        await session.execute(
            update(WebSession).where(WebSession.id_hash == who.session_id_hash).values(last_seen_at=now)
        )


async def set_password(session: AsyncSession, user_id: int, password: str) -> None:
    """Set the password and end every session of the user."""
    check_new_password(password)
    await users_service.set_password_hash(session, user_id, _hasher.hash(password))
    await end_all_sessions(session, user_id)


# ---------------------------------------------------------------- signing in


def _sign_in_limit(settings: Settings) -> LimitSpec:
    limit, window = parse_rate_limit(settings.sign_in_rate_limit)
    return LimitSpec(name="signIn", limit=limit, window_seconds=window)


async def _count_attempt(limiter: RateLimiter, settings: Settings, email_address: str, client: str) -> None:
    spec = _sign_in_limit(settings)
    account = "signin_account_" + _digest(email_address.strip().lower())
    for tracker in (account, "signin_" + ip_tracker(client)):
        decision = await limiter.hit(tracker, (spec,))
        if not decision.allowed:
            state = decision.states[0]
            raise SignInThrottled(int(state.reset_at - utcnow().timestamp()) + 1)


async def sign_in(
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    email_address: str,
    password: str,
    client: str,
    replacing: str | None,
) -> StartedSession:
    """Check the password and start a new session (the one the browser had, if any, ends)."""
    if not email_address.strip():
        raise FieldRefused("email", "Enter your email address.")
    if not password:
        raise FieldRefused("password", "Enter your password.")
    await _count_attempt(limiter, settings, email_address, client)
    user = await users_service.by_email(session, email_address)
    stored = user.password_hash if user is not None else None
    good = _hasher.verify(password[:PASSWORD_MAX_LENGTH], stored or _DECOY_HASH)
    if user is None or stored is None or not good or user.locked:
        raise FieldRefused("password", "That email address and password do not match an account here.")
    await end_session(session, replacing)
    return await start_session(session, user.id, timedelta(seconds=parse_duration(settings.session_lifetime)))


async def change_password(
    session: AsyncSession, *, settings: Settings, user_id: int, current: str, new: str
) -> StartedSession:
    """A new password for a signed-in user: every session ends, this browser gets a new one."""
    user = await users_service.get(session, user_id)
    if not user.password_hash or not _hasher.verify(current[:PASSWORD_MAX_LENGTH], user.password_hash):
        raise FieldRefused("current_password", "This is not your current password.")
    check_new_password(new, "new_password")
    await set_password(session, user_id, new)
    return await start_session(session, user_id, timedelta(seconds=parse_duration(settings.session_lifetime)))


# ---------------------------------------------------------------- one-time links


async def create_link(session: AsyncSession, user_id: int, lifetime: timedelta) -> str:
    """A one-time link token for setting the user's password (first run, CLI, forgotten password)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(SignInLink(token_hash=_digest(token), user_id=user_id, created_at=now, expires_at=now + lifetime))
    await session.flush()
    return token


async def link_user(session: AsyncSession, token: str) -> User | None:
    """The user a valid, unexpired link belongs to (the link stays unused)."""
    if not token or len(token) > 128:
        return None
    return await session.scalar(
        select(User)
        .join(SignInLink, SignInLink.user_id == User.id)
        .where(SignInLink.token_hash == _digest(token), SignInLink.expires_at > utcnow())
    )


async def use_link(session: AsyncSession, *, settings: Settings, token: str, password: str) -> StartedSession:
    """Set the password through a link, which is then used up; signs the browser in."""
    user = await link_user(session, token)
    if user is None:
        raise FieldRefused("password", "This link has expired or has been used. Ask for a new one.")
    check_new_password(password)
    deleted = await session.execute(delete(SignInLink).where(SignInLink.token_hash == _digest(token)))
    if rows_affected(deleted) == 0:  # another request used it a moment ago
        raise FieldRefused("password", "This link has expired or has been used. Ask for a new one.")
    await set_password(session, user.id, password)
    return await start_session(session, user.id, timedelta(seconds=parse_duration(settings.session_lifetime)))


async def send_reset_link(
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    email_address: str,
    client: str,
    base_url: str,
) -> None:
    """Email a one-time link to the account with this address, if there is one (the answer is the
    same either way, so the form tells nobody which addresses have accounts)."""
    server = settings.smtp_server
    if server is None:
        raise FieldRefused(
            "email", "This server sends no email; ask an administrator to run `calapi users sign-in-link`."
        )
    if "@" not in email_address or len(email_address) > 320:
        raise FieldRefused("email", "Enter the email address of your account.")
    await _count_attempt(limiter, settings, email_address, client)
    user = await users_service.by_email(session, email_address)
    if user is None or user.locked:
        return
    token = await create_link(session, user.id, RESET_LINK_LIFETIME)
    link = f"{base_url.rstrip('/')}/sign-in/link/{token}"
    minutes = int(RESET_LINK_LIFETIME.total_seconds() // 60)
    text = (
        f"Someone asked to set a new password for {user.email} on this calapi server.\n\n"
        f"Open this link within {minutes} minutes to choose one (it works once):\n\n{link}\n\n"
        "If it was not you, ignore this message: your password stays as it is.\n"
    )
    body = "".join(f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in text.strip().split("\n\n"))
    outgoing = email.OutgoingEmail(
        message_id=str(uuid.uuid4()),
        sender=settings.email_from,
        sender_name=None,
        to=user.email,
        to_name=user.name,
        subject="Set a new password for calapi",
        html=f"<!doctype html><html><body>{body}</body></html>",
        text=text,
    )
    try:
        await email.send(
            server,
            email.compose(outgoing, now=utcnow()),
            sender=email.envelope_sender(settings.email_from),
            recipient=user.email,
            timeout=settings.smtp_timeout_seconds,
        )
    except SendFailed as exc:
        log.warning("password link for user %s not sent: %s", user.id, exc.reason)
        raise FieldRefused("email", "The email could not be sent just now. Try again in a few minutes.") from None
