"""Legacy ``/v2/slots`` (no ``cal-api-version``, or 2024-04-15 / 06-11 / 06-14 / 08-13; contract §2.5.6):
``GET /available``, ``POST /reserve``, ``DELETE /selected-slot`` — over the same listing and reservations as
``GET /v2/slots`` and ``/v2/slots/reservations``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query, Response
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.requests import Request

from calapi.core.api_schemas import Envelope, StatusOnly, declare
from calapi.core.auth import MaybePrincipal
from calapi.core.clock import Now
from calapi.core.envelopes import success, success_no_data
from calapi.core.errors import BadRequest
from calapi.core.timezones import is_time_zone
from calapi.core.versioning import (
    V2024_04_15,
    V2024_06_11,
    V2024_06_14,
    V2024_08_13,
    V2024_09_04,
    legacy_router,
)
from calapi.core.wire import BOOKER_COOKIE, WireModel
from calapi.db import SessionDep
from calapi.slots import listing, reservations
from calapi.slots.api_schemas import LegacySlots
from calapi.slots.listing import AvailableSlots, SlotFormat, SlotsRequest
from calapi.slots.reservations import ReservationRequest
from calapi.slots.wire import (
    AvailabilityCacheDep,
    SlotLimitsDep,
    Stamps,
    json_off_loop,
    mark_stale_calendars,
    parse_instant,
    remember_booker,
)

_HOLD_UID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what a hold uid may be (the column is 64 wide)

router = legacy_router(
    [V2024_04_15, V2024_06_11, V2024_06_14, V2024_08_13],
    successor=V2024_09_04,
    prefix="/v2/slots",
    tags=["Slots (legacy)"],
)


_FIXED_UTC = ("utc", "gmt")  # the names luxon turns into its fixed UTC zone, which it prints as "Z"


def legacy_slots_output(
    found: AvailableSlots, time_zone: str | None, output: SlotFormat
) -> dict[str, list[dict[str, Any]]]:
    """``{date: [{time} | {startTime, endTime}]}``; a seated slot adds ``attendees`` once a seat is
    taken and ``bookingUid`` when there is a booking (Cal.com leaves out zero and empty values)."""
    stamp = Stamps(time_zone if time_zone and time_zone.lower() not in _FIXED_UTC else None)
    listing = found.listing
    taken = listing.seats_taken if found.seated else {}
    days: dict[str, list[dict[str, Any]]] = {}
    for day, starts in listing.starts.items():
        if not starts:
            continue
        items = []
        for start in starts:
            if output is SlotFormat.range:
                item: dict[str, Any] = {"startTime": stamp(start), "endTime": stamp(start + listing.duration)}
            else:
                item = {"time": stamp(start)}
            booked, uid = taken.get(start, (0, None))
            if booked:
                item["attendees"] = booked
            if uid:
                item["bookingUid"] = uid
            items.append(item)
        days[day.isoformat()] = items
    return days


@router.get("/available", operation_id="legacy_slots_available", **declare(Envelope[LegacySlots]))
async def get_available_slots(
    request: Request,
    session: SessionDep,
    now: Now,
    limits: SlotLimitsDep,
    cache: AvailabilityCacheDep,
    startTime: str = Query(),
    endTime: str = Query(),
    eventTypeId: int | None = Query(default=None, ge=1),
    eventTypeSlug: str | None = Query(default=None, max_length=255),
    usernameList: Annotated[list[str], Query(alias="usernameList[]")] = [],  # noqa: B006
    usernames: Annotated[list[str], Query(alias="usernameList")] = [],  # noqa: B006
    duration: int | None = Query(default=None, ge=1),
    rescheduleUid: str | None = Query(default=None, max_length=255),
    timeZone: str | None = Query(default=None, max_length=100),
    slotFormat: str | None = Query(default=None),
    orgSlug: str | None = None,
    isTeamEvent: bool | None = None,
) -> JSONResponse:
    start, end = parse_instant("startTime", startTime), parse_instant("endTime", endTime)
    if timeZone is not None and not is_time_zone(timeZone):
        raise BadRequest(f"timeZone property is wrong,timeZone must be a valid IANA time zone, got {timeZone!r} ")
    try:
        output = SlotFormat((slotFormat or "time").lower())
    except ValueError:
        raise BadRequest(
            "slotFormat property is wrong,slotFormat must be one of the following values: time, range "
        ) from None
    names = tuple(dict.fromkeys(n.strip() for raw in (*usernameList, *usernames) for n in raw.split(",") if n.strip()))
    window = SlotsRequest(start, end, time_zone=timeZone, duration=duration, reschedule_uid=rescheduleUid)
    if eventTypeId is not None:
        parsed = replace(window, event_type_id=eventTypeId)
    elif eventTypeSlug and len(names) == 1:
        parsed = replace(window, event_type_slug=eventTypeSlug, username=names[0])
    elif len(names) >= 2:
        parsed = replace(window, usernames=names)
    else:
        raise BadRequest(
            "Either eventTypeId or eventTypeSlug + usernameList, or a usernameList of two or more users, must be provided"
        )
    found = await listing.available_slots(
        session, parsed, now=now, booker_uid=request.cookies.get(BOOKER_COOKIE), limits=limits, cache=cache
    )
    response = await json_off_loop(
        lambda: success({"slots": legacy_slots_output(found, timeZone, output)}), items=found.size
    )
    mark_stale_calendars(response, found)
    return response


class ReserveSlotLegacyInput(WireModel):
    eventTypeId: int = Field(ge=1)
    slotUtcStartDate: datetime
    slotUtcEndDate: datetime
    bookingUid: str | None = Field(default=None, max_length=255)

    def as_request(self) -> ReservationRequest:
        start, end = (m if m.tzinfo else m.replace(tzinfo=UTC) for m in (self.slotUtcStartDate, self.slotUtcEndDate))
        if end <= start:
            raise BadRequest("slotUtcEndDate property is wrong,slotUtcEndDate must be after slotUtcStartDate ")
        # The hold spans the event type's own length, as the new reservation route does without
        # ``slotDuration``: a legacy end is not a duration choice (the service refuses one on a fixed-length type).
        return ReservationRequest(self.eventTypeId, start.astimezone(UTC))


@router.post("/reserve", status_code=201, operation_id="legacy_slots_reserve", **declare(Envelope[str], 201))
async def reserve_slot(
    body: ReserveSlotLegacyInput,
    principal: MaybePrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
    now: Now,
) -> dict[str, Any]:
    # Cal.com's legacy reserve holds under the booker's ``uid`` cookie when there is one.
    cookie = request.cookies.get(BOOKER_COOKIE)
    uid = cookie if cookie and _HOLD_UID.fullmatch(cookie) else None
    caller_id = principal.user_id if principal else None
    held = await reservations.reserve(session, body.as_request(), caller_id=caller_id, now=now, uid=uid)
    remember_booker(response, held.uid)
    return success(held.uid)


@router.delete("/selected-slot", operation_id="legacy_slots_release", **declare(StatusOnly))
async def release_slot(
    request: Request, session: SessionDep, uid: str | None = Query(default=None, max_length=255)
) -> dict[str, Any]:
    chosen = request.cookies.get(BOOKER_COOKIE) or uid  # Cal.com reads the cookie first
    if chosen:
        await reservations.release(session, chosen)
    return success_no_data()
