"""``POST /v2/bookings`` (2024-08-13, 2026-02-25): parse Cal.com's create body, call ``create.create_booking``, present it.

2026-02-25 takes the 2024-08-13 body plus three host overrides and answers the same booking:
``allowBookingOutOfBounds`` (book outside the booking window and minimum notice) and
``skipBookingLimits`` (past the booking and duration limits) count only when the caller is a host
of the event type, and are ignored otherwise, as Cal.com does. ``allowConflicts`` is accepted and
never honoured: in calapi no caller can double-book a host (a busy or held time is always 409).

The body is parsed here rather than by FastAPI's body binding because Cal.com answers unknown
keys (and other shape errors) on booking bodies with its own one-line message:
``<prop> property is wrong,property <prop> should not exist `` (quirk 4).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool, StrictInt
from starlette.requests import Request
from starlette.responses import JSONResponse

from calapi.bookings.api_schemas import CreatedBooking
from calapi.bookings.api_v2 import presenter
from calapi.bookings.api_v2.common import parse_body, read_json_object
from calapi.bookings.commands import AttendeeInput, HostOverrides, NewBooking
from calapi.bookings.service import create
from calapi.core.api_schemas import Envelope, declare
from calapi.core.auth import MaybePrincipal
from calapi.core.clock import Now
from calapi.core.envelopes import success
from calapi.core.errors import BadRequest
from calapi.core.limits import InputLimitsDep
from calapi.core.versioning import (
    V2024_08_13,
    V2026_02_25,
    resolve_version,
    versioned_router,
)
from calapi.core.wire import BOOKER_COOKIE, Locale, StrictWireModel, TimeZoneName
from calapi.db import SessionDep

router = versioned_router([V2024_08_13, V2026_02_25], tags=["Bookings"])


class AttendeeBody(StrictWireModel):
    name: str = Field(min_length=1)  # its length: CALAPI_BOOKING_MAX_NAME_LENGTH, checked by the service
    email: str | None = Field(default=None, max_length=320)
    phoneNumber: str | None = Field(default=None, max_length=64)
    timeZone: TimeZoneName
    language: Locale | None = None


class RoutingBody(StrictWireModel):
    responseId: StrictInt
    teamMemberIds: list[StrictInt]
    queuedResponseId: str | None = None
    teamMemberEmail: str | None = None
    skipContactOwner: bool | None = None
    crmAppSlug: str | None = None
    crmOwnerRecordType: str | None = None


class CreateBookingBody(StrictWireModel):
    start: Any  # strict ISO-8601, checked by the service (one message for every wrong shape)
    attendee: AttendeeBody
    eventTypeId: StrictInt | None = Field(default=None, ge=1)
    eventTypeSlug: str | None = Field(default=None, min_length=1, max_length=255)
    username: str | None = Field(default=None, min_length=1, max_length=255)
    teamSlug: str | None = Field(default=None, min_length=1, max_length=255)
    organizationSlug: str | None = Field(default=None, max_length=255)
    bookingFieldsResponses: dict[str, Any] | None = None
    guests: list[str] | None = None  # count and shape: CALAPI_BOOKING_MAX_GUESTS, checked by the service
    location: dict[str, Any] | str | None = None
    meetingUrl: str | None = Field(default=None, max_length=2048)
    metadata: Any = None  # checked by the service: Cal.com's exact metadata message
    lengthInMinutes: StrictInt | None = Field(default=None, ge=1)
    routing: RoutingBody | None = None
    emailVerificationCode: str | None = None
    recurrenceCount: StrictInt | None = Field(default=None, ge=1)
    instant: StrictBool | None = None
    # Beyond Cal.com's body (as on GET /v2/slots): a team event's round-robin hosts to choose from.
    hostSubsetIds: list[StrictInt] | None = Field(default=None, max_length=500)


class CreateBookingBody20260225(CreateBookingBody):
    allowConflicts: StrictBool | None = None
    allowBookingOutOfBounds: StrictBool | None = None
    skipBookingLimits: StrictBool | None = None


BODY_BY_VERSION: dict[str, type[CreateBookingBody]] = {
    V2024_08_13: CreateBookingBody,
    V2026_02_25: CreateBookingBody20260225,
}


def to_new_booking(body: CreateBookingBody) -> NewBooking:
    if body.instant:
        raise BadRequest("Instant bookings are only supported for team event types, not individual user event types.")
    attendee = body.attendee
    return NewBooking(
        start=body.start,
        attendee=AttendeeInput(
            name=attendee.name,
            time_zone=attendee.timeZone,
            email=attendee.email or None,
            phone_number=attendee.phoneNumber or None,
            language=attendee.language,
        ),
        event_type_id=body.eventTypeId,
        event_type_slug=body.eventTypeSlug,
        username=body.username,
        team_slug=body.teamSlug,
        guests=tuple(body.guests or ()),
        location=body.location,
        meeting_url=body.meetingUrl,
        responses=dict(body.bookingFieldsResponses or {}),
        metadata=body.metadata,
        length_in_minutes=body.lengthInMinutes,
        recurrence_count=body.recurrenceCount,
        host_subset_ids=tuple(dict.fromkeys(body.hostSubsetIds or ())),
        host_overrides=HostOverrides(
            out_of_bounds=bool(getattr(body, "allowBookingOutOfBounds", False)),
            skip_limits=bool(getattr(body, "skipBookingLimits", False)),
        ),
    )


@router.post("/v2/bookings", status_code=201, **declare(Envelope[CreatedBooking], 201))
async def create_booking(
    request: Request, session: SessionDep, principal: MaybePrincipal, now: Now, limits: InputLimitsDep
) -> JSONResponse:
    """Book a slot: a regular booking, a recurring series (array), or a seat (``seatUid`` last)."""
    body_model = BODY_BY_VERSION[resolve_version(request.scope)]
    new = to_new_booking(parse_body(body_model, await read_json_object(request)))
    viewer = principal.user_id if principal else None
    made = await create.create_booking(
        session, new, now=now, caller_id=viewer, limits=limits, booker_uid=request.cookies.get(BOOKER_COOKIE)
    )
    return JSONResponse(success(presenter.created(made, viewer_user_id=viewer)), status_code=201)
