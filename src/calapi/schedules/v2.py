"""``/v2/schedules`` (``cal-api-version: 2024-06-11`` and ``2024-06-14``)."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BeforeValidator, Field, WithJsonSchema

from calapi.core.api_schemas import Envelope, StatusOnly, declare
from calapi.core.auth import CurrentPrincipal
from calapi.core.envelopes import success, success_no_data
from calapi.core.paging import take_skip
from calapi.core.presenters import wire, wire_all
from calapi.core.versioning import V2024_06_11, V2024_06_14, versioned_router
from calapi.core.wire import TimeZoneName, WeekDay, WireModel
from calapi.db import SessionDep
from calapi.schedules import api_schemas as declared
from calapi.schedules import service as schedules_service
from calapi.schedules.commands import DateRange, NewSchedule, ScheduleChanges, WeeklyRange
from calapi.schedules.service import ScheduleView
from calapi.teams.access import TeamAdmin, TeamCaller

router = versioned_router([V2024_06_11, V2024_06_14], prefix="/v2/schedules", tags=["Schedules"])

DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")  # index = Cal.com day number
_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _parse_hh_mm(value: object) -> time:
    match = _HH_MM.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f"must be a 24-hour time HH:MM between 00:00 and 23:59 (23:59 means end of day), got {value!r}"
        )
    return time(int(match.group(1)), int(match.group(2)))


def _parse_date(value: object) -> date:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"must be a calendar date YYYY-MM-DD, got {value!r}") from None


HourMinute = Annotated[
    time, BeforeValidator(_parse_hh_mm), WithJsonSchema({"type": "string", "pattern": _HH_MM.pattern})
]
CalendarDate = Annotated[date, BeforeValidator(_parse_date), WithJsonSchema({"type": "string", "format": "date"})]


class AvailabilityInput(WireModel):
    days: list[WeekDay] = Field(min_length=1)
    startTime: HourMinute
    endTime: HourMinute

    def to_range(self) -> WeeklyRange:
        return WeeklyRange(days=tuple(DAY_NAMES.index(d) for d in self.days), start=self.startTime, end=self.endTime)


class OverrideInput(WireModel):
    date: CalendarDate
    startTime: HourMinute
    endTime: HourMinute

    def to_range(self) -> DateRange:
        return DateRange(date=self.date, start=self.startTime, end=self.endTime)


class CreateScheduleInput(WireModel):
    name: str = Field(min_length=1, max_length=255)
    timeZone: TimeZoneName
    isDefault: bool
    availability: list[AvailabilityInput] | None = Field(default=None, max_length=schedules_service.MAX_WEEKLY_RANGES)
    overrides: list[OverrideInput] | None = Field(default=None, max_length=schedules_service.MAX_DATE_OVERRIDES)

    def to_command(self) -> NewSchedule:
        return NewSchedule(
            name=self.name,
            time_zone=self.timeZone,
            is_default=self.isDefault,
            weekly=None if self.availability is None else tuple(a.to_range() for a in self.availability),
            overrides=tuple(o.to_range() for o in self.overrides or ()),
        )


class UpdateScheduleInput(WireModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    timeZone: TimeZoneName | None = None
    isDefault: bool | None = None
    availability: list[AvailabilityInput] | None = Field(default=None, max_length=schedules_service.MAX_WEEKLY_RANGES)
    overrides: list[OverrideInput] | None = Field(default=None, max_length=schedules_service.MAX_DATE_OVERRIDES)

    def to_changes(self) -> ScheduleChanges:
        return ScheduleChanges(
            name=self.name,
            time_zone=self.timeZone,
            make_default=self.isDefault is True,  # false does nothing, as on Cal.com
            weekly=None if self.availability is None else tuple(a.to_range() for a in self.availability),
            overrides=None if self.overrides is None else tuple(o.to_range() for o in self.overrides),
        )


def present_schedule(view: ScheduleView) -> declared.Schedule:
    schedule = view.schedule
    return declared.Schedule.model_construct(
        id=schedule.id,
        ownerId=schedule.user_id,
        name=schedule.name,
        timeZone=schedule.time_zone or schedules_service.DEFAULT_TIME_ZONE,
        # one entry per stored row, as Cal.com answers (not merged)
        availability=[
            declared.WeeklyRange.model_construct(
                days=[DAY_NAMES[d] for d in row.days or ()],
                startTime=f"{row.start_time:%H:%M}",
                endTime=f"{row.end_time:%H:%M}",
            )
            for row in view.weekly
        ],
        isDefault=view.is_default,
        overrides=[
            declared.DateOverride.model_construct(
                date=row.date.isoformat(), startTime=f"{row.start_time:%H:%M}", endTime=f"{row.end_time:%H:%M}"
            )
            for row in view.overrides
            if row.date
        ],
    )


@router.post("", status_code=201, operation_id="schedules_create", **declare(Envelope[declared.Schedule], 201))
async def create_schedule(
    body: CreateScheduleInput, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    view = await schedules_service.create(session, principal.user_id, body.to_command())
    return success(wire(present_schedule(view)))


@router.get("", operation_id="schedules_list", **declare(Envelope[list[declared.Schedule]]))
async def list_schedules(principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    views = await schedules_service.list_for_user(session, principal.user_id)
    return success(wire_all(present_schedule(v) for v in views))


@router.get("/default", operation_id="schedules_get_default", **declare(Envelope[declared.Schedule | None]))
async def get_default_schedule(principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    view = await schedules_service.get_default(session, principal.user_id)
    return success(None if view is None else wire(present_schedule(view)))


@router.get("/{scheduleId}", operation_id="schedules_get", **declare(Envelope[declared.Schedule]))
async def get_schedule(scheduleId: int, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    view = await schedules_service.get_for_user(session, principal.user_id, scheduleId)
    return success(wire(present_schedule(view)))


@router.patch("/{scheduleId}", operation_id="schedules_update", **declare(Envelope[declared.Schedule]))
async def update_schedule(
    scheduleId: int, body: UpdateScheduleInput, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, Any]:
    updated = await schedules_service.update(session, principal.user_id, scheduleId, body.to_changes())
    return success(wire(present_schedule(updated.view)))


@router.delete("/{scheduleId}", operation_id="schedules_delete", **declare(StatusOnly))
async def delete_schedule(scheduleId: int, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    await schedules_service.delete(session, principal.user_id, scheduleId)
    return success_no_data()


# Team members' schedules: no version header needed, like the rest of /v2/teams.
team_router = APIRouter(prefix="/v2/teams/{teamId}/schedules", tags=["Teams / Schedules"])


@team_router.get("", operation_id="team_schedules_list", **declare(Envelope[list[declared.Schedule]]))
async def list_team_schedules(
    caller: Annotated[TeamCaller, TeamAdmin], session: SessionDep, take: str | None = None, skip: str | None = None
) -> dict[str, Any]:
    page_take, page_skip = take_skip(take, skip)
    views = await schedules_service.list_for_team(session, caller.team_id, take=page_take, skip=page_skip)
    return success(wire_all(present_schedule(v) for v in views))
