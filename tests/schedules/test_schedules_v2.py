"""``/v2/schedules`` through the HTTP API: Cal.com's shapes, defaults and messages."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.conftest import BOTH_DATABASES

V = {"cal-api-version": "2024-06-11"}

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def headers(user, version: str = "2024-06-11") -> dict[str, str]:
    return {**user.headers, "cal-api-version": version}


def assert_error(response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    assert body["error"]["message"] == message


async def create(client, user, **fields):
    body = {"name": "Work", "timeZone": "Europe/Rome", "isDefault": False, **fields}
    response = await client.post("/v2/schedules", json=body, headers=headers(user))
    assert response.status_code == 201, response.text
    return response.json()["data"]


@BOTH_DATABASES
async def test_create_echoes_rows_and_first_schedule_becomes_default(client, alice):
    data = await create(
        client,
        alice,
        name="Office",
        availability=[
            {"days": ["Monday", "Wednesday"], "startTime": "09:00", "endTime": "12:00"},
            {"days": ["Monday"], "startTime": "13:30", "endTime": "23:59"},
        ],
        overrides=[{"date": "2030-01-02", "startTime": "10:00", "endTime": "11:00"}],
    )
    assert data == {
        "id": data["id"],
        "ownerId": alice.id,
        "name": "Office",
        "timeZone": "Europe/Rome",
        "availability": [
            {"days": ["Monday", "Wednesday"], "startTime": "09:00", "endTime": "12:00"},
            {"days": ["Monday"], "startTime": "13:30", "endTime": "23:59"},
        ],
        "isDefault": True,  # the first schedule is the default even with isDefault false
        "overrides": [{"date": "2030-01-02", "startTime": "10:00", "endTime": "11:00"}],
    }
    me = (await client.get("/v2/me", headers=alice.headers)).json()["data"]
    assert me["defaultScheduleId"] == data["id"]


async def test_defaults_to_working_hours_and_no_overrides(client, alice):
    data = await create(client, alice)
    assert data["availability"] == [{"days": WEEKDAYS, "startTime": "09:00", "endTime": "17:00"}]
    assert data["overrides"] == []


async def test_an_empty_availability_list_is_kept_empty(client, alice):
    data = await create(client, alice, availability=[])
    assert data["availability"] == []


async def test_a_second_schedule_is_default_only_when_asked(client, alice):
    first = await create(client, alice)
    second = await create(client, alice, name="Second")
    assert second["isDefault"] is False
    third = await create(client, alice, name="Third", isDefault=True)
    assert third["isDefault"] is True
    listed = (await client.get("/v2/schedules", headers=headers(alice))).json()["data"]
    assert [(s["id"], s["isDefault"]) for s in listed] == [
        (first["id"], False),
        (second["id"], False),
        (third["id"], True),
    ]


@BOTH_DATABASES
async def test_get_and_get_default(client, alice):
    response = await client.get("/v2/schedules/default", headers=headers(alice))
    assert response.status_code == 200
    assert response.json() == {"status": "success", "data": None}
    created = await create(client, alice)
    got = await client.get(f"/v2/schedules/{created['id']}", headers=headers(alice))
    assert got.json() == {"status": "success", "data": created}
    default = await client.get("/v2/schedules/default", headers=headers(alice))
    assert default.json()["data"] == created


async def test_both_versions_answer_and_others_are_404(client, alice):
    created = await create(client, alice)
    ok = await client.get(f"/v2/schedules/{created['id']}", headers=headers(alice, "2024-06-14"))
    assert ok.status_code == 200
    for version in ("2024-08-13", "2024-09-04"):
        response = await client.get("/v2/schedules", headers=headers(alice, version))
        assert_error(response, 404, "NotFoundException", "Cannot GET /v2/schedules")
    response = await client.post("/v2/schedules", json={}, headers=headers(alice, "2024-09-04"))
    assert_error(response, 404, "NotFoundException", "Cannot POST /v2/schedules")


async def test_requires_authentication(client):
    response = await client.get("/v2/schedules", headers=V)
    assert response.status_code == 401


@BOTH_DATABASES
async def test_another_users_schedule(client, alice, bob):
    created = await create(client, alice)
    sid = created["id"]
    message = f"User with ID={bob.id} does not own schedule with ID={sid}"
    assert_error(await client.get(f"/v2/schedules/{sid}", headers=headers(bob)), 403, "ForbiddenException", message)
    assert_error(
        await client.patch(f"/v2/schedules/{sid}", json={"name": "x"}, headers=headers(bob)),
        403,
        "ForbiddenException",
        message,
    )
    assert_error(await client.delete(f"/v2/schedules/{sid}", headers=headers(bob)), 403, "ForbiddenException", message)
    assert (await client.get("/v2/schedules", headers=headers(bob))).json()["data"] == []
    assert (await client.get(f"/v2/schedules/{sid}", headers=headers(alice))).status_code == 200


async def test_missing_schedule(client, alice):
    assert_error(
        await client.get("/v2/schedules/999", headers=headers(alice)),
        404,
        "NotFoundException",
        "Schedule with ID=999 does not exist.",
    )
    assert_error(
        await client.patch("/v2/schedules/999", json={"name": "x"}, headers=headers(alice)),
        404,
        "NotFoundException",
        "Schedule with ID=999 does not exist.",
    )
    # Cal.com answers 400 for deleting a missing schedule.
    assert_error(
        await client.delete("/v2/schedules/999", headers=headers(alice)),
        400,
        "BadRequestException",
        "Schedule with ID=999 does not exist.",
    )


async def test_update_replaces_given_parts_only(client, alice):
    created = await create(client, alice, overrides=[{"date": "2030-05-01", "startTime": "00:00", "endTime": "00:00"}])
    sid = created["id"]
    response = await client.patch(
        f"/v2/schedules/{sid}",
        json={
            "name": "Renamed",
            "timeZone": "Asia/Kolkata",
            "availability": [{"days": ["Sunday"], "startTime": "08:15", "endTime": "10:45"}],
        },
        headers=headers(alice),
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["name"] == "Renamed"
    assert data["timeZone"] == "Asia/Kolkata"
    assert data["availability"] == [{"days": ["Sunday"], "startTime": "08:15", "endTime": "10:45"}]
    assert data["overrides"] == created["overrides"]  # untouched
    response = await client.patch(f"/v2/schedules/{sid}", json={"overrides": []}, headers=headers(alice))
    assert response.json()["data"]["overrides"] == []
    assert response.json()["data"]["availability"] == data["availability"]
    assert (await client.get(f"/v2/schedules/{sid}", headers=headers(alice))).json()["data"] == response.json()["data"]


async def test_update_is_default(client, alice):
    first = await create(client, alice)
    second = await create(client, alice, name="Second")
    response = await client.patch(f"/v2/schedules/{second['id']}", json={"isDefault": False}, headers=headers(alice))
    assert response.json()["data"]["isDefault"] is False  # false does nothing
    response = await client.patch(f"/v2/schedules/{second['id']}", json={"isDefault": True}, headers=headers(alice))
    assert response.json()["data"]["isDefault"] is True
    assert (await client.get(f"/v2/schedules/{first['id']}", headers=headers(alice))).json()["data"][
        "isDefault"
    ] is False
    assert (await client.get("/v2/schedules/default", headers=headers(alice))).json()["data"]["id"] == second["id"]


@BOTH_DATABASES
async def test_delete(client, alice):
    first = await create(client, alice)
    second = await create(client, alice, name="Second")
    response = await client.delete(f"/v2/schedules/{second['id']}", headers=headers(alice))
    assert response.status_code == 200
    assert response.json() == {"status": "success"}
    assert (await client.get(f"/v2/schedules/{second['id']}", headers=headers(alice))).status_code == 404
    # Deleting the default hands it to the oldest remaining schedule; the last one leaves none.
    third = await create(client, alice, name="Third")
    await client.delete(f"/v2/schedules/{first['id']}", headers=headers(alice))
    assert (await client.get("/v2/schedules/default", headers=headers(alice))).json()["data"]["id"] == third["id"]
    await client.delete(f"/v2/schedules/{third['id']}", headers=headers(alice))
    assert (await client.get("/v2/schedules/default", headers=headers(alice))).json()["data"] is None
    assert (await client.get("/v2/me", headers=alice.headers)).json()["data"]["defaultScheduleId"] is None


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "x", "timeZone": "Mars/Olympus", "isDefault": True}, "timeZone - must be an IANA time zone"),
        ({"name": "x", "timeZone": "Europe/Rome"}, "isDefault - is required"),
        ({"timeZone": "Europe/Rome", "isDefault": True}, "name - is required"),
        ({"name": "", "timeZone": "Europe/Rome", "isDefault": True}, "name - String should have at least 1 character"),
        (
            {
                "name": "x",
                "timeZone": "Europe/Rome",
                "isDefault": True,
                "availability": [{"days": ["Funday"], "startTime": "09:00", "endTime": "10:00"}],
            },
            "availability.0.days.0 - Input should be 'Monday'",
        ),
        (
            {
                "name": "x",
                "timeZone": "Europe/Rome",
                "isDefault": True,
                "availability": [{"days": [], "startTime": "09:00", "endTime": "10:00"}],
            },
            "availability.0.days - List should have at least 1 item",
        ),
        (
            {
                "name": "x",
                "timeZone": "Europe/Rome",
                "isDefault": True,
                "availability": [{"days": ["Monday"], "startTime": "9:00", "endTime": "10:00"}],
            },
            "availability.0.startTime - must be a 24-hour time HH:MM",
        ),
        (
            {
                "name": "x",
                "timeZone": "Europe/Rome",
                "isDefault": True,
                "availability": [{"days": ["Monday"], "startTime": "09:00", "endTime": "24:00"}],
            },
            "availability.0.endTime - must be a 24-hour time HH:MM between 00:00 and 23:59 (23:59 means end of day)",
        ),
        (
            {
                "name": "x",
                "timeZone": "Europe/Rome",
                "isDefault": True,
                "availability": [{"days": ["Monday"], "startTime": 900, "endTime": "10:00"}],
            },
            "availability.0.startTime - must be a 24-hour time HH:MM",
        ),
        (
            {
                "name": "x",
                "timeZone": "Europe/Rome",
                "isDefault": True,
                "availability": [{"days": ["Monday"], "startTime": "17:00", "endTime": "09:00"}],
            },
            "availability[0]: startTime 17:00 must be before endTime 09:00",
        ),
        (
            {
                "name": "x",
                "timeZone": "Europe/Rome",
                "isDefault": True,
                "availability": [{"days": ["Monday"], "startTime": "09:00", "endTime": "09:00"}],
            },
            "availability[0]: startTime 09:00 must be before endTime 09:00",
        ),
        (
            {
                "name": "x",
                "timeZone": "Europe/Rome",
                "isDefault": True,
                "overrides": [{"date": "2030-02-30", "startTime": "09:00", "endTime": "10:00"}],
            },
            "overrides.0.date - must be a calendar date YYYY-MM-DD, got '2030-02-30'",
        ),
        (
            {
                "name": "x",
                "timeZone": "Europe/Rome",
                "isDefault": True,
                "overrides": [{"date": "20300201", "startTime": "09:00", "endTime": "10:00"}],
            },
            "overrides.0.date - must be a calendar date YYYY-MM-DD",
        ),
        (
            {
                "name": "x",
                "timeZone": "Europe/Rome",
                "isDefault": True,
                "overrides": [{"date": "2030-02-01", "startTime": "11:00", "endTime": "10:00"}],
            },
            "overrides[0]: startTime 11:00 must not be after endTime 10:00",
        ),
    ],
)
async def test_bad_input_is_a_400_with_a_reason(client, alice, body, fragment):
    response = await client.post("/v2/schedules", json=body, headers=headers(alice))
    assert response.status_code == 400, response.text
    assert response.json()["status"] == "error"
    assert fragment in response.json()["error"]["message"]
    assert (await client.get("/v2/schedules", headers=headers(alice))).json()["data"] == []


async def test_bad_update_is_a_400(client, alice):
    created = await create(client, alice)
    for body, fragment in (
        ({"timeZone": "Nowhere"}, "timeZone - must be an IANA time zone"),
        ({"availability": [{"days": ["Monday"], "startTime": "12:00", "endTime": "11:00"}]}, "must be before endTime"),
        ({"name": ""}, "name - String should have at least 1 character"),
    ):
        response = await client.patch(f"/v2/schedules/{created['id']}", json=body, headers=headers(alice))
        assert response.status_code == 400, response.text
        assert fragment in response.json()["error"]["message"]
    assert (await client.get(f"/v2/schedules/{created['id']}", headers=headers(alice))).json()["data"] == created
    response = await client.get("/v2/schedules/abc", headers=headers(alice))
    assert response.status_code == 400


async def count_statements(app, request) -> tuple[int, object]:
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", record)
    try:
        response = await request()
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", record)
    return len(statements), response


@BOTH_DATABASES
async def test_listing_does_not_query_per_schedule(app, client, alice):
    override = [{"date": "2030-01-01", "startTime": "09:00", "endTime": "10:00"}]
    await create(client, alice, overrides=override)
    one, _ = await count_statements(app, lambda: client.get("/v2/schedules", headers=headers(alice)))
    for index in range(4):
        await create(client, alice, name=f"S{index}", overrides=override)
    five, response = await count_statements(app, lambda: client.get("/v2/schedules", headers=headers(alice)))
    assert len(response.json()["data"]) == 5
    assert all(len(s["availability"]) == 1 and len(s["overrides"]) == 1 for s in response.json()["data"])
    assert five == one


@BOTH_DATABASES
async def test_patch_me_default_schedule_and_time_zone(client, alice, bob):
    first = await create(client, alice)
    second = await create(client, alice, name="Second")
    bobs = await create(client, bob)
    response = await client.patch("/v2/me", json={"defaultScheduleId": second["id"]}, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["defaultScheduleId"] == second["id"]
    for foreign in (bobs["id"], 424242):
        response = await client.patch("/v2/me", json={"defaultScheduleId": foreign}, headers=alice.headers)
        assert_error(response, 400, "BadRequestException", f"defaultScheduleId {foreign} is not one of your schedules")
    assert (await client.get("/v2/me", headers=alice.headers)).json()["data"]["defaultScheduleId"] == second["id"]

    response = await client.patch("/v2/me", json={"timeZone": "Asia/Kathmandu"}, headers=alice.headers)
    assert response.status_code == 200
    got = {s["id"]: s["timeZone"] for s in (await client.get("/v2/schedules", headers=headers(alice))).json()["data"]}
    assert got == {first["id"]: "Europe/Rome", second["id"]: "Asia/Kathmandu"}  # only the default follows
    assert (await client.get(f"/v2/schedules/{bobs['id']}", headers=headers(bob))).json()["data"][
        "timeZone"
    ] == "Europe/Rome"


async def test_patch_me_time_zone_without_schedules(client, alice):
    response = await client.patch("/v2/me", json={"timeZone": "America/Denver"}, headers=alice.headers)
    assert response.status_code == 200
    assert response.json()["data"]["timeZone"] == "America/Denver"
