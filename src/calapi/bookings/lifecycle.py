"""Changing bookings after they exist: cancel, reschedule, confirm, decline, mark absent, move location.

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

import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any, Literal
from urllib.parse import urlparse

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability import busy as busy_times
from calapi.availability import hosts as availability_hosts
from calapi.bookings import attendees as booking_attendees
from calapi.bookings import create, details, events, locks, queries, team
from calapi.bookings.models import Attendee, Booking, BookingSeat, BookingStatus
from calapi.bookings.results import BookingOrSeries, BookingResult, CreatedBookings
from calapi.core import authorization
from calapi.core.auth import Principal
from calapi.core.envelopes import iso_ms
from calapi.core.errors import BadRequest, Conflict, NotFound
from calapi.core.limits import InputLimits
from calapi.db import begin_write, rows_affected, utcnow
from calapi.event_types import service as event_types_service
from calapi.event_types import team_service
from calapi.event_types.models import EventType
from calapi.jobs.outbox import record_event
from calapi.schedules import service as schedules_service
from calapi.scheduling import (
    BookingCheck,
    BookingRequest,
    EventRules,
    Host,
    PeriodType,
    RefusalReason,
    Schedule,
    WeeklyRule,
    check_booking,
)

BOOKING_NO_SHOW_UPDATED = "BOOKING_NO_SHOW_UPDATED"
BOOKING_LOCATION_UPDATED = "BOOKING_LOCATION_UPDATED"

_PENDING = BookingStatus.pending.value
_ACCEPTED = BookingStatus.accepted.value
_CANCELLED = BookingStatus.cancelled.value
_REJECTED = BookingStatus.rejected.value
_ENDED = (_CANCELLED, _REJECTED)


# ---------------------------------------------------------------- shared steps


def _caller_email(caller: Principal | None) -> str | None:
    profile = caller.profile if caller is not None else None
    return getattr(profile, "email", None)


def _rows(found: Booking | list[Booking]) -> list[Booking]:
    return found if isinstance(found, list) else [found]


async def _lock_and_reload(
    session: AsyncSession, uid: str, *, missing: str, with_team_hosts: bool = False
) -> Booking | list[Booking]:
    """Steps 1–3: write transaction, find by uid (or series uid), lock the organizers, read again.

    ``with_team_hosts``: also lock the co-hosts of a single booking and every host of its team
    event type (all in one ascending pass, as booking creation does, so no two transactions can
    deadlock) — a reschedule re-checks those hosts and may move a round-robin booking to one.
    """
    await begin_write(session)
    found = await queries.find_booking_or_series(session, uid)
    if found is None:
        raise NotFound(missing)
    host_ids = {b.user_id for b in _rows(found)}
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


async def _organizers_booking(session: AsyncSession, uid: str, caller: Principal, *, missing: str) -> Booking:
    """The booking ``uid`` in a write transaction; another organizer's answers 404 (``missing``) as
    a missing one does (system admins: any booking)."""
    await begin_write(session)
    booking = await session.scalar(select(Booking).where(Booking.uid == uid))
    if booking is None:
        raise NotFound(missing)
    authorization.ensure_owner(caller, booking.user_id, refusal=NotFound(missing))
    return booking


async def _organizers_locked_booking(
    session: AsyncSession, uid: str, caller: Principal, *, missing: str
) -> tuple[Booking | list[Booking], Booking]:
    """As ``_organizers_booking``, with the organizers locked (``_lock_and_reload``): what ``uid``
    found, and the booking it names (a series uid: its first occurrence)."""
    found = await _lock_and_reload(session, uid, missing=missing)
    booking = found if isinstance(found, Booking) else found[0]
    authorization.ensure_owner(caller, booking.user_id, refusal=NotFound(missing))
    return found, booking


# ---------------------------------------------------------------- cancel


@dataclass(frozen=True)
class CancelRequest:
    reason: str | None = None
    cancel_subsequent: bool = False
    seat_uid: str | None = None


def _cancelled_already(uid: str) -> BadRequest:
    return BadRequest(
        f"Can't cancel booking with uid={uid} because it has been cancelled already. "
        "Please provide uid of a booking that is not cancelled."
    )


async def _cancel_rows(session: AsyncSession, rows: list[Booking], *, reason: str | None, by_email: str | None) -> None:
    now = utcnow()
    for booking in rows:
        booking.status = _CANCELLED
        booking.cancellation_reason = reason
        booking.cancelled_by_email = by_email
        booking.updated_at = now
    await session.flush()
    for booking in rows:
        await events.record_booking_event(session, events.BOOKING_CANCELLED, booking)
        await events.cancel_meeting_events(session, booking.uid)


async def cancel(
    session: AsyncSession,
    uid: str,
    request: CancelRequest,
    *,
    caller: Principal | None,
    now: datetime,
    limits: InputLimits,
) -> BookingOrSeries:
    """``POST /v2/bookings/{uid}/cancel``: a booking, the rest of its series, a whole series, or one seat."""
    limits.check_text("cancellation reason", request.reason)
    found = await _lock_and_reload(session, uid, missing=f"Booking with uid={uid} not found")
    by_email = _caller_email(caller)

    if isinstance(found, list):  # a series uid: every remaining occurrence
        if request.cancel_subsequent:
            raise BadRequest(
                "Cannot cancel subsequent bookings for recurring event - you have to provide uid of one of the "
                "individual bookings of a recurring booking."
            )
        remaining = [b for b in found if b.status not in _ENDED and b.end_time > now]
        if not remaining:
            raise _cancelled_already(uid)
        await _cancel_rows(session, remaining, reason=request.reason, by_email=by_email)
        return await details.load_found(session, uid, found)

    booking = found
    if request.seat_uid is not None:
        return await _cancel_seat(session, booking, request, by_email=by_email)
    if request.cancel_subsequent and booking.recurring_event_id is None:
        raise BadRequest(f"Booking with bookingUid={uid} is not part of a recurring booking.")
    if booking.status in _ENDED:
        raise _cancelled_already(uid)
    if request.cancel_subsequent:
        series_uid = booking.recurring_event_id or ""
        series = await queries.find_booking_or_series(session, series_uid)
        assert series is not None  # the booking itself is one of them
        later = [b for b in _rows(series) if b.start_time >= booking.start_time and b.status not in _ENDED]
        await _cancel_rows(session, later, reason=request.reason, by_email=by_email)
        return await details.load_found(session, series_uid, series)
    await _cancel_rows(session, [booking], reason=request.reason, by_email=by_email)
    return await details.load_result(session, booking)


async def _seated_attendee_ids(session: AsyncSession, booking_id: int) -> set[int]:
    """The attendees holding a seat; a team booking's co-hosts are attendees without one."""
    return set(
        (await session.scalars(select(BookingSeat.attendee_id).where(BookingSeat.booking_id == booking_id))).all()
    )


