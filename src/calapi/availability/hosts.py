"""Host inputs for the slot engine: schedules and zones joined with busy time and holds.

One statement per kind of input whatever the number of hosts or bookings; a slot listing and a
booking's re-check load the same inputs through the same functions, so a listed slot is bookable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability.busy import load_busy_and_holds, with_calendar_busy
from calapi.availability.cache import AvailabilityCache
from calapi.availability.changes import Reading
from calapi.calendars.busy import busy_for_hosts
from calapi.db import core_connection
from calapi.schedules import service as schedules_service
from calapi.scheduling import BusyTimes, EventRules, Host, Reservation, Schedule
from calapi.scheduling.models import EMPTY_BUSY

# How far a limit period reaches around the window: every booking in a period that touches the
# window counts toward that period's limit.
_LIMIT_REACH = {"per_year": timedelta(days=367), "per_month": timedelta(days=32), "per_week": timedelta(days=8)}
# Beyond the window, busy time matters up to the widest buffers and a day of zone offsets.
_MARGIN = timedelta(days=1)
# ROLLING_WINDOW counts bookable dates from today, whatever the requested window (engine: 61 dates).
_ROLLING_WINDOW_REACH = timedelta(days=63)
# The staleness bound of a caller that names no stale calendars (a booking's check has no answer
# to name them in): the calendars' last good data is used either way.
_NAMES_NOT_NEEDED = 100 * 365 * 86_400.0


@dataclass(frozen=True, slots=True)
class HostInputs:
    """Engine hosts, and the calendars whose busy times in them were older than the bound (or did
    not cover the window): by name, for the answer to say so."""

    hosts: tuple[Host, ...]
    stale_calendars: tuple[str, ...] = ()


def data_window(rules: EventRules, start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    """The span of bookings and holds the engine may look at for a listing of [start, end)."""
    reach = _MARGIN
    for limits in (rules.booking_limits, rules.duration_limits):
        if limits:
            for name, widest in _LIMIT_REACH.items():
                if getattr(limits, name) is not None:
                    reach = max(reach, widest)
    lo, hi = start - reach, end + reach
    if rules.period_type.name == "ROLLING_WINDOW":
        lo, hi = min(lo, now - _MARGIN), max(hi, now + _ROLLING_WINDOW_REACH)
    return lo, hi


async def complete_hosts(
    session: AsyncSession,
    availability: Mapping[int, schedules_service.HostAvailability],
    start: datetime,
    end: datetime,
    now: datetime,
    fixed_ids: frozenset[int] = frozenset(),
    *,
    cache: AvailabilityCache | None = None,
    reading: Reading | None = None,
    calendar_ttl: float | None = None,
) -> HostInputs:
    """Hosts with their bookings, holds and calendars' busy times in [start, end): one statement
    for bookings and holds (and, without the cache, which hosts have a selected calendar), one for
    the calendars of the hosts that have one, whatever the number of hosts.

    ``fixed_ids``: round-robin hosts that must be free (Cal.com's mandatory / ``isFixed``).
    ``cache``: listings only (``reading``: the change log as ``cache.setup`` read it). A booking's
    check reads the database in its own transaction.
    Calendar busy times: a listing takes them from the cache (kept until the refresh job's write
    of them is published, at most the staleness bound); a booking's check reads them every time.
    ``calendar_ttl``: their staleness bound, to name the stale calendars (None: names not needed).
    """
    ids = list(availability)
    ttl = _NAMES_NOT_NEEDED if calendar_ttl is None else calendar_ttl
    if cache is not None:
        reading = await cache.reading(ids, reading)
        kept = await cache.hosts_busy(session, ids, start, end, now, reading)
        busy: dict[int, BusyTimes] = {user_id: host.busy for user_id, host in kept.items()}
        holds: Mapping[int, Sequence[Reservation]] = {user_id: host.holds for user_id, host in kept.items()}
        calendars = await cache.calendar_busy(session, ids, start, end, now=now, ttl=ttl, reading=reading)
    else:
        # Core rows on the session's connection (its transaction): busy time, holds and the hosts
        # with a selected calendar in one round trip; calendar busy times only for those hosts.
        busy, holds, with_calendars = await load_busy_and_holds(await core_connection(session), ids, start, end, now)
        calendars = await busy_for_hosts(session, with_calendars, start, end, now=now, ttl=ttl)
    for user_id, intervals in calendars.busy.items():
        bookings = busy.get(user_id, EMPTY_BUSY)
        busy[user_id] = (
            cache.with_calendar_busy(user_id, bookings, intervals)
            if cache is not None
            else with_calendar_busy(bookings, intervals)
        )
    hosts = []
    for user_id, host in availability.items():
        # A user without a schedule is a host with no hours: no slots, but a well-formed input.
        schedule = host.schedule or Schedule(host.time_zone)
        hosts.append(
            Host(
                user_id,
                schedule,
                busy=busy.get(user_id, EMPTY_BUSY),
                reservations=tuple(holds.get(user_id, ())),
                is_fixed=user_id in fixed_ids,
            )
        )
    return HostInputs(tuple(hosts), tuple(calendars.stale) if calendar_ttl is not None else ())


async def load_host_inputs(
    session: AsyncSession,
    user_ids: Iterable[int],
    *,
    schedule_id: int | None,
    start: datetime,
    end: datetime,
    now: datetime,
    cache: AvailabilityCache | None = None,
) -> HostInputs:
    """Engine hosts for these users — the loader behind ``GET /v2/slots``.

    Statements: one for schedules and their rows, one for bookings (plus one for the event types
    behind them), one for holds, one for calendars — the same count for 1 host or 100, for 1 booking or 10 000.
    """
    availability = await schedules_service.load_host_availability(session, user_ids=user_ids, schedule_id=schedule_id)
    return await complete_hosts(session, availability, start, end, now, cache=cache)
