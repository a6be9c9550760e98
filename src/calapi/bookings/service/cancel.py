"""Cancelling: a booking, the rest of its series, a whole series, or one seat.

``POST /v2/bookings/{uid}/cancel`` and the cancels of every other version. Anyone with the uid may
cancel (as in Cal.com); the steps are those of every change (``steps``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings import events
from calapi.bookings.commands import CancelBooking
from calapi.bookings.models import Attendee, Booking, BookingSeat
from calapi.bookings.results import BookingOrSeries, BookingResult
from calapi.bookings.service import details, payments, queries, steps
from calapi.core.auth import Principal
from calapi.core.errors import BadRequest
from calapi.core.limits import InputLimits
from calapi.db import utcnow


def _cancelled_already(uid: str) -> BadRequest:
    return BadRequest(
        f"Can't cancel booking with uid={uid} because it has been cancelled already. "
        "Please provide uid of a booking that is not cancelled."
    )


async def _cancel_rows(
    session: AsyncSession,
    rows: list[Booking],
    *,
    reason: str | None,
    by_email: str | None,
    caller: Principal | None = None,
) -> None:
    now = utcnow()
    for booking in rows:
        booking.status = steps.CANCELLED
        booking.cancellation_reason = reason
        booking.cancelled_by_email = by_email
        booking.updated_at = now
    await session.flush()
    for booking in rows:
        await events.record_booking_event(session, events.BOOKING_CANCELLED, booking)
        await events.cancel_meeting_events(session, booking.uid)
    # A paid booking's money follows: refunded when its host cancels, an open payment dropped.
    await payments.payment_hooks().cancelled(session, rows, caller.user_id if caller is not None else None)


async def cancel(
    session: AsyncSession,
    command: CancelBooking,
    *,
    caller: Principal | None,
    now: datetime,
    limits: InputLimits,
) -> BookingOrSeries:
    """The booking (or the series) as it stands after the cancel."""
    uid = command.uid
    limits.check_text("cancellation reason", command.reason)
    found = await steps.lock_and_reload(session, uid, missing=f"Booking with uid={uid} not found")
    by_email = queries.caller_email(caller)

    if isinstance(found, list):  # a series uid: every remaining occurrence
        if command.cancel_subsequent:
            raise BadRequest(
                "Cannot cancel subsequent bookings for recurring event - you have to provide uid of one of the "
                "individual bookings of a recurring booking."
            )
        remaining = [b for b in found if b.status not in steps.ENDED and b.end_time > now]
        if not remaining:
            raise _cancelled_already(uid)
        await _cancel_rows(session, remaining, reason=command.reason, by_email=by_email, caller=caller)
        return await details.load_found(session, uid, found)

    booking = found
    if command.seat_uid is not None:
        return await _cancel_seat(session, booking, command, by_email=by_email)
    if command.cancel_subsequent and booking.recurring_event_id is None:
        raise BadRequest(f"Booking with bookingUid={uid} is not part of a recurring booking.")
    if booking.status in steps.ENDED:
        raise _cancelled_already(uid)
    if command.cancel_subsequent:
        series_uid = booking.recurring_event_id or ""
        series = await queries.find_booking_or_series(session, series_uid)
        assert series is not None  # the booking itself is one of them
        later = [b for b in steps.rows(series) if b.start_time >= booking.start_time and b.status not in steps.ENDED]
        await _cancel_rows(session, later, reason=command.reason, by_email=by_email, caller=caller)
        return await details.load_found(session, series_uid, series)
    await _cancel_rows(session, [booking], reason=command.reason, by_email=by_email, caller=caller)
    return await details.load_result(session, booking)


async def _cancel_seat(
    session: AsyncSession, booking: Booking, command: CancelBooking, *, by_email: str | None
) -> BookingResult:
    assert command.seat_uid is not None
    seat = await steps.seat_of(session, booking, command.seat_uid)
    if booking.status in steps.ENDED:
        raise _cancelled_already(booking.uid)
    if len(await steps.seated_attendee_ids(session, booking.id)) <= 1:
        # The last seat goes: the meeting itself is cancelled (Cal.com does the same).
        await _cancel_rows(session, [booking], reason=command.reason, by_email=by_email)
        await session.execute(delete(BookingSeat).where(BookingSeat.id == seat.id))
        return await details.load_result(session, booking)
    attendee = await session.get(Attendee, seat.attendee_id)
    leaving = attendee.email if attendee else None
    await session.execute(delete(BookingSeat).where(BookingSeat.id == seat.id))
    await session.execute(delete(Attendee).where(Attendee.id == seat.attendee_id))
    booking.updated_at = utcnow()
    await session.flush()
    await events.record_booking_event(
        session,
        events.BOOKING_CANCELLED,
        booking,
        extra={"seatUid": command.seat_uid, "cancelledAttendeeEmail": leaving, "cancellationReason": command.reason},
    )
    return await details.load_result(session, booking)
