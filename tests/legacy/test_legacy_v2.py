"""v2's legacy family: what a client that never sends ``cal-api-version`` gets (contract §1.2,
§2.5.6, §2.6.13, quirk 1), the Deprecation headers on every such answer, and ``GET /v2/versions``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from calapi.core.clock import request_now
from tests.slots.seed import add_bookings, give_schedule, make_event_type

NOW = datetime(2050, 9, 1, tzinfo=UTC)  # a Thursday; 2050-09-05 is a Monday
MONDAY = {"startTime": "2050-09-05T00:00:00Z", "endTime": "2050-09-05T23:59:59Z"}
FIRST_SLOT = "2050-09-05T08:00:00.000Z"  # 09:00 in London (BST)


@pytest.fixture
def frozen(app) -> datetime:
    app.dependency_overrides[request_now] = lambda: NOW
    return NOW


@pytest.fixture
async def event_type_id(app, alice, frozen) -> int:
    await give_schedule(app, alice.id)
    return await make_event_type(app, alice.id, slug="thirty", length=30)


def assert_deprecated(response, successor: str) -> None:
    assert response.headers["deprecation"] == "true"
    link = response.headers["link"]
    assert 'rel="successor-version"' in link
    assert f'cal-api-version="{successor}"' in link


def legacy_booking_body(event_type_id: int, start: str = FIRST_SLOT) -> dict:
    return {
        "start": start,
        "eventTypeId": event_type_id,
        "timeZone": "Europe/London",
        "language": "en",
        "metadata": {},
        "responses": {
            "name": "Carol",
            "email": "carol@example.com",
            "location": {"value": "inPerson", "optionValue": "Office"},
            "notes": "hi",
        },
    }


async def test_event_types_list_in_groups(client, alice, event_type_id):
    response = await client.get("/v2/event-types", headers=alice.headers)
    assert response.status_code == 200
    assert_deprecated(response, "2024-06-14")
    data = response.json()["data"]
    [group] = data["eventTypeGroups"]
    assert group["profile"]["slug"] == alice.username
    assert group["teamId"] is None and group["metadata"] == {"membershipCount": 1, "readOnly": False}
    [event] = group["eventTypes"]
    assert (
        event["id"] == event_type_id
        and event["length"] == 30
        and event["slug"] == "thirty"
        and event["userId"] == alice.id
    )
    assert "lengthInMinutes" not in event
    assert event["userIds"] == [alice.id] and event["periodType"] == "UNLIMITED" and event["hashedLink"] == []
    assert data["allUsersAcrossAllEventTypes"] == {}  # a JavaScript Map in Cal.com, written to JSON as {}
    assert data["profiles"] == [
        {
            "slug": alice.username,
            "name": "Alice",
            "image": "",
            "membershipCount": 1,
            "readOnly": False,
            "teamId": None,
            "membershipRole": None,
        }
    ]
    # 2024-04-15 sent explicitly is the same contract; the current version answers its own shape, no Deprecation.
    explicit = await client.get("/v2/event-types", headers={**alice.headers, "cal-api-version": "2024-04-15"})
    assert explicit.json()["data"] == data
    current = await client.get("/v2/event-types", headers={**alice.headers, "cal-api-version": "2024-06-14"})
    assert isinstance(current.json()["data"], list) and "deprecation" not in current.headers


async def test_event_type_groups_include_accepted_teams(client, alice, bob, event_type_id):
    """Checked against Cal.com's getEventTypesByViewer: one group per accepted team membership after the
    personal group; a MEMBER's group is read-only; ``profiles`` mirrors the groups."""
    team = (await client.post("/v2/teams", json={"name": "Sales", "slug": "sales"}, headers=alice.headers)).json()[
        "data"
    ]
    made = await client.post(
        f"/v2/teams/{team['id']}/event-types",
        headers=alice.headers,
        json={
            "lengthInMinutes": 45,
            "title": "Demo",
            "slug": "demo",
            "schedulingType": "COLLECTIVE",
            "assignAllTeamMembers": True,
        },
    )
    assert made.status_code == 201, made.text
    invited = await client.post(
        f"/v2/teams/{team['id']}/memberships",
        json={"userId": bob.id, "role": "MEMBER", "accepted": False},
        headers=alice.headers,
    )
    assert invited.status_code == 201, invited.text

    data = (await client.get("/v2/event-types", headers=alice.headers)).json()["data"]
    personal, sales = data["eventTypeGroups"]
    assert personal["teamId"] is None and [e["id"] for e in personal["eventTypes"]] == [event_type_id]
    assert {k: sales[k] for k in ("teamId", "parentId", "membershipRole", "profile", "metadata")} == {
        "teamId": team["id"],
        "parentId": None,
        "membershipRole": "OWNER",
        "profile": {"image": "", "name": "Sales", "slug": "team/sales"},
        "metadata": {"membershipCount": 2, "readOnly": False},
    }
    [demo] = sales["eventTypes"]
    assert (demo["id"], demo["teamId"], demo["userId"], demo["length"], demo["schedulingType"]) == (
        made.json()["data"]["id"],
        team["id"],
        None,
        45,
        "COLLECTIVE",
    )
    assert demo["userIds"] == [alice.id]
    assert [p["teamId"] for p in data["profiles"]] == [None, team["id"]]
    assert data["profiles"][1] == {
        "image": "",
        "name": "Sales",
        "slug": "team/sales",
        "membershipCount": 2,
        "readOnly": False,
        "teamId": team["id"],
        "membershipRole": "OWNER",
    }
    # An invitation not yet accepted adds no group; once accepted, the MEMBER's group is read-only.
    assert [
        g["teamId"]
        for g in (await client.get("/v2/event-types", headers=bob.headers)).json()["data"]["eventTypeGroups"]
    ] == [None]
    membership = next(
        m
        for m in (await client.get(f"/v2/teams/{team['id']}/memberships", headers=alice.headers)).json()["data"]
        if m["userId"] == bob.id
    )
    accepted = await client.patch(
        f"/v2/teams/{team['id']}/memberships/{membership['id']}", json={"accepted": True}, headers=alice.headers
    )
    assert accepted.status_code == 200, accepted.text
    _, bobs_sales = (await client.get("/v2/event-types", headers=bob.headers)).json()["data"]["eventTypeGroups"]
    assert bobs_sales["membershipRole"] == "MEMBER" and bobs_sales["metadata"]["readOnly"] is True
    assert [e["slug"] for e in bobs_sales["eventTypes"]] == ["demo"]