async def _cancel_seat(
    session: AsyncSession, booking: Booking, request: CancelRequest, *, by_email: str | None
) -> BookingResult:
    seat = await session.scalar(select(BookingSeat).where(BookingSeat.reference_uid == request.seat_uid))
    if seat is None:
        raise BadRequest("Invalid seatUid: this seat does not exist or has already been cancelled.")
    if seat.booking_id != booking.id:
        raise BadRequest("Invalid seatUid: this seat does not belong to this booking.")
    if booking.status in _ENDED:
        raise _cancelled_already(booking.uid)
    if len(await _seated_attendee_ids(session, booking.id)) <= 1:
        # The last seat goes: the meeting itself is cancelled (Cal.com does the same).
        await _cancel_rows(session, [booking], reason=request.reason, by_email=by_email)
        await session.execute(delete(BookingSeat).where(BookingSeat.id == seat.id))
        return await details.load_result(session, booking)
    attendee = await session.get(Attendee, seat.attendee_id)
    leaving = attendee.email if attendee else None
    await session.execute(delete(BookingSeat).where(BookingSeat.id == seat.id))
    await session.execute(delete(Attendee).where(Attendee.id == seat.attendee_id))
    booking.updated_at = utcnow()
    await session.flush()
    await events.record_booking_event(
        session,
        events.BOOKING_CANCELLED,
        booking,
        extra={"seatUid": request.seat_uid, "cancelledAttendeeEmail": leaving, "cancellationReason": request.reason},
    )
    return await details.load_result(session, booking)


