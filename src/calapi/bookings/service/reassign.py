"""Moving a round-robin booking to another host: ``POST /v2/bookings/{uid}/reassign[/{userId}]``.

One transaction, the pattern of every booking change: ``begin_write`` → read the booking → lock the
current organizer and every round-robin host (ascending ids, the locks booking creation takes) →
read again → ask the slot engine which round-robin hosts are free for the booking's time → move
it → ``BOOKING_REASSIGNED`` in the outbox (and the MEETING_* events re-made for the new organizer).

Automatic: the new host is chosen among the free round-robin hosts other than the current one by
the creation rule (``team.choose_round_robin_host``: priority, weighted share, recency). Manual:
the given user must be one of the event type's round-robin hosts and free at that time.

Who may reassign (choice; Cal.com requires an event-type admin): the booking's organizer, an
ADMIN/OWNER of the event type's team, or a system admin. Anyone else gets 404, as for every other
user's booking where auth is required.

The engine is asked with the event's rules minus what does not apply to a move: minimum notice,
booking window and event-wide limits (the meeting already exists and keeps its time and count).
Mandatory hosts stay on the booking as attendees; only the organizer changes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability import hosts as availability_hosts
from calapi.bookings import attendees as booking_attendees
from calapi.bookings import events
from calapi.bookings.commands import Reassign
from calapi.bookings.models import Booking, BookingStatus
from calapi.bookings.results import OrganizerRef, Reassignment
from calapi.bookings.service import create, locks, queries, refusals, steps, team
from calapi.core import authorization
from calapi.core.auth import Principal
from calapi.core.errors import BadRequest, NotFound
from calapi.core.limits import InputLimits
from calapi.db import begin_write, utcnow
from calapi.event_types import service as event_types_service
from calapi.event_types import team_service
from calapi.event_types.models import EventType
from calapi.event_types.team_service import SlotHost
from calapi.schedules import service as schedules_service
from calapi.scheduling import BookingRequest, SchedulingType, check_booking
from calapi.teams import access
from calapi.users.models import User

NO_OTHER_HOST = "Can't reassign the booking because no other host is available at that time."
_ACTIVE = (BookingStatus.accepted.value, BookingStatus.pending.value)


def _missing(uid: str) -> NotFound:
    return NotFound(f"Booking with uid={uid} was not found in the database")


def _not_a_host(user_id: int) -> BadRequest:
    return BadRequest(
        f"User with id={user_id} is not a valid Round Robin host - the user to which you reassign this booking must be "
        "one of the booking hosts. Fetch the booking using following endpoint and select id of one of the hosts: "
        "https://cal.com/docs/api-reference/v2/bookings/get-a-booking"
    )


async def _load(session: AsyncSession, uid: str, *, populate_existing: bool = False) -> Booking:
    booking = await queries.booking_by_uid(session, uid, populate_existing=populate_existing)
    if booking is None:
        raise _missing(uid)
    return booking


async def _may_reassign(session: AsyncSession, booking: Booking, event_type: EventType, caller: Principal) -> bool:
    """The organizer, a system admin, or an ADMIN/OWNER of the event type's team."""
    if authorization.may_act_for(caller, booking.user_id):
        return True
    return event_type.team_id is not None and (await access.actor_in(session, caller, event_type.team_id)).manages


