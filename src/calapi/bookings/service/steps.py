"""What every change to an existing booking shares.

Every change runs in the request's transaction and follows one pattern:

1. ``begin_write`` (SQLite takes its single write lock here, before the first statement);
2. read the booking (or its series) by uid;
3. ``lock_hosts`` on the organizers (PostgreSQL advisory locks — the same locks booking creation
   takes), then read the rows again: whatever we decide from now on cannot race a concurrent
   create, confirm or reschedule on the same host;
4. status changes are compare-and-swap updates (``UPDATE … WHERE status = <expected>``), so even a
   writer that skipped the lock could not turn one pending booking into two accepted ones;
5. domain events (the outbox) in the same transaction.

Who may do what (choices where Cal.com's answer is a tRPC permission error): confirm, decline,
mark-absent and location update need the organizer (or an admin); anyone else gets 404, the
answer this server gives for every other user's object where auth is required. Cancel and
reschedule need only the uid, as in Cal.com.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings.models import Booking, BookingSeat, BookingStatus
from calapi.bookings.service import locks, queries, team
from calapi.core import authorization
from calapi.core.auth import Principal
from calapi.core.errors import BadRequest, NotFound
from calapi.db import begin_write
from calapi.event_types import team_service
from calapi.event_types.models import EventType
from calapi.scheduling import EventRules, PeriodType

PENDING = BookingStatus.pending.value
ACCEPTED = BookingStatus.accepted.value
CANCELLED = BookingStatus.cancelled.value
REJECTED = BookingStatus.rejected.value
ENDED = (CANCELLED, REJECTED)

Found = Booking | list[Booking]  # a booking by its uid, or the occurrences of a series by the series uid


def rows(found: Found) -> list[Booking]:
    return found if isinstance(found, list) else [found]


async def lock_and_reload(session: AsyncSession, uid: str, *, missing: str, with_team_hosts: bool = False) -> Found:
    """Steps 1–3: write transaction, find by uid (or series uid), lock the organizers, read again.

    ``with_team_hosts``: also lock the co-hosts of a single booking and every host of its team
    event type (all in one ascending pass, as booking creation does, so no two transactions can
    deadlock) — a reschedule re-checks those hosts and may move a round-robin booking to one.
    """
    await begin_write(session)
    found = await queries.find_booking_or_series(session, uid)
    if found is None:
        raise NotFound(missing)
    host_ids = {b.user_id for b in rows(found)}
    if with_team_hosts and isinstance(found, Booking):
        host_ids.update(await _team_host_ids(session, found))
    await locks.lock_hosts(session, host_ids)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # Another transaction may have changed the rows while we waited for the lock.
        refreshed = await queries.find_booking_or_series(session, uid, populate_existing=True)
        assert refreshed is not None  # bookings are never deleted
        found = refreshed
    return found


async def _team_host_ids(session: AsyncSession, booking: Booking) -> set[int]:
    """The booking's co-hosts and, for a team event type, all of its hosts (two statements at most)."""
    ids = set(await team.co_host_ids(session, booking.id))
    if booking.event_type_id is not None:
        team_id = await session.scalar(select(EventType.team_id).where(EventType.id == booking.event_type_id))
        if team_id is not None:
            ids.update(h.user_id for h in await team_service.load_slot_hosts(session, booking.event_type_id))
    return ids


async def organizers_booking(session: AsyncSession, uid: str, caller: Principal, *, missing: str) -> Booking:
    """The booking ``uid`` in a write transaction; another organizer's answers 404 (``missing``) as
    a missing one does (system admins: any booking)."""
    await begin_write(session)
    booking = await queries.booking_by_uid(session, uid)
    if booking is None:
        raise NotFound(missing)
    authorization.ensure_owner(caller, booking.user_id, refusal=NotFound(missing))
    return booking


async def organizers_locked_booking(
    session: AsyncSession, uid: str, caller: Principal, *, missing: str
) -> tuple[Found, Booking]:
    """As ``organizers_booking``, with the organizers locked (``lock_and_reload``): what ``uid``
    found, and the booking it names (a series uid: its first occurrence)."""
    found = await lock_and_reload(session, uid, missing=missing)
    booking = rows(found)[0]
    authorization.ensure_owner(caller, booking.user_id, refusal=NotFound(missing))
    return found, booking


async def seated_attendee_ids(session: AsyncSession, booking_id: int) -> set[int]:
    """The attendees holding a seat; a team booking's co-hosts are attendees without one."""
    return set(
        (await session.scalars(select(BookingSeat.attendee_id).where(BookingSeat.booking_id == booking_id))).all()
    )


async def seat_of(session: AsyncSession, booking: Booking, seat_uid: str) -> BookingSeat:
    """The seat ``seat_uid`` of this booking; 400 when there is none or it is another booking's."""
    seat = await session.scalar(select(BookingSeat).where(BookingSeat.reference_uid == seat_uid))
    if seat is None:
        raise BadRequest("Invalid seatUid: this seat does not exist or has already been cancelled.")
    if seat.booking_id != booking.id:
        raise BadRequest("Invalid seatUid: this seat does not belong to this booking.")
    return seat


def minutes(booking: Booking) -> int:
    return int((booking.end_time - booking.start_time).total_seconds() // 60)


def rules_for_existing_meeting(rules: EventRules, length: int) -> EventRules:
    """The event's rules minus what a meeting that already exists has passed: its length stays, and
    minimum notice, booking window and booking limits no longer apply (it keeps its time and count)."""
    return replace(
        rules,
        length=length,
        length_options=(),
        minimum_notice=0,
        period_type=PeriodType.UNLIMITED,
        period_days=None,
        period_start_date=None,
        period_end_date=None,
        booking_limits=None,
        duration_limits=None,
    )
