"""API v1 ``/schedules`` and ``/availabilities`` (``?apiKey=``), over the schedules service.

v1 writes weekly rows with days 0 = Sunday … 6 = Saturday (the stored numbering) and times two
ways: ``"HH:mm:ss"`` inside a schedule, full date-times on 1970-01-01 on ``/availabilities``.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from datetime import date as Date
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from calapi.core import authorization, v1
from calapi.core.api_schemas import V1Message, declare, v1_created, v1_one
from calapi.core.auth import Principal, V1Principal
from calapi.core.errors import BadRequest, Forbidden, NotFound, Unauthorized
from calapi.core.presenters import wire, wire_all
from calapi.core.wire import TimeZoneName
from calapi.db import SessionDep
from calapi.schedules import api_schemas as declared
from calapi.schedules import service as schedules_service
from calapi.schedules.commands import DateRange, NewSchedule, ScheduleChanges, WeeklyRange
from calapi.schedules.models import Availability
from calapi.schedules.service import ScheduleView

router = v1.v1_router(tags=["v1 Schedules"])

_FORBIDDEN = "Forbidden"


def _clock(value: time) -> str:
    return value.strftime("%H:%M:%S")


def _epoch_day_time(value: time) -> str:
    """A stored wall-clock time as v1's ``/availabilities`` writes it: a date-time on 1970-01-01."""
    return f"1970-01-01T{value:%H:%M:%S}.000Z"


