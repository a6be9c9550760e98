"""Attendee rows of bookings: the one loader every booking answer, event and webhook reads them
with (``of_bookings``, ``of_booking``), and API v1's ``/attendees`` one row at a time.

Access is by the booking's organizer (system admins: any); the caller checks it with
``organizer_of`` before changing a row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings.models import Attendee, Booking
from calapi.core.errors import NotFound
from calapi.core.timezones import require_time_zone


async def of_bookings(session: AsyncSession, booking_ids: Iterable[int]) -> dict[int, list[Attendee]]:
    """The attendees of these bookings by booking id, each list in the order they were added
    (the first is the booker); one statement, none for no bookings."""
    ids = list(dict.fromkeys(booking_ids))
    found: dict[int, list[Attendee]] = defaultdict(list)
    if not ids:
        return found
    for attendee in (
        await session.scalars(select(Attendee).where(Attendee.booking_id.in_(ids)).order_by(Attendee.id))
    ).all():
        found[attendee.booking_id].append(attendee)
    return found


async def of_booking(session: AsyncSession, booking_id: int) -> list[Attendee]:
    """The attendees of one booking, in the order they were added (the first is the booker)."""
    return (await of_bookings(session, [booking_id])).get(booking_id, [])


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
