"""Local days, weeks and hours: DST days, half-hour and 45-minute zones, on SQLite and PostgreSQL.

The offsets and buckets themselves (``calapi.insights.localtime``) are checked without a database
first; then bookings created at 23:30 and 00:30 local on DST days must land in their own local day
of the trend, and busiest hours must read each start on its host's own clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from calapi.insights import localtime
from calapi.insights.localtime import TimeView
from tests.conftest import BOTH_DATABASES
from tests.insights.conftest import BookingSpec, World, ask, created_between, insert_bookings, started_between


def at(day: date, clock: time, zone: str) -> datetime:
    return datetime.combine(day, clock, ZoneInfo(zone)).astimezone(UTC)


# ---------------------------------------------------------------- offsets and buckets, no database


def test_offsets_change_at_the_zones_own_instants() -> None:
    year = (datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 12, 31, tzinfo=UTC))
    assert localtime.utc_offsets("Europe/Berlin", *year) == (
        (None, 3600),
        (datetime(2030, 3, 31, 1, 0, tzinfo=UTC), 7200),
        (datetime(2030, 10, 27, 1, 0, tzinfo=UTC), 3600),
    )
    # Lord Howe moves by half an hour; Chatham sits at +12:45 / +13:45; Kolkata never moves.
    lord_howe = localtime.utc_offsets("Australia/Lord_Howe", *year)
    assert [offset for _, offset in lord_howe] == [39600, 37800, 39600]
    assert [offset for _, offset in localtime.utc_offsets("Pacific/Chatham", *year)] == [49500, 45900, 49500]
    assert localtime.utc_offsets("Asia/Kolkata", *year) == ((None, 19800),)
    # every change is the first second of the new offset
    for change, offset in lord_howe[1:]:
        assert change is not None
        assert change.astimezone(ZoneInfo("Australia/Lord_Howe")).utcoffset() == timedelta(seconds=offset)
        before = (change - timedelta(seconds=1)).astimezone(ZoneInfo("Australia/Lord_Howe"))
        assert before.utcoffset() != timedelta(seconds=offset)


def test_the_view_follows_local_days_not_hours() -> None:
    # 31 local days hold 30 days and 23 hours across the spring DST change: still one bucket a day.
    assert localtime.time_view(date(2030, 3, 15), date(2030, 4, 14)) is TimeView.day
    assert localtime.time_view(date(2030, 3, 15), date(2030, 4, 15)) is TimeView.week
    assert localtime.time_view(date(2030, 1, 1), date(2030, 4, 1)) is TimeView.week  # 90 days apart
    assert localtime.time_view(date(2030, 1, 1), date(2030, 4, 2)) is TimeView.month
    assert localtime.time_view(date(2030, 1, 1), date(2031, 1, 1)) is TimeView.month
    assert localtime.time_view(date(2030, 1, 1), date(2031, 1, 2)) is TimeView.year


def test_week_buckets_start_on_the_callers_first_day_and_are_cut_to_the_range() -> None:
    today = date(2030, 3, 20)
    sunday = localtime.buckets(date(2030, 3, 6), date(2030, 3, 26), TimeView.week, week_start=0, today=today)
    assert [(b.first, b.last) for b in sunday] == [
        (date(2030, 3, 6), date(2030, 3, 9)),
        (date(2030, 3, 10), date(2030, 3, 16)),
        (date(2030, 3, 17), date(2030, 3, 23)),
        (date(2030, 3, 24), date(2030, 3, 26)),
    ]
    assert [b.is_today for b in sunday] == [False, False, True, False]
    assert [b.label for b in sunday] == ["Mar 6 - 9", "Mar 10 - 16", "Mar 17 - 23", "Mar 24 - 26"]
    monday = localtime.buckets(date(2030, 3, 6), date(2030, 3, 26), TimeView.week, week_start=1, today=today)
    assert [b.first for b in monday] == [date(2030, 3, 6), date(2030, 3, 11), date(2030, 3, 18), date(2030, 3, 25)]


def test_day_and_month_labels() -> None:
    days = localtime.buckets(date(2030, 2, 27), date(2030, 3, 2), TimeView.day, week_start=0, today=date(2030, 3, 1))
    assert [(b.label, b.label_full) for b in days] == [
        ("Feb 27", "Feb 27"),
        ("28", "Feb 28"),
        ("Mar 1", "Mar 1"),
        ("2", "Mar 2"),
    ]
    months = localtime.buckets(
        date(2029, 12, 15), date(2030, 2, 3), TimeView.month, week_start=0, today=date(2030, 1, 9)
    )
    assert [(b.label, b.first, b.last, b.is_today) for b in months] == [
        ("Dec 2029", date(2029, 12, 15), date(2029, 12, 31), False),
        ("Jan 2030", date(2030, 1, 1), date(2030, 1, 31), True),
        ("Feb 2030", date(2030, 2, 1), date(2030, 2, 3), False),
    ]


def test_the_previous_range_is_as_many_local_days_just_before() -> None:
    zone = "Europe/Berlin"
    # the week holding the spring change has 167 hours; the week before it is compared, whole
    start = at(date(2030, 3, 25), time(), zone)
    end = at(date(2030, 4, 1), time(), zone) - timedelta(microseconds=1)
    previous = localtime.previous_range(start, end, zone)
    assert previous == (at(date(2030, 3, 18), time(), zone), start - timedelta(microseconds=1))
    # an end written to the millisecond (``…T23:59:59.999``) is the same whole day
    assert localtime.previous_range(start, end - timedelta(microseconds=999), zone)[0] == previous[0]


# ---------------------------------------------------------------- through the API


def test_a_local_day_is_the_span_from_its_first_instant_to_the_next_days() -> None:
    """What SQLite's per-bucket counts read (``day_starts``): Berlin's 23-hour spring day, a day
    that begins at 01:00 (São Paulo sprang forward at midnight), and none for St. John's, which set
    its clock back from 00:01 to 23:01 the day before (a local day is then not one span)."""

    def starts(zone: str, first: datetime, last: datetime, days: list[date]) -> list[datetime] | None:
        return localtime.day_starts(zone, days, localtime.utc_offsets(zone, first, last))

    spring = starts(
        "Europe/Berlin",
        datetime(2030, 3, 1, tzinfo=UTC),
        datetime(2030, 4, 30, tzinfo=UTC),
        [date(2030, 3, 31), date(2030, 4, 1)],
    )
    assert spring == [datetime(2030, 3, 30, 23, tzinfo=UTC), datetime(2030, 3, 31, 22, tzinfo=UTC)]
    assert starts(
        "America/Sao_Paulo", datetime(2018, 10, 1, tzinfo=UTC), datetime(2018, 11, 30, tzinfo=UTC), [date(2018, 11, 4)]
    ) == [at(date(2018, 11, 4), time(1), "America/Sao_Paulo")]
    assert (
        starts(
            "America/St_Johns",
            datetime(2005, 10, 1, tzinfo=UTC),
            datetime(2005, 11, 30, tzinfo=UTC),
            [date(2005, 10, 30)],
        )
        is None
    )


@BOTH_DATABASES
async def test_bookings_created_late_on_dst_days_land_in_their_local_day(app, client, world: World, database_url):
    berlin, new_york, lord_howe = "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"
    created = [
        at(date(2030, 3, 30), time(23, 30), berlin),  # the evening before the change (UTC+1)
        at(date(2030, 3, 31), time(0, 30), berlin),  # Mar 30 23:30 UTC
        at(date(2030, 3, 31), time(23, 30), berlin),  # the change's own evening (UTC+2): 21:30 UTC
        at(date(2030, 10, 27), time(23, 30), berlin),  # autumn: back to UTC+1
        at(date(2030, 10, 27), time(0, 30), berlin),  # still summer time: Oct 26 22:30 UTC
        at(date(2030, 3, 10), time(23, 30), new_york),  # Mar 11 03:30 UTC
        at(date(2030, 4, 7), time(23, 30), lord_howe),  # after the half-hour change
    ]
    specs = [BookingSpec(world.owner.id, c + timedelta(days=3), created=c) for c in created]
    await insert_bookings(app, specs, {})

    async def per_day(zone: str, first: str, last: str) -> dict[str, int]:
        body = {"scope": "user", "timeZone": zone, "columnFilters": [created_between(first, last)]}
        trend = await ask(client, world.owner, "event-trends", body)
        return {p["formattedDateFull"]: p["Created"] for p in trend if p["Created"]}

    assert await per_day(berlin, "2030-03-28", "2030-04-02") == {"Mar 30": 1, "Mar 31": 2}
    assert await per_day("UTC", "2030-03-28", "2030-04-02") == {"Mar 30": 2, "Mar 31": 1}
    assert await per_day(berlin, "2030-10-24", "2030-10-29") == {"Oct 27": 2}
    assert await per_day("UTC", "2030-10-24", "2030-10-29") == {"Oct 26": 1, "Oct 27": 1}
    assert await per_day(new_york, "2030-03-08", "2030-03-12") == {"Mar 10": 1}
    assert await per_day(lord_howe, "2030-04-05", "2030-04-09") == {"Apr 7": 1}
    # the period's bounds are local days too: Mar 31 alone, in Berlin, holds exactly its two
    kpi = await ask(
        client,
        world.owner,
        "kpi-stats",
        {"scope": "user", "timeZone": berlin, "columnFilters": [created_between("2030-03-31", "2030-03-31")]},
    )
    assert kpi["created"]["count"] == 2
    assert kpi["previousRange"] == {"startDate": "Mar 30, 2030", "endDate": "Mar 30, 2030"}


@BOTH_DATABASES
async def test_month_buckets_of_a_team_begin_at_local_midnight(app, client, world: World, database_url):
    """A team's months (on SQLite each counted over its own span of instants) begin at the zone's
    midnight, which moves with summer time: 23:30 on the last day of a month stays in it."""
    berlin = "Europe/Berlin"
    created = [
        at(date(2030, 3, 31), time(23, 30), berlin),  # 21:30 UTC, summer time since that morning
        at(date(2030, 4, 1), time(0, 30), berlin),  # Mar 31 22:30 UTC
        at(date(2030, 10, 31), time(23, 30), berlin),  # 22:30 UTC, winter time again
        at(date(2030, 11, 1), time(0, 30), berlin),  # Oct 31 23:30 UTC
    ]
    team_type = world.team_types[0]
    specs = [BookingSpec(world.owner.id, c + timedelta(days=3), created=c, event_type=team_type) for c in created]
    await insert_bookings(app, specs, {})

    async def per_month(route: str, zone: str, key: str) -> dict[str, float]:
        body = {
            "scope": "team",
            "selectedTeamId": world.team_id,
            "timeZone": zone,
            "columnFilters": [created_between("2030-01-01", "2030-12-31")],
        }
        points = await ask(client, world.owner, route, body)
        assert len(points) == 12
        return {p["formattedDateFull"]: p[key] for p in points if p[key]}

    assert await per_month("event-trends", berlin, "Created") == {"Mar": 1, "Apr": 1, "Oct": 1, "Nov": 1}
    assert await per_month("event-trends", "UTC", "Created") == {"Mar": 2, "Oct": 2}
    assert await per_month("average-duration", berlin, "Average") == {"Mar": 30, "Apr": 30, "Oct": 30, "Nov": 30}
    body = {
        "scope": "team",
        "selectedTeamId": world.team_id,
        "timeZone": berlin,
        "columnFilters": [created_between("2030-04-01", "2030-10-31")],
    }
    kpi = await ask(client, world.owner, "kpi-stats", body)
    assert kpi["created"]["count"] == 2
    assert kpi["created"]["deltaPrevious"] == 100.0  # the range before holds Mar 31's booking


@BOTH_DATABASES
async def test_busiest_hours_read_each_start_on_its_hosts_clock(app, client, world: World, database_url):
    owen, mia, max_ = world.owner, world.member, world.member2  # Berlin, Kolkata (+5:30), Lord Howe
    specs = [
        BookingSpec(owen.id, at(date(2030, 3, 30), time(9, 30), "Europe/Berlin")),  # Saturday, UTC+1
        BookingSpec(owen.id, at(date(2030, 3, 31), time(9, 30), "Europe/Berlin")),  # Sunday, UTC+2
        BookingSpec(mia.id, at(date(2030, 4, 1), time(9, 15), "Asia/Kolkata")),  # Monday
        BookingSpec(max_.id, at(date(2030, 4, 6), time(9, 45), "Australia/Lord_Howe")),  # Saturday, +11
        BookingSpec(max_.id, at(date(2030, 4, 7), time(9, 45), "Australia/Lord_Howe")),  # Sunday, +10:30
        BookingSpec(max_.id, at(date(2030, 4, 8), time(9, 45), "Australia/Lord_Howe"), status="cancelled"),
    ]
    await insert_bookings(app, specs, {})
    body = {
        "scope": "team",
        "selectedTeamId": world.team_id,
        "timeZone": "UTC",
        "columnFilters": [started_between("2030-03-01", "2030-04-30")],
    }
    # none of these are on a team event type: the team's numbers are empty, each host's are not
    assert sum(map(sum, (await ask(client, owen, "busiest-times", body))["byWeekdayHour"])) == 0
    for user, weekdays in ((owen, {6: 1, 0: 1}), (mia, {1: 1}), (max_, {6: 1, 0: 1})):
        answer = await ask(client, user, "busiest-times", {**body, "scope": "user"})
        assert {h["hour"]: h["count"] for h in answer["hours"] if h["count"]} == {9: sum(weekdays.values())}
        assert {d["weekday"]: d["count"] for d in answer["weekdays"] if d["count"]} == weekdays
        assert sum(map(sum, answer["byWeekdayHour"])) == sum(weekdays.values())
