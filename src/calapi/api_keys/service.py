"""Minting, resolving, refreshing and revoking API keys."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calapi.api_keys.models import ApiKey, RateLimit
from calapi.core.auth import KeyResolver, LimitSpec, ResolvedKey, hash_key
from calapi.core.errors import BadRequest, NotFound, Unauthorized
from calapi.db import InlineSQLiteReader, parse_sqlite_utc, rows_affected, utcnow
from calapi.users import service as users_service
from calapi.users.models import User

# lastUsedAt is written at most this often per key, so that reads stay reads.
LAST_USED_RESOLUTION = timedelta(seconds=60)
# How many of a key's last characters are kept in the clear (of 32 random hex digits).
KEY_TAIL_LENGTH = 4


@dataclass(frozen=True)
class MintedKey:
    row: ApiKey
    key: str  # shown once, never stored


def new_key_text(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


async def mint(
    session: AsyncSession,
    *,
    user_id: int,
    prefix: str,
    note: str | None = None,
    expires_at: datetime | None = None,
    team_id: int | None = None,
) -> MintedKey:
    key = new_key_text(prefix)
    row = ApiKey(
        id=str(uuid.uuid4()),
        user_id=user_id,
        team_id=team_id,
        note=note,
        hashed_key=hash_key(key, prefix),
        key_tail=key[-KEY_TAIL_LENGTH:],
        expires_at=expires_at,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return MintedKey(row=row, key=key)


async def create(
    session: AsyncSession, user_id: int, *, prefix: str, note: str | None, expires_at: datetime | None
) -> MintedKey:
    """A new key for the user (404 when there is no such user)."""
    await users_service.get(session, user_id)
    return await mint(session, user_id=user_id, prefix=prefix, note=note, expires_at=expires_at)


_PROFILE_COLUMNS = (
    User.id,
    User.username,
    User.name,
    User.email,
    User.time_zone,
    User.week_start,
    User.time_format,
    User.locale,
    User.role,
    User.avatar_url,
    User.bio,
    User.default_schedule_id,
    User.locked,
    User.created_at,
)


# Built once: reusing one statement object lets SQLAlchemy skip recompiling and re-adapting it.
_RESOLVE_KEY = (
    select(
        ApiKey.id.label("api_key_id"),
        ApiKey.expires_at,
        ApiKey.last_used_at,
        *_PROFILE_COLUMNS,
        RateLimit.name.label("limit_name"),
        RateLimit.limit,
        RateLimit.ttl,
    )
    .join(User, User.id == ApiKey.user_id)
    .outerjoin(RateLimit, RateLimit.api_key_id == ApiKey.id)
    .where(ApiKey.hashed_key == bindparam("hashed"))
    .order_by(RateLimit.name)
)


_INSTANT_COLUMNS = ("expires_at", "last_used_at", "created_at")


def _from_inline(row: Any) -> SimpleNamespace:
    """A raw SQLite row of ``_RESOLVE_KEY`` with the same attributes and types the async path's Row has."""
    values = dict(zip(row.keys(), tuple(row), strict=True))
    for name in _INSTANT_COLUMNS:
        values[name] = parse_sqlite_utc(values[name])
    values["locked"] = bool(values["locked"])
    return SimpleNamespace(**values)


