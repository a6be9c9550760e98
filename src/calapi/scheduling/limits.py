"""Booking limits (counts) and duration limits (minutes) per calendar period.

Periods are local days / weeks (starting on `week_start`) / months / years in
the event's zone. Only ACCEPTED bookings of this event type, organised by one
of the hosts, count; each booking once, across all hosts — the event-wide
count, which in Cal.com closes the period for every host and always covers
the per-host counts. A booking counts in every period it overlaps (Cal.com
misses bookings crossing a period edge, §12 #7); for duration limits it adds
its full length. A period is closed when count >= limit, or when booked
minutes + the requested duration > limit. A closed period is busy time, so a
meeting that overlaps it is refused.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import date
from itertools import accumulate

from . import tz
from .busy import busy_of, counted_rows
from .context import Context
from .models import Limits, RefusalReason

ClosedPeriod = tuple[int, int, RefusalReason]


class LimitCounter:
    """Counts and minutes of bookings overlapping any [lo, hi), by bisection."""

    def __init__(self, bookings: list[tuple[int, int]]) -> None:
        by_start = sorted(bookings)
        by_end = sorted(bookings, key=lambda b: b[1])
        self._starts = [s for s, _ in by_start]
        self._ends = [e for _, e in by_end]
        self._start_sum = [0, *accumulate(e - s for s, e in by_start)]
        self._end_sum = [0, *accumulate(e - s for s, e in by_end)]

    def count(self, lo: int, hi: int) -> int:
        # bookings starting before hi, minus those already over by lo
        return bisect_left(self._starts, hi) - bisect_right(self._ends, lo)

    def seconds(self, lo: int, hi: int) -> int:
        return self._start_sum[bisect_left(self._starts, hi)] - self._end_sum[bisect_right(self._ends, lo)]


def counted_bookings(ctx: Context) -> list[tuple[int, int]]:
    seen: set[object] = set()
    out: list[tuple[int, int]] = []
    for host in ctx.hosts:
        busy = busy_of(host)
        for i in counted_rows(host, ctx):
            s, e, uid = busy.starts[i], busy.ends[i], busy.booking_uids[i]
            key = uid if uid is not None else (host.user_id, s, e)
            if key in seen:
                continue
            seen.add(key)
            out.append((s, e))
    return out


def has_limits(ctx: Context) -> bool:
    return bool(ctx.rules.booking_limits) or bool(ctx.rules.duration_limits)


def _periods(unit: str, key: str, week_start: int, lo: int, hi: int) -> Iterator[tuple[int, int]]:
    """The unit's periods (epoch start, end) that overlap [lo, hi)."""
    first = tz.local_ordinal(key, lo)
    last = tz.local_ordinal(key, max(lo, hi - 1))
    if unit == "day":
        starts = range(first, last + 1)
        for o in starts:
            yield tz.local_epoch(key, o, 0), tz.local_epoch(key, o + 1, 0)
        return
    if unit == "week":
        o = first - ((first % 7 - week_start) % 7)
        while o <= last:
            yield tz.local_epoch(key, o, 0), tz.local_epoch(key, o + 7, 0)
            o += 7
        return
    d = date.fromordinal(first)
    end = date.fromordinal(last)
    while d <= end:
        if unit == "month":
            d = d.replace(day=1)
            n = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        else:
            d = date(d.year, 1, 1)
            n = date(d.year + 1, 1, 1)
        yield tz.local_epoch(key, d.toordinal(), 0), tz.local_epoch(key, n.toordinal(), 0)
        d = n


_UNITS = ("year", "month", "week", "day")


def _limit(limits: Limits | None, unit: str) -> int | None:
    return None if limits is None else getattr(limits, f"per_{unit}")


def closed_periods(ctx: Context, counter: LimitCounter, lo: int, hi: int) -> list[ClosedPeriod]:
    """Closed periods overlapping [lo, hi), largest unit first."""
    rules = ctx.rules
    out: list[ClosedPeriod] = []
    if hi <= lo:
        return out
    for unit in _UNITS:
        max_count = _limit(rules.booking_limits, unit)
        max_minutes = _limit(rules.duration_limits, unit)
        if max_count is None and max_minutes is None:
            continue
        for ps, pe in _periods(unit, ctx.event_zone, rules.week_start, lo, hi):
            if max_count is not None and counter.count(ps, pe) >= max_count:
                out.append((ps, pe, RefusalReason.BOOKING_LIMIT))
            elif max_minutes is not None and counter.seconds(ps, pe) + ctx.duration > max_minutes * 60:
                out.append((ps, pe, RefusalReason.DURATION_LIMIT))
    return out
