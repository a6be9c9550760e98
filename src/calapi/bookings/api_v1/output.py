"""API v1's booking object ("public booking"), built for a page of bookings in a fixed number of statements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings import attendees as booking_attendees
from calapi.bookings.models import Attendee, Booking
from calapi.core.envelopes import iso_ms
from calapi.users.models import User


def v1_status(status: str) -> str:
    """Stored ``accepted`` → v1's ``ACCEPTED`` (``awaiting_host`` → ``AWAITING_HOST``)."""
    return status.upper()


async def load_v1_bookings(session: AsyncSession, bookings: Sequence[Booking]) -> list[dict[str, Any]]:
    """The v1 objects of the bookings, in order: attendees and organizers one statement each."""
    if not bookings:
        return []
    ids = [b.id for b in bookings]
    attendees = await booking_attendees.of_bookings(session, ids)
    organizers = {
        row.id: row
        for row in (
            await session.execute(
                select(User.id, User.email, User.name, User.time_zone, User.locale).where(
                    User.id.in_({b.user_id for b in bookings})
                )
            )
        ).all()
    }
    return [_v1_booking(b, attendees.get(b.id, []), organizers.get(b.user_id)) for b in bookings]


def _v1_booking(booking: Booking, attendees: list[Attendee], organizer: Any) -> dict[str, Any]:
    return {
        "id": booking.id,
        "userId": booking.user_id,
        "description": booking.description,
        "eventTypeId": booking.event_type_id,
        "uid": booking.uid,
        "title": booking.title,
        "startTime": iso_ms(booking.start_time),
        "endTime": iso_ms(booking.end_time),
        "attendees": [
            {"id": a.id, "email": a.email, "name": a.name, "timeZone": a.time_zone, "locale": a.locale}
            for a in attendees
        ],
        "user": (
            {
                "email": organizer.email,
                "name": organizer.name,
                "timeZone": organizer.time_zone,
                "locale": organizer.locale,
            }
            if organizer is not None
            else None
        ),
        "payment": [],
        "metadata": booking.booking_metadata or {},
        "status": v1_status(booking.status),
        "responses": booking.responses,
        "fromReschedule": booking.from_reschedule,
        "cancelledBy": booking.cancelled_by_email,
        "rescheduledBy": booking.rescheduled_by_email,
        "createdAt": iso_ms(booking.created_at),
    }