def make_resolver(
    sessionmaker: async_sessionmaker[AsyncSession], default: LimitSpec, inline_reader: InlineSQLiteReader | None = None
) -> KeyResolver:
    """The edge's key lookup: one query for the key, its owner's profile and its custom limits."""

    async def fetch(hashed: str) -> list[Any]:
        if inline_reader is not None:
            return [_from_inline(row) for row in inline_reader.fetch_all(_RESOLVE_KEY, {"hashed": hashed})]
        async with sessionmaker() as session:
            return list((await session.execute(_RESOLVE_KEY, {"hashed": hashed})).all())

    async def touch(api_key_id: str, now: datetime) -> None:
        async with sessionmaker() as session:
            await session.execute(update(ApiKey).where(ApiKey.id == api_key_id).values(last_used_at=now))
            await session.commit()

    async def lookup(hashed: str) -> ResolvedKey | None:
        rows = await fetch(hashed)
        if not rows:
            return None
        first = rows[0]
        limits = tuple(
            LimitSpec(name=r.limit_name, limit=r.limit, window_seconds=max(1, -(-r.ttl // 1000)))
            for r in rows
            if r.limit_name is not None
        )
        now = utcnow()
        if first.last_used_at is None or now - first.last_used_at > LAST_USED_RESOLUTION:
            await touch(first.api_key_id, now)
        return ResolvedKey(
            api_key_id=first.api_key_id,
            user_id=first.id,
            user_role=first.role,
            user_locked=bool(first.locked),
            expires_at=first.expires_at,
            last_used_at=first.last_used_at,
            limits=limits or (default,),
            profile=first,
        )

    if inline_reader is None:
        return lookup

    # On SQLite, answers are kept until the database changes: PRAGMA data_version moves on every
    # commit by any other connection, in this process or another, so a revoked key, a changed
    # role or a new limit is seen on the very next request.
    cache: dict[str, ResolvedKey | None] = {}
    seen_version = -1

    async def resolve(hashed: str) -> ResolvedKey | None:
        nonlocal seen_version
        version = inline_reader.data_version()
        if version != seen_version:
            cache.clear()
            seen_version = version
        else:
            cached = cache.get(hashed)
            # A cached key still goes back to the database once lastUsedAt is due for a refresh.
            if (
                cached is not None
                and cached.last_used_at is not None
                and utcnow() - cached.last_used_at <= LAST_USED_RESOLUTION
            ):
                return cached
        resolved = await lookup(hashed)
        if len(cache) > 10_000:
            cache.clear()
        # Only found keys are kept: unknown keys must not fill the cache.
        if resolved is not None and seen_version == inline_reader.data_version():
            cache[hashed] = resolved
        return resolved

    return resolve


async def refresh(
    session: AsyncSession,
    *,
    api_key_id: str,
    prefix: str,
    days_valid: int | None,
    never_expires: bool,
) -> MintedKey:
    """Swap the calling key for a new one with the same owner and note; the old key stops working."""
    if days_valid is not None and never_expires:
        raise BadRequest(
            "ApiKeysService -Cannot set both apiKeyDaysValid and apiKeyNeverExpires. It has to be either or none of them."
        )
    old = await session.get(ApiKey, api_key_id)
    if old is None:
        raise Unauthorized("ApiKeysService - provided api key is not valid.")
    expires_at = None if never_expires else utcnow() + timedelta(days=days_valid or 30)
    minted = await mint(
        session, user_id=old.user_id, prefix=prefix, note=old.note, expires_at=expires_at, team_id=old.team_id
    )
    await session.execute(update(RateLimit).where(RateLimit.api_key_id == old.id).values(api_key_id=minted.row.id))
    await session.delete(old)
    await session.flush()
    return minted


async def revoke(session: AsyncSession, api_key_id: str, *, user_id: int | None = None) -> None:
    query = delete(ApiKey).where(ApiKey.id == api_key_id)
    if user_id is not None:
        query = query.where(ApiKey.user_id == user_id)
    result = await session.execute(query)
    if rows_affected(result) == 0:
        raise NotFound(f"API key with id={api_key_id} not found")


async def list_for_user(session: AsyncSession, user_id: int) -> list[ApiKey]:
    return list(
        (await session.scalars(select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.created_at))).all()
    )


async def set_rate_limit(
    session: AsyncSession, *, api_key_id: str, name: str, limit: int, ttl_ms: int, block_duration_ms: int | None = None
) -> RateLimit:
    row = RateLimit(
        id=str(uuid.uuid4()),
        api_key_id=api_key_id,
        name=name,
        limit=limit,
        ttl=ttl_ms,
        block_duration=block_duration_ms or ttl_ms,
    )
    session.add(row)
    await session.flush()
    return row


# ---------------------------------------------------------------- by id, several users (API v1's /api-keys)


async def list_for_users(session: AsyncSession, user_ids: list[int] | None) -> list[ApiKey]:
    """The keys of these users, oldest first (None: every key — a system admin's v1 list)."""
    query = select(ApiKey)
    if user_ids is not None:
        query = query.where(ApiKey.user_id.in_(user_ids))
    return list((await session.scalars(query.order_by(ApiKey.created_at, ApiKey.id))).all())


async def owner_of(session: AsyncSession, api_key_id: str) -> int | None:
    return await session.scalar(select(ApiKey.user_id).where(ApiKey.id == api_key_id))


async def get_owned(session: AsyncSession, user_id: int, api_key_id: str) -> ApiKey:
    row = await session.get(ApiKey, api_key_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"API key with id={api_key_id} not found")
    return row


async def set_note(session: AsyncSession, user_id: int, api_key_id: str, note: str | None) -> ApiKey:
    row = await get_owned(session, user_id, api_key_id)
    row.note = note
    await session.flush()
    return row
