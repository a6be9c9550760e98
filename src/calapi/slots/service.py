"""Slots: which times can be booked (``GET /v2/slots``) and short holds on them (reservations).

The slot engine (``calapi.scheduling``) decides; ``calapi.availability`` loads its inputs — one
statement per kind of input whatever the number of hosts or bookings — and this module picks the
hosts and rules of the event asked for and keeps the ``slot_reservations`` rows.

Who is "the same booker": a hold is ignored for the booker whose uid it carries. Only the legacy
API knows bookers: its ``POST /v2/slots/reserve`` sets the ``uid`` cookie (Cal.com's booker
cookie) and its listing passes that cookie to the engine, so a legacy client that keeps cookies
sees its own hold as free. The 2024-09-04 reservations set no cookie and its listing passes none:
a hold hides the time from every listing until ``release_at``. Booking passes the cookie, so the
holder can still book what it holds.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from anyio import to_thread
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability import busy, holds
from calapi.availability.hosts import complete_hosts, data_window
from calapi.availability.models import SlotReservation
from calapi.config import Settings
from calapi.core.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    Unauthorized,
    Unprocessable,
)
from calapi.db import begin_write
from calapi.event_types import service as event_types_service
from calapi.event_types import team_service as team_event_types_service
from calapi.schedules import service as schedules_service
from calapi.scheduling import (
    EventRules,
    Host,
    Schedule,
    SchedulingType,
    SlotListing,
    SlotQuery,
    TooManySlots,
    list_slots,
)
from calapi.scheduling.availability import schedule_ranges

DEFAULT_RESERVATION_MINUTES = 5  # Cal.com's MINUTES_TO_BOOK

# Engine work up to this size (hosts × days laid out) runs on the event loop: two months of one
# host's slots take about a millisecond, less than a hand-off to a worker thread and back costs
# once the machine is busy (each hand-off waits for a thread to be scheduled). Larger work runs in
# a worker thread, so the loop goes on answering other requests meanwhile.
INLINE_MAX_HOST_DAYS = 62

T = TypeVar("T")


def host_days(hosts: int, start: datetime, end: datetime) -> int:
    """The size of a slot computation: hosts × days of the window (a started day counts whole)."""
    return hosts * max(1, -(-int((end - start).total_seconds()) // 86_400))


async def run_sized(size: int, work: Callable[..., T], *args: object) -> T:
    """``work(*args)`` inline when ``size`` (``host_days``) is small, else in a worker thread."""
    if size <= INLINE_MAX_HOST_DAYS:
        return work(*args)
    return await to_thread.run_sync(work, *args)


DYNAMIC_EVENT_LENGTH = 30  # a dynamic (several usernames) event without ?duration
DYNAMIC_MINIMUM_NOTICE = 120  # Cal.com's default notice, which its dynamic event keeps


class SlotFormat(enum.StrEnum):
    time = "time"
    range = "range"


@dataclass(frozen=True)
class SlotsRequest:
    """A parsed ``GET /v2/slots``; exactly one identification mode is filled in."""

    start: datetime
    end: datetime
    event_type_id: int | None = None
    event_type_slug: str | None = None
    username: str | None = None
    team_slug: str | None = None
    usernames: tuple[str, ...] = ()
    time_zone: str | None = None
    duration: int | None = None
    reschedule_uid: str | None = None
    host_subset_ids: tuple[int, ...] = ()  # team events: only these round-robin hosts


@dataclass(frozen=True)
class AvailableSlots:
    listing: SlotListing
    seated: bool

    @property
    def size(self) -> int:
        """How many slots the listing holds."""
        return sum(len(day) for day in self.listing.days.values())


@dataclass(frozen=True)
class SlotLimits:
    """How much one slot listing or free/busy request may ask, in every API version.

    A range longer than ``max_range_days`` is refused before anything is loaded; an event type's
    booking window needs no check of its own, since the engine lays out time only up to the
    window's end (a year asked of a 30-day window costs 30 days and lists what Cal.com lists).
    A listing of more than ``max_per_answer`` slots is refused rather than cut short: a cut
    answer would look like a complete one.
    """

    max_range_days: int
    max_per_answer: int

    @classmethod
    def from_settings(cls, settings: Settings) -> SlotLimits:
        return cls(settings.slots_max_range_days, settings.slots_max_per_answer)

    def check_range(self, start: datetime, end: datetime) -> None:
        if end - start > timedelta(days=self.max_range_days):
            raise BadRequest(
                f"The requested time range is longer than {self.max_range_days} days, the most one request may ask "
                "(setting CALAPI_SLOTS_MAX_RANGE_DAYS): ask for a shorter range."
            )

    def too_many(self, error: TooManySlots, *, unit: str = "slots") -> BadRequest:
        return BadRequest(
            f"The requested time range holds {error.count} {unit}, more than the {error.limit} one answer may list "
            "(setting CALAPI_SLOTS_MAX_PER_ANSWER): ask for a shorter range."
        )


# ---------------------------------------------------------------- listing


def _check_duration(duration: int | None, length: int, options: tuple[int, ...]) -> None:
    if duration is None or duration == length or duration in options:
        return
    allowed = ", ".join(str(n) for n in sorted({length, *options}))
    raise BadRequest(
        f"duration property is wrong,duration {duration} is not a length of this event type (allowed: {allowed}) "
    )


async def available_slots(
    session: AsyncSession, request: SlotsRequest, *, now: datetime, booker_uid: str | None, limits: SlotLimits
) -> AvailableSlots:
    """The bookable slots for a parsed slots request (``GET /v2/slots`` and its legacy and v1 forms)."""
    if request.end < request.start:
        raise BadRequest("Invalid time range given - check the 'start' and 'end' query parameters.")
    limits.check_range(request.start, request.end)
    if request.event_type_id is not None or request.username is not None:
        if request.event_type_id is not None:
            event = await event_types_service.load_slot_event_type(session, request.event_type_id)
        else:
            assert request.event_type_slug is not None
            owner_id, event = await event_types_service.load_slot_event_type_by_slug(
                session, request.username, request.event_type_slug
            )
            if owner_id is None:
                raise NotFound(f"User with username {request.username} not found")
        if event is not None and event.is_team_event:
            availability, rules, fixed_ids = await _team_event(session, event, request)
        else:
            if event is None or event.owner_id is None:
                raise NotFound("Event Type not found")
            _check_duration(request.duration, event.length, event.length_options)
            availability = await schedules_service.load_host_availability(
                session, user_ids=[event.owner_id], schedule_id=event.schedule_id
            )
            owner = availability.get(event.owner_id)
            rules = event.rules(week_start=owner.week_start if owner else 0)
            fixed_ids = frozenset()
    elif request.team_slug is not None:
        assert request.event_type_slug is not None
        team_id, event = await team_event_types_service.load_team_slot_event_type(
            session, request.team_slug, request.event_type_slug
        )
        if team_id is None:
            raise NotFound(f"Team with slug {request.team_slug} not found")
        if event is None:
            raise NotFound("Event Type not found")
        availability, rules, fixed_ids = await _team_event(session, event, request)
    else:
        availability, rules = await _dynamic_event(session, request)
        fixed_ids = frozenset()
    if not availability:
        return AvailableSlots(SlotListing(request.time_zone or "UTC", {}), rules.seats_per_slot is not None)
    lo, hi = data_window(rules, request.start, request.end, now)
    hosts = await complete_hosts(session, availability, lo, hi, now, fixed_ids=fixed_ids)
    query = SlotQuery(
        hosts=hosts,
        rules=rules,
        now=now,
        start=request.start,
        end=request.end,
        time_zone=request.time_zone or "UTC",
        duration=request.duration,
        booker_uid=booker_uid,
        reschedule_uid=request.reschedule_uid,
        max_slots=limits.max_per_answer,
    )
    try:
        # A long range or many hosts keep the engine busy for a while: then in a worker thread.
        listing = await run_sized(host_days(len(hosts), lo, hi), list_slots, query)
    except TooManySlots as error:
        raise limits.too_many(error) from None
    return AvailableSlots(listing, rules.seats_per_slot is not None)


async def _team_event(
    session: AsyncSession, event: event_types_service.SlotEventType, request: SlotsRequest
) -> tuple[dict[int, schedules_service.HostAvailability], EventRules, frozenset[int]]:
    """A collective or round-robin team event: its hosts (two statements), the rules, the fixed hosts.

    Round-robin: mandatory hosts are fixed (all must be free), the others form one group (one
    free host is enough); ``hostSubsetIds`` keeps only those round-robin hosts. Collective: every
    host must be free. A managed parent has no slots of its own: its members' event types do.
    """
    if event.is_managed_parent:
        raise BadRequest(
            f"Event type with id={event.id} is a managed event type: list the slots of a member's event type instead "
            "(eventTypeId of the member's child, or eventTypeSlug + username)."
        )
    _check_duration(request.duration, event.length, event.length_options)
    team_hosts = await team_event_types_service.load_slot_hosts(session, event.id)
    if request.host_subset_ids:
        known = {h.user_id for h in team_hosts}
        strangers = [i for i in request.host_subset_ids if i not in known]
        if strangers:
            raise BadRequest(
                f"hostSubsetIds property is wrong,user {strangers[0]} is not a host of event type {event.id} "
            )
        subset = set(request.host_subset_ids)
        team_hosts = [h for h in team_hosts if h.is_fixed or h.user_id in subset]
    found = await schedules_service.load_host_availability(
        session, user_ids=[h.user_id for h in team_hosts], schedule_id=event.schedule_id
    )
    # Hosts in the order they were added: the first one's zone is the event's zone.
    availability = {h.user_id: found[h.user_id] for h in team_hosts if h.user_id in found}
    first = next(iter(availability.values()), None)
    rules = event.rules(week_start=first.week_start if first else 0)
    return availability, rules, frozenset(h.user_id for h in team_hosts if h.is_fixed)


async def _dynamic_event(
    session: AsyncSession, request: SlotsRequest
) -> tuple[dict[int, schedules_service.HostAvailability], EventRules]:
    """Several usernames: a collective event of ``duration`` (default 30) minutes over their default schedules."""
    found = await schedules_service.load_host_availability(session, usernames=request.usernames)
    by_name = {host.username: host for host in found.values()}
    for name in request.usernames:
        if name not in by_name:
            raise NotFound(f"User with username {name} not found")
    # Hosts in the order the caller named them: the first one's zone is the event's zone.
    ordered = {by_name[name].user_id: by_name[name] for name in request.usernames}
    first = next(iter(ordered.values()))
    rules = EventRules(
        length=request.duration or DYNAMIC_EVENT_LENGTH,
        minimum_notice=DYNAMIC_MINIMUM_NOTICE,
        scheduling_type=SchedulingType.COLLECTIVE,
        week_start=first.week_start,
    )
    return ordered, rules


# ---------------------------------------------------------------- reservations


@dataclass(frozen=True)
class ReservationRequest:
    event_type_id: int
    slot_start: datetime
    slot_duration: int | None = None
    reservation_duration: int | None = None


@dataclass(frozen=True)
class HeldSlot:
    uid: str
    event_type_id: int
    slot_start: datetime
    slot_end: datetime
    release_at: datetime
    reservation_duration: int | None = None  # minutes; known when the hold was just (re)made

    @property
    def slot_duration(self) -> int:
        return int((self.slot_end - self.slot_start).total_seconds() // 60)


async def _lock_event_type(session: AsyncSession, event_type_id: int) -> None:
    """Serialise holds on one event type: check-then-insert must not interleave.

    SQLite: the write lock taken at BEGIN (begin_write) already does it. PostgreSQL: a
    transaction-scoped advisory lock keyed by the event type.
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :key)"), {"namespace": 4210, "key": event_type_id}
        )


