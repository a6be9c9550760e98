"""Slot reservations: short holds on a slot (``POST /v2/slots/reservations``, the legacy reserve).

A hold is a ``slot_reservations`` row on one host until ``release_at``; listings and bookings read
holds through ``calapi.availability.holds``. Holds under one uid never block each other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability import busy, changes, holds
from calapi.availability.models import SlotReservation
from calapi.core.errors import BadRequest, Forbidden, NotFound, Unauthorized, Unprocessable
from calapi.db import begin_write
from calapi.event_types import service as event_types_service

DEFAULT_RESERVATION_MINUTES = 5  # Cal.com's MINUTES_TO_BOOK


@dataclass(frozen=True)
class ReservationRequest:
    event_type_id: int
    slot_start: datetime
    slot_duration: int | None = None
    reservation_duration: int | None = None


@dataclass(frozen=True)
class HeldSlot:
    uid: str
    event_type_id: int
    slot_start: datetime
    slot_end: datetime
    release_at: datetime
    reservation_duration: int | None = None  # minutes; known when the hold was just (re)made

    @property
    def slot_duration(self) -> int:
        return int((self.slot_end - self.slot_start).total_seconds() // 60)


async def _lock_event_type(session: AsyncSession, event_type_id: int) -> None:
    """Serialise holds on one event type: check-then-insert must not interleave.

    SQLite: the write lock taken at BEGIN (begin_write) already does it. PostgreSQL: a
    transaction-scoped advisory lock keyed by the event type.
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :key)"), {"namespace": 4210, "key": event_type_id}
        )


async def _check_and_hold(
    session: AsyncSession,
    request: ReservationRequest,
    *,
    caller_id: int | None,
    now: datetime,
    uid: str,
) -> HeldSlot:
    if request.reservation_duration is not None and caller_id is None:
        raise Unauthorized(
            "reservationDuration can only be used for authenticated requests - use access token, api key or OAuth credentials"
        )
    event = await event_types_service.load_slot_event_type(session, request.event_type_id)
    if event is None or event.owner_id is None:
        raise NotFound(f"Event Type with ID={request.event_type_id} not found")
    if request.reservation_duration is not None and caller_id != event.owner_id:
        # Cal.com also lets team members and org members in; there are no teams yet.
        raise Forbidden(
            f"User with id={caller_id} is not authorized to set a custom reservationDuration for event type with id={event.id}"
        )
    length = event.length
    if request.slot_duration is not None:
        if not event.is_variable_length:
            raise BadRequest("You passed 'slotDuration' but this event type is not a variable length event type.")
        if request.slot_duration not in event.length_options:
            allowed = ", ".join(str(n) for n in event.length_options)
            raise BadRequest(
                f"Provided 'slotDuration' is not one of the possible lengths for the event type. The possible lengths are: {allowed}"
            )
        length = request.slot_duration
    slot_start = request.slot_start
    slot_end = slot_start + timedelta(minutes=length)
    await _lock_event_type(session, event.id)
    # Expired holds of this event type go on the way. Listings already ignore them, so no host's
    # availability changes: nothing to publish (``changes.NOTED`` with no host noted).
    await session.execute(
        delete(SlotReservation).where(SlotReservation.event_type_id == event.id, SlotReservation.release_at <= now),
        execution_options=changes.NOTED,
    )
    booked = await busy.event_bookings_overlapping(session, event.id, slot_start, slot_end)
    others = (
        SlotReservation.event_type_id == event.id,
        SlotReservation.uid != uid,
        SlotReservation.release_at > now,
    )
    if event.seats_per_slot is None:
        if booked:
            raise Unprocessable("Can't reserve a slot if the event is already booked.")
        clash = await session.scalar(
            select(SlotReservation.id)
            .where(*others, SlotReservation.slot_start < slot_end, SlotReservation.slot_end > slot_start)
            .limit(1)
        )
        if clash is not None:
            raise Unprocessable("This time slot is already reserved by another user. Please choose a different time.")
    else:
        # Seats: booked rows at this start (one seat each until attendees are stored) plus other holders.
        holders = await session.scalar(
            select(func.count(func.distinct(SlotReservation.uid))).where(
                *others, SlotReservation.slot_start == slot_start
            )
        )
        taken = sum(1 for b in booked if b.start == slot_start) + int(holders or 0)
        if taken >= event.seats_per_slot:
            raise Unprocessable("Can't reserve a seat: all seats of this time slot are taken.")
    minutes = request.reservation_duration or DEFAULT_RESERVATION_MINUTES
    release_at = now + timedelta(minutes=minutes)
    session.add(
        SlotReservation(
            uid=uid,
            event_type_id=event.id,
            user_id=event.owner_id,
            slot_start=slot_start,
            slot_end=slot_end,
            release_at=release_at,
            is_seat=event.seats_per_slot is not None,
            created_at=now,
        )
    )
    await session.flush()
    return HeldSlot(uid, event.id, slot_start, slot_end, release_at, minutes)


async def reserve(
    session: AsyncSession, request: ReservationRequest, *, caller_id: int | None, now: datetime, uid: str | None = None
) -> HeldSlot:
    """Hold a slot for ``reservation_duration`` minutes (default 5) — one row per host held.

    ``uid``: the booker's existing hold uid (the legacy API reuses its cookie), else a new one.
    Holds under one uid never block each other, and releasing the uid drops them all.
    """
    await begin_write(session)
    return await _check_and_hold(session, request, caller_id=caller_id, now=now, uid=uid or str(uuid.uuid4()))


async def get_reservation(session: AsyncSession, uid: str) -> HeldSlot | None:
    row = await session.scalar(
        select(SlotReservation).where(SlotReservation.uid == uid).order_by(SlotReservation.id).limit(1)
    )
    if row is None:
        return None
    return HeldSlot(row.uid, row.event_type_id, row.slot_start, row.slot_end, row.release_at)


async def update_reservation(
    session: AsyncSession, uid: str, request: ReservationRequest, *, caller_id: int | None, now: datetime
) -> HeldSlot:
    """Move a hold (same checks as a new one); its release time counts again from now."""
    await begin_write(session)
    exists = await session.scalar(select(SlotReservation.id).where(SlotReservation.uid == uid).limit(1))
    if exists is None:
        raise NotFound(f"Slot with uid={uid} not found")
    await holds.release(session, uid)
    return await _check_and_hold(session, request, caller_id=caller_id, now=now, uid=uid)


release = holds.release  # the routers drop a hold as bookings do: one function
