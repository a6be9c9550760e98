"""Booking windows (period types): which starts are allowed at all.

A start is allowed when it falls in [lo, hi) (None = unbounded); the rule
applies to the meeting's start, in listing and in the booking check alike.

* ROLLING: up to the end of the date today + period_days in the booker's zone,
  counting calendar days or business days (Mon-Fri).
* ROLLING_WINDOW: up to the end of the period_days-th date, from today in the
  booker's zone, that has a bookable slot (business days only count Mon-Fri);
  at most 61 dates are examined, and if fewer qualify the window ends with
  the 61st. Unlike Cal.com, earlier dates are never added to a later request
  (§12 #3): the window only removes slots.
* RANGE: from the start of period_start_date to the end of period_end_date in
  the event's zone, each edge with that date's own UTC offset (§12 #8).
"""

from __future__ import annotations

from collections.abc import Callable

from . import tz
from .context import Context
from .models import PeriodType

ROLLING_WINDOW_DAYS = 61


def _is_business_day(ordinal: int) -> bool:
    return 1 <= ordinal % 7 <= 5  # Monday … Friday


def allowed_starts(ctx: Context, bookable_dates: Callable[[int, int], set[int]]) -> tuple[int | None, int | None]:
    """[lo, hi) for starts. `bookable_dates(lo, hi)` lists the booker-zone dates
    (ordinals) that have a bookable slot in [lo, hi), ignoring the period."""
    rules = ctx.rules
    kind = rules.period_type
    if kind is PeriodType.UNLIMITED:
        return None, None
    if kind is PeriodType.RANGE:
        assert rules.period_start_date is not None and rules.period_end_date is not None
        key = ctx.event_zone
        return (
            tz.local_epoch(key, rules.period_start_date.toordinal(), 0),
            tz.local_epoch(key, rules.period_end_date.toordinal() + 1, 0),
        )
    key = ctx.booker_zone
    days = max(rules.period_days or 0, 0)
    calendar = rules.period_count_calendar_days
    today = tz.local_ordinal(key, ctx.now)
    if kind is PeriodType.ROLLING:
        last = today
        if calendar:
            last += days
        else:
            counted = 0
            while counted < days:
                last += 1
                counted += _is_business_day(last)
        return None, tz.local_epoch(key, last + 1, 0)
    # ROLLING_WINDOW
    horizon = today + ROLLING_WINDOW_DAYS - 1
    found = bookable_dates(tz.local_epoch(key, today, 0), tz.local_epoch(key, horizon + 1, 0))
    last = horizon
    counted = 0
    for ordinal in range(today, horizon + 1):
        if ordinal in found and (calendar or _is_business_day(ordinal)):
            counted += 1
            if counted >= days:
                last = ordinal
                break
    return None, tz.local_epoch(key, last + 1, 0)
