"""Each route's answer on known bookings: KPI deltas, rankings, lead time, the CSV export; a flat
number of statements whatever the number of bookings; and on SQLite, reads that never wait for
the write lock."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text

from calapi.db import begin_write
from tests.conftest import BOTH_DATABASES
from tests.core.test_query_counts import count_statements
from tests.insights.conftest import INSIGHTS, NOW, BookingSpec, Guest, World, ask, created_between, insert_bookings

if TYPE_CHECKING:
    from tests.support.factories import TestUser


def user_body(*filters: dict[str, Any], zone: str = "Europe/Berlin") -> dict[str, Any]:
    return {"scope": "user", "timeZone": zone, "columnFilters": list(filters)}


def team_body(world: World, *filters: dict[str, Any]) -> dict[str, Any]:
    return {
        "scope": "team",
        "selectedTeamId": world.team_id,
        "timeZone": "Europe/Berlin",
        "columnFilters": list(filters),
    }


@BOTH_DATABASES
async def test_kpis_compare_with_the_range_just_before(app, client, world: World, database_url):
    owner = world.owner.id
    march, february = NOW.replace(day=10), NOW.replace(month=2, day=20)
    specs = [
        *(BookingSpec(owner, march + timedelta(days=30), created=march, rating=5) for _ in range(6)),
        BookingSpec(owner, march - timedelta(days=2), created=march - timedelta(days=3), absent_host=True, rating=2),
        BookingSpec(owner, march + timedelta(days=3), created=march, status="cancelled"),
        BookingSpec(
            owner, march + timedelta(days=3), created=march, status="rejected", guests=(Guest("A", "a@g.test", True),)
        ),
        *(BookingSpec(owner, february + timedelta(days=1), created=february, rating=4) for _ in range(4)),
        BookingSpec(owner, february + timedelta(days=1), created=february, status="cancelled"),
    ]
    await insert_bookings(app, specs, {})
    # March 1–20 against the 20 days before it: February 9–28
    kpi = await ask(client, world.owner, "kpi-stats", user_body(created_between("2030-03-01", "2030-03-20")))
    assert kpi["previousRange"] == {"startDate": "Feb 9, 2030", "endDate": "Feb 28, 2030"}
    assert kpi["created"] == {"count": 9, "deltaPrevious": 80.0}  # 9 against 5
    assert kpi["scheduled"] == {"count": 6, "deltaPrevious": 0.0}  # nothing scheduled before: no change is reported
    assert kpi["completed"] == {"count": 1, "deltaPrevious": -75.0}  # 1 against 4
    assert kpi["cancelled"] == {"count": 2, "deltaPrevious": 100.0}  # a rejection counts as cancelled
    assert kpi["rescheduled"] == {"count": 0, "deltaPrevious": 0.0}
    assert kpi["no_show"] == {"count": 1, "deltaPrevious": 0.0}
    assert kpi["no_show_guest"] == {"count": 1, "deltaPrevious": 0.0}
    assert kpi["rating"] == {"count": 4.6, "deltaPrevious": 15.0}  # (6×5 + 2) / 7 against 4.0
    assert kpi["csat"] == {"count": 85.71, "deltaPrevious": -14.29}
    assert kpi["empty"] is False
    empty = await ask(client, world.owner, "kpi-stats", user_body(created_between("2031-01-01", "2031-01-31")))
    assert empty["empty"] is True and empty["created"] == {"count": 0, "deltaPrevious": 0.0}


@BOTH_DATABASES
async def test_members_rank_hosts_and_count_co_hosts(app, client, world: World, database_url):
    team_type = world.team_types[1]
    created = NOW - timedelta(days=1)

    def booking(organizer: TestUser, start: datetime = NOW + timedelta(days=2), **fields: Any) -> BookingSpec:
        return BookingSpec(organizer.id, start, created=created, event_type=team_type, **fields)

    specs = [
        *(booking(world.member, rating=5) for _ in range(3)),
        booking(world.member, status="cancelled"),
        booking(world.member2, absent_host=True, rating=2),
        booking(world.member2, co_hosts=(world.admin.id,), start=NOW - timedelta(days=3)),
    ]
    await insert_bookings(app, specs, {u.id: u.email for u in world.users})
    members = await ask(client, world.owner, "members", team_body(world, created_between("2030-03-01", "2030-03-31")))

    def ranked(key: str) -> list[tuple[str, float]]:
        return [(m["user"]["username"], m["count"]) for m in members[key]]

    assert ranked("mostBookings") == [("mia", 4), ("max", 2), ("ada", 1)]
    assert ranked("leastBookings") == [("owen", 0), ("ada", 1), ("max", 2), ("mia", 4)]  # members without bookings too
    assert ranked("mostCancelled") == [("mia", 1)]
    assert ranked("mostCompleted") == [("ada", 1), ("max", 1)]
    assert ranked("mostNoShow") == [("max", 1)]
    assert ranked("highestRatings") == [("mia", 5.0), ("max", 2.0)]
    assert ranked("lowestRatings") == [("max", 2.0), ("mia", 5.0)]
    first = members["mostBookings"][0]
    assert first["userId"] == world.member.id
    assert first["user"] == {
        "id": world.member.id,
        "username": "mia",
        "name": "Mia",
        "email": "mia@example.com",
        "avatarUrl": "/mia/avatar.png",
    }
    assert first["emailMd5"] == "9a4b238bf4ebc0b299b88d66393bd632"


@BOTH_DATABASES
async def test_members_count_hosts_who_are_not_members(app, client, world: World, database_url):
    """Bookings of the team's event types stay the team's when their organizer or co-host is not a
    member (one who left the team): they are counted, under that user, as the bookings list shows."""
    team_type = world.team_types[0]
    created = NOW - timedelta(days=1)
    specs = [
        *(
            BookingSpec(world.outsider.id, NOW + timedelta(days=2), created=created, event_type=team_type)
            for _ in range(3)
        ),
        BookingSpec(
            world.member.id,
            NOW + timedelta(days=3),
            created=created,
            event_type=team_type,
            co_hosts=(world.outsider.id,),
        ),
        BookingSpec(
            world.outsider.id, NOW + timedelta(days=4), created=created, event_type=world.personal[world.outsider.id]
        ),
    ]
    await insert_bookings(app, specs, {u.id: u.email for u in world.users})
    members = await ask(client, world.owner, "members", team_body(world, created_between("2030-03-01", "2030-03-31")))
    assert [(m["user"]["username"], m["count"]) for m in members["mostBookings"]] == [("olga", 4), ("mia", 1)]


async def test_on_sqlite_members_are_read_host_by_host_without_sorting_the_organizers(app, client, world: World):
    """SQLite groups by sorting; the members' organizers are read in host order from the (host, event
    type, created) index so that only the co-hosts' rows (a few) are sorted."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    engine = app.state.engine
    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        await ask(client, world.owner, "members", team_body(world, created_between("2030-01-01", "2030-03-31")))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", keep)
    tallies = [(statement, parameters) for statement, parameters in sent if "booking_hosts" in statement]
    assert len(tallies) == 1, sent
    async with engine.connect() as conn:
        rows = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + tallies[0][0], tallies[0][1])).all()
    plan = [str(row[-1]) for row in rows]
    organizers = plan[: next(i for i, step in enumerate(plan) if step == "UNION ALL")]
    assert any("ix_bookings_user_id_event_type_id_created_at_counted" in step for step in organizers), plan
    assert not any("TEMP B-TREE" in step for step in organizers), plan
    assert sum("TEMP B-TREE FOR GROUP BY" in step for step in plan) == 1, plan