# ---------------------------------------------------------------- reschedule


@dataclass(frozen=True)
class RescheduleRequest:
    start: datetime
    rescheduled_by: str | None = None
    reason: str | None = None
    seat_uid: str | None = None


def _check_reschedulable(booking: Booking, successor_uid: str | None) -> None:
    uid = booking.uid
    if booking.status == _CANCELLED and booking.rescheduled:
        raise BadRequest(
            f"Can't reschedule booking with uid={uid} because it has been cancelled and rescheduled already to booking "
            f"with uid={successor_uid}. You probably want to reschedule {successor_uid} instead by passing it within the "
            "request URL."
        )
    if booking.status in _ENDED:
        raise BadRequest(
            f"Can't reschedule booking with uid={uid} because it has been cancelled. Please provide uid of a booking "
            "that is not cancelled."
        )


@dataclass(frozen=True)
class _NewTime:
    """The engine's verdict on a new time, and who hosts the booking there."""

    check: BookingCheck
    duration: int
    needs_confirmation: bool
    organizer_id: int
    co_host_ids: tuple[int, ...]  # booking_hosts of the new booking (collective co-hosts, mandatory hosts)


async def _check_new_time(
    session: AsyncSession, old: Booking, start: datetime, *, time_zone: str, now: datetime
) -> _NewTime:
    """The slot engine's verdict on ``start`` with the old booking's own time freed.

    Same inputs as booking creation and ``GET /v2/slots`` (schedules, busy, holds, event rules);
    refusals carry creation's messages. Team bookings (choices, Cal.com re-runs its booking
    handler): the booking keeps its own hosts — a collective booking's organizer and co-hosts
    must all be free at ``start`` (the engine's COLLECTIVE mode); a round-robin booking's
    mandatory hosts (its co-hosts) must all be free, its organizer stays if free, else one of the
    event type's round-robin hosts free at ``start`` is chosen by ``team.choose_round_robin_host``
    (priority, weighted share, recency — the creation rule). The caller holds every one of these
    hosts' locks (``_lock_and_reload(with_team_hosts=True)``).
    """
    if start < now:
        raise BadRequest(create.PAST)
    event = await event_types_service.load_slot_event_type(session, old.event_type_id) if old.event_type_id else None
    if event is None:
        raise BadRequest(f"Booking with uid={old.uid} has no event type, so it can't be rescheduled.")
    co_hosts = tuple(await team.co_host_ids(session, old.id))
    team_event = event.team_id is not None and event.scheduling_type in (team.COLLECTIVE, team.ROUND_ROBIN)
    round_robin = team_event and event.scheduling_type == team.ROUND_ROBIN
    candidates: list[team.SlotHost] = []
    if round_robin:
        event_hosts = await team_service.load_slot_hosts(session, event.id)
        candidates = [h for h in event_hosts if not h.is_fixed and h.user_id not in co_hosts]
        if old.user_id not in {h.user_id for h in candidates}:
            # The organizer left the event's hosts since: the booking may still stay with them.
            candidates.insert(0, team.SlotHost(user_id=old.user_id, is_fixed=False, priority=2, weight=100))
        wanted = {*co_hosts, *(h.user_id for h in candidates)}
        # The event type's host order first: its first host's zone is the event's zone (as creation).
        host_ids = list(dict.fromkeys([*(h.user_id for h in event_hosts if h.user_id in wanted), *sorted(wanted)]))
    else:
        host_ids = [old.user_id, *co_hosts]
    found = await schedules_service.load_host_availability(session, user_ids=host_ids, schedule_id=event.schedule_id)
    availability = {i: found[i] for i in host_ids if i in found}
    first = next(iter(availability.values()), None)
    rules = event.rules(week_start=first.week_start if first else 0)
    duration = event.length  # Cal.com: a rescheduled booking takes the event's length
    lo, hi = availability_hosts.data_window(rules, start, start + timedelta(minutes=duration), now)
    fixed_ids = frozenset(co_hosts) if round_robin else frozenset()
    hosts = (
        await availability_hosts.complete_hosts(session, availability, lo, hi, now, fixed_ids=fixed_ids)
        if availability
        else ()
    )
    check = check_booking(
        BookingRequest(
            hosts=hosts,
            rules=rules,
            now=now,
            start=start,
            duration=duration,
            time_zone=time_zone,
            reschedule_uid=old.uid,
        )
    )
    if not hosts:
        raise create.NotBookableAt(
            f"{create.CANT_BOOK_AT} It is outside the host's availability.",
            reason=RefusalReason.OUTSIDE_AVAILABILITY.value,
        )
    if not check.ok:
        raise create.refusal_for(check, minimum_notice=rules.minimum_notice, team_event=team_event)
    organizer_id = old.user_id
    if round_robin and old.user_id not in check.free_host_ids:
        free = [h for h in candidates if h.user_id in check.free_host_ids]
        if not free:
            raise create.SlotUnavailable(team.TEAM_HOST_UNAVAILABLE, reason="slot_unavailable")
        chosen = await team.choose_round_robin_host(
            session, event.id, free, start=start, time_zone=first.time_zone if first else "UTC"
        )
        organizer_id = chosen.user_id
    return _NewTime(check, duration, event.requires_confirmation, organizer_id, co_hosts)


