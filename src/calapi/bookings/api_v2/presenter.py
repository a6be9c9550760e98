"""Bookings as API v2 (2024-08-13, and 2026-02-25 which answers alike) sends them.

Each answer is one of the four kinds ``api_schemas`` declares (Booking, RecurringBooking,
SeatedBooking, RecurringSeatedBooking), built from a ``BookingResult`` without reading anything.
The bodies are built as dictionaries in Cal.com's key order (a hot path: no re-validation); the
conformance tests check them against the declared schemas.

Presence rules follow the newer Cal.com builds (contract §2.6.3, quirks 13–16): ``cancellationReason``
and ``cancelledByEmail`` always present (``""`` when none), ``displayEmail`` on hosts and attendees,
``displayEmail``/``displayGuests`` in ``bookingFieldsResponses``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from calapi.bookings.models import Attendee, BookingSeat
from calapi.bookings.results import (
    BookingOrSeries,
    BookingPage,
    BookingResult,
    BookingSeries,
    CreatedBookings,
    OrganizerRef,
    PaymentView,
    Reassignment,
)
from calapi.core.envelopes import iso_ms

# Cal.com platform managed users get "+<25 alphanumerics>" in their emails; displayEmail drops it.
_MANAGED_SUFFIX = re.compile(r"\+[a-zA-Z0-9]{25}(?=@)")
UNKNOWN_HOST = {
    "id": "unknown",
    "name": "unknown",
    "email": "unknown",
    "displayEmail": "unknown",
    "username": "unknown",
}


def display_email(email: str) -> str:
    return _MANAGED_SUFFIX.sub("", email)


def _hosts(organizer: OrganizerRef | None) -> list[dict[str, Any]]:
    if organizer is None:
        return [dict(UNKNOWN_HOST)]
    return [
        {
            "id": organizer.id,
            "name": organizer.name if organizer.name is not None else "unknown",
            "email": organizer.email,
            "displayEmail": display_email(organizer.email),
            "username": organizer.username if organizer.username is not None else "unknown",
            "timeZone": organizer.time_zone,
        }
    ]


def _responses(responses: dict[str, Any]) -> dict[str, Any]:
    out = dict(responses)
    if isinstance(out.get("email"), str):
        out["displayEmail"] = display_email(out["email"])
    if isinstance(out.get("guests"), list):
        out["displayGuests"] = [display_email(g) if isinstance(g, str) else g for g in out["guests"]]
    return out


def _attendee(attendee: Attendee, *, with_phone: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "name": attendee.name,
        "email": attendee.email,
        "displayEmail": display_email(attendee.email),
        "timeZone": attendee.time_zone,
        "language": attendee.locale,
        "absent": bool(attendee.absent),
    }
    if with_phone and attendee.phone_number:
        view["phoneNumber"] = attendee.phone_number
    return view


def _seat_attendee(attendee: Attendee, seat: BookingSeat | None) -> dict[str, Any]:
    view = _attendee(attendee, with_phone=False)
    responses = dict((seat.responses if seat else None) or {})
    responses.pop("email", None)  # quirk 14: a seat's responses never show the email
    view["seatUid"] = seat.reference_uid if seat else None
    view["bookingFieldsResponses"] = responses
    view["metadata"] = {k: str(v) for k, v in ((seat.seat_metadata if seat else None) or {}).items()}
    return view


def booking(result: BookingResult, *, viewer_user_id: int | None) -> dict[str, Any]:
    """One booking; the kind (regular / recurring / seated) follows the row and its event type.

    A seated booking lists its attendees to its organizer and the event type's owner, and to
    everyone else only when the event type shows attendees.
    """
    row, event_type = result.booking, result.event_type
    seated = event_type is not None and event_type.seated
    recurring = row.recurring_event_id is not None
    responses = row.responses or {}
    metadata = dict(row.booking_metadata or {})
    video_url = metadata.pop("videoCallUrl", None)
    location = video_url or row.location

    view: dict[str, Any] = {
        "id": row.id,
        "uid": row.uid,
        "title": row.title,
        "description": row.description,
        "hosts": _hosts(result.organizer),
        "status": row.status,
        "cancellationReason": row.cancellation_reason or "",
    }
    if not seated:
        view["cancelledByEmail"] = row.cancelled_by_email or ""
        if responses.get("rescheduledReason"):
            view["reschedulingReason"] = responses["rescheduledReason"]
    view["rescheduledByEmail"] = row.rescheduled_by_email
    if row.from_reschedule:
        view["rescheduledFromUid"] = row.from_reschedule
    if result.rescheduled_to_uid and not recurring:
        view["rescheduledToUid"] = result.rescheduled_to_uid
    view.update(
        {
            "start": iso_ms(row.start_time),
            "end": iso_ms(row.end_time),
            "duration": int((row.end_time - row.start_time).total_seconds() // 60),
            "eventTypeId": row.event_type_id,
            "eventType": {"id": event_type.id, "slug": event_type.slug} if event_type else None,
            "meetingUrl": location,
            "location": location,
            "absentHost": bool(row.absent_host),
            "createdAt": iso_ms(row.created_at),
            "updatedAt": iso_ms(row.updated_at) if row.updated_at else None,
        }
    )
    if not seated:
        view["metadata"] = metadata
    view["rating"] = row.rating
    view["icsUid"] = row.ical_uid
    if event_type is not None and seated:
        privileged = viewer_user_id is not None and viewer_user_id in (row.user_id, event_type.owner_id)
        shown = event_type.seats_show_attendees or privileged
        view["attendees"] = [_seat_attendee(a, result.seats.get(a.id)) for a in result.attendees] if shown else []
    else:
        view["attendees"] = [_attendee(a, with_phone=not recurring) for a in result.attendees]
        guests = responses.get("guests")
        if guests:
            view["guests"] = list(guests)
        view["bookingFieldsResponses"] = _responses(responses)
    if recurring:
        view["recurringBookingUid"] = row.recurring_event_id
    if result.payment is not None:
        view["payment"] = payment(result.payment)
    return view


def payment(paid: PaymentView) -> dict[str, Any]:
    return {
        "uid": paid.uid,
        "amount": paid.amount,
        "currency": paid.currency,
        "status": paid.status,
        "success": paid.success,
        "refunded": paid.refunded,
        "paymentOption": paid.payment_option,
        "provider": paid.provider,
        "paymentIntentId": paid.external_id,
        # Only while it can still be paid: afterwards it confirms nothing.
        "clientSecret": paid.client_secret if paid.status == "pending" else None,
        "holdUntil": iso_ms(paid.hold_until),
        "paymentUrl": f"/payment/{paid.uid}",
    }


def bookings(results: Iterable[BookingResult], *, viewer_user_id: int | None) -> list[Any]:
    return [booking(r, viewer_user_id=viewer_user_id) for r in results]


def booking_or_series(found: BookingOrSeries, *, viewer_user_id: int | None) -> dict[str, Any] | list[Any]:
    """One booking, or (a series uid) every occurrence as an array."""
    if isinstance(found, BookingSeries):
        return bookings(found.occurrences, viewer_user_id=viewer_user_id)
    return booking(found, viewer_user_id=viewer_user_id)


def _with_seat_uid(view: dict[str, Any], seat_uid: str | None) -> dict[str, Any]:
    """SeatedBookingCreated: the created seat's uid, appended as the last key (quirk 14)."""
    if seat_uid is not None:
        view.pop("seatUid", None)
        view["seatUid"] = seat_uid
    return view


