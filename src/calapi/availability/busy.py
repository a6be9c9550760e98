"""Busy time from bookings: the rows that keep hosts busy, as slot-engine input.

Slot listings and bookings both read busy time here, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, bindparam, cast, extract, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from calapi.bookings.models import Booking, BookingHost, BookingSeat, BookingStatus
from calapi.event_types import service as event_types_service
from calapi.scheduling import BookingStatus as EngineBookingStatus
from calapi.scheduling import BusyInterval

# Statuses that can keep a host busy; the engine decides which of them block for a given event
# (a pending booking blocks only when its event says so). Cancelled / rejected never do.
ACTIVE_STATUSES = (BookingStatus.accepted.value, BookingStatus.pending.value, BookingStatus.awaiting_host.value)

# The busy query looks for bookings *starting* at most this long before the window, so that the
# (user_id, start_time) index bounds the scan on both sides; a meeting is never longer than a week.
LONGEST_MEETING = timedelta(days=7)

_ENGINE_STATUS = {s.value.lower(): s for s in EngineBookingStatus}


def _epoch(column: Any) -> Any:
    """The instant as whole seconds since the epoch, computed by the database.

    Why: the busy query returns every booking of every host in the window (12,500 rows for 25
    hosts in the round-robin benchmark). Converting each value in Python (SQLAlchemy's SQLite
    DATETIME processor runs a regular expression per value; then the engine turns each datetime
    into seconds again) cost more than the rest of the listing; the engine works in seconds.
    """
    return cast(extract("epoch", column), BigInteger).label(column.key)


def _busy_statement() -> Any:
    """Every host's bookings in a window, as organizer UNION ALL as co-host; built once.

    Bound parameters: ``host_ids`` (expanding), ``earliest_start``, ``window_start``, ``window_end``.
    Why built once: composing this union per call (columns, subquery, cache key) cost more CPU
    than the rest of a booking's check; a module-level statement keeps its cache key memoized.
    """
    # Seats taken in each booking, in the same statement (index on booking_seats.booking_id).
    seat_count = select(func.count(BookingSeat.id)).where(BookingSeat.booking_id == Booking.id).scalar_subquery()
    in_window = (
        Booking.start_time >= bindparam("earliest_start"),
        Booking.start_time < bindparam("window_end"),
        Booking.end_time > bindparam("window_start"),
        Booking.status.in_(ACTIVE_STATUSES),
    )
    columns = (
        Booking.uid,
        Booking.event_type_id,
        _epoch(Booking.start_time),
        _epoch(Booking.end_time),
        Booking.status,
        seat_count.label("taken"),
        Booking.id,
    )
    host_ids: BindParameter[list[int]] = bindparam("host_ids", expanding=True)
    as_organizer = select(Booking.user_id.label("host_id"), *columns).where(Booking.user_id.in_(host_ids), *in_window)
    as_co_host = (
        select(BookingHost.user_id.label("host_id"), *columns)
        .select_from(BookingHost)
        .join(Booking, Booking.id == BookingHost.booking_id)
        .where(BookingHost.user_id.in_(host_ids), *in_window)
    )
    both = union_all(as_organizer, as_co_host).subquery()
    return select(*(c for c in both.c if c.key != "id")).order_by(both.c.id)


_BUSY_STATEMENT = _busy_statement()


@dataclass(frozen=True)
class BookedTime:
    uid: str
    start: datetime
    end: datetime
    status: str


async def load_busy_for_hosts(
    session: AsyncSession, user_ids: Iterable[int], start: datetime, end: datetime
) -> dict[int, list[BusyInterval]]:
    """Each host's bookings (as organizer or as co-host) overlapping [start, end), as engine input.

    Two statements whatever the number of hosts or bookings: the bookings of all hosts at once —
    as organizer (``user_id IN (…)`` over the (user_id, start_time) index) UNION ALL as co-host
    (``booking_hosts``: collective co-hosts, round-robin mandatory hosts) — then the buffers and
    seating of the distinct event types behind them. Callers widen the window by buffers and
    limit periods.
    """
    ids = sorted(set(user_ids))
    busy: dict[int, list[BusyInterval]] = {user_id: [] for user_id in ids}
    if not ids:
        return busy
    # Core execution on the session's connection: plain rows, no ORM bookkeeping per row.
    connection = await session.connection()
    parameters = {"host_ids": ids, "earliest_start": start - LONGEST_MEETING, "window_start": start, "window_end": end}
    rows = (await connection.execute(_BUSY_STATEMENT, parameters)).all()
    traits = await event_types_service.load_slot_event_traits(session, {r[2] for r in rows if r[2]})
    # A seated meeting is one booking with one booking_seats row per attendee (Cal.com: one
    # booking, N attendees). A seated booking row without seat rows counts as one taken seat, and
    # rows of one host, event and time are one meeting whose uid is the first row's.
    seats: dict[tuple[int, int, int, int], list[tuple[str, int]]] = {}
    for user_id, uid, event_type_id, start_s, end_s, status, taken in rows:
        trait = traits.get(event_type_id) if event_type_id is not None else None
        engine_status = _ENGINE_STATUS.get(status, EngineBookingStatus.ACCEPTED)
        if trait is not None and trait.seated and engine_status is EngineBookingStatus.ACCEPTED:
            seats.setdefault((user_id, event_type_id, start_s, end_s), []).append((uid, max(int(taken or 0), 1)))
            continue
        # Positional: this loop runs once per booking of every host (12,500 rows for 25 hosts).
        busy[user_id].append(
            BusyInterval.from_epoch(
                start_s,
                end_s,
                before_buffer=trait.before_buffer if trait else 0,
                after_buffer=trait.after_buffer if trait else 0,
                event_type_id=event_type_id,
                booking_uid=uid,
                status=engine_status,
            )
        )
    for (user_id, event_type_id, start_s, end_s), meetings in seats.items():
        trait = traits[event_type_id]
        busy[user_id].append(
            BusyInterval(
                start=datetime.fromtimestamp(start_s, UTC),
                end=datetime.fromtimestamp(end_s, UTC),
                before_buffer=trait.before_buffer,
                after_buffer=trait.after_buffer,
                event_type_id=event_type_id,
                booking_uid=meetings[0][0],
                seated=True,
                attendees=sum(taken for _, taken in meetings),
            )
        )
    return busy


async def event_bookings_overlapping(
    session: AsyncSession, event_type_id: int, start: datetime, end: datetime
) -> list[BookedTime]:
    """Active bookings of one event type overlapping [start, end) (for slot reservations)."""
    statement = select(Booking.uid, Booking.start_time, Booking.end_time, Booking.status).where(
        Booking.event_type_id == event_type_id,
        Booking.start_time >= start - LONGEST_MEETING,
        Booking.start_time < end,
        Booking.end_time > start,
        Booking.status.in_(ACTIVE_STATUSES),
    )
    return [BookedTime(*row) for row in (await session.execute(statement)).all()]