async def _check_and_hold(
    session: AsyncSession,
    request: ReservationRequest,
    *,
    caller_id: int | None,
    now: datetime,
    uid: str,
) -> HeldSlot:
    if request.reservation_duration is not None and caller_id is None:
        raise Unauthorized(
            "reservationDuration can only be used for authenticated requests - use access token, api key or OAuth credentials"
        )
    event = await event_types_service.load_slot_event_type(session, request.event_type_id)
    if event is None or event.owner_id is None:
        raise NotFound(f"Event Type with ID={request.event_type_id} not found")
    if request.reservation_duration is not None and caller_id != event.owner_id:
        # Cal.com also lets team members and org members in; there are no teams yet.
        raise Forbidden(
            f"User with id={caller_id} is not authorized to set a custom reservationDuration for event type with id={event.id}"
        )
    length = event.length
    if request.slot_duration is not None:
        if not event.is_variable_length:
            raise BadRequest("You passed 'slotDuration' but this event type is not a variable length event type.")
        if request.slot_duration not in event.length_options:
            allowed = ", ".join(str(n) for n in event.length_options)
            raise BadRequest(
                f"Provided 'slotDuration' is not one of the possible lengths for the event type. The possible lengths are: {allowed}"
            )
        length = request.slot_duration
    slot_start = request.slot_start
    slot_end = slot_start + timedelta(minutes=length)
    await _lock_event_type(session, event.id)
    # Expired holds of this event type go on the way (listing already ignores them).
    await session.execute(
        delete(SlotReservation).where(SlotReservation.event_type_id == event.id, SlotReservation.release_at <= now)
    )
    booked = await busy.event_bookings_overlapping(session, event.id, slot_start, slot_end)
    others = (
        SlotReservation.event_type_id == event.id,
        SlotReservation.uid != uid,
        SlotReservation.release_at > now,
    )
    if event.seats_per_slot is None:
        if booked:
            raise Unprocessable("Can't reserve a slot if the event is already booked.")
        clash = await session.scalar(
            select(SlotReservation.id)
            .where(*others, SlotReservation.slot_start < slot_end, SlotReservation.slot_end > slot_start)
            .limit(1)
        )
        if clash is not None:
            raise Unprocessable("This time slot is already reserved by another user. Please choose a different time.")
    else:
        # Seats: booked rows at this start (one seat each until attendees are stored) plus other holders.
        holders = await session.scalar(
            select(func.count(func.distinct(SlotReservation.uid))).where(
                *others, SlotReservation.slot_start == slot_start
            )
        )
        taken = sum(1 for b in booked if b.start == slot_start) + int(holders or 0)
        if taken >= event.seats_per_slot:
            raise Unprocessable("Can't reserve a seat: all seats of this time slot are taken.")
    minutes = request.reservation_duration or DEFAULT_RESERVATION_MINUTES
    release_at = now + timedelta(minutes=minutes)
    session.add(
        SlotReservation(
            uid=uid,
            event_type_id=event.id,
            user_id=event.owner_id,
            slot_start=slot_start,
            slot_end=slot_end,
            release_at=release_at,
            is_seat=event.seats_per_slot is not None,
            created_at=now,
        )
    )
    await session.flush()
    return HeldSlot(uid, event.id, slot_start, slot_end, release_at, minutes)


