"""The bodies of the legacy ``/v2/bookings`` reads (versions 2024-04-15 … 2024-06-14), each built in
a fixed number of statements whatever the number of bookings.

Shapes as Cal.com declares them in ``GetBookingsOutput_2024_04_15`` (a list entry) and
``GetBookingOutput_2024_04_15`` (one booking), and ``recurringInfo`` as its bookings list handler
computes it (every recurring series the caller organizes, with its occurrences' start times per
status). calapi stores no payments, no booking references and no custom inputs: those are ``[]``,
``[]`` and ``{}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings import attendees as booking_attendees
from calapi.bookings.models import Booking
from calapi.core.envelopes import iso_ms
from calapi.event_types.models import EventType
from calapi.teams.models import Team
from calapi.users.models import User

STATUSES = ("ACCEPTED", "CANCELLED", "REJECTED", "PENDING", "AWAITING_HOST")


async def _organizers(session: AsyncSession, bookings: Sequence[Booking]) -> dict[int, User]:
    users = await session.scalars(select(User).where(User.id.in_({b.user_id for b in bookings})))
    return {user.id: user for user in users}


async def _event_types(session: AsyncSession, bookings: Sequence[Booking]) -> dict[int, tuple[EventType, Team | None]]:
    ids = {b.event_type_id for b in bookings if b.event_type_id is not None}
    if not ids:
        return {}
    rows = await session.execute(
        select(EventType, Team).outerjoin(Team, Team.id == EventType.team_id).where(EventType.id.in_(ids))
    )
    return {event_type.id: (event_type, team) for event_type, team in rows.all()}


def _list_event_type(found: tuple[EventType, Team | None] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    event_type, team = found
    seats = event_type.seats or {}
    return {
        "slug": event_type.slug,
        "id": event_type.id,
        "eventName": (event_type.settings or {}).get("customName"),
        "price": 0,
        "recurringEvent": event_type.recurrence,
        "currency": "usd",
        "metadata": event_type.event_metadata or {},
        "seatsShowAttendees": bool(seats.get("showAttendeeInfo", False)),
        "seatsShowAvailabilityCount": bool(seats.get("showAvailabilityCount", True)),
        "team": {"id": team.id, "name": team.name, "slug": team.slug} if team is not None else None,
    }


async def load_list_entries(session: AsyncSession, bookings: Sequence[Booking]) -> list[dict[str, Any]]:
    """``GetBookingsDataEntry`` for each booking, in order (three statements)."""
    if not bookings:
        return []
    attendees = await booking_attendees.of_bookings(session, [b.id for b in bookings])
    organizers = await _organizers(session, bookings)
    event_types = await _event_types(session, bookings)
    entries = []
    for booking in bookings:
        organizer = organizers.get(booking.user_id)
        entries.append(
            {
                "id": booking.id,
                "title": booking.title,
                "userPrimaryEmail": organizer.email if organizer else None,
                "description": booking.description,
                "customInputs": {},
                "startTime": iso_ms(booking.start_time),
                "endTime": iso_ms(booking.end_time),
                "attendees": [
                    {
                        "id": a.id,
                        "email": a.email,
                        "name": a.name,
                        "timeZone": a.time_zone,
                        "locale": a.locale,
                        "bookingId": a.booking_id,
                    }
                    for a in attendees.get(booking.id, [])
                ],
                "metadata": booking.booking_metadata or {},
                "uid": booking.uid,
                "recurringEventId": booking.recurring_event_id,
                "location": booking.location,
                "eventType": _list_event_type(
                    event_types.get(booking.event_type_id) if booking.event_type_id else None
                ),
                "status": booking.status.upper(),
                "paid": False,
                "payment": [],
                "references": [],
                "isRecorded": False,
                "seatsReferences": [],
                "user": {"id": organizer.id, "name": organizer.name, "email": organizer.email} if organizer else None,
                "rescheduled": booking.rescheduled,
            }
        )
    return entries


async def recurring_info(session: AsyncSession, organizer_id: int) -> list[dict[str, Any]]:
    """Every recurring series the user organizes: all its occurrences, not only the page's (one statement)."""
    rows = await session.execute(
        select(Booking.recurring_event_id, Booking.status, Booking.start_time)
        .where(Booking.user_id == organizer_id, Booking.recurring_event_id.is_not(None))
        .order_by(Booking.start_time)
    )
    series: dict[str, dict[str, Any]] = {}
    for series_id, status, start in rows.all():
        info = series.setdefault(
            series_id,
            {
                "recurringEventId": series_id,
                "count": 0,
                "firstDate": iso_ms(start),
                "bookings": {s: [] for s in STATUSES},
            },
        )
        info["count"] += 1
        info["bookings"].setdefault(status.upper(), []).append(iso_ms(start))
    return list(series.values())


async def find_booking(session: AsyncSession, uid: str) -> Booking | None:
    """The one booking with this uid (Cal.com's legacy routes look bookings up by their own uid only,
    so a recurring series' id finds nothing here)."""
    return await session.scalar(select(Booking).where(Booking.uid == uid))


async def load_booking_info(session: AsyncSession, uid: str) -> dict[str, Any] | None:
    """``GetBookingData_2024_04_15`` for the booking with this uid (one booking; a series uid is not one)."""
    booking = await find_booking(session, uid)
    if booking is None:
        return None
    attendees = await booking_attendees.of_booking(session, booking.id)
    organizer = (await _organizers(session, [booking])).get(booking.user_id)
    found = (await _event_types(session, [booking])).get(booking.event_type_id) if booking.event_type_id else None
    event_type = found[0] if found else None
    return {
        "title": booking.title,
        "id": booking.id,
        "uid": booking.uid,
        "description": booking.description,
        "customInputs": {},
        "smsReminderNumber": None,
        "recurringEventId": booking.recurring_event_id,
        "startTime": iso_ms(booking.start_time),
        "endTime": iso_ms(booking.end_time),
        "location": booking.location,
        "status": booking.status.upper(),
        "metadata": booking.booking_metadata or {},
        "cancellationReason": booking.cancellation_reason,
        "responses": booking.responses or {},
        "rejectionReason": booking.rejection_reason,
        "userPrimaryEmail": organizer.email if organizer else None,
        "user": (
            {
                "id": organizer.id,
                "name": organizer.name,
                "email": organizer.email,
                "username": organizer.username,
                "timeZone": organizer.time_zone,
            }
            if organizer
            else None
        ),
        "attendees": [{"name": a.name, "email": a.email, "timeZone": a.time_zone} for a in attendees],
        "eventTypeId": booking.event_type_id,
        "eventType": (
            {
                "eventName": (event_type.settings or {}).get("customName"),
                "slug": event_type.slug,
                "timeZone": (event_type.settings or {}).get("timeZone"),
            }
            if event_type is not None
            else None
        ),
    }


def no_show_message(attendees: Sequence[tuple[str, bool]], host: bool) -> str:
    """The ``message`` of ``MarkNoShowOutput_2024_04_15`` as Cal.com's English strings word it: one
    attendee is named, several get the general line, and marking the host has the last word."""
    if host or len(attendees) > 1:
        return "No-show status updated"
    if attendees:
        email, absent = attendees[0]
        return f"{email} marked as no-show" if absent else f"{email} unmarked as no-show"
    return ""
