"""Slot listing: which times can be booked (``GET /v2/slots``, its legacy and v1 forms).

The slot engine (``calapi.scheduling``) decides; ``calapi.availability`` loads its inputs — one
statement per kind of input whatever the number of hosts or bookings — and this module picks the
hosts and rules of the event asked for.

Who is "the same booker": a hold is ignored for the booker whose uid it carries. Only the legacy
API knows bookers: its ``POST /v2/slots/reserve`` sets the ``uid`` cookie (Cal.com's booker
cookie) and its listing passes that cookie to the engine, so a legacy client that keeps cookies
sees its own hold as free. The 2024-09-04 reservations set no cookie and its listing passes none:
a hold hides the time from every listing until ``release_at``. Booking passes the cookie, so the
holder can still book what it holds.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability.cache import AvailabilityCache
from calapi.availability.changes import Reading
from calapi.availability.hosts import complete_hosts, data_window
from calapi.config import Settings, parse_duration
from calapi.core.errors import BadRequest, NotFound
from calapi.event_types import service as event_types_service
from calapi.event_types import team_service as team_event_types_service
from calapi.schedules import service as schedules_service
from calapi.scheduling import (
    EventRules,
    SchedulingType,
    SlotListing,
    SlotQuery,
    TooManySlots,
    list_slots,
)

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
    # The hosts' calendars whose busy times were stale (calendars/busy.py), by name.
    stale_calendars: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        """How many slots the listing holds."""
        return self.listing.size


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
    # The staleness bound of the hosts' calendar busy times (CALAPI_CALENDAR_CACHE_TTL), seconds:
    # a listing names the calendars whose data is older.
    calendar_ttl: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SlotLimits:
        return cls(
            settings.slots_max_range_days,
            settings.slots_max_per_answer,
            parse_duration(settings.calendar_cache_ttl),
        )

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


@dataclass(frozen=True)
class ListingSetup:
    """What a listing resolves before busy time, by the event it names: the event type (None for
    several usernames), a team event's hosts in the order they were added, the hosts' schedules.
    Kept between listings by the availability cache: read only."""

    event: event_types_service.SlotEventType | None
    team_hosts: tuple[team_event_types_service.SlotHost, ...] | None
    availability: Mapping[int, schedules_service.HostAvailability]

    def host_ids(self) -> list[int]:
        return list(self.availability)


def _setup_key(request: SlotsRequest) -> Hashable:
    """The part of a request its setup depends on (which event, which hosts)."""
    if request.event_type_id is not None:
        return ("event", request.event_type_id)
    if request.username is not None:
        return ("user", request.username, request.event_type_slug)
    if request.team_slug is not None:
        return ("team", request.team_slug, request.event_type_slug)
    return ("usernames", request.usernames)


async def available_slots(
    session: AsyncSession,
    request: SlotsRequest,
    *,
    now: datetime,
    booker_uid: str | None,
    limits: SlotLimits,
    cache: AvailabilityCache | None = None,
) -> AvailableSlots:
    """The bookable slots for a parsed slots request (``GET /v2/slots`` and its legacy and v1 forms).

    ``cache``: what listings read, kept between them (a listing may be a moment behind a commit
    in another process; the booking itself is checked against the database).
    """
    if request.end < request.start:
        raise BadRequest("Invalid time range given - check the 'start' and 'end' query parameters.")
    limits.check_range(request.start, request.end)
    reading: Reading | None = None
    if cache is None:
        setup = await _resolve(session, request)
    else:
        setup, reading = await cache.setup(
            session, _setup_key(request), lambda reader: _resolve(reader, request), ListingSetup.host_ids
        )
    availability, rules, fixed_ids = _inputs(setup, request)
    if not availability:
        return AvailableSlots(SlotListing(request.time_zone or "UTC"), rules.seats_per_slot is not None)
    lo, hi = data_window(rules, request.start, request.end, now)
    inputs = await complete_hosts(
        session,
        availability,
        lo,
        hi,
        now,
        fixed_ids=fixed_ids,
        cache=cache,
        reading=reading,
        calendar_ttl=limits.calendar_ttl,
    )
    hosts = inputs.hosts
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
    return AvailableSlots(listing, rules.seats_per_slot is not None, inputs.stale_calendars)


async def _resolve(session: AsyncSession, request: SlotsRequest) -> ListingSetup:
    """The event and hosts a request names, with the hosts' schedules (two or three statements);
    NotFound (or, for a managed parent, BadRequest) when there is nothing to list."""
    if request.event_type_id is not None or request.username is not None:
        if request.event_type_id is not None:
            event = await event_types_service.load_slot_event_type(session, request.event_type_id)
        else:
            assert request.username is not None and request.event_type_slug is not None
            owner_id, event = await event_types_service.load_slot_event_type_by_slug(
                session, request.username, request.event_type_slug
            )
            if owner_id is None:
                raise NotFound(f"User with username {request.username} not found")
        if event is not None and event.is_team_event:
            return await _team_setup(session, event)
        if event is None or event.owner_id is None:
            raise NotFound("Event Type not found")
        availability = await schedules_service.load_host_availability(
            session, user_ids=[event.owner_id], schedule_id=event.schedule_id
        )
        return ListingSetup(event, None, availability)
    if request.team_slug is not None:
        assert request.event_type_slug is not None
        team_id, event = await team_event_types_service.load_team_slot_event_type(
            session, request.team_slug, request.event_type_slug
        )
        if team_id is None:
            raise NotFound(f"Team with slug {request.team_slug} not found")
        if event is None:
            raise NotFound("Event Type not found")
        return await _team_setup(session, event)
    # Several usernames: a collective event over their default schedules.
    found = await schedules_service.load_host_availability(session, usernames=request.usernames)
    by_name = {host.username: host for host in found.values()}
    for name in request.usernames:
        if name not in by_name:
            raise NotFound(f"User with username {name} not found")
    # Hosts in the order the caller named them: the first one's zone is the event's zone.
    return ListingSetup(None, None, {by_name[name].user_id: by_name[name] for name in request.usernames})


async def _team_setup(session: AsyncSession, event: event_types_service.SlotEventType) -> ListingSetup:
    """A collective or round-robin team event: its hosts and their schedules (two statements). A
    managed parent has no slots of its own: its members' event types do."""
    if event.is_managed_parent:
        raise BadRequest(
            f"Event type with id={event.id} is a managed event type: list the slots of a member's event type instead "
            "(eventTypeId of the member's child, or eventTypeSlug + username)."
        )
    team_hosts = await team_event_types_service.load_slot_hosts(session, event.id)
    found = await schedules_service.load_host_availability(
        session, user_ids=[h.user_id for h in team_hosts], schedule_id=event.schedule_id
    )
    # Hosts in the order they were added: the first one's zone is the event's zone.
    availability = {h.user_id: found[h.user_id] for h in team_hosts if h.user_id in found}
    return ListingSetup(event, tuple(team_hosts), availability)