async def reschedule(
    session: AsyncSession,
    uid: str,
    request: RescheduleRequest,
    *,
    caller: Principal | None,
    now: datetime,
    limits: InputLimits,
) -> CreatedBookings:
    """``POST /v2/bookings/{uid}/reschedule``: a new booking at ``start``; the old one cancelled, linked.

    One transaction under the locks of the organizer and, for a team booking, of its co-hosts and
    its event type's hosts: check (own time freed; every collective / mandatory host free, a
    round-robin host kept if free, else chosen again — ``_check_new_time``), insert the new
    booking with the same attendees, co-hosts (``booking_hosts``) and answers, cancel the old with
    ``rescheduled`` set, move MEETING_* events.
    """
    limits.check_text("rescheduling reason", request.reason)
    limits.check_email("rescheduledBy", request.rescheduled_by)
    found = await _lock_and_reload(
        session, uid, missing=f"Booking with uid={uid} was not found in the database", with_team_hosts=True
    )
    if isinstance(found, list):
        raise BadRequest(
            f"uid={uid} is a recurring booking series; reschedule one of its occurrences by that occurrence's uid."
        )
    old = found
    successor = None
    if old.rescheduled:
        successor = await session.scalar(
            select(Booking.uid).where(Booking.from_reschedule == old.uid).order_by(Booking.id.desc()).limit(1)
        )
    _check_reschedulable(old, successor)
    attendees = await booking_attendees.of_booking(session, old.id)
    if request.seat_uid is not None:
        return await _reschedule_seat(session, old, attendees, request, now=now)
    if await session.scalar(select(BookingSeat.id).where(BookingSeat.booking_id == old.id).limit(1)) is not None:
        # Moving the whole meeting would leave its seats behind on the cancelled booking.
        raise BadRequest(
            f"Booking with uid={uid} is a seated booking: reschedule one seat at a time by sending its seatUid "
            "(returned when the seat was booked) in the request body."
        )
    time_zone = attendees[0].time_zone if attendees else "UTC"
    verdict = await _check_new_time(session, old, request.start, time_zone=time_zone, now=now)

    by_organizer = caller is not None and caller.user_id == old.user_id
    status = _PENDING if old.status == _PENDING or (verdict.needs_confirmation and not by_organizer) else _ACCEPTED
    responses = dict(old.responses or {})
    if request.reason:
        responses["rescheduledReason"] = request.reason
    new = _copy_booking(old, start=request.start, duration=verdict.duration, status=status, responses=responses)
    await _add_successor(session, old, new, verdict, attendees, keep=attendees, rescheduled_by=request.rescheduled_by)
    old.status = _CANCELLED
    old.rescheduled = True
    old.rescheduled_by_email = request.rescheduled_by
    old.cancellation_reason = request.reason
    old.cancelled_by_email = _caller_email(caller)
    old.updated_at = utcnow()
    await session.flush()

    await events.cancel_meeting_events(session, old.uid)
    trigger = events.BOOKING_REQUESTED if status == _PENDING else events.BOOKING_RESCHEDULED
    await events.record_booking_event(
        session,
        trigger,
        new,
        extra={
            "rescheduleId": old.id,
            "rescheduleUid": old.uid,
            "rescheduleStartTime": iso_ms(old.start_time),
            "rescheduleEndTime": iso_ms(old.end_time),
            "rescheduledBy": request.rescheduled_by,
        },
    )
    if status == _ACCEPTED:
        await events.schedule_meeting_events(session, new)
    return CreatedBookings((await details.load_result(session, new),), series=False)


