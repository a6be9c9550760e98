"""Legacy ``/v2/bookings`` (no ``cal-api-version``, or 2024-04-15 / 06-11 / 06-14; contract §2.6.13).

Cal.com serves its older internal contract on these versions (``BookingsController_2024_04_15``):
create takes the old internal body (``start``, ``end``, ``eventTypeId``, ``timeZone``,
``language``, ``metadata``, ``responses``) and answers the created booking (here API v1's booking
object, the same table row); the list is cursor-paged (``filters[status]``, ``limit``,
``cursor``) as ``{bookings, recurringInfo, totalCount, nextCursor}`` with Cal.com's list entries;
``GET /{uid}`` answers its booking-info object. The controller's writes are served too:
``POST /recurring`` (an array of create bodies, one per occurrence), ``POST /{uid}/cancel`` and
``POST /{uid}/mark-no-show``, each 201 as NestJS answers a ``@Post`` without ``@HttpCode``.
``POST /instant`` is not: calapi has no instant meetings (404 ``Cannot POST …``).
Same services as 2024-08-13 (``bookings/service``); the bodies are built in ``legacy_presenter``.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from pydantic import Field, StrictBool
from starlette.requests import Request
from starlette.responses import JSONResponse

from calapi.bookings.api_schemas import (
    LegacyBooking,
    LegacyBookingList,
    LegacyCancelled,
    NoShowMarked,
    V1PublicBooking,
)
from calapi.bookings.api_v1 import presenter as v1_presenter
from calapi.bookings.api_v1.wire import CreateBookingV1, to_new_booking
from calapi.bookings.api_v2 import legacy_presenter as presenter
from calapi.bookings.api_v2.common import parse_body, parse_optional_body, read_json_object
from calapi.bookings.commands import (
    MAX_TAKE,
    AbsentAttendee,
    BookingListQuery,
    CancelBooking,
    MarkAbsent,
    NewBooking,
    RescheduleBooking,
    StatusFilter,
)
from calapi.bookings.models import BookingStatus
from calapi.bookings.results import CreatedBookings
from calapi.bookings.service import absence, cancel, create, queries, reschedule
from calapi.bookings.service.checks import parse_start
from calapi.core import limits
from calapi.core.api_schemas import Envelope, declare
from calapi.core.auth import CurrentPrincipal, MaybePrincipal
from calapi.core.clock import Now
from calapi.core.envelopes import iso_ms, success
from calapi.core.errors import BadRequest, NotFound
from calapi.core.limits import limits_of
from calapi.core.versioning import (
    V2024_04_15,
    V2024_06_11,
    V2024_06_14,
    V2024_08_13,
    legacy_router,
)
from calapi.core.wire import BOOKER_COOKIE, StrictWireModel, WireModel
from calapi.db import SessionDep, begin_write

router = legacy_router(
    [V2024_04_15, V2024_06_11, V2024_06_14], successor=V2024_08_13, prefix="/v2/bookings", tags=["Bookings (legacy)"]
)

DEFAULT_LIMIT = 10
EMAIL = limits.EMAIL.pattern  # class-validator's IsEmail, roughly


class LegacyRescheduleFields(WireModel):
    """The fields of ``CreateBookingInput_2024_04_15`` that turn a create into a reschedule."""

    rescheduleUid: str | None = Field(default=None, min_length=1, max_length=255)
    rescheduledBy: str | None = Field(default=None, pattern=EMAIL, max_length=320)
    seatReferenceUid: str | None = Field(default=None, max_length=255)


async def _create(
    request: Request, session: SessionDep, principal: MaybePrincipal, now: Now, new: NewBooking
) -> CreatedBookings:
    return await create.create_booking(
        session,
        new,
        now=now,
        caller_id=principal.user_id if principal else None,
        limits=limits_of(request),
        booker_uid=request.cookies.get(BOOKER_COOKIE),
    )


@router.post("", status_code=201, operation_id="legacy_bookings_create", **declare(Envelope[V1PublicBooking], 201))
async def create_booking(request: Request, session: SessionDep, principal: MaybePrincipal, now: Now) -> JSONResponse:
    payload = await read_json_object(request)
    body = parse_body(CreateBookingV1, payload)
    move = parse_body(LegacyRescheduleFields, payload)
    if move.rescheduleUid is not None:
        # Cal.com's old create reschedules when it names a booking: the current reschedule does it here
        # (the booking keeps its attendees and answers; the body's ``responses`` are not applied again).
        command = RescheduleBooking(
            move.rescheduleUid,
            start=parse_start(body.start),
            rescheduled_by=move.rescheduledBy,
            seat_uid=move.seatReferenceUid,
        )
        made = await reschedule.reschedule(session, command, caller=principal, now=now, limits=limits_of(request))
    else:
        made = await _create(request, session, principal, now, to_new_booking(body))
    return JSONResponse(success(v1_presenter.booking(made.bookings[0])), status_code=201)


@router.post(
    "/recurring",
    status_code=201,
    operation_id="legacy_bookings_create_recurring",
    **declare(Envelope[list[V1PublicBooking]], 201),
)
async def create_recurring_booking(
    request: Request, session: SessionDep, principal: MaybePrincipal, now: Now
) -> JSONResponse:
    """``CreateRecurringBookingInput_2024_04_15[]``: one create body per occurrence, the first one's
    event type and answers book the series. The create service spaces the occurrences by the event
    type's recurrence; the starts the client sent must be those (Cal.com booked whatever it got)."""
    entries = await _read_json_array(request)
    bodies = [parse_body(CreateBookingV1, entry) for entry in entries]
    new = to_new_booking(bodies[0])
    made = await _create(request, session, principal, now, replace(new, recurrence_count=len(bodies)))
    rows = [result.booking for result in made.bookings]
    if rows[0].recurring_event_id is None:  # raising rolls the insert back with the request's transaction
        raise BadRequest(
            f"Event type with ID={bodies[0].eventTypeId} is not a recurring event type: book it with POST /v2/bookings."
        )
    sent = [parse_start(body.start) for body in bodies]
    booked = [row.start_time for row in rows]
    if sorted(sent) != booked:
        expected = ", ".join(iso_ms(start) for start in booked)
        raise BadRequest(f"The bookings' start times do not follow the event type's recurrence: expected {expected}.")
    return JSONResponse(success(v1_presenter.bookings(made.bookings)), status_code=201)


