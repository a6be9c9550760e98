"""API v1 ``/bookings`` (``?apiKey=``): v1's wire over the same booking services as v2.

v1 addresses a booking by its numeric id; the services work by uid, so each route first reads the
booking by id and applies v1's access rule (the organizer, or a system admin), then calls the
service with its uid and presents what the service returned.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from calapi.bookings.api_schemas import (
    NoShowMarked,
    V1Cancelled,
    V1Confirmed,
    V1PublicBooking,
    V1Recording,
)
from calapi.bookings.api_v1 import presenter
from calapi.bookings.api_v1.wire import CreateBookingV1, to_new_booking
from calapi.bookings.commands import (
    AbsentAttendee,
    CancelBooking,
    DeclineBooking,
    EditDetails,
    MarkAbsent,
    RescheduleBooking,
    ScopedListQuery,
    SortKey,
)
from calapi.bookings.models import Booking
from calapi.bookings.results import BookingOrSeries, BookingResult
from calapi.bookings.service import absence, cancel, confirm, create, details, edit, queries, reschedule
from calapi.core import authorization, v1
from calapi.core.api_schemas import declare, v1_one
from calapi.core.auth import Principal, V1Principal
from calapi.core.clock import Now
from calapi.core.errors import AppError, BadRequest, Forbidden, NotFound
from calapi.core.limits import InputLimitsDep
from calapi.db import SessionDep, begin_write
from calapi.users import service as users_service

router = v1.v1_router(tags=["v1 Bookings"])

NOT_AUTHORIZED = "You are not authorized"


async def _booking(
    session: SessionDep,
    principal: Principal,
    booking_id: int,
    *,
    refusal: AppError | None = None,
    writing: bool = False,
) -> Booking:
    """A booking the caller may act on; another user's id and a missing one answer alike.

    ``writing``: a service changes the booking next, so take the write lock before this first read
    (SQLite's BEGIN IMMEDIATE must precede the transaction's first statement).
    """
    if writing:
        await begin_write(session)
    booking = await queries.booking_by_id(session, booking_id)
    authorization.acting_owner(
        principal,
        booking.user_id if booking else None,
        refusal=refusal or Forbidden(NOT_AUTHORIZED),
        missing=NotFound(f"Booking with id: {booking_id} not found"),
    )
    assert booking is not None
    return booking


def _single(found: BookingOrSeries) -> BookingResult:
    """The booking a change by its own uid answers (a uid of one booking never names a series)."""
    assert isinstance(found, BookingResult)
    return found


# --- create ---------------------------------------------------------------------------------------


@router.post("/bookings", operation_id="v1_bookings_create", **declare(V1PublicBooking))
async def create_booking(
    body: CreateBookingV1, principal: V1Principal, session: SessionDep, now: Now, limits: InputLimitsDep
) -> dict[str, Any]:
    # v1 answers a missing event type with its raw error code and 400 (quirk 6).
    with v1.reworded(not_found=BadRequest("event_type_not_found_error")):
        made = await create.create_booking(
            session, to_new_booking(body), now=now, caller_id=principal.user_id, limits=limits
        )
    return presenter.booking(made.bookings[0])  # the bare booking, no envelope


# --- read -----------------------------------------------------------------------------------------


def _instant(name: str, raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"invalid_string in '{name}': Invalid datetime") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.get("/bookings", operation_id="v1_bookings_list", **declare(v1_one("bookings", list[V1PublicBooking])))
async def list_bookings(
    principal: V1Principal,
    session: SessionDep,
    now: Now,
    userId: Annotated[list[int], Query()] = [],  # noqa: B006
    attendeeEmail: Annotated[list[str], Query()] = [],  # noqa: B006
    dateFrom: str | None = None,
    dateTo: str | None = None,
    order: Literal["asc", "desc"] = "asc",
    sortBy: Literal["createdAt", "updatedAt"] | None = None,
    status: Literal["upcoming"] | None = None,
    take: str | None = None,
    page: str | None = None,
) -> dict[str, Any]:
    paging = v1.optional_page(take, page)
    users = authorization.user_filter(principal, userId)  # a non-admin's userId is ignored (quirk 7)
    organizers = None if users is None else tuple(users)
    # An admin's filter also finds the bookings those users attend (None: any organizer).
    attended_by = tuple(await users_service.emails_of(session, organizers)) if organizers and principal.is_admin else ()
    query = ScopedListQuery(
        organizer_ids=organizers,
        attended_by_emails=attended_by,
        attendee_emails=tuple(attendeeEmail),
        after_start=now if status == "upcoming" else _instant("dateFrom", dateFrom),
        before_end=_instant("dateTo", dateTo),
        sort=(SortKey.created if sortBy == "createdAt" else SortKey.updated, order == "desc") if sortBy else None,
        take=paging.take if paging else None,
        skip=paging.skip if paging else 0,
    )
    return v1.many("bookings", presenter.bookings(await queries.list_bookings_in_scope(session, query)))


@router.get("/bookings/{id}", operation_id="v1_bookings_get", **declare(v1_one("booking", V1PublicBooking)))
async def get_booking(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    booking = await _booking(session, principal, id)
    return v1.one("booking", presenter.booking(await details.load_result(session, booking)))


# --- change ---------------------------------------------------------------------------------------


class EditBookingV1(BaseModel):
    model_config = ConfigDict(extra="forbid")  # ``start``/``end`` are refused as unknown keys (quirk 8)

    title: str | None = Field(default=None, min_length=1, max_length=512)  # the column's width
    description: str | None = None
    startTime: datetime | None = None
    endTime: datetime | None = None
    status: Literal["ACCEPTED", "PENDING", "CANCELLED", "REJECTED", "AWAITING_HOST"] | None = None
    userId: int | None = None
    eventTypeId: int | None = None
    cancelledBy: str | None = None
    rescheduledBy: str | None = None
    createdAt: datetime | None = None


@router.patch("/bookings/{id}", operation_id="v1_bookings_update", **declare(v1_one("booking", V1PublicBooking)))
async def update_booking(
    id: int, body: EditBookingV1, principal: V1Principal, session: SessionDep, now: Now, limits: InputLimitsDep
) -> dict[str, Any]:
    booking = await _booking(session, principal, id, writing=True)
    uid = booking.uid
    sent = {name for name in body.model_fields_set if getattr(body, name) is not None}
    if "userId" in sent:
        authorization.require_admin(principal, Forbidden("Only admin can change the organizer of a booking"))
    unsupported = sent & {"userId", "eventTypeId", "createdAt"}
    if unsupported:
        # Documented choice (docs/v1.md): these would bypass the booking rules (host, event type,
        # history); a booking changes by reschedule, cancel, confirm or decline only.
        raise BadRequest(
            f"Changing {', '.join(sorted(unsupported))} of a booking is not supported; reschedule or cancel it instead"
        )
    result: BookingResult | None = None
    if sent & {"title", "description"}:
        # Before a reschedule, which copies them onto the new booking.
        details_change = EditDetails(uid, title=body.title, description=body.description)
        result = await edit.edit_details(session, details_change, caller=principal, limits=limits)
    if sent & {"startTime", "endTime"}:
        if "status" in sent:
            raise BadRequest("Send either startTime/endTime (a reschedule) or status, not both")
        if body.startTime is None:
            raise BadRequest("invalid_type in 'startTime': Required with endTime")
        move = RescheduleBooking(uid, start=body.startTime, rescheduled_by=body.rescheduledBy)
        made = await reschedule.reschedule(session, move, caller=principal, now=now, limits=limits)
        moved = presenter.booking(made.bookings[0])
        if body.endTime is not None and datetime.fromisoformat(moved["endTime"]) != body.endTime:
            raise BadRequest("endTime must be startTime plus the event type's length (a reschedule keeps the length)")
        return v1.one("booking", moved)
    if body.status == "ACCEPTED":
        result = _single(await confirm.confirm(session, uid, caller=principal, now=now))
    elif body.status == "REJECTED":
        result = _single(await confirm.decline(session, DeclineBooking(uid), caller=principal, limits=limits))
    elif body.status == "CANCELLED":
        result = _single(await cancel.cancel(session, CancelBooking(uid), caller=principal, now=now, limits=limits))
    elif body.status is not None:
        raise BadRequest(f"A booking can't be set to {body.status}; use ACCEPTED, REJECTED or CANCELLED")
    if result is None:  # nothing to change
        result = await details.load_result(session, booking)
    return v1.one("booking", presenter.booking(result))


class _Cancel:
    """What v1's two cancel routes take (a FastAPI dependency: the path, the key, the query)."""

    def __init__(
        self,
        id: int,
        principal: V1Principal,
        session: SessionDep,
        now: Now,
        limits: InputLimitsDep,
        allRemainingBookings: str | None = None,
        cancellationReason: str | None = None,
        cancelledBy: str | None = None,  # accepted, not used: the caller is who cancels
    ) -> None:
        self.id, self.principal, self.session, self.now, self.limits = id, principal, session, now, limits
        self.all_remaining = allRemainingBookings == "true"
        self.reason = cancellationReason

    async def run(self, *, refusal: AppError | None) -> dict[str, Any]:
        booking = await _booking(self.session, self.principal, self.id, refusal=refusal, writing=True)
        series = self.all_remaining and booking.recurring_event_id is not None
        command = CancelBooking(booking.uid, reason=self.reason or "Not Provided", cancel_subsequent=series)
        await cancel.cancel(self.session, command, caller=self.principal, now=self.now, limits=self.limits)
        return {
            "success": True,
            "message": "Booking successfully cancelled.",
            "onlyRemovedAttendee": False,
            "bookingId": self.id,
            "bookingUid": booking.uid,
            "isPlatformManagedUserBooking": False,
        }


