"""Bookings as API v2 (2024-08-13) sends them: Booking, RecurringBooking, SeatedBooking, RecurringSeatedBooking.

``load_booking_views`` turns a page of Booking rows into wire objects with a flat number of
statements (attendees, seats, organizers, event types, successors: one each, skipped when not
needed). ``build_booking_view`` is the pure part, so a caller holding the rows already (create)
shapes its answer without reading them back.

Presence rules follow the newer Cal.com builds (contract §2.6.3, quirks 13–16): ``cancellationReason``
and ``cancelledByEmail`` always present (``""`` when none), ``displayEmail`` on hosts and attendees,
``displayEmail``/``displayGuests`` in ``bookingFieldsResponses``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings import attendees as booking_attendees
from calapi.bookings.models import Attendee, Booking, BookingSeat
from calapi.core.envelopes import iso_ms
from calapi.event_types.models import EventType
from calapi.users.models import User

# Cal.com platform managed users get "+<25 alphanumerics>" in their emails; displayEmail drops it.
_MANAGED_SUFFIX = re.compile(r"\+[a-zA-Z0-9]{25}(?=@)")
UNKNOWN_HOST = {
    "id": "unknown",
    "name": "unknown",
    "email": "unknown",
    "displayEmail": "unknown",
    "username": "unknown",
}


def display_email(email: str | None) -> str | None:
    return None if email is None else _MANAGED_SUFFIX.sub("", email)


@dataclass(frozen=True)
class EventTypeRef:
    """What the booking output needs of its event type."""

    id: int
    slug: str
    owner_id: int | None
    seats_per_slot: int | None
    seats_show_attendees: bool

    @property
    def seated(self) -> bool:
        return self.seats_per_slot is not None

    @classmethod
    def of(cls, event_type: EventType) -> EventTypeRef:
        seats = event_type.seats or {}
        return cls(
            id=event_type.id,
            slug=event_type.slug,
            owner_id=event_type.owner_id,
            seats_per_slot=event_type.seats_per_time_slot,
            seats_show_attendees=bool(seats.get("showAttendeeInfo")),
        )


@dataclass(frozen=True)
class OrganizerRef:
    id: int
    name: str | None
    email: str
    username: str | None
    time_zone: str

    @classmethod
    def of(cls, user: User) -> OrganizerRef:
        return cls(user.id, user.name, user.email, user.username, user.time_zone)


@dataclass
class BookingParts:
    """Everything around one booking row that its wire object shows."""

    attendees: Sequence[Attendee] = ()
    seats_by_attendee: Mapping[int, BookingSeat] = field(default_factory=dict)
    organizer: OrganizerRef | None = None
    event_type: EventTypeRef | None = None
    rescheduled_to_uid: str | None = None


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


def _responses_view(responses: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(responses or {})
    if isinstance(out.get("email"), str):
        out["displayEmail"] = display_email(out["email"])
    if isinstance(out.get("guests"), list):
        out["displayGuests"] = [display_email(g) if isinstance(g, str) else g for g in out["guests"]]
    return out


def _attendee_view(attendee: Attendee, *, with_phone: bool) -> dict[str, Any]:
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


def _seat_attendee_view(attendee: Attendee, seat: BookingSeat | None) -> dict[str, Any]:
    view = _attendee_view(attendee, with_phone=False)
    responses = dict((seat.responses if seat else None) or {})
    responses.pop("email", None)  # quirk 14: a seat's responses never show the email
    view["seatUid"] = seat.reference_uid if seat else None
    view["bookingFieldsResponses"] = responses
    view["metadata"] = {k: str(v) for k, v in ((seat.seat_metadata if seat else None) or {}).items()}
    return view


def build_booking_view(booking: Booking, parts: BookingParts, *, viewer_user_id: int | None) -> dict[str, Any]:
    """One booking's wire object; the kind (regular / recurring / seated) follows the row and its event type."""
    event_type = parts.event_type
    seated = event_type is not None and event_type.seated
    recurring = booking.recurring_event_id is not None
    responses = booking.responses or {}
    metadata = dict(booking.booking_metadata or {})
    video_url = metadata.pop("videoCallUrl", None)
    location = video_url or booking.location

    view: dict[str, Any] = {
        "id": booking.id,
        "uid": booking.uid,
        "title": booking.title,
        "description": booking.description,
        "hosts": _hosts(parts.organizer),
        "status": booking.status,
        "cancellationReason": booking.cancellation_reason or "",
    }
    if not seated:
        view["cancelledByEmail"] = booking.cancelled_by_email or ""
        if responses.get("rescheduledReason"):
            view["reschedulingReason"] = responses["rescheduledReason"]
    view["rescheduledByEmail"] = booking.rescheduled_by_email
    if booking.from_reschedule:
        view["rescheduledFromUid"] = booking.from_reschedule
    if parts.rescheduled_to_uid and not recurring:
        view["rescheduledToUid"] = parts.rescheduled_to_uid
    view.update(
        {
            "start": iso_ms(booking.start_time),
            "end": iso_ms(booking.end_time),
            "duration": int((booking.end_time - booking.start_time).total_seconds() // 60),
            "eventTypeId": booking.event_type_id,
            "eventType": {"id": event_type.id, "slug": event_type.slug} if event_type else None,
            "meetingUrl": location,
            "location": location,
            "absentHost": bool(booking.absent_host),
            "createdAt": iso_ms(booking.created_at),
            "updatedAt": iso_ms(booking.updated_at) if booking.updated_at else None,
        }
    )
    if not seated:
        view["metadata"] = metadata
    view["rating"] = booking.rating
    view["icsUid"] = booking.ical_uid
    if seated:
        assert event_type is not None
        privileged = viewer_user_id is not None and viewer_user_id in (booking.user_id, event_type.owner_id)
        shown = event_type.seats_show_attendees or privileged
        view["attendees"] = (
            [_seat_attendee_view(a, parts.seats_by_attendee.get(a.id)) for a in parts.attendees] if shown else []
        )
    else:
        view["attendees"] = [_attendee_view(a, with_phone=not recurring) for a in parts.attendees]
        guests = responses.get("guests")
        if guests:
            view["guests"] = list(guests)
        view["bookingFieldsResponses"] = _responses_view(responses)
    if recurring:
        view["recurringBookingUid"] = booking.recurring_event_id
    return view


async def load_booking_parts(session: AsyncSession, bookings: Sequence[Booking]) -> dict[int, BookingParts]:
    """Attendees, seats, organizers, event types and successors of a page of bookings, one statement each."""
    parts: dict[int, BookingParts] = {b.id: BookingParts() for b in bookings}
    if not bookings:
        return parts
    ids = [b.id for b in bookings]

    attendees = await booking_attendees.of_bookings(session, ids)

    event_type_ids = {b.event_type_id for b in bookings if b.event_type_id is not None}
    event_types: dict[int, EventTypeRef] = {}
    if event_type_ids:
        rows = await session.execute(
            select(
                EventType.id, EventType.slug, EventType.owner_id, EventType.seats_per_time_slot, EventType.seats
            ).where(EventType.id.in_(event_type_ids))
        )
        for ident, slug, owner_id, seats_per_slot, seats in rows.all():
            event_types[ident] = EventTypeRef(
                ident, slug, owner_id, seats_per_slot, bool((seats or {}).get("showAttendeeInfo"))
            )

    user_ids = {b.user_id for b in bookings}
    organizers = {
        row.id: OrganizerRef(row.id, row.name, row.email, row.username, row.time_zone)
        for row in (
            await session.execute(
                select(User.id, User.name, User.email, User.username, User.time_zone).where(User.id.in_(user_ids))
            )
        ).all()
    }

    seats: dict[int, BookingSeat] = {}
    seated_ids = [b.id for b in bookings if b.event_type_id in event_types and event_types[b.event_type_id].seated]
    if seated_ids:
        for seat in (await session.scalars(select(BookingSeat).where(BookingSeat.booking_id.in_(seated_ids)))).all():
            seats[seat.attendee_id] = seat

    successors: dict[str, str] = {}
    rescheduled_uids = [b.uid for b in bookings if b.rescheduled]
    if rescheduled_uids:
        rows = await session.execute(
            select(Booking.from_reschedule, Booking.uid)
            .where(Booking.from_reschedule.in_(rescheduled_uids))
            .order_by(Booking.id)
        )
        for old_uid, new_uid in rows.all():
            successors[old_uid] = new_uid  # the latest successor wins

    for booking in bookings:
        part = parts[booking.id]
        part.attendees = attendees.get(booking.id, [])
        part.seats_by_attendee = {a.id: seats[a.id] for a in part.attendees if a.id in seats}
        part.organizer = organizers.get(booking.user_id)
        part.event_type = event_types.get(booking.event_type_id) if booking.event_type_id is not None else None
        part.rescheduled_to_uid = successors.get(booking.uid)
    return parts


async def load_booking_views(
    session: AsyncSession, bookings: list[Booking], *, viewer_user_id: int | None
) -> list[dict[str, Any]]:
    """The v2 wire objects of a page of bookings, in the given order."""
    parts = await load_booking_parts(session, bookings)
    return [build_booking_view(b, parts[b.id], viewer_user_id=viewer_user_id) for b in bookings]


def with_seat_uid(view: dict[str, Any], seat_uid: str) -> dict[str, Any]:
    """SeatedBookingCreated: the created seat's uid, appended as the last key (quirk 14)."""
    out = dict(view)
    out.pop("seatUid", None)
    out["seatUid"] = seat_uid
    return out


def sorted_by_start(views: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(views, key=lambda v: v["start"])