async def test_available_slots_by_day(client, event_type_id):
    response = await client.get("/v2/slots/available", params={"eventTypeId": event_type_id, **MONDAY})
    assert response.status_code == 200
    assert_deprecated(response, "2024-09-04")
    slots = response.json()["data"]["slots"]
    assert list(slots) == ["2050-09-05"]
    assert slots["2050-09-05"][0] == {"time": FIRST_SLOT}
    assert len(slots["2050-09-05"]) == 16  # 09:00–17:00, every 30 minutes
    ranged = await client.get(
        "/v2/slots/available",
        params={"eventTypeId": event_type_id, "slotFormat": "range", "timeZone": "Europe/London", **MONDAY},
        headers={"cal-api-version": "2024-08-13"},  # 08-13 still selects the legacy slots
    )
    assert ranged.json()["data"]["slots"]["2050-09-05"][0] == {
        "startTime": "2050-09-05T09:00:00.000+01:00",
        "endTime": "2050-09-05T09:30:00.000+01:00",
    }


async def test_available_slots_fields_as_cal_com_2024_04_15(app, client, stranger_client, alice, frozen):
    """Checked against Cal.com's SlotsOutputService_2024_04_15 and SlotsController_2024_04_15: seat
    fields only when set, luxon's "Z" for a fixed UTC zone, the ``uid`` cookie before the query."""
    await give_schedule(app, alice.id)
    seated = await make_event_type(app, alice.id, slug="class", length=30, seats_per_time_slot=3)
    [taken] = await add_bookings(
        app, alice.id, seated, [(datetime(2050, 9, 5, 8, tzinfo=UTC), datetime(2050, 9, 5, 8, 30, tzinfo=UTC))]
    )
    day = (await client.get("/v2/slots/available", params={"eventTypeId": seated, **MONDAY})).json()["data"]["slots"][
        "2050-09-05"
    ]
    assert day[0] == {"time": FIRST_SLOT, "attendees": 1, "bookingUid": taken}
    assert day[1] == {"time": "2050-09-05T08:30:00.000Z"}  # no seat taken: no attendees, no bookingUid
    in_utc = (
        await client.get("/v2/slots/available", params={"eventTypeId": seated, "timeZone": "UTC", **MONDAY})
    ).json()
    assert in_utc["data"]["slots"]["2050-09-05"][1] == {"time": "2050-09-05T08:30:00.000Z"}
    in_london = (
        await client.get("/v2/slots/available", params={"eventTypeId": seated, "timeZone": "Europe/London", **MONDAY})
    ).json()
    assert in_london["data"]["slots"]["2050-09-05"][1] == {"time": "2050-09-05T09:30:00.000+01:00"}

    plain = await make_event_type(app, alice.id, slug="plain", length=30)
    hold = {
        "eventTypeId": plain,
        "slotUtcStartDate": "2050-09-05T10:00:00.000Z",
        "slotUtcEndDate": "2050-09-05T10:30:00.000Z",
    }
    mine = (await client.post("/v2/slots/reserve", json=hold)).json()["data"]
    other = (
        await stranger_client.post(
            "/v2/slots/reserve",
            json={**hold, "slotUtcStartDate": "2050-09-05T11:00:00.000Z", "slotUtcEndDate": "2050-09-05T11:30:00.000Z"},
        )
    ).json()["data"]
    # The caller's cookie names the hold to drop, whatever ``uid`` says: the stranger's hold stays.
    assert (await client.delete("/v2/slots/selected-slot", params={"uid": other})).status_code == 200
    free = (await client.get("/v2/slots/available", params={"eventTypeId": plain, **MONDAY})).json()["data"]["slots"][
        "2050-09-05"
    ]
    times = [s["time"] for s in free]
    assert "2050-09-05T10:00:00.000Z" in times and "2050-09-05T11:00:00.000Z" not in times
    assert mine != other


