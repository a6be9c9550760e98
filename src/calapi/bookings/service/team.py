"""Team bookings: who hosts a collective or round-robin booking, and who a booking moves to.

Collective: every host must be free (the engine's COLLECTIVE mode); the first host (in the order
the hosts were added) is the organizer, the others are co-hosts.

Round-robin: mandatory (fixed) hosts must all be free and are co-hosts; ONE round-robin host is
the organizer, chosen among those free for every occurrence by ``choose_round_robin_host``:

1. the highest ``priority`` (0..4);
2. then the host furthest below their weighted share: ``share = weight / Σ weights`` of those
   candidates, ``shortfall = share × Σ their bookings − own bookings``, largest first (ties: the
   higher weight);
3. then the least recently booked (the host whose latest booking of this event type is oldest;
   never booked first); last, the lower user id, so the choice is deterministic.

Bookings counted for (2): this event type's ACCEPTED bookings organised by the candidate whose
start falls in the same calendar month as the new booking's start, in the event's zone (its first
host's zone). Counting by start month (Cal.com can count by start time too) makes the share
independent of the clock a booking was made at, and a month of its own balances on its own;
"least recently booked" uses booking ids (monotonic with creation) over all time.

Both run inside the booking transaction after ``lock_hosts`` took every host of the event, so
concurrent bookers see each other's choices: N simultaneous bookings of one slot with N free
round-robin hosts give exactly one booking per host.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings.models import Booking, BookingHost, BookingStatus
from calapi.core.errors import BadRequest, Unprocessable
from calapi.event_types import team_service
from calapi.event_types.models import EventType
from calapi.event_types.team_service import SlotHost
from calapi.users.models import User

COLLECTIVE = "COLLECTIVE"
ROUND_ROBIN = "ROUND_ROBIN"
MANAGED = "MANAGED"


def managed_parent_refusal(event_type_id: int) -> BadRequest:
    return BadRequest(
        f"Event type with id={event_type_id} is the parent managed event type that can't be booked. You have to provide "
        "the child event type id aka id of event type that has been assigned to one of the users."
    )


@dataclass(frozen=True)
class TeamHosts:
    """The hosts a team booking may use: ``fixed`` must all be free; one of ``round_robin`` is picked."""

    scheduling_type: str
    fixed: tuple[SlotHost, ...]
    round_robin: tuple[SlotHost, ...]

    @property
    def all_ids(self) -> list[int]:
        return [h.user_id for h in (*self.fixed, *self.round_robin)]

    @property
    def fixed_ids(self) -> frozenset[int]:
        return frozenset(h.user_id for h in self.fixed)


async def load_team_hosts(
    session: AsyncSession, event_type: EventType, host_subset_ids: Sequence[int] = ()
) -> TeamHosts:
    """The event type's hosts for a booking (one statement); 422 without hosts, 400 for a stranger in the subset."""
    hosts = await team_service.load_slot_hosts(session, event_type.id)
    if not hosts:
        raise Unprocessable(
            f"Can't book this team event type because it has no hosts. Please, add at least 1 host to event type with "
            f"id={event_type.id} belonging to team with id={event_type.team_id} and try again."
        )
    if host_subset_ids:
        known = {h.user_id for h in hosts}
        strangers = [i for i in host_subset_ids if i not in known]
        if strangers:
            raise BadRequest(
                f"hostSubsetIds property is wrong,user {strangers[0]} is not a host of event type {event_type.id} "
            )
    if event_type.scheduling_type == COLLECTIVE:
        return TeamHosts(COLLECTIVE, tuple(hosts), ())
    subset = set(host_subset_ids)
    return TeamHosts(
        ROUND_ROBIN,
        tuple(h for h in hosts if h.is_fixed),
        tuple(h for h in hosts if not h.is_fixed and (not subset or h.user_id in subset)),
    )


def _month_bounds(start: datetime, time_zone: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of ``start``'s calendar month in ``time_zone``."""
    zone = ZoneInfo(time_zone)
    local = start.astimezone(zone)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + timedelta(days=32)).replace(day=1)
    return first.replace(tzinfo=zone), following.replace(tzinfo=zone)


@dataclass(frozen=True)
class HostTally:
    in_interval: int
    latest_booking_id: int  # 0 = never booked


async def tally(
    session: AsyncSession, event_type_id: int, user_ids: Iterable[int], interval: tuple[datetime, datetime]
) -> dict[int, HostTally]:
    """Per candidate: accepted bookings of this event type in ``interval``, and their latest booking id (one statement)."""
    ids = sorted(set(user_ids))
    lo, hi = interval
    in_interval = case((and_(Booking.start_time >= lo, Booking.start_time < hi), 1), else_=0)
    statement = (
        select(Booking.user_id, func.sum(in_interval), func.max(Booking.id))
        .where(
            Booking.event_type_id == event_type_id,
            Booking.user_id.in_(ids),
            Booking.status == BookingStatus.accepted.value,
        )
        .group_by(Booking.user_id)
    )
    found = {
        user_id: HostTally(int(count or 0), int(latest or 0))
        for user_id, count, latest in (await session.execute(statement)).all()
    }
    return {user_id: found.get(user_id, HostTally(0, 0)) for user_id in ids}


def pick(candidates: Sequence[SlotHost], tallies: dict[int, HostTally]) -> SlotHost:
    """The pure choice: priority, then weighted shortfall, then least recently booked, then lower id."""
    top = max(h.priority for h in candidates)
    best = [h for h in candidates if h.priority == top]
    if len(best) == 1:
        return best[0]
    total_weight = sum(max(h.weight, 0) for h in best)
    total_bookings = sum(tallies[h.user_id].in_interval for h in best)

    def shortfall(host: SlotHost) -> float:
        share = max(host.weight, 0) / total_weight if total_weight else 1 / len(best)
        return share * total_bookings - tallies[host.user_id].in_interval

    return min(
        best,
        key=lambda h: (-round(shortfall(h), 9), -h.weight, tallies[h.user_id].latest_booking_id, h.user_id),
    )


async def choose_round_robin_host(
    session: AsyncSession,
    event_type_id: int,
    candidates: Sequence[SlotHost],
    *,
    start: datetime,
    time_zone: str,
) -> SlotHost:
    """One round-robin host among ``candidates`` (all free); see the module docstring for the rule."""
    if len(candidates) == 1:
        return candidates[0]
    tallies = await tally(session, event_type_id, [h.user_id for h in candidates], _month_bounds(start, time_zone))
    return pick(candidates, tallies)


async def load_users(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, User]:
    ids = sorted(set(user_ids))
    return {u.id: u for u in (await session.scalars(select(User).where(User.id.in_(ids)))).all()} if ids else {}


def co_host_rows(booking_id: int, user_ids: Iterable[int]) -> list[BookingHost]:
    return [BookingHost(booking_id=booking_id, user_id=user_id) for user_id in dict.fromkeys(user_ids)]


async def co_host_ids(session: AsyncSession, booking_id: int) -> list[int]:
    return list(
        (
            await session.scalars(
                select(BookingHost.user_id).where(BookingHost.booking_id == booking_id).order_by(BookingHost.user_id)
            )
        ).all()
    )