@router.delete("/bookings/{id}", operation_id="v1_bookings_delete", **declare(V1Cancelled))
async def delete_booking(call: Annotated[_Cancel, Depends()]) -> dict[str, Any]:
    return await call.run(refusal=None)


@router.delete("/bookings/{id}/cancel", operation_id="v1_bookings_cancel", **declare(V1Cancelled))
async def cancel_booking(call: Annotated[_Cancel, Depends()]) -> dict[str, Any]:
    # Cal.com's auth check on this route escapes its responder: 400 with the captureErrors body.
    return await call.run(refusal=v1.outside_responder(NOT_AUTHORIZED))


class ConfirmV1(BaseModel):
    model_config = ConfigDict(extra="ignore")

    confirmed: bool
    rejectionReason: str | None = None
    recurringEventId: str | None = None


@router.post("/bookings/{id}/confirm", operation_id="v1_bookings_confirm", **declare(V1Confirmed))
async def confirm_booking(
    id: int, body: ConfirmV1, principal: V1Principal, session: SessionDep, now: Now, limits: InputLimitsDep
) -> dict[str, Any]:
    uid = (await _booking(session, principal, id, refusal=NotFound("Booking not found"), writing=True)).uid
    if body.confirmed:
        await confirm.confirm(session, uid, caller=principal, now=now)
        return {"message": "Booking confirmed", "status": "ACCEPTED"}
    await confirm.decline(session, DeclineBooking(uid, body.rejectionReason), caller=principal, limits=limits)
    return {"message": "Booking rejected", "status": "REJECTED"}


