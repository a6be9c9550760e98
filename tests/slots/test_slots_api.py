"""GET /v2/slots through HTTP: identification modes, windows, zones, formats, seats, buffers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import BOTH_DATABASES
from tests.slots.seed import add_bookings, give_schedule, make_event_type

V = {"cal-api-version": "2024-09-04"}


def at(hh: int, mm: int = 0, day: int = 5, month: int = 9) -> datetime:
    return datetime(2050, month, day, hh, mm, tzinfo=UTC)


def z(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def monday_starts(first: int = 8, last: int = 15) -> list[str]:
    """Alice's Monday 2050-09-05 (09:00–17:00 London, BST) as 30-minute UTC starts."""
    return [z(at(h, m)) for h in range(first, last + 1) for m in (0, 30)]


async def slots(client, **params):
    response = await client.get("/v2/slots", params=params, headers=V)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    return body["data"]


async def starts(client, **params) -> list[str]:
    return [s["start"] for day in (await slots(client, **params)).values() for s in day]


@BOTH_DATABASES
async def test_slots_by_event_type_id_in_utc(app, client, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    data = await slots(client, eventTypeId=event_id, start="2050-09-05", end="2050-09-05")
    assert data == {"2050-09-05": [{"start": s} for s in monday_starts()]}


async def test_whole_week_window_skips_days_without_hours(app, client, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    data = await slots(client, eventTypeId=event_id, start="2050-09-03", end="2050-09-07T00:00:00Z")
    # Saturday and Sunday have no hours; a midnight end covers the whole of Wednesday.
    assert list(data) == ["2050-09-05", "2050-09-06", "2050-09-07"]
    assert all(len(day) == 16 for day in data.values())


async def test_time_zone_changes_only_grouping_and_offsets(app, client, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    window = {"eventTypeId": event_id, "start": "2050-09-05", "end": "2050-09-06"}
    in_utc = await starts(client, **window)
    auckland = await slots(client, **window, timeZone="Pacific/Auckland")
    zone = ZoneInfo("Pacific/Auckland")
    seen = []
    for day, items in auckland.items():
        for item in items:
            local = datetime.fromisoformat(item["start"])
            assert item["start"].endswith(".000+12:00")
            assert local.date().isoformat() == day  # grouped by the requested zone's date
            seen.append(local.astimezone(UTC))
    assert [z(s) for s in seen] == in_utc  # the same instants
    assert list(auckland) == ["2050-09-05", "2050-09-06", "2050-09-07"]
    assert auckland["2050-09-05"][0]["start"] == "2050-09-05T20:00:00.000+12:00"
    assert datetime.fromisoformat(auckland["2050-09-06"][0]["start"]).tzinfo.utcoffset(None) == zone.utcoffset(
        datetime(2050, 9, 6)
    )


async def test_format_range_is_case_insensitive_and_uses_duration(app, client, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id, length=30, length_in_minutes_options=[30, 60])
    data = await slots(
        client, eventTypeId=event_id, start="2050-09-05", end="2050-09-05", format="RANGE", timeZone="Europe/Berlin"
    )
    first = data["2050-09-05"][0]
    assert first == {"start": "2050-09-05T10:00:00.000+02:00", "end": "2050-09-05T10:30:00.000+02:00"}
    long = await slots(client, eventTypeId=event_id, start="2050-09-05", end="2050-09-05", format="range", duration=60)
    assert long["2050-09-05"][0] == {"start": "2050-09-05T08:00:00.000Z", "end": "2050-09-05T09:00:00.000Z"}
    assert long["2050-09-05"][-1]["end"] == "2050-09-05T16:00:00.000Z"
    refused = await client.get(
        "/v2/slots",
        params={"eventTypeId": event_id, "start": "2050-09-05", "end": "2050-09-05", "duration": 45},
        headers=V,
    )
    assert refused.status_code == 400
    assert "duration" in refused.json()["error"]["message"]


async def test_dst_spring_forward_in_london(app, client, alice, clock):
    clock.now = datetime(2050, 3, 1, tzinfo=UTC)
    await give_schedule(app, alice.id, weekly=(((1, 2, 3, 4, 5), time(9), time(11)),))
    event_id = await make_event_type(app, alice.id, length=60)
    # 09:00 London is 09:00Z on Friday (GMT) and 08:00Z on Monday (BST): wall-clock hours hold.
    got = await starts(client, eventTypeId=event_id, start="2050-03-25", end="2050-03-28")
    assert got == [
        z(at(9, day=25, month=3)),
        z(at(10, day=25, month=3)),
        z(at(8, day=28, month=3)),
        z(at(9, day=28, month=3)),
    ]

    all_day = await give_schedule(app, alice.id, weekly=((range(7), time(0), time(23, 59)),))
    assert all_day
    data = await slots(client, eventTypeId=event_id, start="2050-03-26", end="2050-03-28", timeZone="Europe/London")
    sunday = [s["start"] for s in data["2050-03-27"]]
    # The day of the change has 23 hours: 01:00 local never happens.
    assert len(sunday) == 23
    assert sunday[:3] == [
        "2050-03-27T00:00:00.000+00:00",
        "2050-03-27T02:00:00.000+01:00",
        "2050-03-27T03:00:00.000+01:00",
    ]
    assert sunday[-1] == "2050-03-27T23:00:00.000+01:00"


async def test_seated_slots_carry_seat_fields_and_full_slots_stay(app, client, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id, seats_per_time_slot=3)
    two = await add_bookings(app, alice.id, event_id, [(at(8), at(8, 30))] * 2)
    await add_bookings(app, alice.id, event_id, [(at(9), at(9, 30))] * 3)
    data = await slots(client, eventTypeId=event_id, start="2050-09-05", end="2050-09-05")
    by_start = {s["start"]: s for s in data["2050-09-05"]}
    partly = by_start[z(at(8))]
    assert partly["bookingUid"] in two
    assert {k: partly[k] for k in ("seatsBooked", "seatsRemaining", "seatsTotal")} == {
        "seatsBooked": 2,
        "seatsRemaining": 1,
        "seatsTotal": 3,
    }
    full = by_start[z(at(9))]
    assert (full["seatsBooked"], full["seatsRemaining"], full["seatsTotal"]) == (3, 0, 3)
    assert by_start[z(at(8, 30))] == {"start": z(at(8, 30)), "seatsBooked": 0, "seatsRemaining": 3, "seatsTotal": 3}
    ranged = await slots(client, eventTypeId=event_id, start="2050-09-05", end="2050-09-05", format="range")
    assert set(ranged["2050-09-05"][0]) >= {"start", "end", "seatsBooked", "seatsRemaining", "seatsTotal"}


async def test_buffers_of_the_booking_and_of_the_requested_event(app, client, alice, clock):
    await give_schedule(app, alice.id)
    plain = await make_event_type(app, alice.id, slug="plain")
    buffered_before = await make_event_type(app, alice.id, slug="prepared", before_event_buffer=15)
    other = await make_event_type(app, alice.id, slug="other", after_event_buffer=30)
    await add_bookings(app, alice.id, other, [(at(9), at(9, 30))])
    got = await starts(client, eventTypeId=plain, start="2050-09-05", end="2050-09-05")
    # The booking's own 30-minute after-buffer keeps 09:30–10:00 busy.
    assert z(at(8, 30)) in got and z(at(9)) not in got and z(at(9, 30)) not in got and z(at(10)) in got
    got = await starts(client, eventTypeId=buffered_before, start="2050-09-05", end="2050-09-05")
    # Plus the requested event's 15 minutes before: 10:00 would need 09:45 free.
    assert z(at(10)) not in got and z(at(10, 30)) in got


async def test_cancelled_bookings_do_not_block_and_reschedule_frees_own_time(app, client, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    [uid] = await add_bookings(app, alice.id, event_id, [(at(8), at(8, 30))])
    await add_bookings(app, alice.id, event_id, [(at(11), at(11, 30))], status="cancelled")
    window = {"eventTypeId": event_id, "start": "2050-09-05", "end": "2050-09-05"}
    got = await starts(client, **window)
    assert z(at(8)) not in got and z(at(11)) in got
    assert z(at(8)) in await starts(client, **window, bookingUidToReschedule=uid)


async def test_event_type_slug_and_username(app, client, alice, clock):
    await give_schedule(app, alice.id)
    await make_event_type(app, alice.id, slug="intro")
    got = await starts(client, eventTypeSlug="intro", username="alice", start="2050-09-05", end="2050-09-05")
    assert got == monday_starts()


async def test_dynamic_event_over_several_usernames(app, client, alice, bob, clock):
    await give_schedule(app, alice.id)
    await give_schedule(app, bob.id, time_zone="America/New_York")
    # London 09–17 (BST) and New York 09–17 (EDT) share 13:00–16:00 UTC.
    got = await starts(client, usernames="alice,bob", start="2050-09-05", end="2050-09-05")
    assert got == [z(at(h, m)) for h in (13, 14, 15) for m in (0, 30)]
    hourly = await starts(client, usernames="bob, alice", start="2050-09-05", end="2050-09-05", duration=60)
    assert hourly == [z(at(13)), z(at(14)), z(at(15))]


async def test_no_schedule_means_no_slots(app, client, alice, clock):
    event_id = await make_event_type(app, alice.id)
    assert await slots(client, eventTypeId=event_id, start="2050-09-05", end="2050-09-09") == {}


async def error_of(client, status: int, **params) -> str:
    response = await client.get("/v2/slots", params=params, headers=V)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error" and "Traceback" not in response.text
    return body["error"]["message"]


async def test_query_errors(app, client, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id, slug="intro")
    day = {"start": "2050-09-05", "end": "2050-09-05"}
    assert (
        await error_of(client, 400, eventTypeId=event_id, **day, foo="1")
        == "foo property is wrong,property foo should not exist "
    )
    assert await error_of(client, 400, eventTypeId=event_id, start="2050-09-06", end="2050-09-05T10:00:00Z") == (
        "Invalid time range given - check the 'start' and 'end' query parameters."
    )
    assert await error_of(client, 400, **day) == (
        "eventTypeId or eventTypeSlug + username property is wrong,Either eventTypeId or eventTypeSlug + username "
        "or eventTypeSlug + teamSlug must be provided "
    )
    assert "start" in await error_of(client, 400, eventTypeId=event_id, start="2050-13-01", end="2050-09-05")
    assert "end" in await error_of(client, 400, eventTypeId=event_id, start="2050-09-05")
    assert "timeZone" in await error_of(client, 400, eventTypeId=event_id, **day, timeZone="Mars/Base")
    assert "format" in await error_of(client, 400, eventTypeId=event_id, **day, format="list")
    assert "eventTypeId" in await error_of(client, 400, eventTypeId="abc", **day)
    assert "usernames" in await error_of(client, 400, usernames="alice", **day)
    assert await error_of(client, 404, eventTypeId=999999, **day) == "Event Type not found"
    assert (
        await error_of(client, 404, eventTypeSlug="intro", username="nobody", **day)
        == "User with username nobody not found"
    )
    assert await error_of(client, 404, eventTypeSlug="nope", username="alice", **day) == "Event Type not found"
    assert (
        await error_of(client, 404, eventTypeSlug="intro", teamSlug="sales", **day) == "Team with slug sales not found"
    )
    assert await error_of(client, 404, usernames="alice,nobody", **day) == "User with username nobody not found"


async def test_other_versions_do_not_serve_the_new_slots_path(client, clock):
    response = await client.get("/v2/slots", params={"eventTypeId": 1, "start": "2050-09-05", "end": "2050-09-05"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Cannot GET /v2/slots"


async def test_a_later_day_than_now_plus_notice_only(app, client, alice, clock):
    clock.now = at(10)  # Monday 11:00 London
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id, minimum_booking_notice=60)
    got = await starts(client, eventTypeId=event_id, start="2050-09-05", end="2050-09-05")
    assert got[0] == z(at(11)) and got[-1] == z(at(15, 30))
    assert timedelta(hours=1) <= datetime.fromisoformat(got[0]) - clock.now
