"""What bounds a listing's cost: the booking window's end and the query's max_slots."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest

from calapi.scheduling import EventRules, Host, PeriodType, SlotQuery, TooManySlots, engine, list_slots

from .conftest import daily, utc

NOW = utc(2026, 6, 1)  # a Monday
ALWAYS = daily("UTC", time(0), time(23, 59))


def year_query(rules: EventRules, **extra) -> SlotQuery:
    return SlotQuery(hosts=(Host(1, ALWAYS),), rules=rules, now=NOW, start=NOW, end=NOW + timedelta(days=365), **extra)


def test_time_is_laid_out_only_up_to_the_window_end(monkeypatch):
    """A year asked of a 7-day window lays out 7 days (and one meeting past the window's end)."""
    spans: list[tuple[int, int]] = []
    real_starts = engine._starts

    def recording(ctx, lo, hi):
        spans.append((lo, hi))
        return real_starts(ctx, lo, hi)

    monkeypatch.setattr(engine, "_starts", recording)
    rules = EventRules(length=30, slot_interval=5, period_type=PeriodType.ROLLING, period_days=7)
    listing = list_slots(year_query(rules))
    window_end = int((NOW + timedelta(days=8)).timestamp())  # the end of today + 7 days
    assert spans and max(hi for _, hi in spans) <= window_end + 30 * 60
    assert max(s.start for s in listing.slots) == NOW + timedelta(days=8, minutes=-5)
    assert len(listing.days) == 8


@pytest.mark.parametrize(
    "rules",
    [
        EventRules(length=30, slot_interval=7, period_type=PeriodType.ROLLING, period_days=10),
        EventRules(length=45, period_type=PeriodType.ROLLING_WINDOW, period_days=5, period_count_calendar_days=False),
        EventRules(
            length=20,
            slot_interval=13,
            period_type=PeriodType.RANGE,
            period_start_date=NOW.date() + timedelta(days=3),
            period_end_date=NOW.date() + timedelta(days=40),
        ),
    ],
    ids=["rolling", "rolling-window", "range"],
)
def test_a_long_range_lists_what_a_range_ending_at_the_window_lists(rules):
    """Cutting the layout at the window's end changes no start before it."""
    year = list_slots(year_query(rules)).slots
    assert year
    short = SlotQuery(hosts=(Host(1, ALWAYS),), rules=rules, now=NOW, start=NOW, end=year[-1].start + timedelta(days=2))
    assert list_slots(short).slots == year


def test_a_listing_over_max_slots_is_refused_before_it_is_built():
    rules = EventRules(length=15, slot_interval=1)
    with pytest.raises(TooManySlots) as refused:
        list_slots(year_query(rules, max_slots=10_000))
    assert refused.value.limit == 10_000
    # Every minute from now + 1 (the least notice) to a quarter hour before the end.
    assert refused.value.count == 365 * 1440 - 15


def test_max_slots_is_inclusive_and_counts_one_slot_a_date_for_first_slot_events():
    day = SlotQuery(
        hosts=(Host(1, ALWAYS),), rules=EventRules(length=60), now=NOW, start=NOW, end=NOW + timedelta(days=1)
    )
    assert len(list_slots(day).slots) == 23  # the first start is a minute after now, rounded to the hour
    assert len(list_slots(replace(day, max_slots=23)).slots) == 23
    with pytest.raises(TooManySlots):
        list_slots(replace(day, max_slots=22))
    first_only = EventRules(length=60, only_first_slot=True)
    week = SlotQuery(
        hosts=(Host(1, ALWAYS),), rules=first_only, now=NOW, start=NOW, end=NOW + timedelta(days=7), max_slots=7
    )
    assert len(list_slots(week).slots) == 7
