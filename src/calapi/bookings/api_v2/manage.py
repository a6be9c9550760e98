"""API v2 (2024-08-13): reading, listing and changing bookings (creation lives beside this router).

Thin: parse the wire into a command, call one service, present the result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import Body, Path
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from calapi.bookings.api_schemas import (
    AnyBooking,
    BookingOrSeries,
    CreatedBooking,
    Reassigned,
)
from calapi.bookings.api_v2 import presenter
from calapi.bookings.api_v2.common import parse_body, parse_optional_body, read_json_object
from calapi.bookings.commands import (
    MAX_TAKE,
    AbsentAttendee,
    BookingListQuery,
    CancelBooking,
    ChangeLocation,
    DeclineBooking,
    MarkAbsent,
    NewLocation,
    Reassign,
    RescheduleBooking,
    SortKey,
    StatusFilter,
)
from calapi.bookings.service import absence, cancel, confirm, edit, queries, reassign, reschedule
from calapi.bookings.service.checks import parse_start
from calapi.bookings.service.locations import is_phone_number
from calapi.core.api_schemas import Envelope, PagedEnvelope, declare
from calapi.core.auth import CurrentPrincipal, MaybePrincipal, Principal
from calapi.core.clock import Now
from calapi.core.envelopes import success
from calapi.core.errors import BadRequest
from calapi.core.limits import InputLimitsDep
from calapi.core.versioning import V2024_08_13, V2026_02_25, versioned_router
from calapi.core.wire import StrictWireModel, WireModel
from calapi.db import SessionDep

# 2026-02-25 reads and changes bookings exactly as 2024-08-13 (only its create body differs).
router = versioned_router([V2024_08_13, V2026_02_25], prefix="/v2/bookings", tags=["Bookings"])


BookingUid = Annotated[str, Path(alias="bookingUid", max_length=255)]


def _viewer(principal: Principal | None) -> int | None:
    """Who reads the answer (a seated booking shows its attendees to its hosts)."""
    return principal.user_id if principal else None


# ---------------------------------------------------------------- GET /v2/bookings query

_STATUS_MESSAGE = "Invalid status. Allowed are upcoming, recurring, past, cancelled, unconfirmed"
_SORTS = (
    ("sortStart", SortKey.start),
    ("sortEnd", SortKey.end),
    ("sortCreated", SortKey.created),
    ("sortUpdatedAt", SortKey.updated),
)
_DATES = ("afterStart", "beforeEnd", "afterCreatedAt", "beforeCreatedAt", "afterUpdatedAt", "beforeUpdatedAt")


def _int(name: str, text: str) -> int:
    """Cal.com ``parseInt``s these and takes the absolute value."""
    try:
        return abs(int(text.strip()))
    except ValueError:
        raise BadRequest(f"{name} must be an integer number, got '{text}'") from None


def _ids(name: str, text: str) -> tuple[int, ...]:
    try:
        ids = tuple(int(part.strip()) for part in text.split(","))
    except ValueError:
        raise BadRequest(f"{name} must be a comma-separated list of integers, got '{text}'") from None
    if any(i < 1 for i in ids):
        raise BadRequest(f"{name} must contain only positive integers, got '{text}'")
    return ids


def _instant(name: str, text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} must be a valid ISO 8601 date string, got '{text}'") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def parse_list_query(params: Any) -> BookingListQuery:
    fields: dict[str, Any] = {}
    if "status" in params:
        raw = params["status"]
        if not raw.strip():
            raise BadRequest("status cannot be empty.")
        statuses = []
        for part in raw.split(","):
            try:
                statuses.append(StatusFilter(part.strip()))
            except ValueError:
                raise BadRequest(_STATUS_MESSAGE) from None
        fields["statuses"] = tuple(dict.fromkeys(statuses))
    if params.get("attendeeEmail"):
        # A "+" in a query string arrives as a space; Cal.com turns inner spaces back into "+".
        fields["attendee_email"] = params["attendeeEmail"].strip().replace(" ", "+")
    if params.get("attendeeName"):
        fields["attendee_name"] = params["attendeeName"].strip()
    if params.get("bookingUid"):
        fields["booking_uid"] = params["bookingUid"].strip()
    if params.get("eventTypeIds"):
        fields["event_type_ids"] = _ids("eventTypeIds", params["eventTypeIds"])
    elif params.get("eventTypeId"):
        fields["event_type_ids"] = _ids("eventTypeId", params["eventTypeId"])
    if params.get("teamsIds"):
        fields["team_ids"] = _ids("teamsIds", params["teamsIds"])
    elif params.get("teamId"):
        fields["team_ids"] = _ids("teamId", params["teamId"])
    for name, field_name in zip(
        _DATES,
        ("after_start", "before_end", "after_created_at", "before_created_at", "after_updated_at", "before_updated_at"),
        strict=True,
    ):
        if params.get(name):
            fields[field_name] = _instant(name, params[name])
    for name, key in _SORTS:
        if params.get(name):
            direction = params[name].strip().lower()
            if direction not in ("asc", "desc"):
                raise BadRequest(f"{name} must be one of the following values: asc, desc")
            fields["sort"] = (key, direction == "desc")
            break
    if params.get("take"):
        take = _int("take", params["take"])
        if take < 1:
            raise BadRequest("take must not be less than 1")
        if take > MAX_TAKE:
            raise BadRequest(f"take must not be greater than {MAX_TAKE}")
        fields["take"] = take
    if params.get("skip"):
        fields["skip"] = _int("skip", params["skip"])
    return BookingListQuery(**fields)


@router.get("", **declare(PagedEnvelope[list[AnyBooking]]))
async def list_bookings(request: Request, session: SessionDep, principal: CurrentPrincipal, now: Now) -> JSONResponse:
    query = parse_list_query(request.query_params)
    page = await queries.list_bookings(session, query, caller=principal, now=now)
    data = presenter.bookings(page.bookings, viewer_user_id=principal.user_id)
    return JSONResponse(success(data, pagination=presenter.pagination(page)))


@router.get("/{bookingUid}", **declare(Envelope[BookingOrSeries]))
async def get_booking(uid: BookingUid, session: SessionDep, principal: MaybePrincipal) -> dict[str, Any]:
    found = await queries.read_booking(session, uid)
    return success(presenter.booking_or_series(found, viewer_user_id=_viewer(principal)))


# ---------------------------------------------------------------- changes


class CancelInput(StrictWireModel):
    cancellation_reason: str | None = Field(default=None, alias="cancellationReason")
    cancel_subsequent_bookings: bool | None = Field(default=None, alias="cancelSubsequentBookings")
    seat_uid: str | None = Field(default=None, alias="seatUid")


class RescheduleInput(StrictWireModel):
    start: str
    rescheduled_by: str | None = Field(default=None, alias="rescheduledBy")
    rescheduling_reason: str | None = Field(default=None, alias="reschedulingReason")
    email_verification_code: str | None = Field(default=None, alias="emailVerificationCode")
    seat_uid: str | None = Field(default=None, alias="seatUid")


class DeclineInput(WireModel):
    reason: str | None = None


class AbsentAttendeeInput(WireModel):
    email: str
    absent: bool


class MarkAbsentInput(WireModel):
    host: bool | None = None
    attendees: list[AbsentAttendeeInput] | None = None


class LocationInput(WireModel):
    location: dict[str, Any] | None = None


# Location kinds a booking may move to: (field holding the text, how the answers record the kind,
# whether the answers repeat the text — they do when the attendee chose it).
_LOCATION_FIELDS: dict[str, tuple[str, str, bool]] = {
    "address": ("address", "inPerson", False),
    "link": ("link", "link", False),
    "phone": ("phone", "userPhone", False),
    "attendeeAddress": ("address", "attendeeInPerson", True),
    "attendeePhone": ("phone", "phone", True),
    "attendeeDefined": ("location", "somewhereElse", True),
}


def _new_location(location: dict[str, Any]) -> NewLocation:
    """A location body (``{type, <its field>}``); 400 with the reason if bad."""
    kind = location.get("type")
    if not isinstance(kind, str) or kind not in _LOCATION_FIELDS:
        raise BadRequest(
            f"UpdateBookingInputLocationValidator_2024_08_13 - Unsupported booking location type '{kind}'. "
            "Valid types are address, link, phone, attendeePhone, attendeeAddress, and attendeeDefined."
        )
    field_name, answer, carries_text = _LOCATION_FIELDS[kind]
    text = location.get(field_name)
    if not isinstance(text, str) or not text.strip():
        raise BadRequest(
            f"location.{field_name} - is required for location type '{kind}' and must be a non-empty string"
        )
    text = text.strip()
    if kind == "link":
        parsed = urlparse(text)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise BadRequest(f"location.link - must be a URL address (http or https), got '{text}'")
    if field_name == "phone" and not is_phone_number(text):
        raise BadRequest(
            f"location.phone - must be a valid phone number in international format (+<country code><number>), got '{text}'"
        )
    return NewLocation(text, answer, text if carries_text else "")


@router.post("/{bookingUid}/cancel", status_code=200, **declare(Envelope[BookingOrSeries]))
async def cancel_booking(
    uid: BookingUid, request: Request, session: SessionDep, principal: MaybePrincipal, now: Now, limits: InputLimitsDep
) -> dict[str, Any]:
    body = await parse_optional_body(CancelInput, request)
    command = CancelBooking(
        uid,
        reason=body.cancellation_reason,
        cancel_subsequent=bool(body.cancel_subsequent_bookings),
        seat_uid=body.seat_uid,
    )
    found = await cancel.cancel(session, command, caller=principal, now=now, limits=limits)
    return success(presenter.booking_or_series(found, viewer_user_id=_viewer(principal)))


@router.post("/{bookingUid}/reschedule", status_code=201, **declare(Envelope[CreatedBooking], 201))
async def reschedule_booking(
    uid: BookingUid, request: Request, session: SessionDep, principal: MaybePrincipal, now: Now, limits: InputLimitsDep
) -> dict[str, Any]:
    body = parse_body(RescheduleInput, await read_json_object(request))
    command = RescheduleBooking(
        uid,
        start=parse_start(body.start),
        rescheduled_by=body.rescheduled_by,
        reason=body.rescheduling_reason,
        seat_uid=body.seat_uid,
    )
    made = await reschedule.reschedule(session, command, caller=principal, now=now, limits=limits)
    return success(presenter.created(made, viewer_user_id=_viewer(principal)))


@router.post("/{bookingUid}/confirm", status_code=200, **declare(Envelope[BookingOrSeries]))
async def confirm_booking(
    uid: BookingUid, session: SessionDep, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    found = await confirm.confirm(session, uid, caller=principal, now=now)
    return success(presenter.booking_or_series(found, viewer_user_id=principal.user_id))


@router.post("/{bookingUid}/decline", status_code=200, **declare(Envelope[BookingOrSeries]))
async def decline_booking(
    uid: BookingUid,
    session: SessionDep,
    principal: CurrentPrincipal,
    limits: InputLimitsDep,
    body: Annotated[DeclineInput | None, Body()] = None,
) -> dict[str, Any]:
    command = DeclineBooking(uid, reason=body.reason if body else None)
    found = await confirm.decline(session, command, caller=principal, limits=limits)
    return success(presenter.booking_or_series(found, viewer_user_id=principal.user_id))


@router.post("/{bookingUid}/mark-absent", status_code=200, **declare(Envelope[BookingOrSeries]))
async def mark_absent(
    uid: BookingUid,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: Now,
    body: Annotated[MarkAbsentInput | None, Body()] = None,
) -> dict[str, Any]:
    body = body or MarkAbsentInput()
    attendees = tuple(AbsentAttendee(a.email, a.absent) for a in body.attendees or [])
    marked = await absence.mark_absent(session, MarkAbsent(uid, body.host, attendees), caller=principal, now=now)
    return success(presenter.booking(marked, viewer_user_id=principal.user_id))


@router.patch("/{bookingUid}/location", status_code=200, **declare(Envelope[BookingOrSeries]))
async def update_location(
    uid: BookingUid,
    session: SessionDep,
    principal: CurrentPrincipal,
    limits: InputLimitsDep,
    body: Annotated[LocationInput | None, Body()] = None,
) -> dict[str, Any]:
    location = body.location if body else None
    command = ChangeLocation(uid, _new_location(location) if location is not None else None)
    moved = await edit.change_location(session, command, caller=principal, limits=limits)
    return success(presenter.booking(moved, viewer_user_id=principal.user_id))


class ReassignInput(WireModel):
    reason: str | None = None


@router.post("/{bookingUid}/reassign", status_code=200, **declare(Envelope[Reassigned]))
async def reassign_booking(
    uid: BookingUid, session: SessionDep, principal: CurrentPrincipal, now: Now, limits: InputLimitsDep
) -> dict[str, Any]:
    """Round-robin: move the booking to another free host, chosen as at creation."""
    moved = await reassign.reassign(session, Reassign(uid), caller=principal, now=now, limits=limits)
    return success(presenter.reassigned(moved))


@router.post("/{bookingUid}/reassign/{userId}", status_code=200, **declare(Envelope[Reassigned]))
async def reassign_booking_to(
    uid: BookingUid,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: Now,
    limits: InputLimitsDep,
    user_id: Annotated[int, Path(alias="userId")],
    body: Annotated[ReassignInput | None, Body()] = None,
) -> dict[str, Any]:
    """Round-robin: move the booking to the given (free) round-robin host."""
    command = Reassign(uid, to_user_id=user_id, reason=body.reason if body else None)
    return success(
        presenter.reassigned(await reassign.reassign(session, command, caller=principal, now=now, limits=limits))
    )
