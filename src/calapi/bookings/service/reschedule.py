"""Rescheduling: a new booking at the new time, the old one cancelled and linked to it; or one seat moved.

``POST /v2/bookings/{uid}/reschedule`` and the reschedules of every other version. Anyone with the
uid may reschedule (as in Cal.com); the steps are those of every change (``steps``), under the locks
of the organizer and, for a team booking, of its co-hosts and its event type's hosts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings import attendees as booking_attendees
from calapi.bookings import events
from calapi.bookings.commands import RescheduleBooking
from calapi.bookings.models import Attendee, Booking, BookingSeat
from calapi.bookings.results import CreatedBookings
from calapi.bookings.service import create, details, locks, payments, queries, refusals, steps, team
from calapi.bookings.service.hosts import load_booking_hosts
from calapi.core.auth import Principal
from calapi.core.errors import BadRequest
from calapi.core.limits import InputLimits
from calapi.db import utcnow
from calapi.event_types import service as event_types_service
from calapi.event_types import team_service
from calapi.event_types.models import EventType
from calapi.event_types.team_service import SlotHost
from calapi.scheduling import BookingCheck


def _check_reschedulable(booking: Booking, successor_uid: str | None) -> None:
    uid = booking.uid
    if booking.status == steps.CANCELLED and booking.rescheduled:
        raise BadRequest(
            f"Can't reschedule booking with uid={uid} because it has been cancelled and rescheduled already to booking "
            f"with uid={successor_uid}. You probably want to reschedule {successor_uid} instead by passing it within the "
            "request URL."
        )
    if booking.status in steps.ENDED:
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
    hosts' locks (``steps.lock_and_reload(with_team_hosts=True)``).
    """
    if start < now:
        raise BadRequest(refusals.PAST)
    event = await event_types_service.load_slot_event_type(session, old.event_type_id) if old.event_type_id else None
    if event is None:
        raise BadRequest(f"Booking with uid={old.uid} has no event type, so it can't be rescheduled.")
    co_hosts = tuple(await team.co_host_ids(session, old.id))
    team_event = event.team_id is not None and event.scheduling_type in (team.COLLECTIVE, team.ROUND_ROBIN)
    round_robin = team_event and event.scheduling_type == team.ROUND_ROBIN
    candidates: list[SlotHost] = []
    if round_robin:
        event_hosts = await team_service.load_slot_hosts(session, event.id)
        candidates = [h for h in event_hosts if not h.is_fixed and h.user_id not in co_hosts]
        if old.user_id not in {h.user_id for h in candidates}:
            # The organizer left the event's hosts since: the booking may still stay with them.
            candidates.insert(0, SlotHost(user_id=old.user_id, is_fixed=False, priority=2, weight=100))
        wanted = {*co_hosts, *(h.user_id for h in candidates)}
        # The event type's host order first: its first host's zone is the event's zone (as creation).
        host_ids = list(dict.fromkeys([*(h.user_id for h in event_hosts if h.user_id in wanted), *sorted(wanted)]))
    else:
        host_ids = [old.user_id, *co_hosts]
    duration = event.length  # Cal.com: a rescheduled booking takes the event's length
    found = await load_booking_hosts(
        session,
        event,
        host_ids,
        start=start,
        end=start + timedelta(minutes=duration),
        now=now,
        fixed_ids=frozenset(co_hosts) if round_robin else frozenset(),
    )
    check = found.check(
        start, now=now, duration=duration, time_zone=time_zone, team_event=team_event, reschedule_uid=old.uid
    )
    organizer_id = old.user_id
    if round_robin and old.user_id not in check.free_host_ids:
        free = [h for h in candidates if h.user_id in check.free_host_ids]
        if not free:
            raise refusals.host_unavailable(team_event=True)
        chosen = await team.choose_round_robin_host(session, event.id, free, start=start, time_zone=found.time_zone)
        organizer_id = chosen.user_id
    return _NewTime(check, duration, event.requires_confirmation, organizer_id, co_hosts)


