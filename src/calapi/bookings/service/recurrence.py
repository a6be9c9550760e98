"""The starts of a recurring booking's occurrences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MAX_OCCURRENCES = 730  # a series is bounded however the event type is set


def _add_months(moment: datetime, months: int) -> datetime | None:
    """The same wall-clock day ``months`` later, or None when that month has no such day (RRULE skips it)."""
    total = moment.month - 1 + months
    try:
        return moment.replace(year=moment.year + total // 12, month=total % 12 + 1)
    except ValueError:
        return None


def occurrence_starts(first: datetime, recurrence: dict[str, Any], count: int, time_zone: str) -> list[datetime]:
    """Starts of a series: every ``interval`` weeks / months / years from ``first``, at the same
    wall-clock time in the booker's zone (so a weekly 10:00 stays 10:00 across DST)."""
    zone = ZoneInfo(time_zone)
    local = first.astimezone(zone).replace(tzinfo=None)
    interval = int(recurrence.get("interval") or 1)
    frequency = recurrence.get("frequency", "weekly")
    starts: list[datetime] = []
    step = 0
    while len(starts) < count and step < MAX_OCCURRENCES * 2:
        if frequency == "weekly":
            candidate: datetime | None = local + timedelta(weeks=interval * step)
        elif frequency == "monthly":
            candidate = _add_months(local, interval * step)
        else:
            candidate = _add_months(local, 12 * interval * step)
        step += 1
        if candidate is not None:
            starts.append(candidate.replace(tzinfo=zone).astimezone(UTC))
    return starts
