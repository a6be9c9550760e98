"""``/v2/slots`` (``cal-api-version: 2024-09-04``): available slots and slot reservations.

This version knows no booker cookie: a reservation sets none and a listing reads none, so a hold
hides its slot from every listing, its holder's included. (Only the legacy ``POST /v2/slots/reserve``
exempts its holder, by the ``uid`` cookie.) Booking the held slot names the hold, as the legacy
API does, with the ``uid`` cookie set to the ``reservationUid``.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response

from calapi.core.api_schemas import Envelope, StatusOnly, declare
from calapi.core.auth import MaybePrincipal
from calapi.core.clock import Now
from calapi.core.envelopes import iso_ms, success, success_no_data
from calapi.core.errors import BadRequest
from calapi.core.timezones import is_time_zone
from calapi.core.versioning import V2024_09_04, versioned_router
from calapi.core.wire import WireModel
from calapi.db import SessionDep
from calapi.slots import listing, reservations
from calapi.slots.api_schemas import Reservation, SlotsByDay
from calapi.slots.listing import AvailableSlots, SlotFormat, SlotsRequest
from calapi.slots.reservations import HeldSlot, ReservationRequest
from calapi.slots.wire import (
    AvailabilityCacheDep,
    SlotLimitsDep,
    Stamps,
    json_text_off_loop,
    mark_stale_calendars,
    parse_instant,
    wrong_property,
)

router = versioned_router([V2024_09_04], prefix="/v2/slots", tags=["Slots"])


# ---------------------------------------------------------------- GET /v2/slots query

_QUERY_KEYS = frozenset(
    {
        "start",
        "end",
        "eventTypeId",
        "eventTypeSlug",
        "username",
        "teamSlug",
        "organizationSlug",
        "usernames",
        "timeZone",
        "duration",
        "format",
        "bookingUidToReschedule",
        "hostSubsetIds",
    }
)


def _positive_int(name: str, raw: str) -> int:
    if not re.fullmatch(r"\d{1,9}", raw.strip()) or int(raw) < 1:
        raise wrong_property(name, f"{name} must be a positive integer")
    return int(raw)


def _user_ids(name: str, raw: str) -> tuple[int, ...]:
    """A comma-separated list of user ids (team events: restrict the round-robin hosts)."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    return tuple(dict.fromkeys(_positive_int(name, p) for p in parts))


def parse_slots_query(request: Request) -> tuple[SlotsRequest, SlotFormat]:
    params = request.query_params
    unknown = [key for key in dict.fromkeys(params.keys()) if key not in _QUERY_KEYS]
    if unknown:
        raise BadRequest(", ".join(f"{key} property is wrong,property {key} should not exist " for key in unknown))
    values = {key: params[key] for key in params}
    for key in ("start", "end"):
        if not values.get(key):
            raise wrong_property(key, f"{key} should not be empty", f"{key} must be a valid ISO 8601 date string")
    start = parse_instant("start", values["start"])
    end = parse_instant("end", values["end"])
    if end.time() == time():
        end = end + timedelta(days=1) - timedelta(seconds=1)  # a midnight end means the whole day
    time_zone = values.get("timeZone") or None
    if time_zone is not None and not is_time_zone(time_zone):
        raise wrong_property(
            "timeZone", f"timeZone must be a valid IANA time zone such as 'Europe/London', got {time_zone!r}"
        )
    duration = _positive_int("duration", values["duration"]) if values.get("duration") else None
    try:
        output = SlotFormat(values.get("format", "time").lower())
    except ValueError:
        raise wrong_property("format", "format must be one of the following values: time, range") from None
    window = SlotsRequest(
        start,
        end,
        time_zone=time_zone,
        duration=duration,
        reschedule_uid=values.get("bookingUidToReschedule") or None,
        host_subset_ids=_user_ids("hostSubsetIds", values.get("hostSubsetIds") or ""),
    )
    slug = values.get("eventTypeSlug")
    if values.get("eventTypeId"):
        parsed = replace(window, event_type_id=_positive_int("eventTypeId", values["eventTypeId"]))
    elif slug and values.get("username"):
        parsed = replace(window, event_type_slug=slug, username=values["username"])
    elif slug and values.get("teamSlug"):
        parsed = replace(window, event_type_slug=slug, team_slug=values["teamSlug"])
    elif values.get("usernames"):
        names = tuple(dict.fromkeys(n.strip() for n in values["usernames"].split(",") if n.strip()))
        if len(names) < 2:
            raise wrong_property("usernames", "usernames must contain at least 2 usernames separated by commas")
        parsed = replace(window, usernames=names)
    else:
        raise wrong_property(
            "eventTypeId or eventTypeSlug + username",
            "Either eventTypeId or eventTypeSlug + username or eventTypeSlug + teamSlug must be provided",
        )
    return parsed, output


