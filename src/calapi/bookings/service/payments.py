"""Paid bookings as the bookings room sees them.

The payments room sits above bookings: it takes the money, bookings own the booking rows. So
bookings declare what they need done about money (``PaymentHooks``: start a payment for a new
booking, follow a cancel or a reschedule) and the payments room fills the hooks at start-up
(``wiring.register_domain_hooks``); what the payments room needs done to a booking (mark it paid,
cancel it unpaid, record its payment events) it does through the functions here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings import events
from calapi.bookings.models import Booking
from calapi.bookings.results import PaymentView
from calapi.bookings.service import locks, steps
from calapi.core.errors import BadRequest
from calapi.db import begin_write, utcnow
from calapi.event_types import pricing
from calapi.event_types.models import EventType
from calapi.event_types.pricing import Price

BOOKING_PAYMENT_INITIATED = "BOOKING_PAYMENT_INITIATED"
BOOKING_PAID = "BOOKING_PAID"


@dataclass(frozen=True)
class PaymentHooks:
    """``start(session, booking, price)``: the new booking's payment (in the booking's transaction);
    ``cancelled(session, bookings, caller_user_id)``: bookings were cancelled (by that user, or
    None: without a key); ``moved(session, old, new)``: a booking was rescheduled to ``new``, which
    keeps the payment."""

    start: Callable[[AsyncSession, Booking, Price], Awaitable[PaymentView]]
    cancelled: Callable[[AsyncSession, list[Booking], int | None], Awaitable[None]]
    moved: Callable[[AsyncSession, Booking, Booking], Awaitable[None]]


_hooks: PaymentHooks | None = None


def use_payment_hooks(hooks: PaymentHooks) -> None:
    global _hooks
    _hooks = hooks


def payment_hooks() -> PaymentHooks:
    if _hooks is None:
        raise RuntimeError("payment hooks are not registered (wiring.register_domain_hooks)")
    return _hooks


async def record_payment_event(session: AsyncSession, trigger: str, booking: Booking, extra: dict[str, Any]) -> None:
    """BOOKING_PAYMENT_INITIATED / BOOKING_PAID: the booking payload plus the payment's fields."""
    await events.record_booking_event(session, trigger, booking, extra=extra)


async def lock_booking(session: AsyncSession, booking_id: int) -> Booking | None:
    """Lock a booking's organizer as every booking change does, before its payment row is locked:
    one order for all (host, then payment), so a cancel and Stripe's event never deadlock."""
    return await _locked(session, booking_id)


async def _locked(session: AsyncSession, booking_id: int) -> Booking | None:
    """The booking, with its organizer locked and the row read again (the steps of every change)."""
    await begin_write(session)
    booking = await session.get(Booking, booking_id)
    if booking is None:
        return None
    await locks.lock_hosts(session, [booking.user_id])
    await session.refresh(booking)
    return booking


async def mark_paid(session: AsyncSession, booking_id: int, payment_extra: dict[str, Any]) -> Booking | None:
    """An unpaid booking was paid: BOOKING_PAID, then what a confirmed booking gets (BOOKING_CREATED,
    its meeting events — or BOOKING_REQUESTED when its event type still wants the host to confirm).
    None when the booking is no longer waiting for its payment (cancelled meanwhile)."""
    booking = await _locked(session, booking_id)
    if booking is None or booking.status != steps.PENDING:
        return None
    requires_confirmation = bool(
        booking.event_type_id is not None
        and await session.scalar(select(EventType.requires_confirmation).where(EventType.id == booking.event_type_id))
    )
    if not requires_confirmation:
        booking.status = steps.ACCEPTED
    booking.updated_at = utcnow()
    await session.flush()
    await record_payment_event(session, BOOKING_PAID, booking, payment_extra)
    if requires_confirmation:
        await events.record_booking_event(session, events.BOOKING_REQUESTED, booking)
    else:
        await events.record_booking_event(session, events.BOOKING_CREATED, booking)
        await events.schedule_meeting_events(session, booking)
    return booking


async def cancel_unpaid(session: AsyncSession, booking_id: int, *, reason: str) -> Booking | None:
    """An unpaid booking's hold ran out: cancelled with ``reason``, its slot free. None when it is
    not waiting for a payment any more."""
    booking = await _locked(session, booking_id)
    if booking is None or booking.status != steps.PENDING:
        return None
    booking.status = steps.CANCELLED
    booking.cancellation_reason = reason
    booking.updated_at = utcnow()
    await session.flush()
    await events.record_booking_event(session, events.BOOKING_CANCELLED, booking)
    await events.cancel_meeting_events(session, booking.uid)
    return booking


def price_to_pay(event_type: EventType, *, seated: bool, series: bool) -> Price | None:
    """What booking this event type costs (None: free); 400 for the kinds calapi cannot charge."""
    price = pricing.price_of(event_type.event_metadata)
    if price is not None and (seated or series):
        kind = "seated" if seated else "recurring"
        raise BadRequest(
            f"Event type {event_type.id} is {kind} and has a price: calapi charges only single, unseated "
            "bookings. Remove the price (metadata.apps.stripe) or the seats/recurrence."
        )
    return price