async def reserve(
    session: AsyncSession, request: ReservationRequest, *, caller_id: int | None, now: datetime, uid: str | None = None
) -> HeldSlot:
    """Hold a slot for ``reservation_duration`` minutes (default 5) — one row per host held.

    ``uid``: the booker's existing hold uid (the legacy API reuses its cookie), else a new one.
    Holds under one uid never block each other, and releasing the uid drops them all.
    """
    await begin_write(session)
    return await _check_and_hold(session, request, caller_id=caller_id, now=now, uid=uid or str(uuid.uuid4()))


async def get_reservation(session: AsyncSession, uid: str) -> HeldSlot | None:
    row = await session.scalar(
        select(SlotReservation).where(SlotReservation.uid == uid).order_by(SlotReservation.id).limit(1)
    )
    if row is None:
        return None
    return HeldSlot(row.uid, row.event_type_id, row.slot_start, row.slot_end, row.release_at)


async def update_reservation(
    session: AsyncSession, uid: str, request: ReservationRequest, *, caller_id: int | None, now: datetime
) -> HeldSlot:
    """Move a hold (same checks as a new one); its release time counts again from now."""
    await begin_write(session)
    exists = await session.scalar(select(SlotReservation.id).where(SlotReservation.uid == uid).limit(1))
    if exists is None:
        raise NotFound(f"Slot with uid={uid} not found")
    await session.execute(delete(SlotReservation).where(SlotReservation.uid == uid))
    return await _check_and_hold(session, request, caller_id=caller_id, now=now, uid=uid)