async def test_by_username_list_and_bad_input(client, alice, event_type_id):
    by_name = await client.get(
        "/v2/slots/available", params={"usernameList[]": alice.username, "eventTypeSlug": "thirty", **MONDAY}
    )
    assert by_name.json()["data"]["slots"]["2050-09-05"][0] == {"time": FIRST_SLOT}
    bad = await client.get(
        "/v2/slots/available",
        params={"eventTypeId": event_type_id, "startTime": "monday", "endTime": MONDAY["endTime"]},
    )
    assert bad.status_code == 400
    assert "startTime" in bad.json()["error"]["message"]
    assert_deprecated(bad, "2024-09-04")  # errors to a legacy request carry it too


async def test_reserve_and_release(client, stranger_client, event_type_id):
    reserved = await client.post(
        "/v2/slots/reserve",
        json={
            "eventTypeId": event_type_id,
            "slotUtcStartDate": FIRST_SLOT,
            "slotUtcEndDate": "2050-09-05T08:30:00.000Z",
        },
    )
    assert reserved.status_code == 201, reserved.text
    assert_deprecated(reserved, "2024-09-04")
    uid = reserved.json()["data"]
    assert isinstance(uid, str) and reserved.cookies["uid"] == uid
    seen_by_other = await stranger_client.get("/v2/slots/available", params={"eventTypeId": event_type_id, **MONDAY})
    assert {"time": FIRST_SLOT} not in seen_by_other.json()["data"]["slots"]["2050-09-05"]
    # A second hold by the same booker reuses the cookie's uid (as Cal.com), and does not clash with the first.
    second = await client.post(
        "/v2/slots/reserve",
        json={
            "eventTypeId": event_type_id,
            "slotUtcStartDate": "2050-09-05T08:30:00.000Z",
            "slotUtcEndDate": "2050-09-05T09:00:00.000Z",
        },
    )
    assert second.status_code == 201 and second.json()["data"] == uid
    seen_by_other = await stranger_client.get("/v2/slots/available", params={"eventTypeId": event_type_id, **MONDAY})
    assert {"time": "2050-09-05T08:30:00.000Z"} not in seen_by_other.json()["data"]["slots"]["2050-09-05"]
    released = await client.delete("/v2/slots/selected-slot", params={"uid": uid})
    assert released.status_code == 200 and released.json() == {"status": "success"}
    again = await stranger_client.get("/v2/slots/available", params={"eventTypeId": event_type_id, **MONDAY})
    assert again.json()["data"]["slots"]["2050-09-05"][:2] == [
        {"time": FIRST_SLOT},
        {"time": "2050-09-05T08:30:00.000Z"},
    ]
    # the 2024-09-04 paths are not served on legacy versions, nor the legacy ones on 2024-09-04
    assert (await client.post("/v2/slots/reservations", json={})).status_code == 404
    gone = await client.get(
        "/v2/slots/available",
        params={"eventTypeId": event_type_id, **MONDAY},
        headers={"cal-api-version": "2024-09-04"},
    )
    assert gone.status_code == 404 and gone.json()["error"]["message"] == "Cannot GET /v2/slots/available"
    assert "deprecation" not in gone.headers


