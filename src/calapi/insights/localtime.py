"""Local calendar arithmetic for insights, done with zoneinfo so that SQL only compares instants.

SQLite has no time-zone functions, so a local day is never computed in SQL from a zone name.
Instead ``utc_offsets`` lists the offsets a zone applies over a span (one entry per DST change),
the SQL picks a row's offset by comparing its instant with those changes, and adds it: the local
day number is then plain integer arithmetic, identical on SQLite and PostgreSQL, and right on DST
days because the offsets come from the zone's own rules.

The rest is the calendar around that day number: Cal.com's choice of day, week, month or year
buckets for a range, their labels, and the previous range of equal length.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Offsets are computed for these years; an instant outside them takes the nearest year's offset.
FIRST_YEAR, LAST_YEAR = 1970, 2100
# Scanned a week at a time, then bisected to the second: from 1970 to 2100 no zone of the tz
# database changes its offset twice within a week (checked against a day-by-day scan of every zone).
_STEP = timedelta(days=7)
_ONE_SECOND = timedelta(seconds=1)
_TINY = timedelta(microseconds=1)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Offsets = tuple[tuple[datetime | None, int], ...]


def day_number(day: date) -> int:
    """Days since 1970-01-01 (what the SQL computes for a row's local day)."""
    return day.toordinal() - EPOCH_ORDINAL


def _offset_at(zone: ZoneInfo, instant: datetime) -> int:
    offset = instant.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


@lru_cache(maxsize=8192)
def _year(zone_name: str, year: int) -> tuple[int, tuple[tuple[datetime, int], ...]]:
    """The offset at the year's first instant (UTC), and each change during the year."""
    zone = ZoneInfo(zone_name)
    current = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    first = offset = _offset_at(zone, current)
    changes: list[tuple[datetime, int]] = []
    while current < end:
        step = min(current + _STEP, end)
        if _offset_at(zone, step) == offset:
            current = step
            continue
        low, high = current, step  # the change is in (low, high]: bisect to its first second
        while high - low > _ONE_SECOND:
            middle = (low + (high - low) / 2).replace(microsecond=0)
            if middle <= low:
                middle = low + _ONE_SECOND
            if _offset_at(zone, middle) == offset:
                low = middle
            else:
                high = middle
        offset = _offset_at(zone, high)
        if high < end:
            changes.append((high, offset))
        current = high
    return first, tuple(changes)


def _year_of(instant: datetime) -> int:
    return min(max(instant.astimezone(UTC).year, FIRST_YEAR), LAST_YEAR)


def utc_offsets(zone_name: str, start: datetime, end: datetime) -> Offsets:
    """The UTC offsets (seconds) ``zone_name`` applies from ``start`` to ``end``.

    ``((None, o0), (t1, o1), …)``: ``o0`` until ``t1``, ``o1`` from ``t1`` until the next change.
    Worked out year by year (cached), so a long range costs little more than its years.
    """
    if end < start:
        start, end = end, start
    first_year, last_year = _year_of(start), _year_of(end)
    in_force, _ = _year(zone_name, first_year)
    changes: list[tuple[datetime | None, int]] = []
    for year in range(first_year, last_year + 1):
        for change, offset in _year(zone_name, year)[1]:
            if change <= start:
                in_force = offset
            elif change <= end:
                changes.append((change, offset))
    return ((None, in_force), *changes)


def local_date(instant: datetime, zone_name: str) -> date:
    return instant.astimezone(ZoneInfo(zone_name)).date()


def day_starts(zone_name: str, days: Sequence[date], offsets: Offsets) -> list[datetime] | None:
    """The first instant (UTC) of each local day, so that a local day is the instants from its start
    to the next day's; None if one of ``offsets``' changes sets the clock back across a midnight
    (some zones did, from 00:01 to 23:01 the day before), when a local day is not one such span.

    Local midnight is read with ``fold=0``: in a gap (a zone that springs forward at midnight) that
    is the instant the day begins, and of a repeated midnight the first.
    """
    in_force = offsets[0][1]
    for change, offset in offsets[1:]:
        assert change is not None
        if (change + timedelta(seconds=offset)).date() < (change - _TINY + timedelta(seconds=in_force)).date():
            return None
        in_force = offset
    zone = ZoneInfo(zone_name)
    return [datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC) for day in days]


# ---------------------------------------------------------------- buckets of a range


class TimeView(StrEnum):
    day = "day"
    week = "week"
    month = "month"
    year = "year"


