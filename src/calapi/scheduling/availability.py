"""A schedule (weekly rules + date overrides) as concrete UTC ranges.

Each local date of the schedule's zone is converted once (see tz.local_epoch);
a date with any override row uses only its override rows. Ranges are clipped
to the requested span — overrides too, unlike Cal.com (§12 #2) — and
touching ranges are merged, also across midnight, so a slot may span the join.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import tz
from .models import OutOfOffice, Schedule
from .ranges import Interval, merge


def schedule_ranges(schedule: Schedule, lo: int, hi: int) -> list[Interval]:
    """Merged availability of `schedule` within [lo, hi)."""
    if hi <= lo:
        return []
    key = schedule.time_zone
    by_weekday = schedule._by_weekday
    by_ordinal = schedule._by_ordinal
    # One day of slack on each side: a DST shift or a 24:00 end can move a
    # date's hours across the neighbouring local midnight.
    first = tz.local_ordinal(key, lo) - 1
    last = tz.local_ordinal(key, hi) + 1
    out: list[Interval] = []
    for ordinal in range(first, last + 1):
        spans = by_ordinal.get(ordinal)
        if spans is None:
            spans = by_weekday[ordinal % 7]
        for start_min, end_min in spans:
            s = tz.local_epoch(key, ordinal, start_min)
            e = tz.local_epoch(key, ordinal, end_min)
            if s < lo:
                s = lo
            if e > hi:
                e = hi
            if s < e:
                out.append((s, e))
    return merge(out)


def away_ranges(schedule: Schedule, away: Sequence[OutOfOffice]) -> list[Interval]:
    """Out-of-office dates (schedule zone) as UTC ranges, whole local days."""
    key = schedule.time_zone
    return merge(
        (tz.local_epoch(key, o.start.toordinal(), 0), tz.local_epoch(key, o.end.toordinal() + 1, 0)) for o in away
    )
