"""Busy time from bookings: the rows that keep hosts busy, as slot-engine input (columns).

Slot listings and bookings both read busy time here, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Select, bindparam, cast, extract, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import BindParameter

from calapi.availability.models import SlotReservation
from calapi.bookings.models import Booking, BookingHost, BookingSeat, BookingStatus
from calapi.calendars.models import SelectedCalendar
from calapi.event_types.models import EventType
from calapi.scheduling import BookingStatus as EngineBookingStatus
from calapi.scheduling import BusyTimes, Reservation
from calapi.scheduling.models import CALENDAR_ROW, SEATED_ROW, STATUS_CODES

# Statuses that can keep a host busy; the engine decides which of them block for a given event
# (a pending booking blocks only when its event says so). Cancelled / rejected never do.
ACTIVE_STATUSES = (BookingStatus.accepted.value, BookingStatus.pending.value, BookingStatus.awaiting_host.value)

# The busy query looks for bookings *starting* at most this long before the window, so that the
# (user_id, start_time) index bounds the scan on both sides; a meeting is never longer than a week.
LONGEST_MEETING = timedelta(days=7)

# A row's status as the engine's code (BusyTimes.codes); unknown statuses count as accepted.
_STATUS_CODE = {status.value.lower(): code for status, code in STATUS_CODES.items()}
_ACCEPTED_CODE = STATUS_CODES[EngineBookingStatus.ACCEPTED]
_CALENDAR_CODE = _ACCEPTED_CODE | CALENDAR_ROW


def _epoch(column: Any) -> Any:
    """The instant as whole seconds since the epoch, computed by the database.

    Why: the busy query returns every booking of every host in the window (12,500 rows for 25
    hosts in the round-robin benchmark); the engine works in seconds, so a datetime per value
    (SQLAlchemy's SQLite DATETIME processor runs a regular expression per value) is pure cost.
    """
    return cast(extract("epoch", column), BigInteger).label(column.key)


def _busy_statement(*, with_holds: bool = False) -> Select[Any]:
    """Every host's bookings in a window, as organizer UNION ALL as co-host, with the buffers and
    seating of each booking's event type; in (host, start) order. Built once.

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
        func.coalesce(EventType.before_event_buffer, 0).label("before_buffer"),
        func.coalesce(EventType.after_event_buffer, 0).label("after_buffer"),
        EventType.seats_per_time_slot.is_not(None).label("seated"),
        Booking.id,
    )
    host_ids: BindParameter[list[int]] = bindparam("host_ids", expanding=True)
    as_organizer = (
        select(Booking.user_id.label("host_id"), *columns)
        .select_from(Booking)
        .outerjoin(EventType, EventType.id == Booking.event_type_id)
        .where(Booking.user_id.in_(host_ids), *in_window)
    )
    as_co_host = (
        select(BookingHost.user_id.label("host_id"), *columns)
        .select_from(BookingHost)
        .join(Booking, Booking.id == BookingHost.booking_id)
        .outerjoin(EventType, EventType.id == Booking.event_type_id)
        .where(BookingHost.user_id.in_(host_ids), *in_window)
    )
    if not with_holds:
        both = union_all(as_organizer, as_co_host).subquery()
        return select(*(c for c in both.c if c.key != "id")).order_by(both.c.host_id, both.c.start_time, both.c.id)
    # The holds ride in the same statement (one round trip for a booking's re-check): their rows
    # carry kind 1 and their own instants as datetimes (a hold's release is not on a whole second).
    no_time = (
        cast(null(), SlotReservation.slot_start.type).label("hold_start"),
        cast(null(), SlotReservation.slot_end.type).label("hold_end"),
        cast(null(), SlotReservation.release_at.type).label("hold_release"),
    )
    held = (
        select(
            literal(1).label("kind"),
            SlotReservation.user_id.label("host_id"),
            SlotReservation.uid,
            SlotReservation.event_type_id,
            cast(literal(0), BigInteger).label("start_time"),
            cast(literal(0), BigInteger).label("end_time"),
            cast(null(), Booking.status.type).label("status"),
            cast(literal(0), BigInteger).label("taken"),
            literal(0).label("before_buffer"),
            literal(0).label("after_buffer"),
            SlotReservation.is_seat.label("seated"),
            literal(0).label("id"),
            SlotReservation.slot_start.label("hold_start"),
            SlotReservation.slot_end.label("hold_end"),
            SlotReservation.release_at.label("hold_release"),
        )
        .select_from(SlotReservation)
        .where(
            SlotReservation.user_id.in_(host_ids),
            SlotReservation.slot_start < bindparam("window_end"),
            SlotReservation.slot_end > bindparam("window_start"),
            SlotReservation.release_at > bindparam("now"),
        )
    )
    # And which hosts have a selected calendar (kind 2, one row per selection): a booking's check
    # reads calendar busy times only for them, so a host without one costs no further statement.
    selecting = (
        select(
            literal(2).label("kind"),
            SelectedCalendar.user_id.label("host_id"),
            cast(null(), SlotReservation.uid.type).label("uid"),
            cast(null(), SlotReservation.event_type_id.type).label("event_type_id"),
            cast(literal(0), BigInteger).label("start_time"),
            cast(literal(0), BigInteger).label("end_time"),
            cast(null(), Booking.status.type).label("status"),
            cast(literal(0), BigInteger).label("taken"),
            literal(0).label("before_buffer"),
            literal(0).label("after_buffer"),
            cast(null(), SlotReservation.is_seat.type).label("seated"),
            literal(0).label("id"),
            *no_time,
        )
        .select_from(SelectedCalendar)
        .where(SelectedCalendar.user_id.in_(host_ids))
    )
    every = union_all(
        as_organizer.with_only_columns(literal(0).label("kind"), *as_organizer.selected_columns, *no_time),
        as_co_host.with_only_columns(literal(0).label("kind"), *as_co_host.selected_columns, *no_time),
        held,
        selecting,
    ).subquery()
    return select(*(c for c in every.c if c.key != "id")).order_by(
        every.c.kind, every.c.host_id, every.c.start_time, every.c.id
    )


