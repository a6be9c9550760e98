"""Schedules: a user's weekly availability and date overrides (``/v2/schedules``).

A schedule is a name, a time zone and its rows (``Availability``): weekly rows carry ``days``
(0 = Sunday … 6 = Saturday) and date overrides carry ``date``; times are wall-clock
``datetime.time`` values in the schedule's zone, with an end of 23:59 meaning midnight (the slot
engine's rule). The user's default schedule is ``users.default_schedule_id``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import Integer, bindparam, func, or_, select
from sqlalchemy import delete as sql_delete
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.core.errors import BadRequest, Forbidden, NotFound
from calapi.core.timezones import require_time_zone
from calapi.db import core_connection
from calapi.event_types.models import EventType
from calapi.schedules.commands import DateRange, NewSchedule, ScheduleChanges, WeeklyRange
from calapi.schedules.models import Availability, Schedule
from calapi.scheduling import DateOverride as EngineDateOverride
from calapi.scheduling import Schedule as EngineSchedule
from calapi.scheduling import WeeklyRule as EngineWeeklyRule
from calapi.teams import service as teams_service
from calapi.users import service as users_service
from calapi.users.models import User

DEFAULT_TIME_ZONE = "Europe/London"  # what Cal.com shows for a schedule without a zone
WORKING_HOURS = ((1, 2, 3, 4, 5), time(9, 0), time(17, 0))  # Monday–Friday 09:00–17:00
# Rows one schedule may hold, whichever API version writes them (a whole schedule or one row at a
# time): every availability answer and slot listing lays out each weekly row on every day asked.
MAX_WEEKLY_RANGES = 100
MAX_DATE_OVERRIDES = 1000


@dataclass(frozen=True)
class ScheduleView:
    """A schedule with its rows and whether it is its owner's default — what every answer needs."""

    schedule: Schedule
    weekly: tuple[Availability, ...] = ()
    overrides: tuple[Availability, ...] = ()
    is_default: bool = False


@dataclass(frozen=True)
class UpdatedSchedule:
    view: ScheduleView
    previous_default_id: int | None  # the owner's default schedule before the update


@dataclass(frozen=True)
class ScheduleUser:
    """An event type that books on a schedule."""

    event_type_id: int
    custom_name: str | None


def _not_found(schedule_id: int) -> NotFound:
    return NotFound(f"Schedule with ID={schedule_id} does not exist.")


def _not_owner(user_id: int, schedule_id: int) -> Forbidden:
    return Forbidden(f"User with ID={user_id} does not own schedule with ID={schedule_id}")


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise BadRequest("name must not be empty")
    return name


def _check_weekly(ranges: Sequence[WeeklyRange]) -> None:
    if len(ranges) > MAX_WEEKLY_RANGES:
        raise BadRequest(
            f"A schedule holds at most {MAX_WEEKLY_RANGES} weekly availability ranges; {len(ranges)} were given."
        )
    for index, item in enumerate(ranges):
        where = f"availability[{index}]"
        if not item.days:
            raise BadRequest(f"{where}: days must name at least one day")
        if any(not 0 <= day <= 6 for day in item.days):
            raise BadRequest(f"{where}: days are 0 (Sunday) … 6 (Saturday), got {list(item.days)}")
        if item.start >= item.end:
            raise BadRequest(
                f"{where}: startTime {item.start:%H:%M} must be before endTime {item.end:%H:%M} (use 23:59 for end of day)"
            )


def _check_overrides(ranges: Sequence[DateRange]) -> None:
    if len(ranges) > MAX_DATE_OVERRIDES:
        raise BadRequest(f"A schedule holds at most {MAX_DATE_OVERRIDES} date overrides; {len(ranges)} were given.")
    for index, item in enumerate(ranges):
        # start == end is allowed: Cal.com stores a day off as 00:00–00:00.
        if item.start > item.end:
            raise BadRequest(
                f"overrides[{index}]: startTime {item.start:%H:%M} must not be after endTime {item.end:%H:%M} "
                "(use 23:59 for end of day, or equal times for a day off)"
            )


def _rows(schedule_id: int, weekly: Sequence[WeeklyRange], overrides: Sequence[DateRange]) -> list[Availability]:
    rows = [
        Availability(schedule_id=schedule_id, days=sorted(set(item.days)), start_time=item.start, end_time=item.end)
        for item in weekly
    ]
    rows += [
        Availability(schedule_id=schedule_id, date=item.date, start_time=item.start, end_time=item.end)
        for item in overrides
    ]
    return rows