async def _add_successor(
    session: AsyncSession,
    old: Booking,
    new: Booking,
    verdict: _NewTime,
    attendees: list[Attendee],
    *,
    keep: list[Attendee],
    rescheduled_by: str | None,
) -> None:
    """Insert ``new`` (a copy of ``old`` at the new time) with the hosts ``_check_new_time`` found.

    ``attendees``: the old booking's (the first one's name goes into a new organizer's title).
    ``keep``: the attendee rows copied over. They include the co-hosts' (contract §2.6.2), so the
    co-hosts keep their attendee rows as well as their ``booking_hosts`` rows — the rows that make
    them busy at the new time. Both reschedule paths (whole booking, one seat) go through here, so a
    seated team booking carries its hosts exactly like any other team booking.
    """
    new.from_reschedule = old.uid
    new.rescheduled_by_email = rescheduled_by
    if verdict.organizer_id != old.user_id:
        # A round-robin booking moved to another host: the title names the new one (as reassign).
        new.user_id = verdict.organizer_id
        new.title = await _title_for_host(session, old, verdict.organizer_id, attendees)
    session.add(new)
    await session.flush()
    session.add_all(_copy_attendees(keep, new.id))
    session.add_all(team.co_host_rows(new.id, verdict.co_host_ids))


async def _title_for_host(session: AsyncSession, old: Booking, host_id: int, attendees: list[Attendee]) -> str:
    event_title = await session.scalar(select(EventType.title).where(EventType.id == old.event_type_id))
    host = (await team.load_users(session, [host_id]))[host_id]
    booker = attendees[0].name if attendees else ""
    return f"{event_title} between {host.name or host.username or 'unknown'} and {booker}"


def _copy_booking(
    old: Booking, *, start: datetime, duration: int, status: str, responses: dict[str, Any] | None
) -> Booking:
    uid = create.new_booking_uid()
    return Booking(
        uid=uid,
        user_id=old.user_id,
        event_type_id=old.event_type_id,
        title=old.title,
        description=old.description,
        start_time=start,
        end_time=start + timedelta(minutes=duration),
        status=status,
        recurring_event_id=old.recurring_event_id,
        location=old.location,
        responses=responses,
        booking_metadata=dict(old.booking_metadata or {}),
        ical_uid=f"{uid}@calapi",
        rescheduled=False,
        absent_host=False,
    )


def _copy_attendees(attendees: list[Attendee], booking_id: int) -> list[Attendee]:
    return [
        Attendee(
            booking_id=booking_id,
            name=a.name,
            email=a.email,
            time_zone=a.time_zone,
            locale=a.locale,
            phone_number=a.phone_number,
            absent=False,
        )
        for a in attendees
    ]


