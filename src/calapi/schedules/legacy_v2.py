"""Legacy ``/v2/schedules`` reads (no ``cal-api-version``, or 2024-04-15; contract §1.2).

Cal.com's 2024-04-15 ``ScheduleOutput``: ``workingHours`` (minutes from local midnight),
``schedule`` (the stored rows, times as ``1970-01-01T<HH:MM>:00.000Z``), ``availability`` (seven
day lists, Sunday first, of ``{start, end}``), ``dateOverrides`` (``[{ranges}]``), ``isDefault``,
``isLastSchedule``, ``readOnly``, ``isManaged``. Served: ``GET /v2/schedules``, ``/default`` and
``/{scheduleId}``, over the same service as 2024-06-11. Creating or changing a schedule needs
``cal-api-version: 2024-06-11`` (without it those calls answer 404 ``Cannot <METHOD> <path>``).
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from calapi.core.auth import CurrentPrincipal
from calapi.core.envelopes import success
from calapi.core.versioning import V2024_04_15, V2024_06_11, legacy_router
from calapi.db import SessionDep
from calapi.schedules import service as schedules_service
from calapi.schedules.models import Availability
from calapi.schedules.service import ScheduleView

router = legacy_router([V2024_04_15], successor=V2024_06_11, prefix="/v2/schedules", tags=["Schedules (legacy)"])


def _epoch_time(value: time) -> str:
    return f"1970-01-01T{value:%H:%M}:00.000Z"


def _minutes(value: time) -> int:
    minutes = value.hour * 60 + value.minute
    return 1440 if minutes == 1439 else minutes  # a stored 23:59 means midnight


def _row_output(row: Availability, user_id: int) -> dict[str, Any]:
    return {
        "id": row.id,
        "userId": user_id,
        "eventTypeId": None,
        "days": list(row.days or ()),
        "startTime": _epoch_time(row.start_time),
        "endTime": _epoch_time(row.end_time),
        "date": row.date.isoformat() if row.date else None,
        "scheduleId": row.schedule_id,
    }


def _range(day: date | None, row: Availability) -> dict[str, str]:
    on = (day or date(1970, 1, 1)).isoformat()
    return {"start": f"{on}T{row.start_time:%H:%M}:00.000Z", "end": f"{on}T{row.end_time:%H:%M}:00.000Z"}


def legacy_schedule_output(view: ScheduleView, *, last: bool) -> dict[str, Any]:
    schedule = view.schedule
    by_day: list[list[dict[str, str]]] = [[] for _ in range(7)]
    for row in view.weekly:
        for day in row.days or ():
            by_day[day].append(_range(None, row))
    overrides: dict[date, list[dict[str, str]]] = {}
    for row in view.overrides:
        if row.date is not None:
            overrides.setdefault(row.date, []).append(_range(row.date, row))
    return {
        "id": schedule.id,
        "name": schedule.name,
        "isManaged": False,
        "workingHours": [
            {"days": list(row.days or ()), "startTime": _minutes(row.start_time), "endTime": _minutes(row.end_time), "userId": schedule.user_id}
            for row in view.weekly
        ],
        "schedule": [_row_output(row, schedule.user_id) for row in (*view.weekly, *view.overrides)],
        "availability": by_day,
        "timeZone": schedule.time_zone or schedules_service.DEFAULT_TIME_ZONE,
        "dateOverrides": [{"ranges": ranges} for _, ranges in sorted(overrides.items())],
        "isDefault": view.is_default,
        "isLastSchedule": last,
        "readOnly": False,
    }


@router.get("", operation_id="legacy_schedules_list")
async def list_schedules(principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    views = await schedules_service.list_for_user(session, principal.user_id)
    return success([legacy_schedule_output(v, last=len(views) == 1) for v in views])


@router.get("/default", operation_id="legacy_schedules_get_default")
async def get_default_schedule(principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    views = await schedules_service.list_for_user(session, principal.user_id)
    found = next((v for v in views if v.is_default), None)
    return success(None if found is None else legacy_schedule_output(found, last=len(views) == 1))


@router.get("/{scheduleId}", operation_id="legacy_schedules_get")
async def get_schedule(scheduleId: int, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    views = await schedules_service.list_for_user(session, principal.user_id)
    found = next((v for v in views if v.schedule.id == scheduleId), None)
    if found is None:  # not the caller's: the service answers 404 or 403 with Cal.com's words
        found = await schedules_service.get_for_user(session, principal.user_id, scheduleId)
    return success(legacy_schedule_output(found, last=len(views) == 1))