@BOTH_DATABASES
async def test_lead_time_percentiles(app, client, world: World, database_url):
    start = NOW + timedelta(days=20)
    leads_in_hours = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100]
    specs = [BookingSpec(world.owner.id, start, created=start - timedelta(hours=h)) for h in leads_in_hours]
    specs.append(BookingSpec(world.owner.id, start, created=start - timedelta(hours=1000), status="cancelled"))
    await insert_bookings(app, specs, {})
    lead = await ask(client, world.owner, "lead-time", user_body())
    assert lead["count"] == 11
    assert lead["minMinutes"] == 60.0 and lead["maxMinutes"] == 6000.0
    assert lead["averageMinutes"] == round(sum(leads_in_hours) * 60 / 11, 2)
    # linear interpolation between the two nearest ranks, as PostgreSQL's percentile_cont
    assert lead["percentiles"] == {"p50": 360.0, "p75": 510.0, "p90": 600.0, "p95": 3300.0, "p99": 5460.0}
    nothing = await ask(client, world.admin, "lead-time", user_body())
    assert nothing == {
        "count": 0,
        "averageMinutes": None,
        "minMinutes": None,
        "maxMinutes": None,
        "percentiles": {"p50": None, "p75": None, "p90": None, "p95": None, "p99": None},
    }


@BOTH_DATABASES
async def test_average_duration_per_local_day(app, client, world: World, database_url):
    day = NOW.replace(hour=9, minute=0, second=0)  # Mar 20, 10:00 in Berlin
    specs = [
        BookingSpec(world.owner.id, day, minutes=30, created=day),
        BookingSpec(world.owner.id, day, minutes=60, created=day),
        BookingSpec(world.owner.id, day, minutes=240, created=day, status="cancelled"),  # not held: not counted
        BookingSpec(world.owner.id, day, minutes=45, created=day + timedelta(days=1)),
    ]
    await insert_bookings(app, specs, {})
    points = await ask(client, world.owner, "average-duration", user_body(created_between("2030-03-19", "2030-03-22")))
    assert [(p["formattedDateFull"], p["Date"], p["Average"], p["isToday"]) for p in points] == [
        ("Mar 19", "Mar 19", 0.0, False),
        ("Mar 20", "20", 45.0, True),
        ("Mar 21", "21", 45.0, False),
        ("Mar 22", "22", 0.0, False),
    ]


