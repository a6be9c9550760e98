"""API v1 /schedules and /availabilities: envelopes, ownership, admin powers, time formats."""

from __future__ import annotations

from tests.v1.conftest import v1_error


async def _schedule(api, user, **body):
    response = await api.post(user, "/schedules", json={"name": "Week", "timeZone": "Europe/Rome", **body})
    assert response.status_code == 200, response.text
    return response.json()["schedule"]


async def test_create_schedule_answers_200_with_default_hours_and_message(api, alice):
    response = await api.post(alice, "/schedules", json={"name": "Week", "timeZone": "Europe/Rome", "extra": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Schedule created successfully"
    schedule = body["schedule"]
    assert set(schedule) == {"id", "userId", "name", "timeZone", "availability"}
    assert schedule["userId"] == alice.id and schedule["timeZone"] == "Europe/Rome"
    [row] = schedule["availability"]
    assert row["days"] == [1, 2, 3, 4, 5]
    assert (row["startTime"], row["endTime"], row["date"], row["eventTypeId"]) == ("09:00:00", "17:00:00", None, None)
    assert isinstance(row["id"], int)


async def test_create_schedule_bad_input_is_zod_worded(api, alice):
    response = await api.post(alice, "/schedules", json={"name": "Week"})
    v1_error(response, 400, "invalid_type in 'timeZone': Required")
    bad_zone = await api.post(alice, "/schedules", json={"name": "Week", "timeZone": "Mars/Base"})
    assert v1_error(bad_zone, 400)["message"].startswith("custom in 'timeZone':")


async def test_list_get_patch_delete_own_schedule(api, alice):
    created = await _schedule(api, alice)
    listed = await api.get(alice, "/schedules")
    assert listed.status_code == 200 and [s["id"] for s in listed.json()["schedules"]] == [created["id"]]
    got = await api.get(alice, f"/schedules/{created['id']}")
    assert got.json() == {"schedule": created}
    patched = await api.patch(alice, f"/schedules/{created['id']}", json={"name": "Renamed", "timeZone": "UTC"})
    assert patched.status_code == 200
    assert (patched.json()["schedule"]["name"], patched.json()["schedule"]["timeZone"]) == ("Renamed", "UTC")
    deleted = await api.delete(alice, f"/schedules/{created['id']}")
    assert deleted.status_code == 200
    assert deleted.json() == {"message": f"Schedule with id: {created['id']} deleted successfully"}
    assert (await api.get(alice, "/schedules")).json() == {"schedules": []}


async def test_another_users_schedule_is_forbidden_and_unchanged(api, alice, bob):
    bobs = await _schedule(api, bob)
    v1_error(await api.get(alice, f"/schedules/{bobs['id']}"), 403, "Forbidden")
    v1_error(await api.patch(alice, f"/schedules/{bobs['id']}", json={"name": "Mine"}), 403, "Forbidden")
    v1_error(await api.delete(alice, f"/schedules/{bobs['id']}"), 403, "Forbidden")
    # A missing id answers the same, so ids of other users' schedules cannot be probed.
    v1_error(await api.get(alice, "/schedules/999999"), 403, "Forbidden")
    assert (await api.get(bob, f"/schedules/{bobs['id']}")).json()["schedule"]["name"] == "Week"
    assert (await api.get(alice, "/schedules")).json() == {"schedules": []}


async def test_non_admin_user_id_is_refused(api, alice, bob):
    v1_error(
        await api.get(alice, "/schedules", params={"userId": bob.id}),
        401,
        "Unauthorized: Only admins can query other users",
    )
    v1_error(
        await api.post(alice, "/schedules", json={"name": "X", "timeZone": "UTC", "userId": bob.id}),
        403,
        "ADMIN required for `userId`",
    )
    mine = await _schedule(api, alice)
    v1_error(
        await api.patch(alice, f"/schedules/{mine['id']}", json={"userId": bob.id}),
        403,
        "Non admin cannot change the owner of a schedule",
    )


async def test_admin_lists_creates_reads_and_deletes_for_others(api, alice, bob, admin):
    alices = await _schedule(api, alice)
    bobs = await _schedule(api, bob)
    everyone = (await api.get(admin, "/schedules")).json()["schedules"]
    assert {s["id"] for s in everyone} == {alices["id"], bobs["id"]}
    only_bob = (await api.get(admin, "/schedules", params={"userId": bob.id})).json()["schedules"]
    assert [s["id"] for s in only_bob] == [bobs["id"]]
    made = await api.post(admin, "/schedules", json={"name": "For Bob", "timeZone": "UTC", "userId": bob.id})
    assert made.status_code == 200 and made.json()["schedule"]["userId"] == bob.id
    assert (await api.get(admin, f"/schedules/{alices['id']}")).json()["schedule"]["userId"] == alice.id
    renamed = await api.patch(admin, f"/schedules/{alices['id']}", json={"name": "By admin"})
    assert renamed.json()["schedule"]["name"] == "By admin"
    assert (await api.delete(admin, f"/schedules/{bobs['id']}")).status_code == 200
    v1_error(await api.get(admin, "/schedules/999999"), 404, "Schedule with id: 999999 not found")


async def test_non_numeric_id_is_a_400(api, alice):
    response = await api.get(alice, "/schedules/abc")
    assert v1_error(response, 400)["message"].startswith("invalid_type in 'id':")


async def test_wrong_method_is_405_with_allow(api, alice):
    response = await api.call("PUT", alice, "/schedules/1")
    assert response.status_code == 405
    assert response.json() == {"message": "Method Not Allowed (Allow: GET,PATCH,DELETE)"}


# --- availabilities -----------------------------------------------------------------------------


async def test_availability_rows_use_1970_date_times_and_sunday_zero(api, alice):
    schedule = await _schedule(api, alice)
    body = {
        "scheduleId": schedule["id"],
        "startTime": "1970-01-01T10:00:00.000Z",
        "endTime": "1970-01-01T12:30:00.000Z",
        "days": [0, 6],
    }
    response = await api.post(alice, "/availabilities", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["message"] == "Availability created successfully"
    row = response.json()["availability"]
    assert row == {
        "id": row["id"],
        "startTime": "1970-01-01T10:00:00.000Z",
        "endTime": "1970-01-01T12:30:00.000Z",
        "date": None,
        "scheduleId": schedule["id"],
        "days": [0, 6],
        "Schedule": {"userId": alice.id},
    }
    # The row is part of the schedule v1 and v2 read.
    rows = (await api.get(alice, f"/schedules/{schedule['id']}")).json()["schedule"]["availability"]
    assert {
        "id": row["id"],
        "eventTypeId": None,
        "date": None,
        "days": [0, 6],
        "startTime": "10:00:00",
        "endTime": "12:30:00",
    } in rows
    assert (await api.get(alice, f"/availabilities/{row['id']}")).json() == {"availability": row}

    patched = await api.patch(
        alice, f"/availabilities/{row['id']}", json={"endTime": "1970-01-01T13:00:00.000Z", "days": [3]}
    )
    assert patched.status_code == 200
    assert (patched.json()["availability"]["endTime"], patched.json()["availability"]["days"]) == (
        "1970-01-01T13:00:00.000Z",
        [3],
    )
    override = await api.patch(alice, f"/availabilities/{row['id']}", json={"date": "2050-01-03"})
    assert (override.json()["availability"]["date"], override.json()["availability"]["days"]) == ("2050-01-03", [])

    deleted = await api.delete(alice, f"/availabilities/{row['id']}")
    assert deleted.json() == {"message": f"Availability with id: {row['id']} deleted successfully"}
    v1_error(await api.get(alice, f"/availabilities/{row['id']}"), 404)


async def test_availability_bad_input(api, alice):
    schedule = await _schedule(api, alice)
    base = {
        "scheduleId": schedule["id"],
        "startTime": "1970-01-01T10:00:00.000Z",
        "endTime": "1970-01-01T12:00:00.000Z",
        "days": [1],
    }
    v1_error(await api.post(alice, "/availabilities", json={**base, "days": [7]}), 400)
    v1_error(
        await api.post(alice, "/availabilities", json={**base, "foo": 1}), 400, "Unrecognized key(s) in object: 'foo'"
    )
    v1_error(await api.post(alice, "/availabilities", json={**base, "startTime": "1970-01-01T13:00:00.000Z"}), 400)
    v1_error(
        await api.post(alice, "/availabilities", json={k: v for k, v in base.items() if k != "endTime"}),
        400,
        "invalid_type in 'endTime': Required",
    )
    [row] = (await api.get(alice, f"/schedules/{schedule['id']}")).json()["schedule"]["availability"]
    # PATCH has no scheduleId (quirk 23).
    v1_error(
        await api.patch(alice, f"/availabilities/{row['id']}", json={"scheduleId": 1}),
        400,
        "Unrecognized key(s) in object: 'scheduleId'",
    )


async def test_another_users_availability_rows_are_404_and_their_schedule_refused(api, alice, bob):
    bobs = await _schedule(api, bob)
    [row] = bobs["availability"]
    for response in (
        await api.get(alice, f"/availabilities/{row['id']}"),
        await api.patch(alice, f"/availabilities/{row['id']}", json={"days": [2]}),
        await api.delete(alice, f"/availabilities/{row['id']}"),
    ):
        v1_error(response, 404, f"Availability with id: {row['id']} not found")
    body = {
        "scheduleId": bobs["id"],
        "startTime": "1970-01-01T10:00:00.000Z",
        "endTime": "1970-01-01T12:00:00.000Z",
        "days": [1],
    }
    v1_error(await api.post(alice, "/availabilities", json=body), 401, "You can't add availabilities to this schedule")
    assert (await api.get(bob, f"/availabilities/{row['id']}")).json()["availability"]["days"] == [1, 2, 3, 4, 5]


async def test_admin_manages_another_users_availability(api, bob, admin):
    bobs = await _schedule(api, bob)
    [row] = bobs["availability"]
    got = await api.get(admin, f"/availabilities/{row['id']}")
    assert got.json()["availability"]["Schedule"] == {"userId": bob.id}
    body = {
        "scheduleId": bobs["id"],
        "startTime": "1970-01-01T18:00:00.000Z",
        "endTime": "1970-01-01T19:00:00.000Z",
        "days": [6],
    }
    assert (await api.post(admin, "/availabilities", json=body)).status_code == 200
