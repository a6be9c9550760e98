"""Holds on slots (``slot_reservations``): dropped once the holder has booked. They are read as busy
time with the bookings, in one statement (``busy.load_busy_and_holds``). Making and moving holds is
the slots room's job (reservations)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability import changes
from calapi.availability.models import SlotReservation


async def release(session: AsyncSession, uid: str) -> None:
    """Drop a hold; an unknown uid is not an error (Cal.com)."""
    statement = delete(SlotReservation).where(SlotReservation.uid == uid).returning(SlotReservation.user_id)
    held = (await session.execute(statement, execution_options=changes.NOTED)).scalars().all()
    changes.note_hosts(session, held)