def created(made: CreatedBookings, *, viewer_user_id: int | None) -> dict[str, Any] | list[Any]:
    """A create's or reschedule's answer: the booking, or the series as an array by start."""
    views = [_with_seat_uid(booking(r, viewer_user_id=viewer_user_id), made.seat_uid) for r in made.bookings]
    return views if made.series else views[0]


def pagination(page: BookingPage) -> dict[str, Any]:
    """Cal.com's ``pagination`` object (contract §1.6), computed by its formulas."""
    n, take = page.total, page.take
    s = min(max(page.skip, 0), n)
    total_pages = -(-n // take) if take else 0
    current = min(max(s // take + 1, 1), total_pages) if total_pages else 0
    return {
        "returnedItems": min(max(n - s, 0), take),
        "totalItems": n,
        "itemsPerPage": take,
        "remainingItems": min(max(n - (s + take), 0), n),
        "currentPage": current,
        "totalPages": total_pages,
        "hasNextPage": s + take < n,
        "hasPreviousPage": s > 0,
    }


def reassigned(moved: Reassignment) -> dict[str, Any]:
    host = moved.new_host
    return {
        "bookingUid": moved.booking.uid,
        "reassignedTo": {
            "id": host.id,
            "name": host.name or "unknown",
            "email": host.email or "unknown",
            "displayEmail": display_email(host.email) or "unknown",
        },
    }
