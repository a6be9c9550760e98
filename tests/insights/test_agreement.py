"""Insights agree with the bookings list: a property test over random bookings and random filters.

Each example writes random bookings (statuses, series, reschedules, no-shows, co-hosts, ratings,
bookings created at 23:30 local on DST days) for a team in five zones, asks one random question
(scope, caller, time zone, period, filters) of every insights route, and checks each answer
against ``GET /v2/bookings`` asked the same question (``expected.py``):

- every KPI count, for the period and for the previous one, and the deltas between them;
- ``scheduled``, ``completed`` and ``cancelled`` + ``rescheduled`` against the list's own
  ``status=upcoming,unconfirmed``, ``past`` and ``cancelled``;
- each trend bucket and each average duration (day by local day, so a booking created at 23:30
  local on a DST day must be in that day's bucket), and the buckets summing to the totals;
- the members' counts, the lead-time percentiles, the busiest weekday × hour grid in the hosts'
  zones, and the CSV export's rows.

Bookings a caller only attends as a guest are listed but not counted (insights count what one
hosts): guests here never use a user's address. Instant meetings (``awaiting_host``) are never
recurring, as booking makes them.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import BOTH_DATABASES
from tests.insights import expected
from tests.insights.conftest import INSIGHTS, NOW, BookingSpec, Guest, World, ask, clear_bookings, insert_bookings
from tests.insights.expected import Ask, Period, Text

QUESTION_ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC", "Pacific/Chatham")
GUESTS = (
    Guest("Jane Booker", "jane@guests.test"),
    Guest("jane booker", "Jane@Guests.test"),
    Guest("Ann Lee", "ann@guests.test"),
    Guest("Bo Chan", "bo@other.test"),
)
OPERANDS = ("jane@guests.test", "Jane Booker", "guests", "JANE", "@other.test", "ann", "Lee", "nobody")
STATUSES = ("accepted", "pending", "cancelled", "rejected", "awaiting_host")


def _local(day: date, clock: time, zone: str) -> datetime:
    return datetime.combine(day, clock, ZoneInfo(zone)).astimezone(UTC)


# Created at 23:30 and 00:30 local on the DST days inside the bookings' span.
DST_INSTANTS = tuple(
    _local(day, clock, zone)
    for zone, day in (
        ("Europe/Berlin", date(2030, 3, 31)),
        ("America/New_York", date(2030, 3, 10)),
        ("Australia/Lord_Howe", date(2030, 4, 7)),
        ("Pacific/Chatham", date(2030, 4, 7)),
    )
    for clock in (time(23, 30), time(0, 30))
)


def _bookings(data: st.DataObject, world: World, q: Ask) -> list[BookingSpec]:
    """Random bookings, most of them inside the question's period and hosted by its caller."""
    specs: list[BookingSpec] = []
    members = [u.id for u in world.team_members]
    period_start, period_end = q.period.bounds(q.zone)
    period_minutes = int((period_end - period_start).total_seconds() // 60)
    for _ in range(data.draw(st.integers(6, 36), label="bookings")):
        kind = data.draw(st.sampled_from(["team", "team", "child", "personal", "none", "elsewhere"]))
        co_hosts: tuple[int, ...] = ()
        if kind == "team":
            organizer = data.draw(st.sampled_from(members))
            event_type: int | None = data.draw(st.sampled_from(world.team_types[:2]))
            others = [m for m in members if m != organizer]
            co_hosts = tuple(data.draw(st.lists(st.sampled_from(others), max_size=2, unique=True)))
        elif kind == "child":
            organizer = data.draw(st.sampled_from(sorted(world.children)))
            event_type = world.children[organizer]
        elif kind == "personal":
            organizer = data.draw(st.sampled_from([q.caller.id, *(u.id for u in world.users)]))
            event_type = world.personal[organizer]
        elif kind == "none":
            organizer = data.draw(st.sampled_from([q.caller.id, *(u.id for u in world.users)]))
            event_type = None
        else:
            organizer, event_type = world.outsider.id, world.other_team_type
        lead = timedelta(minutes=data.draw(st.integers(-120, 30 * 1440)))
        where = data.draw(st.sampled_from(["inside", "inside", "inside", "anywhere", "dst"]))
        if where == "inside":  # the period's own column falls in the period
            anchor = period_start.replace(second=0, microsecond=0) + timedelta(
                minutes=data.draw(st.integers(1, max(1, period_minutes)))
            )
            start, created = (anchor + lead, anchor) if q.period.column == "createdAt" else (anchor, anchor - lead)
        elif where == "dst":  # created at 23:30 or 00:30 local on a DST day
            created = data.draw(st.sampled_from(DST_INSTANTS))
            start = created + lead
        else:
            start = NOW.replace(second=0) + timedelta(minutes=data.draw(st.integers(-60 * 1440, 40 * 1440)))
            created = start - lead
        start = start.replace(second=0, microsecond=0)
        status = data.draw(st.sampled_from(STATUSES))
        series = data.draw(st.sampled_from([None, None, None, "series-a", "series-b"]))
        if status == "awaiting_host":
            series = None
        guests = tuple(
            Guest(g.name, g.email, absent=data.draw(st.booleans()))
            for g in data.draw(st.lists(st.sampled_from(GUESTS), min_size=1, max_size=3, unique=True))
        )
        spec = BookingSpec(
            organizer=organizer,
            start=start,
            minutes=data.draw(st.sampled_from([15, 30, 45, 60, 90])),
            created=created,
            event_type=event_type,
            status=status,
            series=series,
            absent_host=data.draw(st.integers(0, 4)) == 0,
            rating=data.draw(st.one_of(st.none(), st.integers(1, 5))),
            guests=guests,
            co_hosts=co_hosts,
        )
        if status == "cancelled" and series is None and data.draw(st.booleans()):
            # a reschedule: the old booking cancelled with ``rescheduled``, its successor pointing back
            spec = BookingSpec(**{**spec.__dict__, "rescheduled": True})
            later = start + timedelta(days=data.draw(st.integers(1, 10)))
            successor = BookingSpec(
                **{
                    **spec.__dict__,
                    "uid": spec.uid + "-next",
                    "start": later,
                    "created": data.draw(st.sampled_from([later - timedelta(days=2), spec.created])),
                    "status": "accepted",
                    "rescheduled": False,
                    "from_reschedule": spec.uid,
                }
            )
            specs.append(successor)
        specs.append(spec)
    return specs


def _question(data: st.DataObject, world: World) -> Ask:
    scope = data.draw(st.sampled_from(["user", "team", "team"]))
    if scope == "team":
        caller = data.draw(st.sampled_from(world.team_members))
        manager = caller in (world.owner, world.admin)
        host_choices = world.team_members if manager else [caller]
    else:
        caller = data.draw(st.sampled_from(world.users))
        host_choices = [caller]
    column = data.draw(st.sampled_from(["createdAt", "startTime"]))
    first = NOW.date() + timedelta(days=data.draw(st.integers(-45, 15)))
    period = Period(
        column, first, first + timedelta(days=data.draw(st.sampled_from([30, 0, 1, 6, 13, 20, 27, 45, 60])))
    )
    other = None
    if data.draw(st.integers(0, 5)) == 0:
        other_first = NOW.date() + timedelta(days=data.draw(st.integers(-60, 0)))
        other_column = "startTime" if column == "createdAt" else "createdAt"
        other = Period(other_column, other_first, other_first + timedelta(days=data.draw(st.integers(0, 90))))
    event_type, family = None, ()
    if data.draw(st.integers(0, 5)) == 0:
        event_type = data.draw(st.sampled_from([*world.team_types, *world.personal.values()]))
        family = (event_type, *(c for c in world.children.values() if event_type == world.managed_parent))
    statuses = ()
    if data.draw(st.integers(0, 5)) == 0:
        statuses = tuple(data.draw(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=3, unique=True)))
    host = data.draw(st.sampled_from([None, None, None, *host_choices]))
    texts = []
    for column_id in ("attendeeEmail", "attendeeName"):
        if data.draw(st.integers(0, 5)) == 0:
            operator = data.draw(
                st.sampled_from(
                    [
                        "equals",
                        "notEquals",
                        "contains",
                        "notContains",
                        "startsWith",
                        "endsWith",
                        "isEmpty",
                        "isNotEmpty",
                    ]
                )
            )
            texts.append(Text(column_id, operator, data.draw(st.sampled_from(OPERANDS))))
    return Ask(
        caller=caller,
        scope=scope,
        zone=data.draw(st.sampled_from(QUESTION_ZONES)),
        period=period,
        team_id=world.team_id if scope == "team" else None,
        other_range=other,
        event_type=event_type,
        event_type_family=family,
        statuses=statuses,
        host=host,
        texts=tuple(texts),
    )


