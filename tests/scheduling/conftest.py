"""Helpers for the slot-engine tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from calapi.scheduling import EventRules, Host, Schedule, SlotQuery, WeeklyRule, list_slots

EVERY_DAY = frozenset(range(7))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local_day_window(zone: str, day: date, days: int = 1) -> tuple[datetime, datetime]:
    """[local midnight of day, local midnight `days` later) as aware datetimes."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0), tz)
    end = datetime.combine(day + timedelta(days=days), time(0), tz)
    return start, end


def daily(zone: str, start: time, end: time, days: frozenset[int] = EVERY_DAY) -> Schedule:
    return Schedule(zone, (WeeklyRule(days, start, end),))


def local_times(query: SlotQuery, zone: str | None = None) -> dict[str, list[str]]:
    """Listing as {date: ["HH:MM+offset", ...]} in the booker's zone (or `zone`)."""
    tz = ZoneInfo(zone or query.time_zone)
    listing = list_slots(query)
    return {
        d.isoformat(): [s.start.astimezone(tz).strftime("%H:%M%z") for s in slots] for d, slots in listing.days.items()
    }


def one_host_query(
    schedule: Schedule,
    rules: EventRules,
    now: datetime,
    start: datetime,
    end: datetime,
    booker_zone: str | None = None,
    **host_fields,
) -> SlotQuery:
    return SlotQuery(
        hosts=(Host(user_id=1, schedule=schedule, **host_fields),),
        rules=rules,
        now=now,
        start=start,
        end=end,
        time_zone=booker_zone or schedule.time_zone,
    )
