"""API v1 ``/slots`` and ``/availability`` (``?apiKey=``) over the slot listing and free/busy
(``listing.py``, ``free_busy.py``) — the same engine and inputs as ``GET /v2/slots``.

``/availability`` answers free/busy only: busy spans carry no title, attendee or event type, so
reading another user's availability (which v1 allows any key to do) tells no more than free/busy.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Query
from fastapi.responses import JSONResponse

from calapi.availability.cache import AvailabilityCache
from calapi.core import v1
from calapi.core.api_schemas import declare
from calapi.core.auth import Principal, V1Principal
from calapi.core.clock import Now
from calapi.core.envelopes import iso_ms
from calapi.core.errors import BadRequest, Forbidden, NotFound
from calapi.core.timezones import is_time_zone
from calapi.db import SessionDep
from calapi.scheduling import Schedule
from calapi.slots import free_busy, listing
from calapi.slots.api_schemas import (
    V1AvailabilityAnswer,
    V1FreeBusy,
    V1MemberFreeBusy,
    V1Slots,
)
from calapi.slots.free_busy import FreeBusy
from calapi.slots.listing import AvailableSlots, SlotLimits, SlotsRequest
from calapi.slots.wire import AvailabilityCacheDep, SlotLimitsDep, json_off_loop, mark_stale_calendars
from calapi.teams import access
from calapi.teams import service as teams_service
from calapi.users import service as users_service

router = v1.v1_router(tags=["v1 Slots and availability"])


def parse_moment(name: str, raw: str | None, *, message: str | None = None) -> datetime:
    """A date (``2024-05-14``, midnight UTC) or an ISO date-time (no offset = UTC)."""
    if raw is None:
        raise BadRequest(message or f"invalid_type in '{name}': Required")
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time(0), tzinfo=UTC)
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(message or f"invalid_date in '{name}': {raw[:40]!r} is not a date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- /slots ---------------------------------------------------------------------------------------


def _slot_time(moment: datetime, zone: ZoneInfo | None) -> str:
    # With a time zone v1 re-renders every time with its offset and no milliseconds.
    return moment.astimezone(zone).isoformat(timespec="seconds") if zone else iso_ms(moment)


@router.get("/slots", operation_id="v1_slots_list", **declare(V1Slots))
async def list_slots(
    principal: V1Principal,
    session: SessionDep,
    now: Now,
    limits: SlotLimitsDep,
    cache: AvailabilityCacheDep,
    startTime: str | None = None,
    endTime: str | None = None,
    eventTypeId: int | None = None,
    usernameList: Annotated[list[str], Query()] = [],  # noqa: B006
    eventTypeSlug: str | None = None,
    timeZone: str | None = None,
    duration: int | None = Query(default=None, ge=1),
    rescheduleUid: str | None = None,
) -> JSONResponse:
    start = parse_moment("startTime", startTime, message="startTime must be a valid date string")
    end = parse_moment("endTime", endTime, message="endTime must be a valid date string")
    if end <= start:
        raise BadRequest("endTime must be after startTime")
    zone_name = timeZone if timeZone and is_time_zone(timeZone) else None
    window = SlotsRequest(start, end, time_zone=zone_name, duration=duration, reschedule_uid=rescheduleUid)
    if eventTypeId is not None:
        request = replace(window, event_type_id=eventTypeId)
    elif usernameList and eventTypeSlug:
        if len(usernameList) == 1:
            request = replace(window, username=usernameList[0], event_type_slug=eventTypeSlug)
        else:
            request = replace(window, usernames=tuple(usernameList))
    else:
        raise BadRequest("You need to either pass an eventTypeId OR an usernameList/eventTypeSlug combination")
    found = await listing.available_slots(session, request, now=now, booker_uid=None, limits=limits, cache=cache)
    response = await json_off_loop(lambda: {"slots": v1_slots_output(found, zone_name)}, items=found.size)
    mark_stale_calendars(response, found)
    return response


def v1_slots_output(found: AvailableSlots, zone_name: str | None) -> dict[str, list[dict[str, Any]]]:
    zone = ZoneInfo(zone_name) if zone_name else None
    slots: dict[str, list[dict[str, Any]]] = {}
    for day, day_slots in found.listing.days.items():
        if day_slots:
            items = []
            for slot in day_slots:
                item: dict[str, Any] = {"time": _slot_time(slot.start, zone)}
                if found.seated:
                    item["attendees"] = slot.seats_booked
                    if slot.booking_uid is not None:
                        item["bookingUid"] = slot.booking_uid
                items.append(item)
            slots[day.isoformat()] = items
    return slots


# --- /availability ----------------------------------------------------------------------------------


def _utc_minutes(schedule: Schedule, on: date) -> list[dict[str, Any]]:
    """Weekly rules as v1's ``workingHours``: minutes from midnight UTC, days shifted when a range
    crosses midnight in UTC (split in two when it straddles it)."""
    offset = ZoneInfo(schedule.time_zone).utcoffset(datetime.combine(on, time(12)))
    shift = int(offset.total_seconds() // 60) if offset else 0
    hours: list[dict[str, Any]] = []

    def add(days: frozenset[int], start: int, end: int, day_shift: int) -> None:
        hours.append({"days": sorted((d + day_shift) % 7 for d in days), "startTime": start, "endTime": end})

    for rule in schedule.weekly:
        start = rule.start.hour * 60 + rule.start.minute - shift
        end = rule.end.hour * 60 + rule.end.minute - shift
        if start < 0 and end <= 0:
            add(rule.days, start + 1440, end + 1440, -1)
        elif start < 0:
            add(rule.days, start + 1440, 1440, -1)
            add(rule.days, 0, end, 0)
        elif end > 1440 and start >= 1440:
            add(rule.days, start - 1440, end - 1440, 1)
        elif end > 1440:
            add(rule.days, start, 1440, 0)
            add(rule.days, 0, end - 1440, 1)
        else:
            add(rule.days, start, end, 0)
    return hours


def _overrides(schedule: Schedule) -> list[dict[str, str]]:
    zone = ZoneInfo(schedule.time_zone)
    return [
        {
            "start": iso_ms(datetime.combine(o.date, o.start, tzinfo=zone)),
            "end": iso_ms(datetime.combine(o.date, o.end, tzinfo=zone)),
        }
        for o in schedule.overrides
    ]


def availability_output(found: FreeBusy, on: date) -> dict[str, Any]:
    ranges = [{"start": iso_ms(s), "end": iso_ms(e)} for s, e in found.date_ranges]
    return {
        "busy": [{"start": iso_ms(s), "end": iso_ms(e)} for s, e in found.busy],
        "timeZone": found.schedule.time_zone if found.schedule else found.time_zone,
        "dateRanges": ranges,
        "oooExcludedDateRanges": ranges,
        "workingHours": _utc_minutes(found.schedule, on) if found.schedule else [],
        "dateOverrides": _overrides(found.schedule) if found.schedule else [],
        "currentSeats": None,
        "datesOutOfOffice": {},
    }


async def _availability(
    session: SessionDep,
    principal: Principal,
    now: datetime,
    limits: SlotLimits,
    cache: AvailabilityCache | None,
    *,
    user_id: int | None,
    username: str | None,
    team_id: int | None,
    date_from: str | None,
    date_to: str | None,
) -> Any:
    if user_id is None and username is None and team_id is None:
        raise BadRequest("Either username or userId or teamId should be filled in.")
    start, end = parse_moment("dateFrom", date_from), parse_moment("dateTo", date_to)
    if end <= start:
        raise BadRequest("dateTo must be after dateFrom")
    if team_id is not None:
        with v1.reworded(not_found=NotFound("teamId not found")):
            await teams_service.get_team(session, team_id)
        if not (await access.actor_in(session, principal, team_id)).manages:
            raise Forbidden("Forbidden")
        members = await teams_service.accepted_member_ids(session, team_id)
        if not members:
            raise NotFound("team has no members")
        found = await free_busy.free_busy(session, members, start=start, end=end, now=now, limits=limits, cache=cache)
        return await json_off_loop(
            lambda: [{"userId": f.user_id, "availability": availability_output(f, start.date())} for f in found],
            items=sum(len(f.busy) + len(f.date_ranges) for f in found),
        )
    if user_id is None:
        user = await users_service.by_username(session, username or "")
        if user is None:
            raise NotFound("User not found")
        user_id = user.id
    found = await free_busy.free_busy(session, [user_id], start=start, end=end, now=now, limits=limits, cache=cache)
    if not found:
        raise NotFound("User not found")
    return await json_off_loop(
        lambda: availability_output(found[0], start.date()), items=len(found[0].busy) + len(found[0].date_ranges)
    )


@router.get("/availability", operation_id="v1_availability_get", **declare(V1AvailabilityAnswer))
async def get_availability(
    principal: V1Principal,
    session: SessionDep,
    now: Now,
    limits: SlotLimitsDep,
    cache: AvailabilityCacheDep,
    userId: int | None = None,
    username: str | None = None,
    teamId: int | None = None,
    dateFrom: str | None = None,
    dateTo: str | None = None,
    eventTypeId: int | None = None,
) -> Any:
    return await _availability(
        session,
        principal,
        now,
        limits,
        cache,
        user_id=userId,
        username=username,
        team_id=teamId,
        date_from=dateFrom,
        date_to=dateTo,
    )


@router.get("/users/{userId}/availability", operation_id="v1_user_availability_get", **declare(V1FreeBusy))
async def get_user_availability(
    userId: int,
    principal: V1Principal,
    session: SessionDep,
    now: Now,
    limits: SlotLimitsDep,
    cache: AvailabilityCacheDep,
    dateFrom: str | None = None,
    dateTo: str | None = None,
    eventTypeId: int | None = None,
) -> Any:
    return await _availability(
        session,
        principal,
        now,
        limits,
        cache,
        user_id=userId,
        username=None,
        team_id=None,
        date_from=dateFrom,
        date_to=dateTo,
    )


@router.get("/teams/{teamId}/availability", operation_id="v1_team_availability_get", **declare(list[V1MemberFreeBusy]))
async def get_team_availability(
    teamId: int,
    principal: V1Principal,
    session: SessionDep,
    now: Now,
    limits: SlotLimitsDep,
    cache: AvailabilityCacheDep,
    dateFrom: str | None = None,
    dateTo: str | None = None,
    eventTypeId: int | None = None,
) -> Any:
    return await _availability(
        session,
        principal,
        now,
        limits,
        cache,
        user_id=None,
        username=None,
        team_id=teamId,
        date_from=dateFrom,
        date_to=dateTo,
    )