async def test_create_and_list_bookings(client, alice, event_type_id):
    created = await client.post("/v2/bookings", json=legacy_booking_body(event_type_id))
    assert created.status_code == 201, created.text
    assert_deprecated(created, "2024-08-13")
    booking = created.json()["data"]
    assert booking["startTime"] == FIRST_SLOT and booking["endTime"] == "2050-09-05T08:30:00.000Z"
    assert booking["status"] == "ACCEPTED" and booking["userId"] == alice.id and booking["eventTypeId"] == event_type_id
    assert [a["email"] for a in booking["attendees"]] == ["carol@example.com"]
    assert booking["responses"]["notes"] == "hi"
    second = await client.post("/v2/bookings", json=legacy_booking_body(event_type_id, "2050-09-05T09:00:00.000Z"))
    assert second.status_code == 201
    # CreateBookingInput_2024_04_15 takes the name as a string or as {firstName, lastName}
    split_name = legacy_booking_body(event_type_id, "2050-09-05T10:00:00.000Z")
    split_name["responses"]["name"] = {"firstName": "Dana", "lastName": "Reyes"}
    named = await client.post("/v2/bookings", json=split_name)
    assert named.status_code == 201, named.text
    assert [a["name"] for a in named.json()["data"]["attendees"]] == ["Dana Reyes"]
    # the slot engine refuses the taken slot on this path as on every other
    taken = await client.post("/v2/bookings", json=legacy_booking_body(event_type_id))
    assert taken.status_code in (400, 409)

    first_page = await client.get(
        "/v2/bookings", params={"filters[status]": "upcoming", "limit": 1, "cursor": 0}, headers=alice.headers
    )
    assert first_page.status_code == 200
    assert_deprecated(first_page, "2024-08-13")
    data = first_page.json()["data"]
    assert set(data) == {"bookings", "recurringInfo", "totalCount", "nextCursor"}
    assert data["totalCount"] == 3 and data["nextCursor"] == 1 and data["recurringInfo"] == []
    assert [b["uid"] for b in data["bookings"]] == [booking["uid"]]
    last_page = (
        await client.get(
            "/v2/bookings", params={"filters[status]": "upcoming", "limit": 1, "cursor": 2}, headers=alice.headers
        )
    ).json()["data"]
    assert [b["uid"] for b in last_page["bookings"]] == [named.json()["data"]["uid"]] and last_page[
        "nextCursor"
    ] is None
    past = (await client.get("/v2/bookings", params={"filters[status]": "past"}, headers=alice.headers)).json()["data"]
    assert past["totalCount"] == 0 and past["bookings"] == []

    entry = data["bookings"][0]
    # GetBookingsDataEntry (Cal.com's GetBookingsOutput_2024_04_15)
    assert set(entry) == {
        "id",
        "title",
        "userPrimaryEmail",
        "description",
        "customInputs",
        "startTime",
        "endTime",
        "attendees",
        "metadata",
        "uid",
        "recurringEventId",
        "location",
        "eventType",
        "status",
        "paid",
        "payment",
        "references",
        "isRecorded",
        "seatsReferences",
        "user",
        "rescheduled",
    }
    assert (entry["startTime"], entry["status"], entry["userPrimaryEmail"]) == (FIRST_SLOT, "ACCEPTED", alice.email)
    assert entry["user"] == {"id": alice.id, "name": "Alice", "email": alice.email}
    assert entry["attendees"] == [
        {
            "id": entry["attendees"][0]["id"],
            "email": "carol@example.com",
            "name": "Carol",
            "timeZone": "Europe/London",
            "locale": "en",
            "bookingId": entry["id"],
        }
    ]
    assert entry["eventType"] == {
        "slug": "thirty",
        "id": event_type_id,
        "eventName": None,
        "price": 0,
        "recurringEvent": None,
        "currency": "usd",
        "metadata": {},
        "seatsShowAttendees": False,
        "seatsShowAvailabilityCount": True,
        "team": None,
    }
    assert (entry["paid"], entry["payment"], entry["references"], entry["customInputs"]) == (False, [], [], {})

    one = await client.get(f"/v2/bookings/{booking['uid']}")
    assert one.status_code == 200
    info = one.json()["data"]
    # GetBookingData_2024_04_15
    assert list(info) == [
        "title",
        "id",
        "uid",
        "description",
        "customInputs",
        "smsReminderNumber",
        "recurringEventId",
        "startTime",
        "endTime",
        "location",
        "status",
        "metadata",
        "cancellationReason",
        "responses",
        "rejectionReason",
        "userPrimaryEmail",
        "user",
        "attendees",
        "eventTypeId",
        "eventType",
    ]
    assert (info["uid"], info["startTime"], info["status"], info["eventTypeId"]) == (
        booking["uid"],
        FIRST_SLOT,
        "ACCEPTED",
        event_type_id,
    )
    assert info["user"] == {
        "id": alice.id,
        "name": "Alice",
        "email": alice.email,
        "username": alice.username,
        "timeZone": "Europe/London",
    }
    assert info["attendees"] == [{"name": "Carol", "email": "carol@example.com", "timeZone": "Europe/London"}]
    assert info["eventType"] == {"eventName": None, "slug": "thirty", "timeZone": None}
    assert info["responses"]["notes"] == "hi"
    missing = await client.get("/v2/bookings/no-such-uid")
    assert (
        missing.status_code == 404
        and missing.json()["error"]["message"] == "Booking with UID=no-such-uid does not exist."
    )
    # the same booking through the current contract
    current = await client.get(f"/v2/bookings/{booking['uid']}", headers={"cal-api-version": "2024-08-13"})
    assert current.json()["data"]["start"] == FIRST_SLOT and "deprecation" not in current.headers


