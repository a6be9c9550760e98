"""API v1 /slots and /availability: the v2 slot engine's answers in v1's shapes; free/busy only."""

from __future__ import annotations

from tests.bookings.conftest import MONDAY, at, book, event_types, host_schedule  # noqa: F401 - fixtures
from tests.v1.conftest import v1_error


async def test_slots_in_utc_and_in_a_zone(api, client, alice, event_types):
    params = {"eventTypeId": event_types.regular, "startTime": MONDAY, "endTime": "2050-09-06"}
    utc = await api.get(alice, "/slots", params=params)
    assert utc.status_code == 200, utc.text
    day = utc.json()["slots"][MONDAY]
    assert day[0] == {"time": at(MONDAY, "09:00")} and day[-1] == {"time": at(MONDAY, "16:30")} and len(day) == 16
    # The same engine as v2: a booking removes its slot from both.
    assert (await book(client, event_types.regular, at(MONDAY, "10:00"))).status_code == 201
    again = (await api.get(alice, "/slots", params=params)).json()["slots"][MONDAY]
    assert {"time": at(MONDAY, "10:00")} not in again and len(again) == 15
    v2_slots = (
        await client.get(
            "/v2/slots",
            params={"eventTypeId": event_types.regular, "start": MONDAY, "end": "2050-09-05T23:59:59Z"},
            headers={"cal-api-version": "2024-09-04"},
        )
    ).json()["data"][MONDAY]
    assert [s["start"] for s in v2_slots] == [s["time"] for s in again]
    rome = (await api.get(alice, "/slots", params={**params, "timeZone": "Europe/Rome"})).json()["slots"]
    assert rome[MONDAY][0] == {"time": "2050-09-05T11:00:00+02:00"}
    by_name = await api.get(
        alice,
        "/slots",
        params={"usernameList": "alice", "eventTypeSlug": "regular", "startTime": MONDAY, "endTime": "2050-09-06"},
    )
    assert by_name.json()["slots"][MONDAY] == again


async def test_slots_bad_input(api, alice, event_types):
    v1_error(
        await api.get(alice, "/slots", params={"startTime": MONDAY, "endTime": "2050-09-06"}),
        400,
        "You need to either pass an eventTypeId OR an usernameList/eventTypeSlug combination",
    )
    v1_error(
        await api.get(
            alice, "/slots", params={"eventTypeId": event_types.regular, "startTime": "soon", "endTime": "2050-09-06"}
        ),
        400,
        "startTime must be a valid date string",
    )
    v1_error(
        await api.get(
            alice, "/slots", params={"eventTypeId": event_types.regular, "startTime": "2050-09-06", "endTime": MONDAY}
        ),
        400,
        "endTime must be after startTime",
    )
    v1_error(
        await api.get(alice, "/slots", params={"eventTypeId": 999999, "startTime": MONDAY, "endTime": "2050-09-06"}),
        404,
    )


async def test_availability_is_free_busy_with_working_hours_in_minutes(api, client, alice, bob, event_types):
    await book(client, event_types.regular, at(MONDAY, "10:00"))
    response = await api.get(
        bob, "/availability", params={"userId": alice.id, "dateFrom": MONDAY, "dateTo": "2050-09-06"}
    )
    assert response.status_code == 200, response.text
    body = response.json()  # bare object, no envelope
    assert set(body) == {
        "busy",
        "timeZone",
        "dateRanges",
        "oooExcludedDateRanges",
        "workingHours",
        "dateOverrides",
        "currentSeats",
        "datesOutOfOffice",
    }
    assert body["busy"] == [{"start": at(MONDAY, "10:00"), "end": at(MONDAY, "10:30")}]  # no title: free/busy only
    assert body["timeZone"] == "UTC"
    assert body["workingHours"] == [{"days": [1, 2, 3, 4, 5], "startTime": 540, "endTime": 1020}]
    assert body["dateRanges"] == [{"start": at(MONDAY, "09:00"), "end": at(MONDAY, "17:00")}]
    by_name = await api.get(
        bob, "/availability", params={"username": "alice", "dateFrom": MONDAY, "dateTo": "2050-09-06"}
    )
    assert by_name.json() == body
    assert (
        await api.get(bob, f"/users/{alice.id}/availability", params={"dateFrom": MONDAY, "dateTo": "2050-09-06"})
    ).json() == body


async def test_availability_errors_and_team_queries(api, alice, bob, event_types):
    v1_error(
        await api.get(alice, "/availability", params={"dateFrom": MONDAY, "dateTo": "2050-09-06"}),
        400,
        "Either username or userId or teamId should be filled in.",
    )
    v1_error(
        await api.get(alice, "/availability", params={"userId": alice.id, "dateTo": "2050-09-06"}),
        400,
        "invalid_type in 'dateFrom': Required",
    )
    v1_error(
        await api.get(alice, "/availability", params={"userId": 999999, "dateFrom": MONDAY, "dateTo": "2050-09-06"}),
        404,
        "User not found",
    )
    team = (await api.post(alice, "/teams", json={"name": "Sales"})).json()["team"]
    query = {"teamId": team["id"], "dateFrom": MONDAY, "dateTo": "2050-09-06"}
    v1_error(await api.get(bob, "/availability", params=query), 403, "Forbidden")
    members = (await api.get(alice, "/availability", params=query)).json()
    assert [m["userId"] for m in members] == [alice.id]
    assert members[0]["availability"]["workingHours"] == [{"days": [1, 2, 3, 4, 5], "startTime": 540, "endTime": 1020}]
    window = {"dateFrom": MONDAY, "dateTo": "2050-09-06"}
    assert (await api.get(alice, f"/teams/{team['id']}/availability", params=window)).json() == members
    v1_error(await api.get(bob, f"/teams/{team['id']}/availability", params=window), 403, "Forbidden")
    v1_error(await api.get(alice, "/availability", params={**query, "teamId": 999999}), 404, "teamId not found")


async def test_working_hours_shift_to_utc(api, client, bob):
    schedule = await api.post(bob, "/schedules", json={"name": "NY", "timeZone": "America/New_York"})
    assert schedule.status_code == 200
    hours = (
        await api.get(bob, "/availability", params={"userId": bob.id, "dateFrom": "2050-01-10", "dateTo": "2050-01-11"})
    ).json()["workingHours"]
    # 09:00–17:00 New York in January is 14:00–22:00 UTC.
    assert hours == [{"days": [1, 2, 3, 4, 5], "startTime": 840, "endTime": 1320}]
