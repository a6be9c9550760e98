"""Legacy ``/v2/schedules`` reads (no ``cal-api-version``, or 2024-04-15; contract §1.2).

Cal.com's 2024-04-15 ``ScheduleOutput``: ``workingHours`` (minutes of the stored wall-clock times),
``schedule`` (the stored rows, times as ``1970-01-01T<HH:MM>:00.000Z``), ``availability`` (seven
day lists, Sunday first, of ``{start, end}``), ``dateOverrides`` (``[{ranges}]``), ``isDefault``,
``isLastSchedule``, ``readOnly``, ``isManaged``. Served: ``GET /v2/schedules``, ``/default`` and
``/{scheduleId}``, over the same service as 2024-06-11. Creating or changing a schedule needs
``cal-api-version: 2024-06-11`` (without it those calls answer 404 ``Cannot <METHOD> <path>``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from calapi.core.auth import CurrentPrincipal
from calapi.core.clock import Now
from calapi.core.envelopes import success
from calapi.core.versioning import V2024_04_15, V2024_06_11, legacy_router
from calapi.db import SessionDep
from calapi.schedules import service as schedules_service
from calapi.schedules.models import Availability
from calapi.schedules.service import ScheduleView

router = legacy_router([V2024_04_15], successor=V2024_06_11, prefix="/v2/schedules", tags=["Schedules (legacy)"])


MINUTES_DAY_END = 24 * 60 - 1


def _epoch_time(value: time) -> str:
    return f"1970-01-01T{value:%H:%M}:00.000Z"


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _row_output(row: Availability, user_id: int) -> dict[str, Any]:
    """A stored availability row as Cal.com's Prisma row serialises (dates as midnight UTC)."""
    return {
        "id": row.id,
        "userId": user_id,
        "eventTypeId": None,
        "days": list(row.days or ()),
        "startTime": _epoch_time(row.start_time),
        "endTime": _epoch_time(row.end_time),
        "date": f"{row.date.isoformat()}T00:00:00.000Z" if row.date else None,
        "scheduleId": row.schedule_id,
    }


def _working_hours(rows: list[Availability]) -> list[dict[str, Any]]:
    """Cal.com's ``getWorkingHours`` at UTC offset 0 over every row (date overrides included, with
    their empty ``days``): minutes clamped to 0–1439, sorted by start, and a range that starts one
    minute after the previous one ends merged into it."""
    if not rows:
        return [{"days": [0, 1, 2, 3, 4, 5, 6], "startTime": 0, "endTime": MINUTES_DAY_END}]
    hours = []
    for row in rows:
        start = min(_minutes(row.start_time), MINUTES_DAY_END)
        end = min(_minutes(row.end_time), MINUTES_DAY_END)
        if start != end:
            hours.append({"days": list(row.days or ()), "startTime": start, "endTime": end})
    hours.sort(key=lambda item: item["startTime"])
    merged: list[dict[str, Any]] = []
    for item in hours:
        if merged and merged[-1]["endTime"] + 1 == item["startTime"]:
            merged[-1]["endTime"] = item["endTime"]
        else:
            merged.append(item)
    return merged


def _stamp(day: date, value: time) -> str:
    return f"{day.isoformat()}T{value:%H:%M}:00.000Z"


def _weekly_ranges(rows: list[Availability], today: date) -> list[list[dict[str, str]]]:
    """Seven lists (Sunday first) of ``{start, end}`` on today's UTC date; an end of 23:59 reads
    23:59:59.999, as Cal.com's atom transformer writes it."""
    by_day: list[list[dict[str, str]]] = [[] for _ in range(7)]
    for row in rows:
        for day in row.days or ():
            end = _stamp(today, row.end_time).replace("T23:59:00.000Z", "T23:59:59.999Z")
            by_day[day].append({"start": _stamp(today, row.start_time), "end": end})
    for ranges in by_day:
        ranges.sort(key=lambda item: item["start"])
    return by_day


def _date_overrides(rows: list[Availability], today_in_zone: date) -> list[dict[str, list[dict[str, str]]]]:
    """Overrides from today (in the schedule's zone) on, grouped by date, earliest first."""
    grouped: dict[date, list[dict[str, str]]] = {}
    for row in rows:
        if row.date is None or row.date < today_in_zone:
            continue
        grouped.setdefault(row.date, []).append({"start": _stamp(row.date, row.start_time), "end": _stamp(row.date, row.end_time)})
    return [{"ranges": grouped[day]} for day in sorted(grouped, key=lambda d: (d, grouped[d][0]["start"]))]


def legacy_schedule_output(view: ScheduleView, *, last: bool, now: datetime) -> dict[str, Any]:
    """Cal.com's 2024-04-15 ``ScheduleOutput`` (``findDetailedScheduleById``) for a schedule the caller owns."""
    schedule = view.schedule
    time_zone = schedule.time_zone or schedules_service.DEFAULT_TIME_ZONE
    rows = sorted((*view.weekly, *view.overrides), key=lambda row: row.id)
    return {
        "id": schedule.id,
        "name": schedule.name,
        "isManaged": False,
        "workingHours": _working_hours(rows),
        "schedule": [_row_output(row, schedule.user_id) for row in rows],
        "availability": _weekly_ranges(list(view.weekly), now.astimezone(UTC).date()),
        "timeZone": time_zone,
        "dateOverrides": _date_overrides(list(view.overrides), now.astimezone(ZoneInfo(time_zone)).date()),
        "isDefault": view.is_default,
        "isLastSchedule": last,
        "readOnly": False,
    }


@router.get("", operation_id="legacy_schedules_list")
async def list_schedules(principal: CurrentPrincipal, session: SessionDep, now: Now) -> dict[str, Any]:
    views = await schedules_service.list_for_user(session, principal.user_id)
    return success([legacy_schedule_output(v, last=len(views) == 1, now=now) for v in views])


@router.get("/default", operation_id="legacy_schedules_get_default")
async def get_default_schedule(principal: CurrentPrincipal, session: SessionDep, now: Now) -> dict[str, Any]:
    views = await schedules_service.list_for_user(session, principal.user_id)
    found = next((v for v in views if v.is_default), None)
    return success(None if found is None else legacy_schedule_output(found, last=len(views) == 1, now=now))


@router.get("/{scheduleId}", operation_id="legacy_schedules_get")
async def get_schedule(scheduleId: int, principal: CurrentPrincipal, session: SessionDep, now: Now) -> dict[str, Any]:
    views = await schedules_service.list_for_user(session, principal.user_id)
    found = next((v for v in views if v.schedule.id == scheduleId), None)
    if found is None:  # not the caller's: the service answers 404 or 403 with Cal.com's words
        found = await schedules_service.get_for_user(session, principal.user_id, scheduleId)
    return success(legacy_schedule_output(found, last=len(views) == 1, now=now))