async def _reschedule_seat(
    session: AsyncSession,
    old: Booking,
    attendees: list[Attendee],
    request: RescheduleRequest,
    *,
    now: datetime,
) -> CreatedBookings:
    """One seat moves: into the seated meeting already at ``start``, or a new one made for it.

    The new time is checked like a whole booking's (``_check_new_time``: every collective /
    mandatory host free, a round-robin organizer kept if free, else chosen again); a new meeting
    gets those hosts. The old meeting ends (as rescheduled) when its last seat left.
    """
    seat = await session.scalar(select(BookingSeat).where(BookingSeat.reference_uid == request.seat_uid))
    if seat is None:
        raise BadRequest("Invalid seatUid: this seat does not exist or has already been cancelled.")
    if seat.booking_id != old.id:
        raise BadRequest("Invalid seatUid: this seat does not belong to this booking.")
    mover = next(a for a in attendees if a.id == seat.attendee_id)
    seated = await _seated_attendee_ids(session, old.id)
    if old.event_type_id is not None:
        await locks.lock_seat_slot(session, old.event_type_id, request.start)
    verdict = await _check_new_time(session, old, request.start, time_zone=mover.time_zone, now=now)
    check = verdict.check
    target = (
        await session.scalar(select(Booking).where(Booking.uid == check.booking_uid)) if check.booking_uid else None
    )
    if target is None:
        # A new meeting: the team's hosts come along (attendees without a seat are the co-hosts).
        target = _copy_booking(old, start=request.start, duration=verdict.duration, status=old.status, responses=None)
        co_hosts = [a for a in attendees if a.id not in seated]
        await _add_successor(
            session, old, target, verdict, attendees, keep=co_hosts, rescheduled_by=request.rescheduled_by
        )
    await session.execute(update(Attendee).where(Attendee.id == mover.id).values(booking_id=target.id))
    await session.execute(update(BookingSeat).where(BookingSeat.id == seat.id).values(booking_id=target.id))
    old.updated_at = utcnow()
    if len(seated) == 1:
        # The last seat left: the old meeting is over, as a reschedule.
        old.status = _CANCELLED
        old.rescheduled = True
        old.rescheduled_by_email = request.rescheduled_by
        await session.flush()
        await events.cancel_meeting_events(session, old.uid)
    await session.flush()
    await events.record_booking_event(
        session,
        events.BOOKING_RESCHEDULED,
        target,
        extra={
            "rescheduleId": old.id,
            "rescheduleUid": old.uid,
            "rescheduleStartTime": iso_ms(old.start_time),
            "rescheduleEndTime": iso_ms(old.end_time),
            "rescheduledBy": request.rescheduled_by,
            "seatUid": seat.reference_uid,
        },
    )
    if target.from_reschedule == old.uid and target.status == _ACCEPTED:
        await events.schedule_meeting_events(session, target)
    moved = await details.load_result(session, target)
    return CreatedBookings((moved,), series=False, seat_uid=seat.reference_uid)


# ---------------------------------------------------------------- confirm / decline

_ALWAYS_OPEN = Schedule("UTC", weekly=(WeeklyRule(frozenset(range(7)), time(0), time(23, 59)),))
_BUSY_SEARCH_MARGIN = timedelta(days=1)  # wider than any buffer pair