_BUSY_STATEMENT = _busy_statement()
_BUSY_AND_HOLDS_STATEMENT = _busy_statement(with_holds=True)


class _Columns:
    """One host's busy rows while they are read, column by column."""

    __slots__ = ("attendees", "codes", "ends", "event_type_ids", "pads_after", "pads_before", "starts", "uids")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.pads_before: list[int] = []
        self.pads_after: list[int] = []
        self.event_type_ids: list[int] = []
        self.codes = bytearray()
        self.uids: list[str] = []
        self.attendees: list[int] = []

    def add(self, start: int, end: int, before: int, after: int, event_type_id: int, code: int, uid: str) -> None:
        self.starts.append(start)
        self.ends.append(end)
        self.pads_before.append(before * 60)
        self.pads_after.append(after * 60)
        self.event_type_ids.append(event_type_id)
        self.codes.append(code)
        self.uids.append(uid)
        self.attendees.append(0)

    def busy_times(self) -> BusyTimes:
        return BusyTimes(
            self.starts,
            self.ends,
            pads_before=self.pads_before,
            pads_after=self.pads_after,
            event_type_ids=self.event_type_ids,
            codes=bytes(self.codes),
            booking_uids=self.uids,
            attendees=self.attendees,
        )


async def load_busy_times(
    connection: AsyncConnection, user_ids: Iterable[int], start: datetime, end: datetime
) -> dict[int, BusyTimes]:
    """Each host's bookings (as organizer or as co-host) overlapping [start, end), as engine columns.

    One statement whatever the number of hosts or bookings: the bookings of all hosts at once —
    as organizer (``user_id IN (…)`` over the (user_id, start_time) index) UNION ALL as co-host
    (``booking_hosts``: collective co-hosts, round-robin mandatory hosts) — each with its event
    type's buffers and seating. Callers widen the window by buffers and limit periods.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    parameters = {"host_ids": ids, "earliest_start": start - LONGEST_MEETING, "window_start": start, "window_end": end}
    return _busy_of(ids, (await connection.execute(_BUSY_STATEMENT, parameters)).all())


class BusyAndHolds(NamedTuple):
    busy: dict[int, BusyTimes]
    holds: dict[int, list[Reservation]]
    with_calendars: list[int]  # the hosts with a selected calendar, ascending


async def load_busy_and_holds(
    connection: AsyncConnection, user_ids: Iterable[int], start: datetime, end: datetime, now: datetime
) -> BusyAndHolds:
    """``load_busy_times``, the hosts' unexpired holds overlapping [start, end) and which of the
    hosts have a selected calendar, in one statement (one round trip)."""
    ids = sorted(set(user_ids))
    if not ids:
        return BusyAndHolds({}, {}, [])
    parameters = {
        "host_ids": ids,
        "earliest_start": start - LONGEST_MEETING,
        "window_start": start,
        "window_end": end,
        "now": now,
    }
    rows = (await connection.execute(_BUSY_AND_HOLDS_STATEMENT, parameters)).all()
    # Bookings come first (kind 0, in host and start order), then the holds (kind 1), then the
    # hosts' selected calendars (kind 2).
    first_hold = next((n for n, row in enumerate(rows) if row[0] != 0), len(rows))
    busy = _busy_of(ids, [row[1:11] for row in rows[:first_hold]])
    holds: dict[int, list[Reservation]] = {}
    with_calendars: set[int] = set()
    for row in rows[first_hold:]:
        if row[0] == 2:
            with_calendars.add(row[1])
            continue
        host_id, uid, event_type_id, seated = row[1], row[2], row[3], row[10]
        holds.setdefault(host_id, []).append(Reservation(row[11], row[12], row[13], event_type_id, uid, seated))
    return BusyAndHolds(busy, holds, sorted(with_calendars))


def _busy_of(ids: list[int], rows: Sequence[Sequence[Any]]) -> dict[int, BusyTimes]:
    """Busy rows (host, uid, event type, start, end, status, taken, buffers, seated) as columns per host."""
    columns = {user_id: _Columns() for user_id in ids}
    # A seated meeting is one booking with one booking_seats row per attendee (Cal.com: one
    # booking, N attendees). A seated booking row without seat rows counts as one taken seat, and
    # rows of one host, event and time are one meeting whose uid is the first row's.
    meetings: dict[tuple[int, int, int, int], tuple[str, int, int, int]] = {}
    # Positional, one pass: this loop runs once per booking of every host (12,500 for 25 hosts).
    for user_id, uid, event_type_id, start_s, end_s, status, taken, before, after, seated in rows:
        code = _STATUS_CODE.get(status, _ACCEPTED_CODE)
        if seated and code == _ACCEPTED_CODE:
            key = (user_id, event_type_id, start_s, end_s)
            first = meetings.get(key)
            seats = max(int(taken or 0), 1)
            meetings[key] = (uid, before, after, seats) if first is None else (*first[:3], first[3] + seats)
            continue
        columns[user_id].add(start_s, end_s, before, after, event_type_id or 0, code, uid)
    busy = {user_id: host.busy_times() for user_id, host in columns.items()}
    if meetings:
        _add_seated(busy, meetings)
    return busy


def _add_seated(
    busy: dict[int, BusyTimes], meetings: dict[tuple[int, int, int, int], tuple[str, int, int, int]]
) -> None:
    """Seated meetings joined to their hosts' rows, in start order (rare: seated event types only)."""
    by_host: dict[int, list[tuple[int, int, int, int, int, int, str, int]]] = {}
    for (user_id, event_type_id, start_s, end_s), (uid, before, after, attendees) in meetings.items():
        row = (start_s, end_s, before * 60, after * 60, event_type_id, _ACCEPTED_CODE | SEATED_ROW, uid, attendees)
        by_host.setdefault(user_id, []).append(row)
    for user_id, extra in by_host.items():
        current = busy[user_id]
        rows = sorted(
            [
                *zip(
                    current.starts,
                    current.ends,
                    current.pads_before,
                    current.pads_after,
                    current.event_type_ids,
                    current.codes,
                    current.booking_uids,
                    current.attendees,
                    strict=True,
                ),
                *extra,
            ],
            key=lambda r: (r[0], r[1]),
        )
        busy[user_id] = BusyTimes(
            (r[0] for r in rows),
            (r[1] for r in rows),
            pads_before=(r[2] for r in rows),
            pads_after=(r[3] for r in rows),
            event_type_ids=(r[4] for r in rows),
            codes=bytes(r[5] for r in rows),
            booking_uids=(r[6] for r in rows),
            attendees=(r[7] for r in rows),
        )