@BOTH_DATABASES
async def test_the_export_streams_every_matching_booking_as_csv(app, client, world: World, database_url):
    owner = world.owner.id
    specs = [
        BookingSpec(owner, NOW + timedelta(minutes=30 * i), created=NOW - timedelta(days=1), uid=f"bulk-{i:05d}")
        for i in range(2_300)  # more than two batches
    ]
    specs.append(
        BookingSpec(
            owner,
            (NOW - timedelta(days=2)).replace(second=0),
            created=NOW - timedelta(days=9),
            uid="first",
            status="cancelled",
            rating=4,
            absent_host=True,
            guests=(Guest("=HYPERLINK(1)", "x@guests.test", absent=True), Guest("Bo", "bo@guests.test")),
        )
    )
    await insert_bookings(app, specs, {})
    response = await client.get(
        f"{INSIGHTS}/export", params={"scope": "user", "timeZone": "Asia/Kolkata"}, headers=world.owner.headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="bookings.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2_301
    assert [r["uid"] for r in rows[:3]] == ["first", "bulk-00000", "bulk-00001"]  # in start order
    first = rows[0]
    assert first["status"] == "cancelled" and first["timeStatus"] == "cancelled"
    assert first["startTime"] == "2030-03-18T12:00:00.000Z"
    assert first["startTimeLocal"] == "2030-03-18T17:30+05:30"
    assert first["durationMinutes"] == "30" and first["rating"] == "4"
    assert first["noShowHost"] == "true" and first["noShowGuests"] == "1"
    assert first["hostEmail"] == world.owner.email and first["hostUserId"] == str(owner)
    # a booker's text never reaches a spreadsheet as a formula
    assert sorted(first["attendees"].split("; ")) == ["'=HYPERLINK(1) <x@guests.test>", "Bo <bo@guests.test>"]
    # the same filters as the other routes
    filters = '[{"id": "status", "value": {"type": "ms", "data": ["cancelled"]}}]'
    response = await client.get(
        f"{INSIGHTS}/export",
        params={"scope": "user", "timeZone": "UTC", "columnFilters": filters},
        headers=world.owner.headers,
    )
    assert [r["uid"] for r in csv.DictReader(io.StringIO(response.text))] == ["first"]


@BOTH_DATABASES
async def test_statements_do_not_grow_with_bookings_hosts_or_days(app, client, world: World, database_url):
    period = created_between("2030-01-01", "2030-03-31")
    routes = ("kpi-stats", "event-trends", "members", "average-duration", "busiest-times", "lead-time")

    async def statements_per_route() -> dict[str, int]:
        counted = {}
        for route in routes:
            with count_statements(app) as statements:
                await ask(client, world.owner, route, team_body(world, period))
            counted[route] = len(statements)
        return counted

    team_type = world.team_types[0]
    few = [BookingSpec(world.member.id, NOW, created=NOW - timedelta(days=3), event_type=team_type)]
    await insert_bookings(app, few, {})
    before = await statements_per_route()
    many = [
        BookingSpec(
            host.id,
            NOW + timedelta(hours=i),
            created=NOW - timedelta(days=i % 80),
            event_type=team_type,
            co_hosts=(world.admin.id,) if host is not world.admin else (),
        )
        for i, host in enumerate(world.team_members * 60)
    ]
    await insert_bookings(app, many, {u.id: u.email for u in world.users})
    assert await statements_per_route() == before
    # members: the API key's read (PostgreSQL; SQLite reads it in place and counts BEGIN), the
    # plan setting (PostgreSQL), access, the team's event types, one tally for organizers and
    # co-hosts, the team's members, their names
    assert max(before.values()) <= 7, before


async def test_on_sqlite_insights_read_beside_a_writer(app, client, world: World):
    """A POST on SQLite begins as a writer unless told otherwise; insights only read, so they must
    answer while another transaction holds the write lock (instead of waiting for it)."""
    async with app.state.sessionmaker() as writer:
        await begin_write(writer)
        await writer.execute(text("UPDATE users SET bio = 'busy' WHERE id = :id"), {"id": world.owner.id})
        response = await asyncio.wait_for(
            client.post(
                f"{INSIGHTS}/kpi-stats",
                json=user_body(created_between("2030-03-01", "2030-03-31")),
                headers=world.owner.headers,
            ),
            timeout=10,
        )
        assert response.status_code == 200, response.text
        await writer.rollback()