async def rows_by_schedule(session: AsyncSession, schedule_ids: Iterable[int]) -> dict[int, list[Availability]]:
    """All rows of the given schedules in one query, in the order they were stored."""
    ids = list(dict.fromkeys(schedule_ids))
    grouped: dict[int, list[Availability]] = {schedule_id: [] for schedule_id in ids}
    if not ids:
        return grouped
    result = await session.scalars(
        select(Availability).where(Availability.schedule_id.in_(ids)).order_by(Availability.id)
    )
    for row in result:
        grouped[row.schedule_id].append(row)
    return grouped


def _weekly_range(row: Availability) -> WeeklyRange:
    return WeeklyRange(tuple(row.days or ()), row.start_time, row.end_time)


def _date_range(row: Availability) -> DateRange:
    assert row.date is not None  # a date override's row
    return DateRange(row.date, row.start_time, row.end_time)


def _view(schedule: Schedule, rows: list[Availability], default_id: int | None) -> ScheduleView:
    return ScheduleView(
        schedule=schedule,
        weekly=tuple(row for row in rows if row.date is None),
        overrides=tuple(row for row in rows if row.date is not None),
        is_default=schedule.id == default_id,
    )


async def _load_owned(
    session: AsyncSession, user_id: int, schedule_id: int, *, missing: type[Exception] = NotFound
) -> Schedule:
    schedule = await session.get(Schedule, schedule_id)
    if schedule is None:
        raise missing(f"Schedule with ID={schedule_id} does not exist.")
    if schedule.user_id != user_id:
        raise _not_owner(user_id, schedule_id)
    return schedule


async def _views(session: AsyncSession, user: User, schedules: Sequence[Schedule]) -> list[ScheduleView]:
    rows = await rows_by_schedule(session, (s.id for s in schedules))
    return [_view(s, rows[s.id], user.default_schedule_id) for s in schedules]


async def create(session: AsyncSession, user_id: int, command: NewSchedule) -> ScheduleView:
    """A new schedule for the user; the user's first schedule becomes the default whatever ``is_default`` says."""
    name = _check_name(command.name)
    require_time_zone(command.time_zone)
    weekly = command.weekly
    if weekly is None:
        days, start, end = WORKING_HOURS
        weekly = (WeeklyRange(days=days, start=start, end=end),)
    _check_weekly(weekly)
    _check_overrides(command.overrides)
    user = await users_service.get(session, user_id)
    schedule = Schedule(user_id=user_id, name=name, time_zone=command.time_zone)
    session.add(schedule)
    await session.flush()
    rows = _rows(schedule.id, weekly, command.overrides)
    session.add_all(rows)
    if command.is_default or user.default_schedule_id is None:
        user.default_schedule_id = schedule.id
    await session.flush()
    return _view(schedule, rows, user.default_schedule_id)


async def count_for_user(session: AsyncSession, user_id: int) -> int:
    """How many schedules the user has."""
    return int(await session.scalar(select(func.count()).select_from(Schedule).where(Schedule.user_id == user_id)) or 0)


async def list_for_user(session: AsyncSession, user_id: int) -> list[ScheduleView]:
    """The user's schedules, oldest first (two queries plus the user, whatever their number)."""
    user = await users_service.get(session, user_id)
    schedules = list(await session.scalars(select(Schedule).where(Schedule.user_id == user_id).order_by(Schedule.id)))
    return await _views(session, user, schedules)


async def list_for_team(session: AsyncSession, team_id: int, *, take: int, skip: int) -> list[ScheduleView]:
    """One page of the schedules of a team's members (accepted or invited), oldest first."""
    members = await teams_service.member_user_ids(session, team_id)
    return await list_for_users(session, members, take=take, skip=skip)


async def list_for_users(session: AsyncSession, user_ids: Sequence[int], *, take: int, skip: int) -> list[ScheduleView]:
    """One page of several users' schedules (oldest first) — two statements whatever their number."""
    if not user_ids:
        return []
    rows = (
        await session.execute(
            select(Schedule, User.default_schedule_id)
            .join(User, User.id == Schedule.user_id)
            .where(Schedule.user_id.in_(list(user_ids)))
            .order_by(Schedule.id)
            .offset(skip)
            .limit(take)
        )
    ).all()
    availability = await rows_by_schedule(session, (schedule.id for schedule, _ in rows))
    return [_view(schedule, availability[schedule.id], default_id) for schedule, default_id in rows]