def _inputs(
    setup: ListingSetup, request: SlotsRequest
) -> tuple[Mapping[int, schedules_service.HostAvailability], EventRules, frozenset[int]]:
    """The hosts, rules and fixed hosts of this request: its duration and host subset applied."""
    event = setup.event
    if event is None:
        first = next(iter(setup.availability.values()))
        rules = EventRules(
            length=request.duration or DYNAMIC_EVENT_LENGTH,
            minimum_notice=DYNAMIC_MINIMUM_NOTICE,
            scheduling_type=SchedulingType.COLLECTIVE,
            week_start=first.week_start,
        )
        return setup.availability, rules, frozenset()
    _check_duration(request.duration, event.length, event.length_options)
    if setup.team_hosts is None:
        assert event.owner_id is not None
        owner = setup.availability.get(event.owner_id)
        return setup.availability, event.rules(week_start=owner.week_start if owner else 0), frozenset()
    # Round-robin: mandatory hosts are fixed (all must be free), the others form one group (one
    # free host is enough); ``hostSubsetIds`` keeps only those round-robin hosts. Collective:
    # every host must be free.
    team_hosts = setup.team_hosts
    availability = setup.availability
    if request.host_subset_ids:
        known = {h.user_id for h in team_hosts}
        strangers = [i for i in request.host_subset_ids if i not in known]
        if strangers:
            raise BadRequest(
                f"hostSubsetIds property is wrong,user {strangers[0]} is not a host of event type {event.id} "
            )
        subset = set(request.host_subset_ids)
        team_hosts = tuple(h for h in team_hosts if h.is_fixed or h.user_id in subset)
        availability = {h.user_id: availability[h.user_id] for h in team_hosts if h.user_id in availability}
    lead = next(iter(availability.values()), None)
    rules = event.rules(week_start=lead.week_start if lead else 0)
    return availability, rules, frozenset(h.user_id for h in team_hosts if h.is_fixed)