async def test_recurring_info_covers_every_series_the_caller_organizes(client, alice):
    """Checked against Cal.com's bookings list handler: one entry per series with all its occurrences
    (not only the page's), the first start, and the start times per status."""
    from tests.bookings.conftest import at, book, make_schedule
    from tests.bookings.conftest import make_event_type as make_v2_event_type

    await make_schedule(client, alice)
    weekly = await make_v2_event_type(
        client, alice, "weekly", recurrence={"interval": 1, "occurrences": 3, "frequency": "weekly"}
    )
    made = await book(client, weekly, at("2050-09-05", "10:00"), recurrenceCount=3)
    assert made.status_code == 201, made.text
    series = made.json()["data"]
    first_page = (
        await client.get("/v2/bookings", params={"filters[status]": "upcoming", "limit": 1}, headers=alice.headers)
    ).json()["data"]
    assert len(first_page["bookings"]) == 1 and first_page["totalCount"] == 3 and first_page["nextCursor"] == 1
    [info] = first_page["recurringInfo"]
    starts = ["2050-09-05T10:00:00.000Z", "2050-09-12T10:00:00.000Z", "2050-09-19T10:00:00.000Z"]
    assert info == {
        "recurringEventId": series[0]["recurringBookingUid"],
        "count": 3,
        "firstDate": starts[0],
        "bookings": {"ACCEPTED": starts, "CANCELLED": [], "REJECTED": [], "PENDING": [], "AWAITING_HOST": []},
    }
    assert first_page["bookings"][0]["recurringEventId"] == info["recurringEventId"]


