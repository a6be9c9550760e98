"""API v1 /event-types: v1 field names over the event types service, ownership, admin powers."""

from __future__ import annotations

from tests.bookings.conftest import v2
from tests.v1.conftest import v1_error

FIELDS = {
    "id",
    "title",
    "slug",
    "length",
    "hidden",
    "position",
    "userId",
    "teamId",
    "scheduleId",
    "eventName",
    "timeZone",
    "periodType",
    "periodStartDate",
    "periodEndDate",
    "periodDays",
    "periodCountCalendarDays",
    "requiresConfirmation",
    "recurringEvent",
    "disableGuests",
    "hideCalendarNotes",
    "minimumBookingNotice",
    "beforeEventBuffer",
    "afterEventBuffer",
    "schedulingType",
    "price",
    "currency",
    "slotInterval",
    "parentId",
    "successRedirectUrl",
    "description",
    "locations",
    "metadata",
    "seatsPerTimeSlot",
    "seatsShowAttendees",
    "seatsShowAvailabilityCount",
    "bookingFields",
    "bookingLimits",
    "onlyShowFirstAvailableSlot",
    "durationLimits",
    "children",
    "hosts",
    "customInputs",
    "link",
    "hashedLink",
}


async def _event_type(api, user, **body):
    response = await api.post(user, "/event-types", json={"title": "Intro", "slug": "intro", "length": 30, **body})
    assert response.status_code == 200, response.text
    return response.json()["event_type"]