def time_view(first: date, last: date) -> TimeView:
    """Cal.com's choice by the days between the range's first and last local day: days up to 30,
    weeks up to 90, months up to 365, then years (counted in local days, so that a DST change in
    the range never switches the view)."""
    days = (last - first).days
    if days > 365:
        return TimeView.year
    if days > 90:
        return TimeView.month
    if days > 30:
        return TimeView.week
    return TimeView.day


@dataclass(frozen=True)
class Bucket:
    """One point of a trend: local days ``first``–``last`` (inclusive) and its labels."""

    first: date
    last: date
    label: str  # Cal.com's short label (``Month`` / ``Date`` on the wire)
    label_full: str  # ``formattedDateFull``
    is_today: bool


def _md(day: date) -> str:
    return f"{_MONTHS[day.month - 1]} {day.day}"


def _mdy(day: date) -> str:
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def _labels(first: date, last: date, view: TimeView, whole_first: date, one_year: bool) -> tuple[str, str]:
    if view is TimeView.day:
        full = _md(first) if one_year else _mdy(first)
        if first == whole_first or first.day == 1:
            return full, full
        return (str(first.day) if one_year else f"{first.day}, {first.year}"), full
    if view is TimeView.week:
        if first.year != last.year:
            text = f"{_mdy(first)} - {_mdy(last)}"
            return text, text
        short_end = str(last.day) if first.month == last.month else _md(last)
        if one_year:
            return f"{_md(first)} - {short_end}", f"{_md(first)} - {_md(last)}"
        return f"{_md(first)} - {short_end}, {last.year}", f"{_md(first)} - {_md(last)}, {last.year}"
    if view is TimeView.month:
        text = _MONTHS[first.month - 1] if one_year else f"{_MONTHS[first.month - 1]} {first.year}"
        return text, text
    return str(first.year), str(first.year)


def _period_end(day: date, view: TimeView, week_start: int) -> date:
    if view is TimeView.day:
        return day
    if view is TimeView.week:
        sunday_based = (day.weekday() + 1) % 7
        return day + timedelta(days=(week_start - 1 - sunday_based) % 7)
    if view is TimeView.month:
        following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        return following - timedelta(days=1)
    return date(day.year, 12, 31)


def buckets(first: date, last: date, view: TimeView, *, week_start: int, today: date) -> list[Bucket]:
    """The local-day buckets from ``first`` to ``last``: whole days, weeks (from ``week_start``,
    0 = Sunday), months or years, the first and last cut to the range."""
    one_year = first.year == last.year
    out: list[Bucket] = []
    current = first
    while current <= last:
        end = min(_period_end(current, view, week_start), last)
        label, label_full = _labels(current, end, view, first, one_year)
        out.append(Bucket(current, end, label, label_full, current <= today <= end))
        current = end + timedelta(days=1)
    return out


def bucket_index(bucket_list: Sequence[Bucket]) -> tuple[list[int], int]:
    """First day numbers of the buckets (for ``bisect``) and the last day number covered."""
    return [day_number(b.first) for b in bucket_list], day_number(bucket_list[-1].last) if bucket_list else -1


def bucket_of(day: int, firsts: Sequence[int], last: int) -> int | None:
    """Which bucket a local day number falls in (None: outside them all)."""
    if not firsts or day < firsts[0] or day > last:
        return None
    return bisect.bisect_right(firsts, day) - 1


# ---------------------------------------------------------------- the previous range


def previous_range(start: datetime, end: datetime, zone_name: str) -> tuple[datetime, datetime]:
    """The range of equal length just before ``start``–``end`` (both inclusive), measured in local
    wall time so that a week of whole local days is compared with the week before, DST or not."""
    zone = ZoneInfo(zone_name)
    wall_start = start.astimezone(zone).replace(tzinfo=None)
    wall_end = end.astimezone(zone).replace(tzinfo=None) + _TINY  # exclusive
    if wall_end.microsecond > 999_000:  # an end given to the millisecond (``…T23:59:59.999Z``)
        wall_end = wall_end.replace(microsecond=0) + _ONE_SECOND
    span = wall_end - wall_start
    previous_start = (wall_start - span).replace(tzinfo=zone).astimezone(UTC)
    previous_end = (wall_start - _TINY).replace(tzinfo=zone).astimezone(UTC)
    return previous_start, previous_end


def format_day(day: date) -> str:
    """``Dec 1, 2023``: how Cal.com writes the previous range's dates."""
    return _mdy(day)