async def load_busy_for_hosts(
    session: AsyncSession, user_ids: Iterable[int], start: datetime, end: datetime
) -> dict[int, BusyTimes]:
    """``load_busy_times`` on the session's connection (its transaction): what a booking re-checks."""
    # Core execution on the session's connection: plain rows, no ORM bookkeeping per row.
    return await load_busy_times(await session.connection(), user_ids, start, end)


@dataclass(frozen=True)
class BookedTime:
    uid: str
    start: datetime
    end: datetime
    status: str


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


def with_calendar_busy(busy: BusyTimes, intervals: Sequence[tuple[int, int]]) -> BusyTimes:
    """The host's booking rows with their calendars' busy intervals (epoch seconds) as calendar rows.

    A calendar row blocks whatever the event, widened only by the listed event's buffers (the
    engine's ``CALENDAR_ROW``); rows stay in start order.
    """
    if not intervals:
        return busy
    calendar = [(s, e, 0, 0, 0, _CALENDAR_CODE, None, 0) for s, e in intervals]
    rows = sorted(
        [
            *zip(
                busy.starts,
                busy.ends,
                busy.pads_before,
                busy.pads_after,
                busy.event_type_ids,
                busy.codes,
                busy.booking_uids,
                busy.attendees,
                strict=True,
            ),
            *calendar,
        ],
        key=lambda r: (r[0], r[1]),
    )
    return BusyTimes(
        (r[0] for r in rows),
        (r[1] for r in rows),
        pads_before=(r[2] for r in rows),
        pads_after=(r[3] for r in rows),
        event_type_ids=(r[4] for r in rows),
        codes=bytes(r[5] for r in rows),
        booking_uids=(r[6] for r in rows),
        attendees=(r[7] for r in rows),
    )