async def test_bookings_versions_and_auth(client, alice, event_type_id):
    assert (await client.get("/v2/bookings")).status_code == 401
    for version in ("2024-04-15", "2024-06-11", "2024-06-14", "not-a-version"):
        response = await client.get("/v2/bookings", headers={**alice.headers, "cal-api-version": version})
        assert response.status_code == 200 and "totalCount" in response.json()["data"]
    missing = await client.get("/v2/bookings", headers={**alice.headers, "cal-api-version": "2024-09-04"})
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "Cannot GET /v2/bookings"
    # routes only 2024-08-13 has stay 404 on the legacy versions
    patch = await client.patch("/v2/bookings/abc/location", json={}, headers=alice.headers)
    assert patch.status_code == 404 and patch.json()["error"]["message"] == "Cannot PATCH /v2/bookings/abc/location"
    bad = await client.post("/v2/bookings", json={"eventTypeId": event_type_id})
    assert bad.status_code == 400
    assert_deprecated(bad, "2024-08-13")


async def test_legacy_schedules(app, client, alice, frozen):
    schedule_id = await give_schedule(app, alice.id)
    listed = await client.get("/v2/schedules", headers=alice.headers)
    assert listed.status_code == 200
    assert_deprecated(listed, "2024-06-11")
    [schedule] = listed.json()["data"]
    assert schedule["id"] == schedule_id and schedule["isDefault"] is True and schedule["isLastSchedule"] is True
    assert schedule["workingHours"] == [{"days": [1, 2, 3, 4, 5], "startTime": 540, "endTime": 1020}]
    # weekly ranges sit on today's UTC date (the request clock), as Cal.com's atom transformer puts them
    assert schedule["availability"][0] == [] and schedule["availability"][1] == [
        {"start": "2050-09-01T09:00:00.000Z", "end": "2050-09-01T17:00:00.000Z"}
    ]
    assert (await client.get("/v2/schedules/default", headers=alice.headers)).json()["data"] == schedule
    assert (await client.get(f"/v2/schedules/{schedule_id}", headers=alice.headers)).json()["data"] == schedule
    assert (await client.get("/v2/schedules/999999", headers=alice.headers)).status_code == 404
    # the legacy writes are served too (tests/legacy/test_legacy_v2_writes.py): a bad body is a 400 there
    assert (await client.post("/v2/schedules", json={}, headers=alice.headers)).status_code == 400


