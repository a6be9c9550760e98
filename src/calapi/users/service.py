"""Users: creation (CLI, first run) and the caller's own profile (``/v2/me``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy import delete as sql_delete
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.core.errors import BadRequest, Conflict, NotFound
from calapi.core.timezones import require_time_zone
from calapi.users.commands import ProfileChanges
from calapi.users.models import User, UserRole

# Profile fields stored under another column name.
_COLUMN_OF = {"metadata": "user_metadata"}


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def get(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"User with id={user_id} not found")
    return user


async def by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.strip().lower()))


async def set_password_hash(session: AsyncSession, user_id: int, password_hash: str) -> None:
    """Store a password hash made by the accounts room (which owns hashing and checking it)."""
    user = await get(session, user_id)
    user.password_hash = password_hash
    await session.flush()


async def find(session: AsyncSession, ident: str) -> User:
    """A user by e-mail, username or numeric id (for the CLI)."""
    conditions = [User.email == ident.lower(), User.username == ident]
    if ident.isdigit():
        conditions.append(User.id == int(ident))
    user = await session.scalar(select(User).where(or_(*conditions)))
    if user is None:
        raise NotFound(f"no user with e-mail, username or id {ident!r}")
    return user


async def create(
    session: AsyncSession,
    *,
    email: str,
    username: str,
    name: str | None = None,
    time_zone: str = "Europe/London",
    admin: bool = False,
) -> User:
    email = email.strip().lower()
    require_time_zone(time_zone)
    clash = await session.scalar(select(User.id).where(or_(User.email == email, User.username == username)))
    if clash is not None:
        raise Conflict(f"a user with e-mail {email!r} or username {username!r} already exists")
    user = User(
        email=email,
        username=username,
        name=name,
        time_zone=time_zone,
        role=(UserRole.ADMIN if admin else UserRole.USER).value,
    )
    session.add(user)
    await session.flush()
    return user


# ---------------------------------------------------------------- the default schedule


@dataclass(frozen=True)
class DefaultScheduleRules:
    """What a profile change asks of the schedules room: is this schedule the user's (a new
    ``defaultScheduleId``), and the default schedule follows a new profile time zone.

    Schedules read users, so they sit above users; they register these at start-up
    (``calapi.wiring``) rather than users importing schedules.
    """

    owns: Callable[[AsyncSession, int, int], Awaitable[bool]]  # (session, user_id, schedule_id)
    follow_time_zone: Callable[[AsyncSession, User, str], Awaitable[None]]  # (session, user, zone)


_schedule_rules: list[DefaultScheduleRules] = []


def use_default_schedule_rules(rules: DefaultScheduleRules) -> None:
    """Register the schedules room's rules (again: replaces them)."""
    _schedule_rules[:] = [rules]


def _default_schedules() -> DefaultScheduleRules:
    if not _schedule_rules:
        raise RuntimeError("profiles have no schedule rules: call calapi.wiring.register_domain_hooks() at start-up")
    return _schedule_rules[0]


async def update_profile(
    session: AsyncSession, user_id: int, changes: ProfileChanges, *, email_vouched: bool = False
) -> User:
    """Apply a validated partial update to a profile.

    A new ``email`` becomes the user's address only when ``email_vouched`` (a system admin set it);
    otherwise it is parked in ``pending_email`` and ``email`` stays the proven address, because
    booking lists show what that address attends and nobody has shown they own the new one.
    """
    user = await get(session, user_id)
    if changes.email is not None:
        await _change_email(session, user, changes.email, vouched=email_vouched)
    if changes.time_zone is not None:
        require_time_zone(changes.time_zone)
    schedule_id = changes.default_schedule_id
    if schedule_id is not None and not await _default_schedules().owns(session, user.id, schedule_id):
        raise BadRequest(f"defaultScheduleId {schedule_id} is not one of your schedules")
    for name, value in changes.without("email").values().items():
        setattr(user, _COLUMN_OF.get(name, name), value)
    if changes.time_zone is not None:
        await _default_schedules().follow_time_zone(session, user, changes.time_zone)
    await session.flush()
    return user


async def _change_email(session: AsyncSession, user: User, requested: str, *, vouched: bool) -> None:
    email = requested.strip().lower()
    clash = await session.scalar(select(User.id).where(User.email == email, User.id != user.id))
    if clash is not None:
        raise Conflict(f"the e-mail {email!r} belongs to another user")
    if email == user.email:
        user.pending_email = None  # asking for the address one already has withdraws a pending change
    elif vouched:
        user.email, user.pending_email = email, None
    else:
        user.pending_email = email


async def emails_of(session: AsyncSession, user_ids: Iterable[int]) -> list[str]:
    """The emails of the given users (those that exist), in one statement."""
    ids = list(user_ids)
    if not ids:
        return []
    return list((await session.scalars(select(User.email).where(User.id.in_(ids)))).all())


async def list_page(
    session: AsyncSession, *, emails: list[str], take: int, skip: int, only: int | None = None
) -> tuple[list[User], int]:
    """A page of users (oldest first), optionally by e-mail, and how many match: two statements.
    ``only``: the one user the caller may see (not a system admin: themselves)."""
    where: list[ColumnElement[bool]] = [User.email.in_([e.strip().lower() for e in emails])] if emails else []
    if only is not None:
        where.append(User.id == only)
    total = int(await session.scalar(select(func.count()).select_from(User).where(*where)) or 0)
    users = list((await session.scalars(select(User).where(*where).order_by(User.id).offset(skip).limit(take))).all())
    return users, total


async def delete_user(session: AsyncSession, user_id: int) -> None:
    """Delete a user; their schedules, event types, bookings, keys and webhooks go with them (FK cascades)."""
    user = await get(session, user_id)
    await session.execute(sql_delete(User).where(User.id == user.id))
    session.expunge(user)