async def _check(client: httpx.AsyncClient, world: World, q: Ask) -> None:
    body = q.body()
    listed = await q.listed(client)
    counts = expected.tally(listed, NOW)

    # KPIs, for the period and the one before it
    kpi = await ask(client, q.caller, "kpi-stats", body)
    previous = expected.tally(await q.listed(client, q.period.previous()), NOW)
    for name, count in counts.items():
        assert kpi[name]["count"] == count, (name, kpi[name], count)
        assert kpi[name]["deltaPrevious"] == expected.change(count, previous[name]), (name, kpi[name], previous)
    assert kpi["empty"] == (counts["created"] == 0)
    before = q.period.previous()
    assert kpi["previousRange"] == {
        "startDate": f"{before.first:%b} {before.first.day}, {before.first.year}",
        "endDate": f"{before.last:%b} {before.last.day}, {before.last.year}",
    }

    # the list's own status filters say the same
    upcoming = await q.listed(client, status="upcoming,unconfirmed")
    assert kpi["scheduled"]["count"] == len(upcoming)
    assert kpi["completed"]["count"] == len(await q.listed(client, status="past"))
    cancelled = await q.listed(client, status="cancelled")
    assert kpi["cancelled"]["count"] + kpi["rescheduled"]["count"] == len(cancelled)

    # trends: buckets add up to the totals; by day, each booking in its own local day
    trends = await ask(client, q.caller, "event-trends", body)
    for wire, name in (
        ("Created", "created"),
        ("Completed", "completed"),
        ("Cancelled", "cancelled"),
        ("Rescheduled", "rescheduled"),
        ("Scheduled", "scheduled"),
        ("No-Show (Host)", "no_show"),
        ("No-Show (Guest)", "no_show_guest"),
    ):
        assert sum(point[wire] for point in trends) == counts[name], (wire, trends)
    durations = await ask(client, q.caller, "average-duration", body)
    assert [p["formattedDateFull"] for p in durations] == [p["formattedDateFull"] for p in trends]
    days = (q.period.last - q.period.first).days + 1
    if days <= 31:  # one bucket per local day
        assert len(trends) == days
        by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
        for booking in listed:
            by_day[expected.local_day(booking, q.period.column, q.zone)].append(booking)
        for index, (point, duration) in enumerate(zip(trends, durations, strict=True)):
            day = q.period.first + timedelta(days=index)
            assert point["isToday"] == (day == NOW.astimezone(ZoneInfo(q.zone)).date())
            day_counts = expected.tally(by_day.get(day, []), NOW)
            assert (point["Created"], point["Cancelled"], point["No-Show (Guest)"]) == (
                day_counts["created"],
                day_counts["cancelled"],
                day_counts["no_show_guest"],
            ), (day, point, [b["createdAt"] for b in by_day.get(day, [])])
            held = [expected.minutes(b) for b in by_day.get(day, []) if expected.taking_place(b)]
            assert duration["Average"] == (round(sum(held) / len(held), 1) if held else 0.0), (day, duration)

    # members: each host's number of bookings
    members = await ask(client, q.caller, "members", body)
    hosts = world.team_members if q.scope == "team" else world.users
    if q.scope == "user" or q.caller not in (world.owner, world.admin) or q.host is not None:
        hosts = [q.host or q.caller]
    wanted = {u.id: sum(1 for b in listed if expected.hosted_by(b, u)) for u in hosts}
    assert {m["userId"]: m["count"] for m in members["mostBookings"]} == {k: v for k, v in wanted.items() if v}
    assert {m["userId"]: m["count"] for m in members["leastBookings"]} == wanted

    # lead time and busiest times, over the meetings that take place
    held = [b for b in listed if expected.taking_place(b)]
    lead = await ask(client, q.caller, "lead-time", body)
    assert lead["count"] == len(held)
    if held:
        leads = sorted(expected.lead_seconds(b) for b in held)
        position = (len(leads) - 1) * 50 // 100
        low, high = leads[position], leads[min(position + 1, len(leads) - 1)]
        fraction = ((len(leads) - 1) * 50 % 100) / 100
        assert lead["percentiles"]["p50"] == round((low + (high - low) * fraction) / 60, 2)
        assert lead["minMinutes"] == round(leads[0] / 60, 2) and lead["maxMinutes"] == round(leads[-1] / 60, 2)
    busiest = await ask(client, q.caller, "busiest-times", body)
    grid = Counter(expected.host_clock(b) for b in held)
    assert busiest["byWeekdayHour"] == [[grid[(day, hour)] for hour in range(24)] for day in range(7)]

    # the CSV export holds exactly the listed bookings
    params = {"scope": q.scope, "timeZone": q.zone, "columnFilters": json.dumps(body["columnFilters"])}
    if q.team_id is not None:
        params["selectedTeamId"] = str(q.team_id)
    response = await client.get(f"{INSIGHTS}/export", params=params, headers=q.caller.headers)
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(int(r["id"]) for r in rows) == sorted(b["id"] for b in listed)


@BOTH_DATABASES
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_insights_agree_with_the_bookings_list(
    app: FastAPI, client: httpx.AsyncClient, world: World, database_url: str, data: st.DataObject
) -> None:
    await clear_bookings(app)
    question = _question(data, world)
    specs = _bookings(data, world, question)
    await insert_bookings(app, specs, {u.id: u.email for u in world.users})
    await _check(client, world, question)