async def test_legacy_schedule_shape_follows_cal_com_2024_04_15(app, client, alice, frozen):
    """Checked against Cal.com's ScheduleRepository.findDetailedScheduleById and its atom transformers
    (getWorkingHours at offset 0, transformAvailabilityForAtom, transformDateOverridesForAtom)."""
    schedule_id = await give_schedule(
        app,
        alice.id,
        time_zone="Europe/Rome",
        weekly=[([1, 2], time(9), time(12)), ([3], time(12, 1), time(17)), ([6], time(18), time(23, 59))],
        overrides=[
            (date(2050, 8, 31), time(8), time(9)),
            (date(2050, 9, 10), time(14), time(15)),
            (date(2050, 9, 3), time(7), time(8)),
        ],
    )
    schedule = (await client.get(f"/v2/schedules/{schedule_id}", headers=alice.headers)).json()["data"]
    assert list(schedule) == [
        "id",
        "name",
        "isManaged",
        "workingHours",
        "schedule",
        "availability",
        "timeZone",
        "dateOverrides",
        "isDefault",
        "isLastSchedule",
        "readOnly",
    ]
    # Every row counts (overrides with their empty days), sorted by start; a range starting one minute
    # after the previous one's end is merged into it, keeping the first one's days (Cal.com's own quirk);
    # 23:59 stays 1439.
    assert schedule["workingHours"] == [
        {"days": [], "startTime": 420, "endTime": 480},
        {"days": [], "startTime": 480, "endTime": 540},
        {"days": [1, 2], "startTime": 540, "endTime": 1020},
        {"days": [], "startTime": 840, "endTime": 900},
        {"days": [6], "startTime": 1080, "endTime": 1439},
    ]
    assert schedule["availability"][1] == [{"start": "2050-09-01T09:00:00.000Z", "end": "2050-09-01T12:00:00.000Z"}]
    assert schedule["availability"][3] == [{"start": "2050-09-01T12:01:00.000Z", "end": "2050-09-01T17:00:00.000Z"}]
    assert schedule["availability"][6] == [{"start": "2050-09-01T18:00:00.000Z", "end": "2050-09-01T23:59:59.999Z"}]
    # Only today's and later overrides (the 31 August one is past), earliest first.
    assert schedule["dateOverrides"] == [
        {"ranges": [{"start": "2050-09-03T07:00:00.000Z", "end": "2050-09-03T08:00:00.000Z"}]},
        {"ranges": [{"start": "2050-09-10T14:00:00.000Z", "end": "2050-09-10T15:00:00.000Z"}]},
    ]
    rows = schedule["schedule"]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows) and len(rows) == 6
    override = next(r for r in rows if r["date"] == "2050-09-10T00:00:00.000Z")
    assert override | {"id": 0} == {
        "id": 0,
        "userId": alice.id,
        "eventTypeId": None,
        "days": [],
        "startTime": "1970-01-01T14:00:00.000Z",
        "endTime": "1970-01-01T15:00:00.000Z",
        "date": "2050-09-10T00:00:00.000Z",
        "scheduleId": schedule_id,
    }
    assert schedule["timeZone"] == "Europe/Rome" and schedule["isManaged"] is False and schedule["readOnly"] is False


async def test_versions_document(client):
    response = await client.get("/v2/versions")
    assert response.status_code == 200 and "deprecation" not in response.headers
    data = response.json()["data"]
    assert data["default"] == "2024-04-15" and data["header"] == "cal-api-version"
    resources = {r["resource"]: r for r in data["resources"]}
    assert resources["/v2/bookings"]["versions"] == [
        "2024-04-15",
        "2024-06-11",
        "2024-06-14",
        "2024-08-13",
        "2026-02-25",
    ]
    assert resources["/v2/bookings"]["current"] == "2024-08-13"
    assert resources["/v2/event-types"]["versions"] == ["2024-04-15", "2024-06-11", "2024-06-14"]
    assert resources["/v2/event-types"]["current"] == "2024-06-14"
    assert resources["/v2/schedules"] | {} == {
        "resource": "/v2/schedules",
        "versions": ["2024-04-15", "2024-06-11", "2024-06-14"],
        "legacyVersions": ["2024-04-15"],
        "current": "2024-06-11",
        "default": "2024-04-15",
        "defaultServed": True,
    }
    assert resources["/v2/slots"]["versions"] == ["2024-04-15", "2024-06-11", "2024-06-14", "2024-08-13", "2024-09-04"]
    assert resources["/v2/slots"]["current"] == "2024-09-04"
