"""The details every booking result carries, loaded for a page of bookings in a flat number of statements.

Attendees, event types (with their teams), organizers: one statement each; seats only when a
booking is seated, successors only when one was rescheduled. A service that holds some of these
already (the rows it just inserted) builds its ``BookingResult`` itself instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings import attendees as booking_attendees
from calapi.bookings.models import Attendee, Booking, BookingSeat
from calapi.bookings.results import (
    BookingOrSeries,
    BookingResult,
    BookingSeries,
    EventTypeRef,
    OrganizerRef,
    PaymentView,
    TeamRef,
)
from calapi.event_types.models import EventType
from calapi.payments.models import Payment
from calapi.teams.models import Team
from calapi.users.models import User

_EVENT_TYPES = select(
    EventType.id,
    EventType.slug,
    EventType.owner_id,
    EventType.seats_per_time_slot,
    EventType.seats,
    EventType.settings,
    EventType.recurrence,
    EventType.event_metadata,
    Team.id,
    Team.name,
    Team.slug,
).outerjoin(Team, Team.id == EventType.team_id)

_ORGANIZERS = select(User.id, User.name, User.email, User.username, User.time_zone, User.locale)


async def _event_types(session: AsyncSession, ids: set[int]) -> dict[int, EventTypeRef]:
    if not ids:
        return {}
    rows = await session.execute(_EVENT_TYPES.where(EventType.id.in_(ids)))
    return {
        ident: EventTypeRef.from_columns(
            ident,
            slug,
            owner_id,
            per_slot,
            seats,
            settings,
            recurrence,
            metadata,
            TeamRef(team_id, team_name, team_slug) if team_id is not None else None,
        )
        for ident, slug, owner_id, per_slot, seats, settings, recurrence, metadata, team_id, team_name, team_slug in rows
    }


async def load_results(
    session: AsyncSession,
    bookings: Sequence[Booking],
    *,
    attendees: Mapping[int, Sequence[Attendee]] | None = None,
) -> list[BookingResult]:
    """The results of these bookings, in the given order.

    ``attendees``: the caller's attendee rows by booking id, when it holds them already (saves a statement).
    """
    if not bookings:
        return []
    if attendees is None:
        attendees = await booking_attendees.of_bookings(session, [b.id for b in bookings])
    event_types = await _event_types(session, {b.event_type_id for b in bookings if b.event_type_id is not None})
    organizers = {
        row.id: OrganizerRef(row.id, row.name, row.email, row.username, row.time_zone, row.locale)
        for row in await session.execute(_ORGANIZERS.where(User.id.in_({b.user_id for b in bookings})))
    }

    seats: dict[int, BookingSeat] = {}
    seated_ids = [b.id for b in bookings if b.event_type_id in event_types and event_types[b.event_type_id].seated]
    if seated_ids:
        for seat in await session.scalars(select(BookingSeat).where(BookingSeat.booking_id.in_(seated_ids))):
            seats[seat.attendee_id] = seat

    successors: dict[str, str] = {}
    rescheduled_uids = [b.uid for b in bookings if b.rescheduled]
    if rescheduled_uids:
        rows = await session.execute(
            select(Booking.from_reschedule, Booking.uid)
            .where(Booking.from_reschedule.in_(rescheduled_uids))
            .order_by(Booking.id)
        )
        for old_uid, new_uid in rows:
            if old_uid is not None:
                successors[old_uid] = new_uid  # the latest successor wins

    payments: dict[int, PaymentView] = {}
    # Only bookings of event types that have had a payment app can have a payment.
    priced_ids = [
        b.id for b in bookings if b.event_type_id in event_types and "apps" in event_types[b.event_type_id].metadata
    ]
    if priced_ids:
        for payment in await session.scalars(select(Payment).where(Payment.booking_id.in_(priced_ids))):
            payments[payment.booking_id] = PaymentView.of(payment)

    results = []
    for booking in bookings:
        own = tuple(attendees.get(booking.id, ()))
        results.append(
            BookingResult(
                booking=booking,
                attendees=own,
                organizer=organizers.get(booking.user_id),
                event_type=event_types.get(booking.event_type_id) if booking.event_type_id is not None else None,
                seats={a.id: seats[a.id] for a in own if a.id in seats},
                rescheduled_to_uid=successors.get(booking.uid),
                payment=payments.get(booking.id),
            )
        )
    return results


async def load_result(
    session: AsyncSession, booking: Booking, *, attendees: Sequence[Attendee] | None = None
) -> BookingResult:
    """One booking's result (``attendees``: its attendee rows, when the caller holds them)."""
    known = None if attendees is None else {booking.id: attendees}
    return (await load_results(session, [booking], attendees=known))[0]


async def load_found(session: AsyncSession, uid: str, found: Booking | Sequence[Booking]) -> BookingOrSeries:
    """What a lookup by ``uid`` found: the booking, or every occurrence of the series ``uid`` names."""
    if isinstance(found, Booking):
        return await load_result(session, found)
    return BookingSeries(uid=uid, occurrences=tuple(await load_results(session, found)))