async def reschedule(
    session: AsyncSession,
    command: RescheduleBooking,
    *,
    caller: Principal | None,
    now: datetime,
    limits: InputLimits,
) -> CreatedBookings:
    """The new booking (a seat move: the meeting the seat is now in, and the seat).

    One transaction: check (own time freed; every collective / mandatory host free, a round-robin
    host kept if free, else chosen again — ``_check_new_time``), insert the new booking with the
    same attendees, co-hosts (``booking_hosts``) and answers, cancel the old with ``rescheduled``
    set, move MEETING_* events.
    """
    uid = command.uid
    limits.check_text("rescheduling reason", command.reason)
    limits.check_email("rescheduledBy", command.rescheduled_by)
    found = await steps.lock_and_reload(
        session, uid, missing=f"Booking with uid={uid} was not found in the database", with_team_hosts=True
    )
    if isinstance(found, list):
        raise BadRequest(
            f"uid={uid} is a recurring booking series; reschedule one of its occurrences by that occurrence's uid."
        )
    old = found
    successor = await queries.successor_uid(session, old.uid) if old.rescheduled else None
    _check_reschedulable(old, successor)
    attendees = await booking_attendees.of_booking(session, old.id)
    if command.seat_uid is not None:
        return await _reschedule_seat(session, old, attendees, command, command.seat_uid, now=now)
    if await session.scalar(select(BookingSeat.id).where(BookingSeat.booking_id == old.id).limit(1)) is not None:
        # Moving the whole meeting would leave its seats behind on the cancelled booking.
        raise BadRequest(
            f"Booking with uid={uid} is a seated booking: reschedule one seat at a time by sending its seatUid "
            "(returned when the seat was booked) in the request body."
        )
    time_zone = attendees[0].time_zone if attendees else "UTC"
    verdict = await _check_new_time(session, old, command.start, time_zone=time_zone, now=now)

    by_organizer = caller is not None and caller.user_id == old.user_id
    pending = old.status == steps.PENDING or (verdict.needs_confirmation and not by_organizer)
    status = steps.PENDING if pending else steps.ACCEPTED
    responses = dict(old.responses or {})
    if command.reason:
        responses["rescheduledReason"] = command.reason
    new = _copy_booking(old, start=command.start, duration=verdict.duration, status=status, responses=responses)
    await _add_successor(session, old, new, verdict, attendees, keep=attendees, rescheduled_by=command.rescheduled_by)
    old.status = steps.CANCELLED
    old.rescheduled = True
    old.rescheduled_by_email = command.rescheduled_by
    old.cancellation_reason = command.reason
    old.cancelled_by_email = queries.caller_email(caller)
    old.updated_at = utcnow()
    await session.flush()
    await payments.payment_hooks().moved(session, old, new)  # paid once: the payment moves along

    await events.cancel_meeting_events(session, old.uid)
    trigger = events.BOOKING_REQUESTED if status == steps.PENDING else events.BOOKING_RESCHEDULED
    await events.record_booking_event(session, trigger, new, extra=events.rescheduled_from(old, command.rescheduled_by))
    if status == steps.ACCEPTED:
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
    return create.booking_title(event_title, host, attendees[0].name if attendees else "")


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
    command: RescheduleBooking,
    seat_uid: str,
    *,
    now: datetime,
) -> CreatedBookings:
    """One seat moves: into the seated meeting already at ``start``, or a new one made for it.

    The new time is checked like a whole booking's (``_check_new_time``: every collective /
    mandatory host free, a round-robin organizer kept if free, else chosen again); a new meeting
    gets those hosts. The old meeting ends (as rescheduled) when its last seat left.
    """
    seat = await steps.seat_of(session, old, seat_uid)
    mover = next(a for a in attendees if a.id == seat.attendee_id)
    seated = await steps.seated_attendee_ids(session, old.id)
    if old.event_type_id is not None:
        await locks.lock_seat_slot(session, old.event_type_id, command.start)
    verdict = await _check_new_time(session, old, command.start, time_zone=mover.time_zone, now=now)
    check = verdict.check
    target = await queries.booking_by_uid(session, check.booking_uid) if check.booking_uid else None
    if target is None:
        # A new meeting: the team's hosts come along (attendees without a seat are the co-hosts).
        target = _copy_booking(old, start=command.start, duration=verdict.duration, status=old.status, responses=None)
        co_hosts = [a for a in attendees if a.id not in seated]
        await _add_successor(
            session, old, target, verdict, attendees, keep=co_hosts, rescheduled_by=command.rescheduled_by
        )
    await session.execute(update(Attendee).where(Attendee.id == mover.id).values(booking_id=target.id))
    await session.execute(update(BookingSeat).where(BookingSeat.id == seat.id).values(booking_id=target.id))
    old.updated_at = utcnow()
    if len(seated) == 1:
        # The last seat left: the old meeting is over, as a reschedule.
        old.status = steps.CANCELLED
        old.rescheduled = True
        old.rescheduled_by_email = command.rescheduled_by
        await session.flush()
        await events.cancel_meeting_events(session, old.uid)
    await session.flush()
    await events.record_booking_event(
        session,
        events.BOOKING_RESCHEDULED,
        target,
        extra=events.rescheduled_from(old, command.rescheduled_by, seatUid=seat.reference_uid),
    )
    if target.from_reschedule == old.uid and target.status == steps.ACCEPTED:
        await events.schedule_meeting_events(session, target)
    moved = await details.load_result(session, target)
    return CreatedBookings((moved,), series=False, seat_uid=seat.reference_uid)
