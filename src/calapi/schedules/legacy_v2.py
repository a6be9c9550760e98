"""Legacy ``/v2/schedules`` reads (no ``cal-api-version``, or 2024-04-15; contract §1.2).

Cal.com's 2024-04-15 ``ScheduleOutput``: ``workingHours`` (minutes of the stored wall-clock times),
``schedule`` (the stored rows, times as ``1970-01-01T<HH:MM>:00.000Z``), ``availability`` (seven
day lists, Sunday first, of ``{start, end}``), ``dateOverrides`` (``[{ranges}]``), ``isDefault``,
``isLastSchedule``, ``readOnly``, ``isManaged``. Served: ``GET /v2/schedules``, ``/default`` and
``/{scheduleId}``, and the writes of ``SchedulesController_2024_04_15``: ``POST`` (201, the new
schedule in that shape), ``PATCH /{scheduleId}`` (200, the tRPC update handler's answer) and
``DELETE /{scheduleId}`` (200 ``{"status": "success"}``) — over the same service as 2024-06-11,
whose checks and messages (404 / 403 ``User with ID=… does not own schedule …``, a missing
schedule's delete 400) are Cal.com's for this version too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, StrictBool, StrictInt, WithJsonSchema

from calapi.core.api_schemas import Envelope, StatusOnly, declare
from calapi.core.auth import CurrentPrincipal
from calapi.core.clock import Now
from calapi.core.envelopes import success, success_no_data
from calapi.core.presenters import wire, wire_all
from calapi.core.versioning import V2024_04_15, V2024_06_11, legacy_router
from calapi.core.wire import TimeZoneName, WireModel
from calapi.db import SessionDep
from calapi.schedules import api_schemas as declared
from calapi.schedules import service as schedules_service
from calapi.schedules.commands import DateRange, NewSchedule, ScheduleChanges, WeeklyRange
from calapi.schedules.models import Availability
from calapi.schedules.service import ScheduleUser, ScheduleView, UpdatedSchedule

router = legacy_router([V2024_04_15], successor=V2024_06_11, prefix="/v2/schedules", tags=["Schedules (legacy)"])


MINUTES_DAY_END = 24 * 60 - 1


def _epoch_time(value: time) -> str:
    return f"1970-01-01T{value:%H:%M}:00.000Z"


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _present_row(row: Availability, user_id: int) -> declared.LegacyAvailabilityRow:
    """A stored availability row as Cal.com's Prisma row serialises (dates as midnight UTC)."""
    return declared.LegacyAvailabilityRow.model_construct(
        id=row.id,
        userId=user_id,
        eventTypeId=None,
        days=list(row.days or ()),
        startTime=_epoch_time(row.start_time),
        endTime=_epoch_time(row.end_time),
        date=f"{row.date.isoformat()}T00:00:00.000Z" if row.date else None,
        scheduleId=row.schedule_id,
    )


def _working_hours(rows: list[Availability]) -> list[declared.WorkingHours]:
    """Cal.com's ``getWorkingHours`` at UTC offset 0 over every row (date overrides included, with
    their empty ``days``): minutes clamped to 0–1439, sorted by start, and a range that starts one
    minute after the previous one ends merged into it."""
    if not rows:
        return [declared.WorkingHours.model_construct(days=[0, 1, 2, 3, 4, 5, 6], startTime=0, endTime=MINUTES_DAY_END)]
    hours: list[tuple[int, int, list[int]]] = []  # (start, end, days) in minutes of the day
    for row in rows:
        start = min(_minutes(row.start_time), MINUTES_DAY_END)
        end = min(_minutes(row.end_time), MINUTES_DAY_END)
        if start != end:
            hours.append((start, end, list(row.days or ())))
    hours.sort(key=lambda item: item[0])
    merged: list[tuple[int, int, list[int]]] = []
    for start, end, days in hours:
        if merged and merged[-1][1] + 1 == start:
            merged[-1] = (merged[-1][0], end, merged[-1][2])
        else:
            merged.append((start, end, days))
    return [
        declared.WorkingHours.model_construct(days=days, startTime=start, endTime=end) for start, end, days in merged
    ]


def _stamp(day: date, value: time) -> str:
    return f"{day.isoformat()}T{value:%H:%M}:00.000Z"


def _weekly_ranges(rows: tuple[Availability, ...], today: date) -> list[list[declared.StartEnd]]:
    """Seven lists (Sunday first) of ``{start, end}`` on today's UTC date; an end of 23:59 reads
    23:59:59.999, as Cal.com's atom transformer writes it."""
    by_day: list[list[tuple[str, str]]] = [[] for _ in range(7)]
    for row in rows:
        for day in row.days or ():
            end = _stamp(today, row.end_time).replace("T23:59:00.000Z", "T23:59:59.999Z")
            by_day[day].append((_stamp(today, row.start_time), end))
    return [
        [declared.StartEnd.model_construct(start=start, end=end) for start, end in sorted(ranges, key=lambda r: r[0])]
        for ranges in by_day
    ]


