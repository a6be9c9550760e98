"""Free/busy of users over a window (API v1's ``/availability``): the slot listing's engine inputs,
laid out as busy spans and the schedule's free ranges — no booking details."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability.cache import AvailabilityCache
from calapi.availability.hosts import complete_hosts
from calapi.schedules import service as schedules_service
from calapi.scheduling import Host, Schedule, TooManySlots
from calapi.scheduling.availability import schedule_ranges
from calapi.scheduling.busy import busy_of
from calapi.slots.listing import SlotLimits, host_days, run_sized


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
    session: AsyncSession,
    user_ids: Iterable[int],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    limits: SlotLimits,
    cache: AvailabilityCache | None = None,
) -> list[FreeBusy]:
    """The same engine inputs as ``GET /v2/slots`` (schedules, bookings, holds), one statement each
    whatever the number of users; users that do not exist are absent."""
    limits.check_range(start, end)
    availability = await schedules_service.load_host_availability(session, user_ids=list(user_ids))
    hosts = (await complete_hosts(session, availability, start, end, now, cache=cache)).hosts
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
    first, last = start.timestamp(), end.timestamp()  # the exact bounds, for the busy spans
    answer = []
    for host in hosts:
        profile = availability[host.user_id]
        rows = busy_of(host)
        busy = tuple(
            (datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC))
            for s, e in sorted(zip(rows.starts, rows.ends, strict=True))
            if e > first and s < last
        )
        ranges = schedule_ranges(host.schedule, lo, hi) if profile.schedule is not None else []
        if len(ranges) > limits.max_per_answer:
            # a free range is to an availability answer what a slot is to a listing
            raise limits.too_many(TooManySlots(len(ranges), limits.max_per_answer), unit="available ranges")
        free = tuple((datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC)) for s, e in ranges)
        answer.append(FreeBusy(host.user_id, profile.time_zone, profile.schedule, busy, free))
    return answer