release = holds.release  # the routers drop a hold as bookings do: one function


# ---------------------------------------------------------------- free/busy (API v1's /availability)


@dataclass(frozen=True)
class FreeBusy:
    """One user's computed availability in a window: their zone and schedule (engine input), the
    busy spans (bookings), and the schedule's free ranges — free/busy only, no booking details."""

    user_id: int
    time_zone: str
    schedule: Schedule | None
    busy: tuple[tuple[datetime, datetime], ...]
    date_ranges: tuple[tuple[datetime, datetime], ...]


async def free_busy(
    session: AsyncSession, user_ids: Iterable[int], *, start: datetime, end: datetime, now: datetime, limits: SlotLimits
) -> list[FreeBusy]:
    """The same engine inputs as ``GET /v2/slots`` (schedules, bookings, holds), one statement each
    whatever the number of users; users that do not exist are absent."""
    limits.check_range(start, end)
    availability = await schedules_service.load_host_availability(session, user_ids=list(user_ids))
    hosts = await complete_hosts(session, availability, start, end, now)
    # A team's members over a long range: laid out in a worker thread, as slot listings are.
    return await run_sized(host_days(len(hosts), start, end), _free_busy_of, availability, hosts, start, end, limits)


def _free_busy_of(
    availability: dict[int, schedules_service.HostAvailability],
    hosts: tuple[Host, ...],
    start: datetime,
    end: datetime,
    limits: SlotLimits,
) -> list[FreeBusy]:
    lo, hi = int(start.timestamp()), int(end.timestamp())
    answer = []
    for host in hosts:
        profile = availability[host.user_id]
        busy = tuple(sorted((b.start, b.end) for b in host.busy if b.end > start and b.start < end))
        ranges = schedule_ranges(host.schedule, lo, hi) if profile.schedule is not None else []
        if len(ranges) > limits.max_per_answer:
            # a free range is to an availability answer what a slot is to a listing
            raise limits.too_many(TooManySlots(len(ranges), limits.max_per_answer), unit="available ranges")
        free = tuple((datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC)) for s, e in ranges)
        answer.append(FreeBusy(host.user_id, profile.time_zone, profile.schedule, busy, free))
    return answer