def _date_overrides(rows: tuple[Availability, ...], today_in_zone: date) -> list[declared.LegacyDateOverride]:
    """Overrides from today (in the schedule's zone) on, grouped by date, earliest first."""
    grouped: dict[date, list[declared.StartEnd]] = {}
    for row in rows:
        if row.date is None or row.date < today_in_zone:
            continue
        grouped.setdefault(row.date, []).append(
            declared.StartEnd.model_construct(
                start=_stamp(row.date, row.start_time), end=_stamp(row.date, row.end_time)
            )
        )
    return [
        declared.LegacyDateOverride.model_construct(ranges=grouped[day])
        for day in sorted(grouped, key=lambda d: (d, grouped[d][0].start))
    ]


def present_schedule(view: ScheduleView, *, last: bool, now: datetime) -> declared.LegacySchedule:
    """Cal.com's 2024-04-15 ``ScheduleOutput`` (``findDetailedScheduleById``) for a schedule the caller owns;
    ``last``: it is the owner's only schedule."""
    schedule = view.schedule
    time_zone = schedule.time_zone or schedules_service.DEFAULT_TIME_ZONE
    rows = sorted((*view.weekly, *view.overrides), key=lambda row: row.id)
    return declared.LegacySchedule.model_construct(
        id=schedule.id,
        name=schedule.name,
        isManaged=False,
        workingHours=_working_hours(rows),
        schedule=[_present_row(row, schedule.user_id) for row in rows],
        availability=_weekly_ranges(view.weekly, now.astimezone(UTC).date()),
        timeZone=time_zone,
        dateOverrides=_date_overrides(view.overrides, now.astimezone(ZoneInfo(time_zone)).date()),
        isDefault=view.is_default,
        isLastSchedule=last,
        readOnly=False,
    )


@router.get("", operation_id="legacy_schedules_list", **declare(Envelope[list[declared.LegacySchedule]]))
async def list_schedules(principal: CurrentPrincipal, session: SessionDep, now: Now) -> dict[str, Any]:
    views = await schedules_service.list_for_user(session, principal.user_id)
    return success(wire_all(present_schedule(v, last=len(views) == 1, now=now) for v in views))


@router.get(
    "/default", operation_id="legacy_schedules_get_default", **declare(Envelope[declared.LegacySchedule | None])
)
async def get_default_schedule(principal: CurrentPrincipal, session: SessionDep, now: Now) -> dict[str, Any]:
    views = await schedules_service.list_for_user(session, principal.user_id)
    found = next((v for v in views if v.is_default), None)
    return success(None if found is None else wire(present_schedule(found, last=len(views) == 1, now=now)))


@router.get("/{scheduleId}", operation_id="legacy_schedules_get", **declare(Envelope[declared.LegacySchedule]))
async def get_schedule(scheduleId: int, principal: CurrentPrincipal, session: SessionDep, now: Now) -> dict[str, Any]:
    views = await schedules_service.list_for_user(session, principal.user_id)
    found = next((v for v in views if v.schedule.id == scheduleId), None)
    if found is None:  # not the caller's: the service answers 404 or 403 with Cal.com's words
        found = await schedules_service.get_for_user(session, principal.user_id, scheduleId)
    return success(wire(present_schedule(found, last=len(views) == 1, now=now)))


# ---------------------------------------------------------------- writes (SchedulesController_2024_04_15)