# ---------------------------------------------------------------- GET /v2/slots answer


def slots_output(found: AvailableSlots, time_zone: str | None, output: SlotFormat) -> str:
    """The ``GET /v2/slots`` answer as JSON text (``Envelope[SlotsByDay]``), written in one pass
    over the listing's starts: no slot objects, no dictionaries, no encoder walk after it."""
    stamp = Stamps(time_zone)
    listing = found.listing
    duration, total, taken = listing.duration, listing.seats_total, listing.seats_taken
    ranged = output is SlotFormat.range
    days = []
    for day, starts in listing.starts.items():
        if not starts:
            continue
        items = []
        for start in starts:
            item = f'{{"start":"{stamp(start)}"'
            if ranged:
                item += f',"end":"{stamp(start + duration)}"'
            if found.seated and total is not None:
                booked, uid = taken.get(start, (0, None))
                item += f',"seatsBooked":{booked},"seatsRemaining":{max(0, total - booked)},"seatsTotal":{total}'
                if uid is not None:
                    item += f',"bookingUid":{json.dumps(uid, ensure_ascii=False)}'
            items.append(item + "}")
        days.append(f'"{day.isoformat()}":[{",".join(items)}]')
    return '{"status":"success","data":{' + ",".join(days) + "}}"


@router.get("", operation_id="slots_get_available", **declare(Envelope[SlotsByDay]))
async def get_available_slots(
    request: Request, session: SessionDep, now: Now, limits: SlotLimitsDep, cache: AvailabilityCacheDep
) -> Response:
    parsed, output = parse_slots_query(request)
    found = await listing.available_slots(session, parsed, now=now, booker_uid=None, limits=limits, cache=cache)
    response = await json_text_off_loop(lambda: slots_output(found, parsed.time_zone, output), items=found.size)
    mark_stale_calendars(response, found)
    return response


# ---------------------------------------------------------------- reservations


class ReserveSlotInput(WireModel):
    eventTypeId: int = Field(ge=1)
    slotStart: datetime
    slotDuration: int | None = Field(default=None, ge=1)
    reservationDuration: int | None = Field(default=None, ge=1)

    def as_request(self) -> ReservationRequest:
        start = self.slotStart if self.slotStart.tzinfo else self.slotStart.replace(tzinfo=UTC)
        return ReservationRequest(self.eventTypeId, start.astimezone(UTC), self.slotDuration, self.reservationDuration)


def reservation_output(held: HeldSlot, *, with_duration: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "eventTypeId": held.event_type_id,
        "slotStart": iso_ms(held.slot_start),
        "slotEnd": iso_ms(held.slot_end),
        "slotDuration": held.slot_duration,
        "reservationUid": held.uid,
    }
    if with_duration:
        data["reservationDuration"] = held.reservation_duration
    data["reservationUntil"] = iso_ms(held.release_at)
    return data


@router.post("/reservations", status_code=201, operation_id="slots_reserve", **declare(Envelope[Reservation], 201))
async def reserve_slot(
    body: ReserveSlotInput, principal: MaybePrincipal, session: SessionDep, now: Now
) -> dict[str, Any]:
    caller_id = principal.user_id if principal else None
    held = await reservations.reserve(session, body.as_request(), caller_id=caller_id, now=now)
    return success(reservation_output(held, with_duration=True))


@router.get("/reservations/{uid}", operation_id="slots_get_reservation", **declare(Envelope[Reservation | None]))
async def get_reservation(uid: str, session: SessionDep) -> dict[str, Any]:
    held = await reservations.get_reservation(session, uid)
    return success(None if held is None else reservation_output(held, with_duration=False))


@router.patch("/reservations/{uid}", operation_id="slots_update_reservation", **declare(Envelope[Reservation]))
async def update_reservation(
    uid: str, body: ReserveSlotInput, principal: MaybePrincipal, session: SessionDep, now: Now
) -> dict[str, Any]:
    caller_id = principal.user_id if principal else None
    held = await reservations.update_reservation(session, uid, body.as_request(), caller_id=caller_id, now=now)
    return success(reservation_output(held, with_duration=True))


@router.delete("/reservations/{uid}", operation_id="slots_delete_reservation", **declare(StatusOnly))
async def delete_reservation(uid: str, session: SessionDep) -> dict[str, Any]:
    await reservations.release(session, uid)
    return success_no_data()
