"""No-show flags: the organizer (or an admin) marks the host and attendees absent after the start."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings import attendees as booking_attendees
from calapi.bookings import events
from calapi.bookings.commands import MarkAbsent
from calapi.bookings.results import BookingResult
from calapi.bookings.service import details, steps
from calapi.core.auth import Principal
from calapi.core.envelopes import iso_ms
from calapi.core.errors import BadRequest
from calapi.db import utcnow
from calapi.jobs.outbox import record_event


async def mark_absent(session: AsyncSession, command: MarkAbsent, *, caller: Principal, now: datetime) -> BookingResult:
    """The booking with the flags set; BOOKING_NO_SHOW_UPDATED when anything was asked to change."""
    uid = command.uid
    booking = await steps.organizers_booking(session, uid, caller, missing=f"Booking with uid={uid} not found.")
    if now < booking.start_time:
        raise BadRequest(
            "Bookings can only be marked as absent after their scheduled start time. "
            f"Current time in UTC+0: {iso_ms(now)}, Booking start time in UTC+0: {iso_ms(booking.start_time)}"
        )
    attendees = await booking_attendees.of_booking(session, booking.id)
    by_email = {a.email.lower(): a for a in attendees}
    unknown = [a.email for a in command.attendees if a.email.lower() not in by_email]
    if unknown:
        raise BadRequest(f"Booking with uid={uid} has no attendee with email {', '.join(unknown)}.")
    for change in command.attendees:
        by_email[change.email.lower()].absent = change.absent
    if command.host is not None:
        booking.absent_host = command.host
    if command.host is None and not command.attendees:
        return await details.load_result(session, booking, attendees=attendees)
    booking.updated_at = utcnow()
    await session.flush()
    payload = events.no_show_payload(
        booking, [(by_email[a.email.lower()].email, a.absent) for a in command.attendees], host=command.host
    )
    await record_event(
        session,
        events.BOOKING_NO_SHOW_UPDATED,
        payload,
        subject_uid=booking.uid,
        owner_user_id=booking.user_id,
        event_type_id=booking.event_type_id,
    )
    return await details.load_result(session, booking, attendees=attendees)
