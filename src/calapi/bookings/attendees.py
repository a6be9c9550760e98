"""Attendee rows of bookings, one at a time (API v1's ``/attendees``).

Access is by the booking's organizer (system admins: any); the caller checks it with
``organizer_of`` before changing a row. The rows are the same ones bookings list and webhooks send.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings.models import Attendee, Booking
from calapi.core.errors import NotFound
from calapi.core.timezones import require_time_zone


async def organizer_of(session: AsyncSession, attendee_id: int) -> int | None:
    """The organizer of the booking the attendee belongs to (None: no such attendee)."""
    return await session.scalar(
        select(Booking.user_id).join(Attendee, Attendee.booking_id == Booking.id).where(Attendee.id == attendee_id)
    )


async def list_for_organizers(session: AsyncSession, organizer_ids: list[int] | None) -> list[Attendee]:
    """Attendees of the bookings these users organise (None: every attendee), oldest first; one statement."""
    query = select(Attendee)
    if organizer_ids is not None:
        query = query.join(Booking, Booking.id == Attendee.booking_id).where(Booking.user_id.in_(organizer_ids))
    return list((await session.scalars(query.order_by(Attendee.id))).all())


async def get(session: AsyncSession, attendee_id: int) -> Attendee:
    attendee = await session.get(Attendee, attendee_id)
    if attendee is None:
        raise NotFound(f"Attendee with id: {attendee_id} not found")
    return attendee


async def add(session: AsyncSession, booking_id: int, *, name: str, email: str, time_zone: str) -> Attendee:
    require_time_zone(time_zone)
    attendee = Attendee(booking_id=booking_id, name=name, email=email.strip().lower(), time_zone=time_zone)
    session.add(attendee)
    await session.flush()
    return attendee


async def update(session: AsyncSession, attendee_id: int, changes: dict[str, Any]) -> Attendee:
    attendee = await get(session, attendee_id)
    if "time_zone" in changes:
        require_time_zone(changes["time_zone"])
    if "email" in changes:
        changes["email"] = changes["email"].strip().lower()
    for column, value in changes.items():
        setattr(attendee, column, value)
    await session.flush()
    return attendee


async def delete(session: AsyncSession, attendee_id: int) -> None:
    await session.delete(await get(session, attendee_id))
    await session.flush()