async def test_create_answers_200_with_v1_fields_and_v2_reads_the_same_rules(api, client, alice):
    body = {
        "title": "Intro",
        "slug": "intro",
        "length": 45,
        "description": "Hello",
        "minimumBookingNotice": 60,
        "beforeEventBuffer": 5,
        "requiresConfirmation": True,
        "periodType": "ROLLING",
        "periodDays": 14,
        "periodCountCalendarDays": True,
        "seatsPerTimeSlot": 3,
        "seatsShowAttendees": True,
        "locations": [{"type": "inPerson", "address": "1 Main St"}],
        "bookingLimits": {"PER_DAY": 2},
        "recurringEvent": {"freq": 2, "count": 4, "interval": 1},
        "eventName": "Intro with {ATTENDEE}",
    }
    response = await api.post(alice, "/event-types", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["message"] == "Event type created successfully"
    et = response.json()["event_type"]
    assert set(et) == FIELDS
    assert (et["length"], et["userId"], et["teamId"], et["minimumBookingNotice"], et["beforeEventBuffer"]) == (
        45,
        alice.id,
        None,
        60,
        5,
    )
    assert (et["periodType"], et["periodDays"], et["periodCountCalendarDays"]) == ("ROLLING", 14, True)
    assert (et["requiresConfirmation"], et["seatsPerTimeSlot"], et["seatsShowAttendees"]) == (True, 3, True)
    assert et["locations"] == [{"type": "inPerson", "address": "1 Main St"}]
    assert et["bookingLimits"] == {"PER_DAY": 2}
    assert et["recurringEvent"] == {"freq": 2, "count": 4, "interval": 1}
    assert et["eventName"] == "Intro with {ATTENDEE}" and et["link"] == "/alice/intro"
    # The same row through v2: one service, one set of stored rules.
    seen = (await client.get(f"/v2/event-types/{et['id']}", headers=v2(alice, "2024-06-14"))).json()["data"]
    assert seen["lengthInMinutes"] == 45
    assert seen["bookingWindow"] == {"type": "calendarDays", "value": 14, "rolling": False}
    assert seen["seats"] == {"seatsPerTimeSlot": 3, "showAttendeeInfo": True, "showAvailabilityCount": True}
    assert seen["confirmationPolicy"]["type"] == "always"
    assert seen["locations"] == [{"type": "address", "address": "1 Main St", "public": True}]


async def test_bad_input(api, alice):
    v1_error(
        await api.post(alice, "/event-types", json={"title": "x", "slug": "x"}),
        400,
        "invalid_type in 'length': Required",
    )
    v1_error(
        await api.post(alice, "/event-types", json={"title": "x", "slug": "x", "length": 30, "foo": 1}),
        400,
        "Unrecognized key(s) in object: 'foo'",
    )
    v1_error(await api.post(alice, "/event-types", json={"title": "x", "slug": "x", "length": 0}), 400)
    await _event_type(api, alice)
    v1_error(
        await api.post(alice, "/event-types", json={"title": "x", "slug": "intro", "length": 30}),
        400,
        "User already has an event type with this slug.",
    )


async def test_list_get_patch_delete(api, alice):
    et = await _event_type(api, alice)
    assert (await api.get(alice, "/event-types")).json() == {"event_types": [et]}
    assert (await api.get(alice, "/event-types", params={"slug": "other"})).json() == {"event_types": []}
    assert (await api.get(alice, f"/event-types/{et['id']}")).json() == {"event_type": et}
    patched = await api.patch(
        alice, f"/event-types/{et['id']}", json={"length": 60, "hidden": True, "seatsPerTimeSlot": 2}
    )
    assert patched.status_code == 200, patched.text
    out = patched.json()["event_type"]
    assert (out["length"], out["hidden"], out["seatsPerTimeSlot"]) == (60, True, 2)
    v1_error(
        await api.patch(alice, f"/event-types/{et['id']}", json={"userId": 5}),
        400,
        "Unrecognized key(s) in object: 'userId'",
    )
    deleted = await api.delete(alice, f"/event-types/{et['id']}")
    assert deleted.status_code == 200
    assert deleted.json() == {"message": f"Event Type with id: {et['id']} deleted successfully"}
    assert (await api.get(alice, "/event-types")).json() == {"event_types": []}


async def test_another_users_event_type(api, alice, bob):
    et = await _event_type(api, bob)
    v1_error(await api.get(alice, f"/event-types/{et['id']}"), 403, "Forbidden")
    v1_error(await api.get(alice, "/event-types/999999"), 403, "Forbidden")
    v1_error(await api.patch(alice, f"/event-types/{et['id']}", json={"title": "Mine"}), 403, "Forbidden")
    # Cal.com's text had a literal "${id}"; calapi fills it in.
    v1_error(await api.delete(alice, f"/event-types/{et['id']}"), 404, f"Event type with ID {et['id']} not found")
    assert (await api.get(bob, f"/event-types/{et['id']}")).json()["event_type"]["title"] == "Intro"
    assert (await api.get(alice, "/event-types")).json() == {"event_types": []}


async def test_user_id_is_for_admins(api, alice, bob, admin):
    v1_error(await api.get(alice, "/event-types", params={"userId": bob.id}), 401, "ADMIN required")
    v1_error(
        await api.post(alice, "/event-types", json={"title": "x", "slug": "x", "length": 30, "userId": bob.id}),
        401,
        "ADMIN required for `userId`",
    )
    made = await api.post(
        admin, "/event-types", json={"title": "For Bob", "slug": "for-bob", "length": 15, "userId": bob.id}
    )
    assert made.status_code == 200 and made.json()["event_type"]["userId"] == bob.id
    alices = await _event_type(api, alice)
    listed = (await api.get(admin, "/event-types", params={"userId": [alice.id, bob.id]})).json()["event_types"]
    assert {e["id"] for e in listed} == {alices["id"], made.json()["event_type"]["id"]}
    assert (await api.patch(admin, f"/event-types/{alices['id']}", json={"title": "By admin"})).json()["event_type"][
        "title"
    ] == "By admin"
    assert (await api.delete(admin, f"/event-types/{alices['id']}")).status_code == 200


async def test_team_fields_are_refused(api, alice):
    response = await api.post(alice, "/event-types", json={"title": "x", "slug": "x", "length": 30, "teamId": 1})
    assert v1_error(response, 400)["message"].startswith("custom in 'teamId'")