def _instant(value: object) -> datetime:
    """An ISO 8601 date-time as Cal.com's atoms send them (``2024-05-06T09:00:00.000Z``)."""
    if not isinstance(value, str):
        raise ValueError(f"must be an ISO 8601 date-time string such as 2024-05-06T09:00:00.000Z, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"must be an ISO 8601 date-time string such as 2024-05-06T09:00:00.000Z, got {value[:64]!r}"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


Instant = Annotated[datetime, BeforeValidator(_instant), WithJsonSchema({"type": "string", "format": "date-time"})]


def _minute(value: time) -> time:
    """Times are kept to the minute (the slot engine's unit); 23:59:59.999 is the end of the day, 23:59."""
    return value.replace(second=0, microsecond=0, tzinfo=None)


def _wall_clock(value: datetime) -> time:
    """The time written in the string, offset ignored: Cal.com's create reads the ``HH:MM:SS`` text."""
    return _minute(value.timetz())


def _utc_time(value: datetime) -> time:
    """The UTC time of day: Cal.com's update stores the instants' UTC times."""
    return _minute(value.astimezone(UTC).time())


class LegacyAvailabilityInput(WireModel):
    """``CreateAvailabilityInput_2024_04_15``: days 0 (Sunday) … 6 and two date-times of which only the time counts."""

    days: list[StrictInt] = Field(max_length=7)
    startTime: Instant
    endTime: Instant

    def to_range(self) -> WeeklyRange:
        return WeeklyRange(days=tuple(self.days), start=_wall_clock(self.startTime), end=_wall_clock(self.endTime))


class LegacyCreateScheduleInput(WireModel):
    """``CreateScheduleInput_2024_04_15``."""

    name: str = Field(max_length=255)
    timeZone: TimeZoneName
    isDefault: StrictBool
    availabilities: list[LegacyAvailabilityInput] | None = Field(
        default=None, max_length=schedules_service.MAX_WEEKLY_RANGES
    )

    def to_command(self) -> NewSchedule:
        # No availabilities (or an empty list) means Monday–Friday 09:00–17:00, as in Cal.com.
        weekly = tuple(a.to_range() for a in self.availabilities) if self.availabilities else None
        return NewSchedule(self.name, self.timeZone, self.isDefault, weekly)


class LegacyRange(WireModel):
    start: Instant
    end: Instant


class LegacyUpdateScheduleInput(WireModel):
    """``UpdateScheduleInput_2024_04_15``: ``schedule`` is seven lists (Sunday first) of ranges, as the
    availability atom edits them; ``dateOverrides`` one range per override, its date the start's UTC date."""

    timeZone: TimeZoneName | None = None
    name: str | None = Field(default=None, min_length=1, max_length=255)
    isDefault: StrictBool | None = None
    schedule: list[list[LegacyRange]] | None = Field(default=None, max_length=7)
    dateOverrides: list[LegacyRange] | None = Field(default=None, max_length=schedules_service.MAX_DATE_OVERRIDES)

    def to_changes(self) -> ScheduleChanges:
        return ScheduleChanges(
            name=self.name,
            time_zone=self.timeZone,
            make_default=bool(self.isDefault),
            weekly=self._weekly(),
            overrides=self._overrides(),
        )

    def _weekly(self) -> tuple[WeeklyRange, ...] | None:
        """Ranges with the same times on several days become one row with those days (as Cal.com's
        ``getAvailabilityFromSchedule`` stores them)."""
        if self.schedule is None:
            return None
        days_by_range: dict[tuple[time, time], list[int]] = {}
        for day, ranges in enumerate(self.schedule):
            for item in ranges:
                days_by_range.setdefault((_utc_time(item.start), _utc_time(item.end)), []).append(day)
        return tuple(
            WeeklyRange(days=tuple(days), start=start, end=end) for (start, end), days in days_by_range.items()
        )

    def _overrides(self) -> tuple[DateRange, ...] | None:
        if self.dateOverrides is None:
            return None
        return tuple(
            DateRange(date=o.start.astimezone(UTC).date(), start=_utc_time(o.start), end=_utc_time(o.end))
            for o in self.dateOverrides
        )


def present_update(
    updated: UpdatedSchedule, using: list[ScheduleUser], *, now: datetime
) -> declared.LegacyUpdatedSchedule:
    """The tRPC schedule update handler's answer: the schedule row with its availability rows and the
    event types ``using`` it, the atom's weekly ranges, and the default before and after."""
    view = updated.view
    schedule = view.schedule
    rows = sorted((*view.weekly, *view.overrides), key=lambda row: row.id)
    return declared.LegacyUpdatedSchedule.model_construct(
        schedule=declared.LegacyUpdatedScheduleDetail.model_construct(
            id=schedule.id,
            userId=schedule.user_id,
            name=schedule.name,
            availability=[_present_row(row, schedule.user_id) for row in rows],
            timeZone=schedule.time_zone,
            eventType=[
                declared.LegacyEventTypeRef.model_construct(id=user.event_type_id, eventName=user.custom_name)
                for user in using
            ],
        ),
        availability=_weekly_ranges(view.weekly, now.astimezone(UTC).date()),
        timeZone=schedule.time_zone or schedules_service.DEFAULT_TIME_ZONE,
        isDefault=view.is_default,
        prevDefaultId=updated.previous_default_id,
        currentDefaultId=schedule.id if view.is_default else updated.previous_default_id,
    )


@router.post(
    "", status_code=201, operation_id="legacy_schedules_create", **declare(Envelope[declared.LegacySchedule], 201)
)
async def create_schedule(
    body: LegacyCreateScheduleInput, principal: CurrentPrincipal, session: SessionDep, now: Now
) -> dict[str, Any]:
    view = await schedules_service.create(session, principal.user_id, body.to_command())
    last = await schedules_service.count_for_user(session, principal.user_id) == 1
    return success(wire(present_schedule(view, last=last, now=now)))


@router.patch(
    "/{scheduleId}", operation_id="legacy_schedules_update", **declare(Envelope[declared.LegacyUpdatedSchedule])
)
async def update_schedule(
    scheduleId: int, body: LegacyUpdateScheduleInput, principal: CurrentPrincipal, session: SessionDep, now: Now
) -> dict[str, Any]:
    updated = await schedules_service.update(session, principal.user_id, scheduleId, body.to_changes())
    using = await schedules_service.used_by(session, scheduleId)
    return success(wire(present_update(updated, using, now=now)))


@router.delete("/{scheduleId}", operation_id="legacy_schedules_delete", **declare(StatusOnly))
async def delete_schedule(scheduleId: int, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    await schedules_service.delete(session, principal.user_id, scheduleId)
    return success_no_data()