async def _read_json_array(request: Request) -> list[dict[str, Any]]:
    try:
        payload = json.loads(await request.body() or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"Malformed JSON body: {exc}") from None
    if not isinstance(payload, list) or not payload or not all(isinstance(item, dict) for item in payload):
        raise BadRequest("The request body must be a non-empty JSON array of bookings, one per occurrence.")
    return payload


def _non_negative(name: str, raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise BadRequest(f"{name} property is wrong,{name} must be a non-negative integer ")
    return int(raw)


@router.get("", operation_id="legacy_bookings_list", **declare(Envelope[LegacyBookingList]))
async def list_bookings(request: Request, session: SessionDep, principal: CurrentPrincipal, now: Now) -> JSONResponse:
    params = request.query_params
    status_text = params.get("filters[status]") or StatusFilter.upcoming.value
    try:
        status = StatusFilter(status_text)
    except ValueError:
        raise BadRequest(
            "filters.status property is wrong,status must be one of: upcoming, recurring, past, cancelled, unconfirmed "
        ) from None
    limit = min(_non_negative("limit", params.get("limit"), DEFAULT_LIMIT) or DEFAULT_LIMIT, MAX_TAKE)
    cursor = _non_negative("cursor", params.get("cursor"), 0)
    # No sort: the service orders one status as Cal.com does (past and cancelled newest first).
    query = BookingListQuery(statuses=(status,), take=limit, skip=cursor)
    page = await queries.list_bookings(session, query, caller=principal, now=now)
    series = await queries.series_of_organizer(session, principal.user_id)
    data = {
        "bookings": [presenter.list_entry(result) for result in page.bookings],
        "recurringInfo": presenter.recurring_info(series),
        "totalCount": page.total,
        # Cal.com: the next page starts one full page on, while the total goes beyond it.
        "nextCursor": cursor + limit if page.total > cursor + limit else None,
    }
    return JSONResponse(success(data))


# ---------------------------------------------------------------- changes (BookingsController_2024_04_15)

# JavaScript's ``isNaN(Number(uid))`` is false for these: Cal.com takes them for a booking id.
_NUMBER = re.compile(
    r"\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[+-]?Infinity)?\s*"
)


class LegacyCancelInput(StrictWireModel):
    """``CancelBookingInput_2024_04_15``; ``id`` and ``uid`` are accepted and ignored (the path names the booking)."""

    id: int | None = None
    uid: str | None = None
    allRemainingBookings: StrictBool | None = None
    cancellationReason: str | None = None
    seatReferenceUid: str | None = None


class NoShowAttendeeInput(WireModel):
    email: str = Field(pattern=EMAIL, max_length=320)
    noShow: StrictBool


class LegacyMarkNoShowInput(WireModel):
    """``MarkNoShowInput_2024_04_15``."""

    noShowHost: StrictBool | None = None
    attendees: list[NoShowAttendeeInput] | None = Field(default=None, max_length=1000)


@router.post(
    "/{bookingUid}/cancel",
    status_code=201,
    operation_id="legacy_bookings_cancel",
    **declare(Envelope[LegacyCancelled], 201),
)
async def cancel_booking(
    bookingUid: str, request: Request, session: SessionDep, principal: MaybePrincipal, now: Now
) -> dict[str, Any]:
    """Anyone with the uid, as in Cal.com (and as the current version's cancel)."""
    if _NUMBER.fullmatch(bookingUid):
        raise BadRequest("Please provide booking uid instead of booking id.")
    body = await parse_optional_body(LegacyCancelInput, request)
    await begin_write(session)  # the service writes after this read: one writer transaction from the start
    booking = await queries.booking_by_uid(session, bookingUid)
    if booking is None:
        raise NotFound(f"Booking with UID={bookingUid} does not exist.")
    target = bookingUid
    ended = booking.status in (BookingStatus.cancelled.value, BookingStatus.rejected.value)
    if body.allRemainingBookings and booking.recurring_event_id and not ended:
        target = booking.recurring_event_id  # the series' remaining occurrences
    # An ended booking goes to the service under its own uid, which refuses it with Cal.com's words.
    command = CancelBooking(target, reason=body.cancellationReason, seat_uid=body.seatReferenceUid)
    # The service changes the row ``booking`` is (one object per row in the session): no need to read it again.
    await cancel.cancel(session, command, caller=principal, now=now, limits=limits_of(request))
    only_seat = body.seatReferenceUid is not None and booking.status != BookingStatus.cancelled.value
    return success({"bookingId": booking.id, "bookingUid": booking.uid, "onlyRemovedAttendee": only_seat})


@router.post(
    "/{bookingUid}/mark-no-show",
    status_code=201,
    operation_id="legacy_bookings_mark_no_show",
    **declare(Envelope[NoShowMarked], 201),
)
async def mark_no_show(
    bookingUid: str, request: Request, session: SessionDep, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    """The organizer (or an admin), as the current version's mark-absent; ``noShowHost: false`` changes
    nothing, as in Cal.com (it only ever sets the flag)."""
    body = await parse_optional_body(LegacyMarkNoShowInput, request)
    changes = [(a.email, a.noShow) for a in body.attendees or []]
    host = True if body.noShowHost else None
    attendees = tuple(AbsentAttendee(email, absent) for email, absent in changes)
    await absence.mark_absent(session, MarkAbsent(bookingUid, host, attendees), caller=principal, now=now)
    return success(
        {
            "attendees": [{"email": email, "noShow": absent} for email, absent in changes],
            "noShowHost": bool(host),
            "message": presenter.no_show_message(changes, bool(host)),
        }
    )


@router.get("/{bookingUid}", operation_id="legacy_bookings_get", **declare(Envelope[LegacyBooking]))
async def get_booking(bookingUid: str, session: SessionDep) -> dict[str, Any]:
    # Anyone with the uid, as in Cal.com (and as GET /v2/bookings/{uid} on the current version).
    found = await queries.find_by_uid(session, bookingUid)
    if found is None:
        raise NotFound(f"Booking with UID={bookingUid} does not exist.")
    return success(presenter.booking_info(found))