async def get_for_user(session: AsyncSession, user_id: int, schedule_id: int) -> ScheduleView:
    user = await users_service.get(session, user_id)
    schedule = await _load_owned(session, user_id, schedule_id)
    return (await _views(session, user, [schedule]))[0]


async def _default_of(session: AsyncSession, user: User) -> Schedule | None:
    if user.default_schedule_id is None:
        return None
    schedule = await session.get(Schedule, user.default_schedule_id)
    if schedule is None or schedule.user_id != user.id:
        return None
    return schedule


async def get_default(session: AsyncSession, user_id: int) -> ScheduleView | None:
    """The user's default schedule, or None when they have none."""
    user = await users_service.get(session, user_id)
    schedule = await _default_of(session, user)
    return None if schedule is None else (await _views(session, user, [schedule]))[0]


async def update(session: AsyncSession, user_id: int, schedule_id: int, changes: ScheduleChanges) -> UpdatedSchedule:
    user = await users_service.get(session, user_id)
    previous_default = await _default_of(session, user)
    schedule = await _load_owned(session, user_id, schedule_id)
    if changes.name is not None:
        schedule.name = _check_name(changes.name)
    if changes.time_zone is not None:
        require_time_zone(changes.time_zone)
        schedule.time_zone = changes.time_zone
    if changes.weekly is not None:
        _check_weekly(changes.weekly)
    if changes.overrides is not None:
        _check_overrides(changes.overrides)
    if changes.weekly is not None or changes.overrides is not None:
        current = (await rows_by_schedule(session, [schedule.id]))[schedule.id]
        weekly = changes.weekly
        if weekly is None:
            weekly = tuple(_weekly_range(r) for r in current if r.date is None)
        overrides = changes.overrides
        if overrides is None:
            overrides = tuple(_date_range(r) for r in current if r.date is not None)
        await session.execute(sql_delete(Availability).where(Availability.schedule_id == schedule.id))
        session.add_all(_rows(schedule.id, weekly, overrides))
    if changes.make_default:
        user.default_schedule_id = schedule.id
    await session.flush()
    view = (await _views(session, user, [schedule]))[0]
    return UpdatedSchedule(view, previous_default.id if previous_default is not None else None)


async def used_by(session: AsyncSession, schedule_id: int) -> list[ScheduleUser]:
    """The event types that book on this schedule, oldest first (one statement)."""
    rows = await session.execute(
        select(EventType.id, EventType.settings).where(EventType.schedule_id == schedule_id).order_by(EventType.id)
    )
    return [ScheduleUser(event_type_id, (settings or {}).get("customName")) for event_type_id, settings in rows.all()]


async def delete(session: AsyncSession, user_id: int, schedule_id: int) -> None:
    """Delete a schedule (a missing one is a 400, as Cal.com answers).

    Deleting the default hands the default to the user's oldest remaining schedule, so that a
    user who has schedules always has a default one.
    """
    user = await users_service.get(session, user_id)
    schedule = await _load_owned(session, user_id, schedule_id, missing=BadRequest)
    await session.execute(sql_delete(Availability).where(Availability.schedule_id == schedule.id))
    await session.delete(schedule)
    await session.flush()
    if user.default_schedule_id == schedule_id:
        user.default_schedule_id = await session.scalar(
            select(Schedule.id).where(Schedule.user_id == user_id).order_by(Schedule.id).limit(1)
        )
        await session.flush()


async def require_owned(session: AsyncSession, user_id: int, schedule_id: int) -> Schedule:
    """The schedule if it is the user's; otherwise 404 / 403 with Cal.com's schedule messages."""
    return await _load_owned(session, user_id, schedule_id)


async def owns(session: AsyncSession, user_id: int, schedule_id: int) -> bool:
    owner = await session.scalar(select(Schedule.user_id).where(Schedule.id == schedule_id))
    return owner is not None and owner == user_id


async def follow_profile_time_zone(session: AsyncSession, user: User, time_zone: str) -> None:
    """The user's zone changed: their default schedule follows it (Cal.com's ``PATCH /v2/me`` side effect)."""
    if user.default_schedule_id is None:
        return
    schedule = await session.get(Schedule, user.default_schedule_id)
    if schedule is not None and schedule.user_id == user.id:
        schedule.time_zone = time_zone
        await session.flush()


