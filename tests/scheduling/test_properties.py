"""Property tests over random schedules, zones (DST and odd offsets) and bookings."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calapi.scheduling import (
    BookingStatus,
    BusyInterval,
    BusyKind,
    DateOverride,
    EventRules,
    Host,
    Limits,
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

ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Pacific/Chatham",
]
# Days with a DST change in at least one zone above (2026), and a quiet one.
ANCHORS = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 6, 15),
    date(2026, 9, 27),
    date(2026, 10, 4),
    date(2026, 10, 25),
    date(2026, 11, 1),
]
PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

quarter_times = st.integers(0, 95).map(lambda q: time(q // 4, (q % 4) * 15))


@st.composite
def schedules(draw, anchor: date) -> Schedule:
    zone = draw(st.sampled_from(ZONES))
    weekly = []
    for _ in range(draw(st.integers(1, 3))):
        a, b = sorted(draw(st.lists(quarter_times, min_size=2, max_size=2)))
        if draw(st.booleans()) and b != time(0):
            b = time(23, 59) if draw(st.booleans()) else b
        days = frozenset(draw(st.lists(st.integers(0, 6), min_size=1, max_size=7)))
        weekly.append(WeeklyRule(days, a, b))
    overrides = []
    for _ in range(draw(st.integers(0, 2))):
        a, b = sorted(draw(st.lists(quarter_times, min_size=2, max_size=2)))
        overrides.append(DateOverride(anchor + timedelta(days=draw(st.integers(-1, 3))), a, b))
    return Schedule(zone, tuple(weekly), tuple(overrides))


@st.composite
def busy_list(draw, base: datetime) -> tuple[BusyInterval, ...]:
    out = []
    for i in range(draw(st.integers(0, 8))):
        start = base + timedelta(minutes=15 * draw(st.integers(-8, 4 * 24 * 5)))
        length = draw(st.sampled_from([0, 15, 30, 45, 60, 90]))
        out.append(
            BusyInterval(
                start,
                start + timedelta(minutes=length),
                kind=draw(st.sampled_from(list(BusyKind))),
                before_buffer=draw(st.sampled_from([0, 0, 10, 15])),
                after_buffer=draw(st.sampled_from([0, 0, 5, 20])),
                event_type_id=draw(st.sampled_from([1, 2])),
                booking_uid=f"b{i}-{draw(st.integers(0, 3))}",
                status=draw(st.sampled_from([BookingStatus.ACCEPTED] * 3 + list(BookingStatus))),
                host_is_organizer=draw(st.booleans()),
                seated=draw(st.booleans()),
                attendees=draw(st.integers(0, 3)),
            )
        )
    return tuple(out)


@st.composite
def queries(draw, allow_booker_dependent: bool = True) -> SlotQuery:
    anchor = draw(st.sampled_from(ANCHORS))
    base = datetime.combine(anchor, time(0), UTC) - timedelta(days=1)
    hosts = []
    for user_id in range(1, draw(st.integers(1, 3)) + 1):
        holds = tuple(
            Reservation(
                start := base + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 4))),
                start + timedelta(minutes=draw(st.sampled_from([15, 30, 60]))),
                release_at=base + timedelta(minutes=draw(st.integers(-30, 30))),
                event_type_id=1,
                booker_uid=draw(st.sampled_from(["me", "other", None])),
                is_seat=draw(st.booleans()),
            )
            for _ in range(draw(st.integers(0, 2)))
        )
        hosts.append(
            Host(
                user_id=user_id,
                schedule=draw(schedules(anchor)),
                busy=draw(busy_list(base)),
                reservations=holds,
                is_fixed=draw(st.booleans()),
                group=draw(st.sampled_from([None, None, "g2"])),
            )
        )
    length = draw(st.sampled_from([15, 20, 25, 30, 45, 60, 90]))
    period = draw(
        st.sampled_from(
            [PeriodType.UNLIMITED] * 3
            + ([PeriodType.ROLLING, PeriodType.ROLLING_WINDOW] if allow_booker_dependent else [])
            + [PeriodType.RANGE]
        )
    )
    limits = draw(st.sampled_from([None, Limits(per_day=1), Limits(per_week=2), Limits(per_day=2, per_year=5)]))
    rules = EventRules(
        length=length,
        event_type_id=1,
        slot_interval=draw(st.sampled_from([None, None, 10, 15, 20, 30])),
        minimum_notice=draw(st.sampled_from([0, 0, 30, 125, 1500])),
        before_buffer=draw(st.sampled_from([0, 0, 5, 15])),
        after_buffer=draw(st.sampled_from([0, 0, 10])),
        offset_start=draw(st.sampled_from([0, 0, 0, 5])),
        period_type=period,
        period_days=draw(st.integers(0, 4)),
        period_count_calendar_days=draw(st.booleans()),
        period_start_date=anchor,
        period_end_date=anchor + timedelta(days=draw(st.integers(0, 2))),
        booking_limits=limits if draw(st.booleans()) else None,
        duration_limits=Limits(per_day=draw(st.sampled_from([60, 120, 240]))) if draw(st.booleans()) else None,
        seats_per_slot=draw(st.sampled_from([None, None, 1, 2, 3])),
        only_first_slot=allow_booker_dependent and draw(st.booleans()),
        show_optimized_slots=draw(st.booleans()),
        requires_confirmation=True,
        requires_confirmation_will_block_slot=draw(st.booleans()),
        scheduling_type=draw(st.sampled_from(list(SchedulingType))),
        time_zone=draw(st.sampled_from([None, "America/New_York", "Asia/Kathmandu"])),
        week_start=draw(st.integers(0, 6)),
    )
    now = base + timedelta(minutes=draw(st.integers(0, 60 * 36)))
    start = base + timedelta(minutes=draw(st.integers(0, 60 * 30)))
    end = start + timedelta(hours=draw(st.integers(6, 96)), seconds=draw(st.sampled_from([0, 59])))
    return SlotQuery(
        hosts=tuple(hosts) if rules.scheduling_type is not SchedulingType.INDIVIDUAL else tuple(hosts[:1]),
        rules=rules,
        now=now,
        start=start,
        end=end,
        time_zone=draw(st.sampled_from(ZONES)),
        booker_uid="me",
        reschedule_uid=draw(st.sampled_from([None, "b0-0"])),
    )


# --- an independent model of availability (plain datetime arithmetic, no caches)


def availability(schedule: Schedule, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
    zone = ZoneInfo(schedule.time_zone)
    overrides: dict[date, list[DateOverride]] = {}
    for ov in schedule.overrides:
        overrides.setdefault(ov.date, []).append(ov)
    day = lo.astimezone(zone).date() - timedelta(days=2)
    out = []
    while day <= hi.astimezone(zone).date() + timedelta(days=1):
        spans = (
            [(o.start, o.end) for o in overrides[day]]
            if day in overrides
            else [(r.start, r.end) for r in schedule.weekly if (day.isoweekday() % 7) in r.days]
        )
        for a, b in spans:
            s = datetime.combine(day, a, zone).astimezone(UTC)
            if b == time(23, 59):
                e = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
            else:
                e = datetime.combine(day, b, zone).astimezone(UTC)
            if s < e:
                out.append((s, e))
        day += timedelta(days=1)
    out.sort()
    merged: list[list[datetime]] = []
    for s, e in out:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def widened(b: BusyInterval, rules: EventRules) -> tuple[datetime, datetime]:
    if b.kind is BusyKind.CALENDAR:
        return b.start - timedelta(minutes=rules.after_buffer), b.end + timedelta(minutes=rules.before_buffer)
    return (
        b.start - timedelta(minutes=b.before_buffer + rules.after_buffer),
        b.end + timedelta(minutes=b.after_buffer + rules.before_buffer),
    )


@PROFILE
@given(queries())
def test_every_listed_slot_is_bookable(query: SlotQuery) -> None:
    listing = list_slots(query)
    for slot in listing.slots:
        check = check_booking(query.booking_request(slot.start))
        if slot.seats_remaining == 0:
            assert check.reason is RefusalReason.SEATS_FULL
        else:
            assert check.ok, (slot, check)
            assert check.free_host_ids


@PROFILE
@given(queries())
def test_listed_slots_are_inside_availability_and_clear_of_busy_time(query: SlotQuery) -> None:
    rules = query.rules
    listing = list_slots(query)
    if not listing.slots:
        return
    by_id = {h.user_id: h for h in query.hosts}
    for slot in listing.slots:
        assert query.start <= slot.start and slot.end <= query.end + timedelta(seconds=1)
        assert slot.start >= query.now + timedelta(minutes=rules.minimum_notice)
        free = check_booking(query.booking_request(slot.start)).free_host_ids
        if rules.scheduling_type is not SchedulingType.ROUND_ROBIN:
            assert set(free) == set(by_id)
        for user_id in free:
            h = by_id[user_id]
            ranges = availability(h.schedule, slot.start, slot.end)
            assert any(s <= slot.start and slot.end <= e for s, e in ranges), (slot, ranges)
            for b in h.busy:
                plain = b.status is BookingStatus.ACCEPTED and not (
                    b.seated and rules.seats_per_slot and b.event_type_id == 1
                )
                if b.kind is BusyKind.CALENDAR or (plain and b.booking_uid != query.reschedule_uid):
                    s, e = widened(b, rules)
                    if s < e:
                        assert not (s < slot.end and slot.start < e), (slot, b)


@PROFILE
@given(queries(allow_booker_dependent=False), st.sampled_from(ZONES))
def test_booker_zone_changes_only_grouping(query: SlotQuery, other_zone: str) -> None:
    a = list_slots(query)
    b = list_slots(replace(query, time_zone=other_zone))
    assert [s.start for s in a.slots] == [s.start for s in b.slots]
    assert a.slots == b.slots
    for listing, zone in ((a, query.time_zone), (b, other_zone)):
        for day, slots in listing.days.items():
            assert slots and all(s.start.astimezone(ZoneInfo(zone)).date() == day for s in slots)
