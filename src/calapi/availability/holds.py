"""Holds on slots (``slot_reservations``) as busy time: read for every listing and booking, dropped
once the holder has booked. Making and moving holds is the slots room's job (reservations)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from calapi.availability import changes
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


async def load_holds_on(
    connection: AsyncConnection, user_ids: Iterable[int], start: datetime, end: datetime, now: datetime
) -> dict[int, list[Reservation]]:
    """Unexpired holds on the hosts overlapping [start, end), all hosts in one statement."""
    ids = sorted(set(user_ids))
    holds: dict[int, list[Reservation]] = defaultdict(list)
    if not ids:
        return holds
    parameters = {"host_ids": ids, "window_start": start, "window_end": end, "now": now}
    rows = (await connection.execute(_HOLDS_STATEMENT, parameters)).all()
    for user_id, uid, event_type_id, slot_start, slot_end, release_at, is_seat in rows:
        holds[user_id].append(Reservation(slot_start, slot_end, release_at, event_type_id, uid, is_seat))
    return holds


async def load_holds(
    session: AsyncSession, user_ids: Iterable[int], start: datetime, end: datetime, now: datetime
) -> dict[int, list[Reservation]]:
    """``load_holds_on`` the session's connection (its transaction)."""
    return await load_holds_on(await session.connection(), user_ids, start, end, now)  # Core rows


async def release(session: AsyncSession, uid: str) -> None:
    """Drop a hold; an unknown uid is not an error (Cal.com)."""
    statement = delete(SlotReservation).where(SlotReservation.uid == uid).returning(SlotReservation.user_id)
    held = (await session.execute(statement, execution_options=changes.NOTED)).scalars().all()
    changes.note_hosts(session, held)
