"""Deciding a booking that needs confirmation: confirm (pending → accepted) or decline (→ rejected).

The organizer (or an admin) decides; anyone else gets 404. A series is decided as a whole. The steps
are those of every change (``steps``); the status changes are compare-and-swap updates.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability import busy as busy_times
from calapi.bookings import events
from calapi.bookings.commands import DeclineBooking
from calapi.bookings.models import Booking
from calapi.bookings.results import BookingOrSeries
from calapi.bookings.service import details, queries, steps
from calapi.core.auth import Principal
from calapi.core.envelopes import iso_ms
from calapi.core.errors import BadRequest, Conflict
from calapi.core.limits import InputLimits
from calapi.db import rows_affected, utcnow
from calapi.event_types import service as event_types_service
from calapi.payments.models import Payment
from calapi.scheduling import (
    BookingRequest,
    EventRules,
    Host,
    RefusalReason,
    Schedule,
    WeeklyRule,
    check_booking,
)

_ALWAYS_OPEN = Schedule("UTC", weekly=(WeeklyRule(frozenset(range(7)), time(0), time(23, 59)),))
_BUSY_SEARCH_MARGIN = timedelta(days=1)  # wider than any buffer pair


async def _overlap_refusal(session: AsyncSession, booking: Booking, now: datetime) -> bool:
    """Would accepting ``booking`` double-book its organizer? The slot engine answers.

    Only "busy" counts here: the booking was allowed when it was made, so notice, window, hours
    and limits are switched off (an always-open schedule, no limits); the engine applies its own
    rules for buffers and for which bookings block, with this booking's own time freed
    (``reschedule_uid``).
    """
    duration = steps.minutes(booking)
    event = (
        await event_types_service.load_slot_event_type(session, booking.event_type_id)
        if booking.event_type_id
        else None
    )
    base = event.rules() if event is not None else EventRules(length=max(duration, 1))
    # Seats and the event's own zone do not matter to "is the organizer busy".
    rules = replace(steps.rules_for_existing_meeting(base, max(duration, 1)), seats_per_slot=None, time_zone=None)
    busy = await busy_times.load_busy_for_hosts(
        session, [booking.user_id], booking.start_time - _BUSY_SEARCH_MARGIN, booking.end_time + _BUSY_SEARCH_MARGIN
    )
    check = check_booking(
        BookingRequest(
            hosts=(Host(booking.user_id, _ALWAYS_OPEN, busy=tuple(busy.get(booking.user_id, ()))),),
            rules=rules,
            now=min(now, booking.start_time),
            start=booking.start_time,
            reschedule_uid=booking.uid,
        )
    )
    return not check.ok and check.reason is RefusalReason.BUSY


async def _pending_rows(session: AsyncSession, booking: Booking) -> list[Booking]:
    """The booking, or every pending occurrence of its series (a series is decided as a whole)."""
    if booking.recurring_event_id is None:
        return [booking]
    series = await queries.find_booking_or_series(session, booking.recurring_event_id)
    return [b for b in steps.rows(series or []) if b.status == steps.PENDING]


async def _swap_status(session: AsyncSession, rows: list[Booking], *, to: str, **values: Any) -> None:
    """Compare-and-swap pending → ``to``: all rows or none (a lost race is a 409)."""
    result = await session.execute(
        update(Booking)
        .where(Booking.id.in_([b.id for b in rows]), Booking.status == steps.PENDING)
        .values(status=to, updated_at=utcnow(), **values)
        .execution_options(synchronize_session="fetch")
    )
    if rows_affected(result) != len(rows):
        raise Conflict("The booking was changed by another request at the same time. Read it again and retry.")


def _not_pending(booking: Booking) -> BadRequest:
    return BadRequest(
        f"Booking with uid={booking.uid} is not pending confirmation (its status is {booking.status}); "
        "only pending bookings can be confirmed or declined."
    )


async def _pending(session: AsyncSession, uid: str, caller: Principal) -> tuple[steps.Found, list[Booking]]:
    """What ``uid`` names, and the pending rows to decide; 400 when nothing there is pending."""
    missing = f"Booking with uid={uid} was not found in the database"
    found, booking = await steps.organizers_locked_booking(session, uid, caller, missing=missing)
    rows = await _pending_rows(session, booking) if booking.status == steps.PENDING else []
    if not rows:
        raise _not_pending(booking)
    unpaid = await session.scalar(
        select(Payment.id).where(Payment.booking_id.in_([b.id for b in rows]), Payment.success.is_(False)).limit(1)
    )
    if unpaid is not None:
        # Its payment decides: paid, it comes back here to be confirmed; unpaid, it is released.
        raise BadRequest(
            f"Booking with uid={booking.uid} is waiting for its payment; it can be confirmed or declined once paid."
        )
    return found, rows


async def confirm(session: AsyncSession, uid: str, *, caller: Principal, now: datetime) -> BookingOrSeries:
    """pending → accepted, unless that would double-book the host."""
    found, rows = await _pending(session, uid, caller)
    for row in rows:
        if await _overlap_refusal(session, row, now):
            raise Conflict(
                f"Can't confirm booking with uid={row.uid}: its host already has an accepted booking at "
                f"{iso_ms(row.start_time)}–{iso_ms(row.end_time)}. Decline it or reschedule it first."
            )
    await _swap_status(session, rows, to=steps.ACCEPTED)
    for row in rows:
        # Cal.com fires BOOKING_CREATED when a host confirms (there is no BOOKING_CONFIRMED trigger).
        await events.record_booking_event(session, events.BOOKING_CREATED, row)
        await events.schedule_meeting_events(session, row)
    return await details.load_found(session, uid, found)


async def decline(
    session: AsyncSession, command: DeclineBooking, *, caller: Principal, limits: InputLimits
) -> BookingOrSeries:
    """pending → rejected, with the reason kept."""
    limits.check_text("rejection reason", command.reason)
    found, rows = await _pending(session, command.uid, caller)
    await _swap_status(session, rows, to=steps.REJECTED, rejection_reason=command.reason)
    for row in rows:
        await events.record_booking_event(session, events.BOOKING_REJECTED, row)
    return await details.load_found(session, command.uid, found)