async def reassign(
    session: AsyncSession, command: Reassign, *, caller: Principal, now: datetime, limits: InputLimits
) -> Reassignment:
    """The booking, moved to a free round-robin host (the given one, or the next one chosen as at creation)."""
    uid, to_user_id, reason = command.uid, command.to_user_id, command.reason
    limits.check_text("reassignment reason", reason)
    await begin_write(session)
    booking = await _load(session, uid)
    event_type = await session.get(EventType, booking.event_type_id) if booking.event_type_id is not None else None
    if event_type is None or not await _may_reassign(session, booking, event_type, caller):
        raise _missing(uid)
    if event_type.team_id is None or event_type.scheduling_type != team.ROUND_ROBIN:
        raise BadRequest(f"Booking with uid={uid} is not a round robin booking, so it can't be reassigned.")
    if to_user_id is not None and await session.get(User, to_user_id) is None:
        raise NotFound(f"User with id={to_user_id} was not found in the database")
    hosts = [h for h in await team_service.load_slot_hosts(session, event_type.id) if not h.is_fixed]
    if to_user_id is not None and to_user_id not in {h.user_id for h in hosts}:
        raise _not_a_host(to_user_id)

    await locks.lock_hosts(session, [booking.user_id, *(h.user_id for h in hosts)])
    booking = await _load(session, uid, populate_existing=True)  # as it stands now that we hold the locks
    if booking.status not in _ACTIVE:
        raise BadRequest(f"Can't reassign booking with uid={uid} because it has been {booking.status}.")
    if to_user_id == booking.user_id:
        raise BadRequest(f"User with id={to_user_id} already hosts the booking with uid={uid}.")
    others = [h for h in hosts if h.user_id != booking.user_id and (to_user_id is None or h.user_id == to_user_id)]
    free = await _free_host_ids(session, event_type, booking, [h.user_id for h in others], now)
    candidates = [h for h in others if h.user_id in free]
    if not candidates:
        if to_user_id is not None:
            raise refusals.host_unavailable(team_event=False)
        raise BadRequest(NO_OTHER_HOST)
    chosen = (
        candidates[0]
        if to_user_id is not None
        else await team.choose_round_robin_host(
            session, event_type.id, candidates, start=booking.start_time, time_zone=await _event_zone(session, hosts)
        )
    )
    users = await team.load_users(session, [booking.user_id, chosen.user_id])
    previous, new_host = users.get(booking.user_id), users[chosen.user_id]
    attendees = await booking_attendees.of_booking(session, booking.id)
    booker = attendees[0].name if attendees else ""
    booking.user_id = new_host.id
    booking.title = create.booking_title(event_type.title, new_host, booker)
    booking.updated_at = utcnow()
    await session.flush()

    await events.record_booking_event(
        session,
        events.BOOKING_REASSIGNED,
        booking,
        attendees=attendees,
        organizer=new_host,
        event_type=event_type,
        extra=events.reassigned_to(previous, new_host, reason=reason, manual=to_user_id is not None),
    )
    if booking.status == BookingStatus.accepted.value and await events.cancel_meeting_events(session, booking.uid):
        await events.schedule_meeting_events(session, booking, attendees=attendees, organizer=new_host)
    return Reassignment(booking, OrganizerRef.of(new_host))


async def _event_zone(session: AsyncSession, hosts: list[SlotHost]) -> str:
    found = await schedules_service.load_host_availability(session, user_ids=[hosts[0].user_id]) if hosts else {}
    first = next(iter(found.values()), None)
    return first.time_zone if first else "UTC"


async def _free_host_ids(
    session: AsyncSession, event_type: EventType, booking: Booking, user_ids: list[int], now: datetime
) -> set[int]:
    """Which of ``user_ids`` the slot engine finds free for the booking's whole time."""
    if not user_ids:
        return set()
    slot_event = await event_types_service.load_slot_event_type(session, event_type.id)
    assert slot_event is not None
    availability = await schedules_service.load_host_availability(
        session, user_ids=user_ids, schedule_id=event_type.schedule_id
    )
    if not availability:
        return set()
    first = availability.get(user_ids[0]) or next(iter(availability.values()))
    # The meeting keeps its own length, whatever the event type's lengths are now.
    rules = replace(
        steps.rules_for_existing_meeting(slot_event.rules(week_start=first.week_start), steps.minutes(booking)),
        scheduling_type=SchedulingType.ROUND_ROBIN,
    )
    lo, hi = availability_hosts.data_window(rules, booking.start_time, booking.end_time, now)
    hosts = (await availability_hosts.complete_hosts(session, availability, lo, hi, now)).hosts
    check = check_booking(
        BookingRequest(hosts=hosts, rules=rules, now=min(now, booking.start_time), start=booking.start_time)
    )
    return set(check.free_host_ids)
