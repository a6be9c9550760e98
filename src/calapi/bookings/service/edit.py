"""Changing what a booking says without moving it: its location, its title and description.

Neither touches the time, hosts or event type, so no booking rule is involved; the booking (and a
later reschedule's copy of it) carries the new values. The organizer (or an admin) edits; anyone
else gets 404.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings import events
from calapi.bookings.commands import ChangeLocation, EditDetails
from calapi.bookings.results import BookingResult
from calapi.bookings.service import details, steps
from calapi.core.auth import Principal
from calapi.core.limits import InputLimits
from calapi.db import utcnow


async def change_location(
    session: AsyncSession, command: ChangeLocation, *, caller: Principal, limits: InputLimits
) -> BookingResult:
    """The stored text and ``responses.location`` change together (BOOKING_LOCATION_UPDATED)."""
    new = command.location
    if new is not None:
        limits.check_location("location", new.text)
    uid = command.uid
    booking = await steps.organizers_booking(session, uid, caller, missing=f"Booking with uid={uid} not found")
    if new is None:
        return await details.load_result(session, booking)
    previous = booking.location
    booking.location = new.text
    booking.responses = {**(booking.responses or {}), "location": {"value": new.answer, "optionValue": new.option}}
    booking.updated_at = utcnow()
    await session.flush()
    await events.record_booking_event(
        session, events.BOOKING_LOCATION_UPDATED, booking, extra={"previousLocation": previous}
    )
    return await details.load_result(session, booking)


async def edit_details(
    session: AsyncSession, command: EditDetails, *, caller: Principal, limits: InputLimits
) -> BookingResult:
    """A new title or description (v1 ``PATCH /bookings/{id}``)."""
    uid = command.uid
    limits.check_text("description", command.description)  # the booker's notes, copied into webhook bodies
    booking = await steps.organizers_booking(session, uid, caller, missing=f"Booking with uid={uid} not found")
    if command.title is not None:
        booking.title = command.title
    if command.description is not None:
        booking.description = command.description
    booking.updated_at = utcnow()
    await session.flush()
    return await details.load_result(session, booking)
