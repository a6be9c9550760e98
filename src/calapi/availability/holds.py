"""Holds on slots (``slot_reservations``) as busy time: read for every listing and booking, dropped
once the holder has booked. Making and moving holds is the slots room's job (reservations)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability.models import SlotReservation
from calapi.scheduling import Reservation

# Built once (every slot listing and booking runs it): its cache key stays memoized.
_HOLDS_STATEMENT = select(
    SlotReservation.user_id,
    SlotReservation.uid,
    SlotReservation.event_type_id,
    SlotReservation.slot_start,
    SlotReservation.slot_end,
    SlotReservation.release_at,
    SlotReservation.is_seat,
).where(
    SlotReservation.user_id.in_(bindparam("host_ids", expanding=True)),
    SlotReservation.slot_start < bindparam("window_end"),
    SlotReservation.slot_end > bindparam("window_start"),
    SlotReservation.release_at > bindparam("now"),
)


async def load_holds(
    session: AsyncSession, user_ids: Iterable[int], start: datetime, end: datetime, now: datetime
) -> dict[int, list[Reservation]]:
    """Unexpired holds on the hosts overlapping [start, end), all hosts in one statement."""
    ids = sorted(set(user_ids))
    holds: dict[int, list[Reservation]] = defaultdict(list)
    if not ids:
        return holds
    connection = await session.connection()  # Core rows: no ORM bookkeeping per row
    parameters = {"host_ids": ids, "window_start": start, "window_end": end, "now": now}
    rows = (await connection.execute(_HOLDS_STATEMENT, parameters)).all()
    for user_id, uid, event_type_id, slot_start, slot_end, release_at, is_seat in rows:
        holds[user_id].append(Reservation(slot_start, slot_end, release_at, event_type_id, uid, is_seat))
    return holds


async def release(session: AsyncSession, uid: str) -> None:
    """Drop a hold; an unknown uid is not an error (Cal.com)."""
    await session.execute(delete(SlotReservation).where(SlotReservation.uid == uid))
