"""Our own cases: DST days, odd offsets, notice, limits, teams, booking-check refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import pytest

from calapi.scheduling import (
    BusyInterval,
    BusyKind,
    DateOverride,
    EventRules,
    Host,
    Limits,
    OutOfOffice,
    PeriodType,
    RefusalReason,
    Reservation,
    Schedule,
    SchedulingType,
    SlotQuery,
    WeeklyRule,
    check_booking,
    list_slots,
)

from .conftest import daily, local_day_window, local_times, one_host_query, utc

SIXTY = EventRules(length=60, event_type_id=1)


def starts(query: SlotQuery) -> list:
    return [s.start for s in list_slots(query).slots]


# ---------------------------------------------------------------- DST and odd offsets

DST_DAYS = [
    # zone, change day, 00:00-04:00 local slots (60 min) on that day
    ("Europe/London", date(2026, 3, 29), ["00:00+0000", "02:00+0100", "03:00+0100"]),
    ("Europe/London", date(2026, 10, 25), ["00:00+0100", "01:00+0100", "01:00+0000", "02:00+0000", "03:00+0000"]),
    ("America/New_York", date(2026, 3, 8), ["00:00-0500", "01:00-0500", "03:00-0400"]),
    ("America/New_York", date(2026, 11, 1), ["00:00-0400", "01:00-0400", "01:00-0500", "02:00-0500", "03:00-0500"]),
    ("Australia/Sydney", date(2026, 4, 5), ["00:00+1100", "01:00+1100", "02:00+1100", "02:00+1000", "03:00+1000"]),
    ("Australia/Sydney", date(2026, 10, 4), ["00:00+1000", "01:00+1000", "03:00+1100"]),
]


@pytest.mark.parametrize(("zone", "day", "expected"), DST_DAYS, ids=[f"{z}-{d}" for z, d, _ in DST_DAYS])
def test_dst_day_early_hours_follow_the_wall_clock(zone: str, day: date, expected: list[str]) -> None:
    start, end = local_day_window(zone, day)
    query = one_host_query(daily(zone, time(0), time(4)), SIXTY, utc(2026, 1, 1), start, end)
    assert local_times(query) == {day.isoformat(): expected}


@pytest.mark.parametrize(("zone", "day"), [(z, d) for z, d, _ in DST_DAYS], ids=[f"{z}-{d}" for z, d, _ in DST_DAYS])
def test_dst_business_hours_stay_local_around_the_change(zone: str, day: date) -> None:
    # The day before, the change day and the day after: always 09:00 … 16:00 local.
    start, end = local_day_window(zone, day - timedelta(days=1), days=3)
    query = one_host_query(daily(zone, time(9), time(17)), SIXTY, utc(2026, 1, 1), start, end)
    listing = local_times(query)
    assert len(listing) == 3
    for slots in listing.values():
        assert [s[:5] for s in slots] == [f"{h:02d}:00" for h in range(9, 17)]
    offsets = {slots[0][5:] for slots in listing.values()}
    assert len(offsets) == 2  # the UTC offset changed, the wall clock did not


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Sydney"])
def test_whole_day_rule_has_23_or_25_hours_on_change_days(zone: str) -> None:
    counts = []
    for _, day, _ in (d for d in DST_DAYS if d[0] == zone):
        start, end = local_day_window(zone, day)
        query = one_host_query(daily(zone, time(0), time(23, 59)), SIXTY, utc(2026, 1, 1), start, end)
        counts.append(len(list_slots(query).slots))
    assert sorted(counts) == [23, 25]


def test_kolkata_half_hour_offset_keeps_the_local_hour() -> None:
    day = date(2026, 11, 30)  # Monday
    start, end = local_day_window("Asia/Kolkata", day)
    query = one_host_query(daily("Asia/Kolkata", time(9), time(13)), SIXTY, utc(2026, 11, 1), start, end)
    assert local_times(query) == {"2026-11-30": ["09:00+0530", "10:00+0530", "11:00+0530", "12:00+0530"]}
    assert starts(query)[0] == utc(2026, 11, 30, 3, 30)


def test_kathmandu_notice_rounds_on_the_local_clock() -> None:
    day = date(2026, 11, 24)
    start, end = local_day_window("Asia/Kathmandu", day)
    now = utc(2026, 11, 24, 3, 25)  # 09:10 in Kathmandu (+05:45)
    query = one_host_query(daily("Asia/Kathmandu", time(9), time(12)), SIXTY, now, start, end)
    assert local_times(query) == {"2026-11-24": ["10:00+0545", "11:00+0545"]}
    half = replace(query, rules=EventRules(length=30, event_type_id=1))
    assert local_times(half)["2026-11-24"][:2] == ["09:30+0545", "10:00+0545"]


def test_lord_howe_half_hour_dst_start() -> None:
    # 2026-10-04 02:00 (+10:30) becomes 02:30 (+11:00).
    zone = "Australia/Lord_Howe"
    start, end = local_day_window(zone, date(2026, 10, 4))
    early = one_host_query(daily(zone, time(1), time(4)), SIXTY, utc(2026, 1, 1), start, end)
    assert local_times(early) == {"2026-10-04": ["01:00+1030", "02:30+1100"]}
    business = one_host_query(daily(zone, time(9), time(12)), SIXTY, utc(2026, 1, 1), start, end)
    assert local_times(business) == {"2026-10-04": ["09:00+1100", "10:00+1100", "11:00+1100"]}


def test_lord_howe_half_hour_dst_end() -> None:
    # 2026-04-05 02:00 (+11:00) becomes 01:30 (+10:30): 01:00-04:00 lasts 3.5 hours.
    zone = "Australia/Lord_Howe"
    start, end = local_day_window(zone, date(2026, 4, 5))
    query = one_host_query(daily(zone, time(1), time(4)), SIXTY, utc(2026, 1, 1), start, end)
    assert local_times(query) == {"2026-04-05": ["01:00+1100", "01:30+1030", "02:30+1030"]}
    business = one_host_query(daily(zone, time(9), time(11)), SIXTY, utc(2026, 1, 1), start, end)
    assert local_times(business) == {"2026-04-05": ["09:00+1030", "10:00+1030"]}


def test_override_on_a_dst_day_is_wall_clock() -> None:
    zone = "America/New_York"
    schedule = Schedule(
        zone,
        (WeeklyRule(frozenset(range(7)), time(9), time(17)),),
        (DateOverride(date(2026, 11, 1), time(13), time(16)),),
    )
    start, end = local_day_window(zone, date(2026, 11, 1))
    query = one_host_query(schedule, SIXTY, utc(2026, 1, 1), start, end)
    assert local_times(query) == {"2026-11-01": ["13:00-0500", "14:00-0500", "15:00-0500"]}


# ---------------------------------------------------------------- minimum notice on DST days


def test_notice_ending_on_fall_back_day_is_absolute() -> None:
    zone = "America/New_York"
    now = utc(2026, 10, 31, 14)  # Saturday 10:00 EDT
    rules = EventRules(length=60, event_type_id=1, minimum_notice=25 * 60)  # ends Sunday 10:00 EST
    start, end = local_day_window(zone, date(2026, 11, 1))
    query = one_host_query(daily(zone, time(9), time(17)), rules, now, start, end)
    assert local_times(query) == {"2026-11-01": [f"{h:02d}:00-0500" for h in range(10, 17)]}
    refused = check_booking(query.booking_request(utc(2026, 11, 1, 14)))  # 09:00 EST
    assert refused.reason is RefusalReason.MINIMUM_NOTICE
    assert check_booking(query.booking_request(utc(2026, 11, 1, 15))).ok


def test_notice_ending_on_spring_forward_day_is_absolute() -> None:
    zone = "America/New_York"
    now = utc(2026, 3, 7, 15)  # Saturday 10:00 EST; 24 hours later is 11:00 EDT
    rules = EventRules(length=60, event_type_id=1, minimum_notice=24 * 60)
    start, end = local_day_window(zone, date(2026, 3, 8))
    query = one_host_query(daily(zone, time(9), time(17)), rules, now, start, end)
    assert local_times(query) == {"2026-03-08": [f"{h:02d}:00-0400" for h in range(11, 17)]}


# ---------------------------------------------------------------- limits


def booking(start, minutes: int = 60, **fields) -> BusyInterval:
    fields.setdefault("event_type_id", 1)
    return BusyInterval(start, start + timedelta(minutes=minutes), **fields)


def test_yearly_limit_counts_in_the_event_zone() -> None:
    rules = EventRules(length=60, event_type_id=1, booking_limits=Limits(per_year=1), time_zone="America/New_York")
    query = one_host_query(
        daily("UTC", time(0), time(23, 59)),
        rules,
        utc(2026, 11, 24),
        utc(2026, 12, 31, 20),
        utc(2027, 1, 1, 8),
        busy=(booking(utc(2026, 6, 1, 12)),),
    )
    # 2026 ends at 2027-01-01 05:00Z in New York.
    assert starts(query) == [utc(2027, 1, 1, h) for h in (5, 6, 7)]
    assert check_booking(query.booking_request(utc(2026, 12, 31, 22))).reason is RefusalReason.BOOKING_LIMIT
    # A meeting overlapping the closed year is refused too, even off the grid.
    assert check_booking(query.booking_request(utc(2027, 1, 1, 4, 30))).reason is RefusalReason.BOOKING_LIMIT
    assert check_booking(query.booking_request(utc(2027, 1, 1, 5))).ok


@pytest.mark.parametrize(
    ("week_start", "open_days"),
    [(0, ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28"]), (1, ["2026-11-30", "2026-12-01", "2026-12-02"])],
)
def test_weekly_limit_depends_on_week_start(week_start: int, open_days: list[str]) -> None:
    rules = EventRules(length=60, event_type_id=1, booking_limits=Limits(per_week=1), week_start=week_start)
    query = one_host_query(
        daily("UTC", time(10), time(11)),
        rules,
        utc(2026, 11, 24),
        utc(2026, 11, 25),
        utc(2026, 12, 2, 23, 59, 59),
        busy=(booking(utc(2026, 11, 29, 10)),),  # a Sunday
    )
    assert sorted(local_times(query)) == open_days


def test_monthly_duration_limit_and_other_events_do_not_count() -> None:
    rules = EventRules(length=60, event_type_id=1, duration_limits=Limits(per_month=150))
    query = one_host_query(
        daily("UTC", time(10), time(11)),
        rules,
        utc(2026, 11, 24),
        utc(2026, 11, 29),
        utc(2026, 12, 2, 23, 59, 59),
        busy=(
            booking(utc(2026, 12, 10, 12), 120),
            booking(utc(2026, 11, 10, 12), 120, event_type_id=2),  # another event type: not counted
        ),
    )
    assert sorted(local_times(query)) == ["2026-11-29", "2026-11-30"]
    assert check_booking(query.booking_request(utc(2026, 12, 1, 10))).reason is RefusalReason.DURATION_LIMIT


def test_limit_counts_a_booking_crossing_midnight_in_both_days() -> None:
    rules = EventRules(length=60, event_type_id=1, booking_limits=Limits(per_day=1))
    query = one_host_query(
        daily("UTC", time(10), time(11)),
        rules,
        utc(2026, 11, 24),
        utc(2026, 11, 25),
        utc(2026, 11, 28),
        busy=(booking(utc(2026, 11, 25, 23, 30)),),
    )
    assert sorted(local_times(query)) == ["2026-11-27"]


# ---------------------------------------------------------------- teams


def host(user_id: int, schedule: Schedule, **fields) -> Host:
    return Host(user_id=user_id, schedule=schedule, **fields)


def test_collective_hosts_in_different_zones() -> None:
    # Monday 2026-11-30, winter: London = UTC
    london = host(1, daily("Europe/London", time(9), time(17)))
    kolkata = host(2, daily("Asia/Kolkata", time(9), time(18)))  # 03:30Z-12:30Z
    new_york = host(3, daily("America/New_York", time(6), time(10)))  # 11:00Z-15:00Z
    rules = EventRules(length=60, event_type_id=1, scheduling_type=SchedulingType.COLLECTIVE)
    window = (utc(2026, 11, 30), utc(2026, 12, 1))
    two = SlotQuery((london, kolkata), rules, utc(2026, 11, 1), *window)
    # The grid follows the first host's clock (London), so whole UTC hours.
    assert starts(two) == [utc(2026, 11, 30, h) for h in (9, 10, 11)]
    three = SlotQuery((london, kolkata, new_york), rules, utc(2026, 11, 1), *window)
    assert starts(three) == [utc(2026, 11, 30, 11)]
    ok = check_booking(three.booking_request(utc(2026, 11, 30, 11)))
    assert ok.ok and ok.free_host_ids == (1, 2, 3)
    refused = check_booking(three.booking_request(utc(2026, 11, 30, 10)))
    assert refused.reason is RefusalReason.OUTSIDE_AVAILABILITY
    assert refused.host_reasons == {3: RefusalReason.OUTSIDE_AVAILABILITY}


def test_round_robin_with_a_fixed_host() -> None:
    fixed = host(
        9, daily("UTC", time(9), time(17)), is_fixed=True, busy=(booking(utc(2026, 11, 30, 13), event_type_id=5),)
    )
    a = host(1, daily("UTC", time(9), time(12)))
    b = host(2, daily("UTC", time(12), time(17)))
    rules = EventRules(length=60, event_type_id=1, scheduling_type=SchedulingType.ROUND_ROBIN)
    query = SlotQuery((fixed, a, b), rules, utc(2026, 11, 1), utc(2026, 11, 30), utc(2026, 12, 1))
    assert [s.hour for s in starts(query)] == [9, 10, 11, 12, 14, 15, 16]
    ten = check_booking(query.booking_request(utc(2026, 11, 30, 10)))
    assert ten.ok and ten.free_host_ids == (9, 1)
    one_pm = check_booking(query.booking_request(utc(2026, 11, 30, 13)))
    assert one_pm.reason is RefusalReason.BUSY
    assert one_pm.free_host_ids == (2,)
    assert one_pm.host_reasons == {9: RefusalReason.BUSY, 1: RefusalReason.OUTSIDE_AVAILABILITY}


def test_round_robin_never_lists_a_slot_no_single_host_can_take() -> None:
    # A is free 09:00-10:00 (busy after), B is free 10:00-11:00: their union is
    # 09:00-11:00, but nobody can take 09:30-10:30 (Cal.com issue #6217 family).
    a = host(1, daily("UTC", time(9), time(11)), busy=(booking(utc(2026, 11, 30, 10), event_type_id=5),))
    b = host(2, daily("UTC", time(10), time(11)))
    rules = EventRules(length=60, event_type_id=1, slot_interval=30, scheduling_type=SchedulingType.ROUND_ROBIN)
    query = SlotQuery((a, b), rules, utc(2026, 11, 1), utc(2026, 11, 30), utc(2026, 12, 1))
    assert [(s.hour, s.minute) for s in starts(query)] == [(9, 0), (10, 0)]
    half = check_booking(query.booking_request(utc(2026, 11, 30, 9, 30)))
    assert half.reason is RefusalReason.BUSY  # the mildest reason in the group
    assert half.host_reasons == {1: RefusalReason.BUSY, 2: RefusalReason.OUTSIDE_AVAILABILITY}


def test_round_robin_groups_each_need_a_free_host() -> None:
    a = host(1, daily("UTC", time(9), time(12)), group="sales")
    b = host(2, daily("UTC", time(11), time(15)), group="engineering")
    rules = EventRules(length=60, event_type_id=1, scheduling_type=SchedulingType.ROUND_ROBIN)
    query = SlotQuery((a, b), rules, utc(2026, 11, 1), utc(2026, 11, 30), utc(2026, 12, 1))
    assert starts(query) == [utc(2026, 11, 30, 11)]
    assert check_booking(query.booking_request(utc(2026, 11, 30, 11))).free_host_ids == (1, 2)
    assert check_booking(query.booking_request(utc(2026, 11, 30, 9))).reason is RefusalReason.OUTSIDE_AVAILABILITY


# ---------------------------------------------------------------- booking check: each reason


@pytest.fixture
def office() -> SlotQuery:
    return one_host_query(
        daily("UTC", time(9), time(17)), SIXTY, utc(2026, 11, 24, 8), utc(2026, 11, 24), utc(2026, 12, 31)
    )


def test_refusal_minimum_notice(office: SlotQuery) -> None:
    q = replace(office, rules=replace(SIXTY, minimum_notice=120))
    assert check_booking(q.booking_request(utc(2026, 11, 24, 9))).reason is RefusalReason.MINIMUM_NOTICE
    assert check_booking(q.booking_request(utc(2026, 11, 24, 10))).ok


def test_refusal_booking_window(office: SlotQuery) -> None:
    rolling = replace(office, rules=replace(SIXTY, period_type=PeriodType.ROLLING, period_days=3))
    assert check_booking(rolling.booking_request(utc(2026, 11, 27, 16))).ok
    assert check_booking(rolling.booking_request(utc(2026, 11, 28, 9))).reason is RefusalReason.BOOKING_WINDOW
    ranged = replace(
        office,
        rules=replace(
            SIXTY, period_type=PeriodType.RANGE, period_start_date=date(2026, 12, 1), period_end_date=date(2026, 12, 2)
        ),
    )
    assert check_booking(ranged.booking_request(utc(2026, 11, 30, 9))).reason is RefusalReason.BOOKING_WINDOW
    assert check_booking(ranged.booking_request(utc(2026, 12, 2, 16))).ok
    window = replace(office, rules=replace(SIXTY, period_type=PeriodType.ROLLING_WINDOW, period_days=2))
    assert sorted(local_times(window)) == ["2026-11-24", "2026-11-25"]
    assert check_booking(window.booking_request(utc(2026, 11, 26, 9))).reason is RefusalReason.BOOKING_WINDOW


def test_refusal_limits(office: SlotQuery) -> None:
    busy = (booking(utc(2026, 11, 25, 9)),)
    counted = replace(
        office, rules=replace(SIXTY, booking_limits=Limits(per_day=1)), hosts=(replace(office.hosts[0], busy=busy),)
    )
    assert check_booking(counted.booking_request(utc(2026, 11, 25, 12))).reason is RefusalReason.BOOKING_LIMIT
    timed = replace(counted, rules=replace(SIXTY, duration_limits=Limits(per_day=90)))
    assert check_booking(timed.booking_request(utc(2026, 11, 25, 12))).reason is RefusalReason.DURATION_LIMIT


def test_refusal_outside_availability_busy_and_reserved(office: SlotQuery) -> None:
    h = office.hosts[0]
    assert check_booking(office.booking_request(utc(2026, 11, 24, 16, 30))).reason is RefusalReason.OUTSIDE_AVAILABILITY
    away = replace(office, hosts=(replace(h, out_of_office=(OutOfOffice(date(2026, 11, 25), date(2026, 11, 25)),)),))
    assert check_booking(away.booking_request(utc(2026, 11, 25, 10))).reason is RefusalReason.OUTSIDE_AVAILABILITY
    calendar = BusyInterval(utc(2026, 11, 25, 10), utc(2026, 11, 25, 10, 30), kind=BusyKind.CALENDAR)
    busy = replace(office, hosts=(replace(h, busy=(calendar,)),))
    assert check_booking(busy.booking_request(utc(2026, 11, 25, 9, 45))).reason is RefusalReason.BUSY
    hold = Reservation(
        utc(2026, 11, 25, 10), utc(2026, 11, 25, 11), release_at=utc(2026, 11, 24, 8, 5), booker_uid="other"
    )
    held = replace(office, hosts=(replace(h, reservations=(hold,)),))
    assert check_booking(held.booking_request(utc(2026, 11, 25, 10))).reason is RefusalReason.RESERVED
    mine = replace(held, booker_uid="other")
    assert check_booking(mine.booking_request(utc(2026, 11, 25, 10))).ok


def test_refusal_seats_full_and_joining_a_seat(office: SlotQuery) -> None:
    seated = booking(utc(2026, 11, 25, 10), seated=True, attendees=2, booking_uid="seat-1")
    q = replace(office, rules=replace(SIXTY, seats_per_slot=3), hosts=(replace(office.hosts[0], busy=(seated,)),))
    join = check_booking(q.booking_request(utc(2026, 11, 25, 10)))
    assert join.ok and join.booking_uid == "seat-1" and join.seats_remaining == 1
    full = replace(q, rules=replace(SIXTY, seats_per_slot=2))
    refused = check_booking(full.booking_request(utc(2026, 11, 25, 10)))
    assert refused.reason is RefusalReason.SEATS_FULL and refused.seats_remaining == 0
    listed = [s for s in list_slots(full).slots if s.start == utc(2026, 11, 25, 10)]
    assert listed and listed[0].seats_remaining == 0  # still listed, as Cal.com does


def test_off_grid_start_is_accepted(office: SlotQuery) -> None:
    # Cal.com's booking handler does not check the slot grid; neither do we.
    assert utc(2026, 11, 24, 9, 7) not in starts(office)
    assert check_booking(office.booking_request(utc(2026, 11, 24, 9, 7))).ok


def test_requested_duration_must_be_an_event_length(office: SlotQuery) -> None:
    q = replace(office, rules=replace(SIXTY, length_options=(30, 60)), duration=30)
    assert check_booking(q.booking_request(utc(2026, 11, 24, 16, 30))).ok
    with pytest.raises(ValueError):
        list_slots(replace(office, duration=45))


def test_naive_datetimes_are_rejected() -> None:
    from datetime import datetime

    with pytest.raises(ValueError):
        BusyInterval(datetime(2026, 1, 1), datetime(2026, 1, 1, 1))