def _parse_epoch_day_time(value: object) -> time:
    """``1970-01-01T17:00:00.000Z`` (any date, any offset normalised to UTC) → 17:00."""
    if not isinstance(value, str):
        raise ValueError(f"must be an ISO date-time such as 1970-01-01T17:00:00.000Z, got {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"must be an ISO date-time such as 1970-01-01T17:00:00.000Z, got {value!r}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.time().replace(microsecond=0)


EpochDayTime = Annotated[
    time,
    BeforeValidator(_parse_epoch_day_time),
    WithJsonSchema({"type": "string", "format": "date-time", "example": "1970-01-01T17:00:00.000Z"}),
]
Day = Annotated[int, Field(ge=0, le=6)]


def present_schedule(view: ScheduleView) -> declared.V1Schedule:
    schedule = view.schedule
    return declared.V1Schedule.model_construct(
        id=schedule.id,
        userId=schedule.user_id,
        name=schedule.name,
        timeZone=schedule.time_zone,
        availability=[
            declared.V1ScheduleRow.model_construct(
                id=row.id,
                eventTypeId=None,
                date=row.date.isoformat() if row.date else None,
                days=list(row.days or []),
                startTime=_clock(row.start_time),
                endTime=_clock(row.end_time),
            )
            for row in view.weekly + view.overrides
        ],
    )


def present_availability(row: Availability, owner_id: int) -> declared.V1Availability:
    return declared.V1Availability.model_construct(
        id=row.id,
        startTime=_epoch_day_time(row.start_time),
        endTime=_epoch_day_time(row.end_time),
        date=row.date.isoformat() if row.date else None,
        scheduleId=row.schedule_id,
        days=list(row.days or []),
        Schedule=declared.V1Owner.model_construct(userId=owner_id),  # capital S, as v1 sends it (quirk 11)
    )


# --- schedules ----------------------------------------------------------------------------------


class CreateScheduleV1(BaseModel):
    model_config = ConfigDict(extra="ignore")  # v1's schedule body is not strict

    name: str = Field(min_length=1, max_length=255)
    timeZone: TimeZoneName
    userId: int | None = None


class UpdateScheduleV1(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, min_length=1, max_length=255)
    timeZone: TimeZoneName | None = None
    userId: int | None = None


async def _schedule_owner(session: SessionDep, principal: Principal, schedule_id: int) -> int:
    owner = await schedules_service.owner_of(session, schedule_id)
    return authorization.acting_owner(
        principal, owner, refusal=Forbidden(_FORBIDDEN), missing=NotFound(f"Schedule with id: {schedule_id} not found")
    )


@router.get("/schedules", operation_id="v1_schedules_list", **declare(v1_one("schedules", list[declared.V1Schedule])))
async def list_schedules(
    principal: V1Principal,
    session: SessionDep,
    userId: Annotated[list[int], Query()] = [],  # noqa: B006 - FastAPI copies Query defaults
) -> dict[str, Any]:
    users = authorization.user_filter(
        principal, userId, refusal=Unauthorized("Unauthorized: Only admins can query other users")
    )
    if users is None:
        views = await schedules_service.list_all(session)
    else:
        views = await schedules_service.list_for_users(session, users, take=10_000, skip=0)
    return v1.many("schedules", wire_all(present_schedule(v) for v in views))


@router.post("/schedules", operation_id="v1_schedules_create", **declare(v1_created("schedule", declared.V1Schedule)))
async def create_schedule(body: CreateScheduleV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = authorization.acting_user(principal, body.userId, refusal=Forbidden("ADMIN required for `userId`"))
    view = await schedules_service.create(session, owner, NewSchedule(body.name, body.timeZone, is_default=False))
    return v1.created("schedule", wire(present_schedule(view)), "Schedule")


@router.get("/schedules/{id}", operation_id="v1_schedules_get", **declare(v1_one("schedule", declared.V1Schedule)))
async def get_schedule(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = await _schedule_owner(session, principal, id)
    return v1.one("schedule", wire(present_schedule(await schedules_service.get_for_user(session, owner, id))))


@router.patch("/schedules/{id}", operation_id="v1_schedules_update", **declare(v1_one("schedule", declared.V1Schedule)))
async def update_schedule(
    id: int, body: UpdateScheduleV1, principal: V1Principal, session: SessionDep
) -> dict[str, Any]:
    owner = await _schedule_owner(session, principal, id)
    if body.userId is not None and body.userId != owner:
        authorization.require_admin(principal, Forbidden("Non admin cannot change the owner of a schedule"))
        # Documented choice (docs/v1.md): a schedule stays with its owner; its rows and the
        # event types using it are the owner's, so moving it is refused rather than half done.
        raise BadRequest("Moving a schedule to another user is not supported; create one for that user instead")
    updated = await schedules_service.update(
        session, owner, id, ScheduleChanges(name=body.name, time_zone=body.timeZone)
    )
    return v1.one("schedule", wire(present_schedule(updated.view)))


@router.delete("/schedules/{id}", operation_id="v1_schedules_delete", **declare(V1Message))
async def delete_schedule(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = await _schedule_owner(session, principal, id)
    await schedules_service.delete(session, owner, id)
    return v1.deleted("Schedule", id)


# --- availabilities (single rows of a schedule) ------------------------------------------------


class CreateAvailabilityV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scheduleId: int
    startTime: EpochDayTime
    endTime: EpochDayTime
    days: list[Day] | None = None
    date: Date | None = None


class UpdateAvailabilityV1(BaseModel):
    model_config = ConfigDict(extra="forbid")  # no scheduleId, despite Cal.com's docs (quirk 23)

    startTime: EpochDayTime | None = None
    endTime: EpochDayTime | None = None
    days: list[Day] | None = None
    date: Date | None = None


def _row_of(body: CreateAvailabilityV1) -> WeeklyRange | DateRange:
    if body.date is not None:
        return DateRange(date=body.date, start=body.startTime, end=body.endTime)
    return WeeklyRange(days=tuple(body.days or ()), start=body.startTime, end=body.endTime)


async def _row_owner(session: SessionDep, principal: Principal, row_id: int) -> int:
    owner = await schedules_service.availability_row_owner(session, row_id)
    missing = NotFound(f"Availability with id: {row_id} not found")
    # v1 answers 404 both for a missing row and for another user's (a find-or-throw on the owner).
    return authorization.acting_owner(principal, owner, refusal=missing, missing=missing)


@router.post(
    "/availabilities",
    operation_id="v1_availabilities_create",
    **declare(v1_created("availability", declared.V1Availability)),
)
async def create_availability(
    body: CreateAvailabilityV1, principal: V1Principal, session: SessionDep
) -> dict[str, Any]:
    owner = await schedules_service.owner_of(session, body.scheduleId)
    owner = authorization.acting_owner(
        principal,
        owner,
        refusal=Unauthorized("You can't add availabilities to this schedule"),
        missing=NotFound(f"Schedule with id: {body.scheduleId} not found"),
    )
    row = await schedules_service.add_availability_row(session, owner, body.scheduleId, _row_of(body))
    return v1.created("availability", wire(present_availability(row, owner)), "Availability")


@router.get(
    "/availabilities/{id}",
    operation_id="v1_availabilities_get",
    **declare(v1_one("availability", declared.V1Availability)),
)
async def get_availability(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = await _row_owner(session, principal, id)
    row = await schedules_service.get_availability_row(session, owner, id)
    return v1.one("availability", wire(present_availability(row, owner)))


@router.patch(
    "/availabilities/{id}",
    operation_id="v1_availabilities_update",
    **declare(v1_one("availability", declared.V1Availability)),
)
async def update_availability(
    id: int, body: UpdateAvailabilityV1, principal: V1Principal, session: SessionDep
) -> dict[str, Any]:
    owner = await _row_owner(session, principal, id)
    row = await schedules_service.update_availability_row(
        session, owner, id, days=body.days, on_date=body.date, start=body.startTime, end=body.endTime
    )
    return v1.one("availability", wire(present_availability(row, owner)))


@router.delete("/availabilities/{id}", operation_id="v1_availabilities_delete", **declare(V1Message))
async def delete_availability(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = await _row_owner(session, principal, id)
    await schedules_service.delete_availability_row(session, owner, id)
    return v1.deleted("Availability", id)
