"""Holds on slots (``slot_reservations``): dropped once the holder has booked. They are read as busy
time with the bookings, in one statement (``busy.load_busy_and_holds``). Making and moving holds is
the slots room's job (reservations), except the hold that keeps an unpaid booking's slot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability import changes
from calapi.availability.models import SlotReservation
from calapi.db import utcnow


async def release(session: AsyncSession, uid: str) -> None:
    """Drop a hold; an unknown uid is not an error (Cal.com)."""
    statement = delete(SlotReservation).where(SlotReservation.uid == uid).returning(SlotReservation.user_id)
    held = (await session.execute(statement, execution_options=changes.NOTED)).scalars().all()
    changes.note_hosts(session, held)


def hold_for_payment(
    session: AsyncSession,
    uid: str,
    *,
    event_type_id: int,
    user_id: int,
    start: datetime,
    end: datetime,
    until: datetime,
) -> None:
    """Keep an unpaid booking's slot from everyone else until ``until`` (its payment hold): the
    booking itself waits for its payment as ``pending``, which does not block on its own."""
    session.add(
        SlotReservation(
            uid=uid,
            event_type_id=event_type_id,
            user_id=user_id,
            slot_start=start,
            slot_end=end,
            release_at=until,
            is_seat=False,
            created_at=utcnow(),
        )
    )
    changes.note_hosts(session, [user_id])