# --- no-show --------------------------------------------------------------------------------------


class NoShowAttendeeV1(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: str
    noShow: bool


class NoShowV1(BaseModel):
    model_config = ConfigDict(extra="ignore")  # Cal.com's schema strips unknown keys

    bookingUid: str
    attendees: list[NoShowAttendeeV1] | None = None
    noShowHost: bool | None = None  # Cal.com's later schema; only ``true`` changes anything


def _no_show_message(body: NoShowV1) -> str:
    if body.attendees and len(body.attendees) == 1:
        only = body.attendees[0]
        return f"{only.email} {'marked' if only.noShow else 'unmarked'} as no-show"
    return "No-show status updated" if body.attendees or body.noShowHost else ""


@router.post("/no-show", operation_id="v1_no_show", **declare(NoShowMarked))
async def mark_no_show(body: NoShowV1, principal: V1Principal, session: SessionDep, now: Now) -> dict[str, Any]:
    """Attendees' and the host's no-show flags through the lifecycle service behind v2's mark-absent.

    Another user's booking and a missing uid both answer 403 ``You are not authorized`` (Cal.com's
    refusal for a booking that is not yours); a system admin may mark any booking.
    """
    attendees = tuple(AbsentAttendee(a.email, a.noShow) for a in body.attendees or [])
    command = MarkAbsent(body.bookingUid, host=True if body.noShowHost else None, attendees=attendees)
    with v1.reworded(not_found=None if principal.is_admin else Forbidden(NOT_AUTHORIZED)):
        await absence.mark_absent(session, command, caller=principal, now=now)
    return {
        "attendees": [{"email": a.email, "noShow": a.noShow} for a in body.attendees or []],
        "noShowHost": bool(body.noShowHost),
        "message": _no_show_message(body),
    }


# --- Cal Video recordings and transcripts ---------------------------------------------------------


def _no_video(booking_id: int) -> NotFound:
    # calapi has no video integration, so no booking has a Cal Video reference: Cal.com's answer then.
    return NotFound(f"No Cal Video reference found with booking id {booking_id}")


@router.get("/bookings/{id}/recordings", operation_id="v1_bookings_recordings", **declare(list[V1Recording]))
async def list_recordings(id: int, principal: V1Principal, session: SessionDep) -> list[Any]:
    await _booking(session, principal, id)
    raise _no_video(id)


@router.get("/bookings/{id}/transcripts", operation_id="v1_bookings_transcripts", **declare(list[str]))
async def list_transcripts(id: int, principal: V1Principal, session: SessionDep) -> list[Any]:
    await _booking(session, principal, id)
    raise _no_video(id)


@router.get(
    "/bookings/{id}/transcripts/{recordingId}", operation_id="v1_bookings_recording_transcripts", **declare(list[str])
)
async def list_recording_transcripts(
    id: int, recordingId: str, principal: V1Principal, session: SessionDep
) -> list[Any]:
    await _booking(session, principal, id)
    raise NotFound(f"No Booking Reference with Daily Video found with booking id {id}")