# --- Single rows and owners (API v1's ``/availabilities`` and admin access) ---


async def owner_of(session: AsyncSession, schedule_id: int) -> int | None:
    """The schedule's owner id, or None when there is no such schedule."""
    return await session.scalar(select(Schedule.user_id).where(Schedule.id == schedule_id))


async def list_all(session: AsyncSession) -> list[ScheduleView]:
    """Every schedule in the system, oldest first (a system admin's v1 list) — two statements."""
    rows = (
        await session.execute(
            select(Schedule, User.default_schedule_id).join(User, User.id == Schedule.user_id).order_by(Schedule.id)
        )
    ).all()
    availability = await rows_by_schedule(session, (schedule.id for schedule, _ in rows))
    return [_view(schedule, availability[schedule.id], default_id) for schedule, default_id in rows]


async def availability_row_owner(session: AsyncSession, row_id: int) -> int | None:
    """The owner of the schedule an availability row belongs to, or None when the row does not exist."""
    return await session.scalar(
        select(Schedule.user_id)
        .join(Availability, Availability.schedule_id == Schedule.id)
        .where(Availability.id == row_id)
    )


def _check_row(row: WeeklyRange | DateRange) -> None:
    if isinstance(row, WeeklyRange):
        _check_weekly([row])
    else:
        _check_overrides([row])


async def get_availability_row(session: AsyncSession, user_id: int, row_id: int) -> Availability:
    """One row of one of the user's schedules; another user's row is 404 as if it did not exist."""
    row = await session.get(Availability, row_id)
    if row is None or await owner_of(session, row.schedule_id) != user_id:
        raise NotFound(f"Availability with id={row_id} not found")
    return row


async def _check_room(
    session: AsyncSession, schedule_id: int, row: WeeklyRange | DateRange, *, replacing: int | None = None
) -> None:
    """The schedule's rows of ``row``'s kind stay within their cap once ``row`` is stored (in place of row ``replacing``)."""
    current = [r for r in (await rows_by_schedule(session, [schedule_id]))[schedule_id] if r.id != replacing]
    if isinstance(row, WeeklyRange):
        _check_weekly([*(_weekly_range(r) for r in current if r.date is None), row])
    else:
        _check_overrides([*(_date_range(r) for r in current if r.date is not None), row])


async def add_availability_row(
    session: AsyncSession, user_id: int, schedule_id: int, row: WeeklyRange | DateRange
) -> Availability:
    """Add one weekly range or date override to the user's schedule (same checks as a whole schedule)."""
    await _load_owned(session, user_id, schedule_id)
    _check_row(row)
    await _check_room(session, schedule_id, row)
    stored = _rows(schedule_id, [row], []) if isinstance(row, WeeklyRange) else _rows(schedule_id, [], [row])
    session.add(stored[0])
    await session.flush()
    return stored[0]


async def update_availability_row(
    session: AsyncSession,
    user_id: int,
    row_id: int,
    *,
    days: Sequence[int] | None,
    on_date: date | None,
    start: time | None,
    end: time | None,
) -> Availability:
    """Change one row; what is not given stays. Giving ``on_date`` makes it an override, ``days`` a weekly row."""
    row = await get_availability_row(session, user_id, row_id)
    start, end = start or row.start_time, end or row.end_time
    override_date = on_date if on_date is not None else row.date if days is None else None
    if override_date is not None:
        candidate: WeeklyRange | DateRange = DateRange(override_date, start, end)
    else:
        candidate = WeeklyRange(tuple(days if days is not None else (row.days or ())), start, end)
    _check_row(candidate)
    if isinstance(candidate, WeeklyRange) != (row.date is None):  # a row changing kind counts against the other cap
        await _check_room(session, row.schedule_id, candidate, replacing=row.id)
    if isinstance(candidate, WeeklyRange):
        row.days, row.date = sorted(set(candidate.days)), None
    else:
        row.days, row.date = None, candidate.date
    row.start_time, row.end_time = start, end
    await session.flush()
    return row


async def delete_availability_row(session: AsyncSession, user_id: int, row_id: int) -> None:
    row = await get_availability_row(session, user_id, row_id)
    await session.delete(row)
    await session.flush()


# --- Inputs for the slot engine ---

# Only the users columns a host needs are read here, in the same statement as the schedule rows.