async def _overlap_refusal(session: AsyncSession, booking: Booking, now: datetime) -> bool:
    """Would accepting ``booking`` double-book its organizer? The slot engine answers.

    Only "busy" counts here: the booking was allowed when it was made, so notice, window, hours
    and limits are switched off (an always-open schedule, no limits); the engine applies its own
    rules for buffers and for which bookings block, with this booking's own time freed
    (``reschedule_uid``).
    """
    duration = int((booking.end_time - booking.start_time).total_seconds() // 60)
    event = (
        await event_types_service.load_slot_event_type(session, booking.event_type_id)
        if booking.event_type_id
        else None
    )
    base = event.rules() if event is not None else EventRules(length=max(duration, 1))
    rules = replace(
        base,
        length=max(duration, 1),
        length_options=(),
        minimum_notice=0,
        period_type=PeriodType.UNLIMITED,
        period_days=None,
        period_start_date=None,
        period_end_date=None,
        booking_limits=None,
        duration_limits=None,
        seats_per_slot=None,
        time_zone=None,
    )
    busy = await busy_times.load_busy_for_hosts(
        session, [booking.user_id], booking.start_time - _BUSY_SEARCH_MARGIN, booking.end_time + _BUSY_SEARCH_MARGIN
    )
    check = check_booking(
        BookingRequest(
            hosts=(Host(booking.user_id, _ALWAYS_OPEN, busy=busy.get(booking.user_id, ())),),
            rules=rules,
            now=min(now, booking.start_time),
            start=booking.start_time,
            reschedule_uid=booking.uid,
        )
    )
    return not check.ok and check.reason is RefusalReason.BUSY


async def _pending_rows(session: AsyncSession, booking: Booking) -> list[Booking]:
    """The booking, or every pending occurrence of its series (a series is decided as a whole)."""
    if booking.recurring_event_id is None:
        return [booking]
    series = await queries.find_booking_or_series(session, booking.recurring_event_id)
    return [b for b in _rows(series or []) if b.status == _PENDING]


async def _swap_status(session: AsyncSession, rows: list[Booking], *, to: str, **values: Any) -> None:
    """Compare-and-swap pending → ``to``: all rows or none (a lost race is a 409)."""
    result = await session.execute(
        update(Booking)
        .where(Booking.id.in_([b.id for b in rows]), Booking.status == _PENDING)
        .values(status=to, updated_at=utcnow(), **values)
        .execution_options(synchronize_session="fetch")
    )
    if rows_affected(result) != len(rows):
        raise Conflict("The booking was changed by another request at the same time. Read it again and retry.")


def _not_pending(booking: Booking) -> BadRequest:
    return BadRequest(
        f"Booking with uid={booking.uid} is not pending confirmation (its status is {booking.status}); "
        "only pending bookings can be confirmed or declined."
    )


async def confirm(session: AsyncSession, uid: str, *, caller: Principal, now: datetime) -> BookingOrSeries:
    """``POST /v2/bookings/{uid}/confirm``: pending → accepted, unless that would double-book the host."""
    missing = f"Booking with uid={uid} was not found in the database"
    found, booking = await _organizers_locked_booking(session, uid, caller, missing=missing)
    rows = await _pending_rows(session, booking) if booking.status == _PENDING else []
    if not rows:
        raise _not_pending(booking)
    for row in rows:
        if await _overlap_refusal(session, row, now):
            raise Conflict(
                f"Can't confirm booking with uid={row.uid}: its host already has an accepted booking at "
                f"{iso_ms(row.start_time)}–{iso_ms(row.end_time)}. Decline it or reschedule it first."
            )
    await _swap_status(session, rows, to=_ACCEPTED)
    for row in rows:
        # Cal.com fires BOOKING_CREATED when a host confirms (there is no BOOKING_CONFIRMED trigger).
        await events.record_booking_event(session, events.BOOKING_CREATED, row)
        await events.schedule_meeting_events(session, row)
    return await details.load_found(session, uid, found)


async def decline(
    session: AsyncSession, uid: str, *, caller: Principal, reason: str | None, limits: InputLimits
) -> BookingOrSeries:
    """``POST /v2/bookings/{uid}/decline``: pending → rejected, with the reason kept."""
    limits.check_text("rejection reason", reason)
    missing = f"Booking with uid={uid} was not found in the database"
    found, booking = await _organizers_locked_booking(session, uid, caller, missing=missing)
    rows = await _pending_rows(session, booking) if booking.status == _PENDING else []
    if not rows:
        raise _not_pending(booking)
    await _swap_status(session, rows, to=_REJECTED, rejection_reason=reason)
    for row in rows:
        await events.record_booking_event(session, events.BOOKING_REJECTED, row)
    return await details.load_found(session, uid, found)


# ---------------------------------------------------------------- mark absent


@dataclass(frozen=True)
class AbsentAttendee:
    email: str
    absent: bool


async def mark_absent(
    session: AsyncSession,
    uid: str,
    *,
    caller: Principal,
    host: bool | None,
    attendees: list[AbsentAttendee],
    now: datetime,
) -> BookingResult:
    """``POST /v2/bookings/{uid}/mark-absent``: no-show flags for the host and attendees."""
    missing = f"Booking with uid={uid} not found."
    booking = await _organizers_booking(session, uid, caller, missing=missing)
    if now < booking.start_time:
        raise BadRequest(
            "Bookings can only be marked as absent after their scheduled start time. "
            f"Current time in UTC+0: {iso_ms(now)}, Booking start time in UTC+0: {iso_ms(booking.start_time)}"
        )
    booking_rows = await booking_attendees.of_booking(session, booking.id)
    rows = {a.email.lower(): a for a in booking_rows}
    unknown = [a.email for a in attendees if a.email.lower() not in rows]
    if unknown:
        raise BadRequest(f"Booking with uid={uid} has no attendee with email {', '.join(unknown)}.")
    for change in attendees:
        rows[change.email.lower()].absent = change.absent
    if host is not None:
        booking.absent_host = host
    if host is None and not attendees:
        return await details.load_result(session, booking, attendees=booking_rows)
    booking.updated_at = utcnow()
    await session.flush()
    payload: dict[str, Any] = {
        "bookingUid": booking.uid,
        "bookingId": booking.id,
        "message": "No-show status updated",
        "attendees": [{"email": rows[a.email.lower()].email, "noShow": a.absent} for a in attendees],
    }
    if host is not None:
        payload["noShowHost"] = host
    await record_event(
        session,
        BOOKING_NO_SHOW_UPDATED,
        payload,
        subject_uid=booking.uid,
        owner_user_id=booking.user_id,
        event_type_id=booking.event_type_id,
    )
    return await details.load_result(session, booking, attendees=booking_rows)


# ---------------------------------------------------------------- location

LocationType = Literal["address", "link", "phone", "attendeeAddress", "attendeePhone", "attendeeDefined"]
SUPPORTED_LOCATION_TYPES: tuple[str, ...] = (
    "address",
    "link",
    "phone",
    "attendeeAddress",
    "attendeePhone",
    "attendeeDefined",
)
# (field holding the text, stored responses.location value, whether optionValue carries the text)
_LOCATION_FIELDS: dict[str, tuple[str, str, bool]] = {
    "address": ("address", "inPerson", False),
    "link": ("link", "link", False),
    "phone": ("phone", "userPhone", False),
    "attendeeAddress": ("address", "attendeeInPerson", True),
    "attendeePhone": ("phone", "phone", True),
    "attendeeDefined": ("location", "somewhereElse", True),
}
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")


def _location_text(location: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """(Booking.location text, responses.location) for a location body; 400 with the reason if bad."""
    kind = location.get("type")
    if kind not in _LOCATION_FIELDS:
        raise BadRequest(
            f"UpdateBookingInputLocationValidator_2024_08_13 - Unsupported booking location type '{kind}'. "
            "Valid types are address, link, phone, attendeePhone, attendeeAddress, and attendeeDefined."
        )
    field_name, stored_value, carries_text = _LOCATION_FIELDS[kind]
    text = location.get(field_name)
    if not isinstance(text, str) or not text.strip():
        raise BadRequest(
            f"location.{field_name} - is required for location type '{kind}' and must be a non-empty string"
        )
    text = text.strip()
    if kind == "link":
        parsed = urlparse(text)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise BadRequest(f"location.link - must be a URL address (http or https), got '{text}'")
    if field_name == "phone" and not _PHONE.match(re.sub(r"[\s().-]", "", text)):
        raise BadRequest(
            f"location.phone - must be a valid phone number in international format (+<country code><number>), got '{text}'"
        )
    return text, {"value": stored_value, "optionValue": text if carries_text else ""}


async def update_location(
    session: AsyncSession, uid: str, *, caller: Principal, location: dict[str, Any] | None, limits: InputLimits
) -> BookingResult:
    """``PATCH /v2/bookings/{uid}/location``: the stored text and ``responses.location`` change together."""
    missing = f"Booking with uid={uid} not found"
    if location is not None:
        text, stored = _location_text(location)  # bad input is refused before any write
        limits.check_location("location", text)
    booking = await _organizers_booking(session, uid, caller, missing=missing)
    if location is None:
        return await details.load_result(session, booking)
    previous = booking.location
    booking.location = text
    booking.responses = {**(booking.responses or {}), "location": stored}
    booking.updated_at = utcnow()
    await session.flush()
    await events.record_booking_event(session, BOOKING_LOCATION_UPDATED, booking, extra={"previousLocation": previous})
    return await details.load_result(session, booking)


# ---------------------------------------------------------------- title and description


async def edit_details(
    session: AsyncSession,
    uid: str,
    *,
    caller: Principal,
    limits: InputLimits,
    title: str | None = None,
    description: str | None = None,
) -> BookingResult:
    """v1 ``PATCH /bookings/{id}``: the organizer renames a booking or rewrites its description.

    Neither touches the time, hosts or event type, so no booking rule is involved; the booking
    (and a later reschedule's copy of it) carries the new text.
    """
    missing = f"Booking with uid={uid} not found"
    limits.check_text("description", description)  # the booker's notes, copied into webhook bodies
    booking = await _organizers_booking(session, uid, caller, missing=missing)
    if title is not None:
        booking.title = title
    if description is not None:
        booking.description = description
    booking.updated_at = utcnow()
    await session.flush()
    return await details.load_result(session, booking)