_HOST_DEFAULT_ZONE = "Europe/London"  # Cal.com's zone for a profile without one
_WEEKDAY_NUMBERS = {
    "Sunday": 0,
    "Monday": 1,
    "Tuesday": 2,
    "Wednesday": 3,
    "Thursday": 4,
    "Friday": 5,
    "Saturday": 6,
}


@dataclass(frozen=True)
class HostAvailability:
    """One user as a host for the slot engine: profile zone, week start and the schedule in force.

    ``schedule`` is None when the user has no schedule (or it was deleted): such a host has no slots.
    """

    user_id: int
    username: str | None
    time_zone: str
    week_start: int  # 0 = Sunday … 6 = Saturday, the engine's numbering
    schedule: EngineSchedule | None


def _minute(value: time) -> time:
    # The engine takes whole minutes; a stored 23:59:59 is the UI's "until midnight" (23:59).
    return time(value.hour, value.minute)


@functools.cache
def _host_availability_statement(by_ids: bool, by_names: bool, own_schedule: bool) -> Any:
    """Users with their schedule's rows; one statement object per shape, built once.

    Bound parameters: ``user_ids`` / ``usernames`` (expanding) and ``schedule_id``.
    """
    wanted = (
        func.coalesce(bindparam("schedule_id", type_=Integer), User.default_schedule_id)
        if own_schedule
        else User.default_schedule_id
    )
    conditions = []
    if by_ids:
        conditions.append(User.id.in_(bindparam("user_ids", expanding=True)))
    if by_names:
        conditions.append(User.username.in_(bindparam("usernames", expanding=True)))
    return (
        select(
            User.id,
            User.username,
            User.time_zone,
            User.week_start,
            Schedule.id,
            Schedule.time_zone,
            Availability.days,
            Availability.date,
            Availability.start_time,
            Availability.end_time,
        )
        .select_from(User)
        .outerjoin(Schedule, Schedule.id == wanted)
        .outerjoin(Availability, Availability.schedule_id == Schedule.id)
        .where(or_(*conditions))
        .order_by(User.id, Availability.id)
    )


async def load_host_availability(
    session: AsyncSession,
    *,
    user_ids: Iterable[int] = (),
    usernames: Iterable[str] = (),
    schedule_id: int | None = None,
) -> dict[int, HostAvailability]:
    """Hosts by id or username, each with its schedule as engine input, in ONE statement.

    The schedule is ``schedule_id`` (an event type's own schedule) when given, else each user's
    default schedule. Users that do not exist are absent from the answer.
    """
    ids, names = list(user_ids), list(usernames)
    if not ids and not names:
        return {}
    statement = _host_availability_statement(bool(ids), bool(names), schedule_id is not None)
    parameters: dict[str, object] = {}
    if ids:
        parameters["user_ids"] = ids
    if names:
        parameters["usernames"] = names
    if schedule_id is not None:
        parameters["schedule_id"] = schedule_id
    users: dict[int, tuple[str | None, str, int, int | None, str | None]] = {}
    weekly: dict[int, list[EngineWeeklyRule]] = {}
    overrides: dict[int, list[EngineDateOverride]] = {}
    connection = await core_connection(session)  # Core rows: no ORM bookkeeping per row
    for row in (await connection.execute(statement, parameters)).all():
        user_id, username, user_zone, week_start, sched_id, sched_zone, days, on_date, start, end = row
        if user_id not in users:
            users[user_id] = (
                username,
                user_zone or _HOST_DEFAULT_ZONE,
                _WEEKDAY_NUMBERS.get(week_start or "", 0),
                sched_id,
                sched_zone,
            )
            weekly[user_id], overrides[user_id] = [], []
        if start is None or end is None:
            continue  # the user has no schedule, or a schedule without rows
        if on_date is not None:
            overrides[user_id].append(EngineDateOverride(on_date, _minute(start), _minute(end)))
        elif days:
            weekly[user_id].append(EngineWeeklyRule(frozenset(days), _minute(start), _minute(end)))
    answer: dict[int, HostAvailability] = {}
    for user_id, (username, user_zone, week_start, sched_id, sched_zone) in users.items():
        schedule = None
        if sched_id is not None:
            schedule = EngineSchedule(sched_zone or user_zone, tuple(weekly[user_id]), tuple(overrides[user_id]))
        answer[user_id] = HostAvailability(user_id, username, user_zone, week_start, schedule)
    return answer
