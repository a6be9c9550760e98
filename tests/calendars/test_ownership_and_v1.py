"""Two users cannot see or use each other's connections, calendars or references (v1 and v2), and
the v1 routes answer in v1's shapes over the same services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from calapi.calendars.models import BookingReference
from tests.bookings.conftest import BOOKINGS_VERSION, MONDAY, at, book, v2
from tests.calendars.conftest import CALDAV_USERS, Radicale
from tests.v1.conftest import V1, v1_error


async def connect(client: Any, user: Any, radicale: Radicale, account: str) -> dict[str, Any]:
    body = {"url": radicale.url(account), "username": account, "password": CALDAV_USERS[account]}
    response = await client.post("/v2/calendars/caldav/credentials", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    return (await client.get("/v2/calendars", headers=user.headers)).json()["data"]["connectedCalendars"][0]


async def test_another_users_connection_calendar_and_references_answer_404(
    client, app, alice, bob, radicale, event_types
):
    [work] = await radicale.reset("alice", "Work")
    await radicale.reset("bob", "Bob")
    mine = await connect(client, alice, radicale, "alice")
    await connect(client, bob, radicale, "bob")
    credential = mine["credentialId"]
    api = V1(client)

    # v2: bob names alice's credential and calendar
    selected = await client.post(
        "/v2/selected-calendars",
        json={"integration": "caldav_calendar", "externalId": work, "credentialId": credential},
        headers=bob.headers,
    )
    assert selected.status_code == 404, selected.text
    unselect = await client.delete(
        "/v2/selected-calendars",
        params={"integration": "caldav_calendar", "externalId": work, "credentialId": credential},
        headers=bob.headers,
    )
    assert unselect.status_code == 404
    destination = await client.put(
        "/v2/destination-calendars", json={"integration": "caldav_calendar", "externalId": work}, headers=bob.headers
    )
    assert destination.status_code == 404
    disconnect = await client.post("/v2/calendars/caldav/disconnect", json={"id": credential}, headers=bob.headers)
    assert disconnect.status_code == 404
    busy = await client.get(
        "/v2/calendars/busy-times",
        params={
            "timeZone": "UTC",
            "dateFrom": "2050-09-05",
            "dateTo": "2050-09-06",
            "calendarsToLoad[0][credentialId]": str(credential),
            "calendarsToLoad[0][externalId]": work,
        },
        headers=bob.headers,
    )
    assert busy.status_code == 401 and busy.json()["error"]["message"] == "These credentials do not belong to you"
    listed = (await client.get("/v2/calendars", headers=bob.headers)).json()["data"]["connectedCalendars"]
    assert [c["credentialId"] for c in listed] != [credential]

    # a reference on alice's booking, made through v1
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]
    made = await api.post(
        alice, "/booking-references", json={"bookingId": booking["id"], "type": "caldav_calendar", "uid": "x@y"}
    )
    assert made.status_code == 200, made.text
    reference = made.json()["booking_reference"]
    assert made.json()["message"] == "Booking reference created successfully"
    refused = await client.get(f"/v2/bookings/{booking['uid']}/references", headers=v2(bob, BOOKINGS_VERSION))
    assert refused.status_code == 404
    v1_error(await api.get(bob, f"/booking-references/{reference['id']}"), 404)
    v1_error(await api.patch(bob, f"/booking-references/{reference['id']}", json={"uid": "z"}), 404)
    v1_error(await api.delete(bob, f"/booking-references/{reference['id']}"), 404)
    v1_error(
        await api.post(bob, "/booking-references", json={"bookingId": booking["id"], "type": "t", "uid": "u"}), 404
    )
    assert (await api.get(bob, "/booking-references")).json() == {"booking_references": []}

    # v1 selected and destination calendars of alice, by id
    selected_id = f"{alice.id}_caldav_calendar_{work}"
    v1_error(await api.get(bob, f"/selected-calendars/{selected_id}"), 404)
    v1_error(await api.delete(bob, f"/selected-calendars/{selected_id}"), 404)
    [alice_destination] = (await api.get(alice, "/destination-calendars")).json()["destinationCalendars"]
    v1_error(await api.get(bob, f"/destination-calendars/{alice_destination['id']}"), 404)
    v1_error(await api.delete(bob, f"/destination-calendars/{alice_destination['id']}"), 404)
    connected = (await api.get(bob, "/connected-calendars")).json()
    assert [c["userId"] for c in connected] == [bob.id]

    # alice's rows are untouched
    assert (await api.get(alice, f"/selected-calendars/{selected_id}")).status_code == 200
    assert (await api.get(alice, f"/booking-references/{reference['id']}")).json()["booking_reference"]["uid"] == "x@y"


async def test_v1_routes_in_v1_shapes(client, app, alice, admin, bob, radicale, event_types):
    [work, home] = await radicale.reset("alice", "Work", "Home")
    connection = await connect(client, alice, radicale, "alice")
    api = V1(client)

    # selected calendars: the primary was selected on connect; add the other
    [first] = (await api.get(alice, "/selected-calendars")).json()["selected_calendars"]
    assert first == {
        "userId": alice.id,
        "integration": "caldav_calendar",
        "externalId": first["externalId"],
        "credentialId": connection["credentialId"],
        "eventTypeId": None,
    }
    other = home if first["externalId"] == work else work
    created = await api.post(alice, "/selected-calendars", json={"integration": "caldav_calendar", "externalId": other})
    assert created.status_code == 200, created.text
    assert created.json()["message"] == "Selected Calendar created successfully"
    v1_error(
        await api.post(
            alice, "/selected-calendars", json={"integration": "caldav_calendar", "externalId": other, "userId": bob.id}
        ),
        403,
        "ADMIN required for userId",
    )
    one_id = f"{alice.id}_caldav_calendar_{other}"
    assert (await api.get(alice, f"/selected-calendars/{one_id}")).json()["selected_calendar"]["externalId"] == other
    deleted = await api.delete(alice, f"/selected-calendars/{one_id}")
    assert deleted.json() == {"message": f"Selected Calendar with id: {one_id} deleted successfully"}
    v1_error(
        await api.get(alice, f"/selected-calendars/{one_id}"), 404, f"Selected calendar with id: {one_id} not found"
    )
    v1_error(await api.get(alice, "/selected-calendars/me_google_calendar_x"), 400, "userId is not a number")
    v1_error(await api.get(alice, "/selected-calendars/5_"), 400, "Missing integration")
    v1_error(await api.get(alice, "/selected-calendars/5_google"), 400, "Missing externalId")
    admin_view = (await api.get(admin, "/selected-calendars", params={"userId": alice.id})).json()
    assert len(admin_view["selected_calendars"]) == 1
    v1_error(await api.get(alice, "/selected-calendars", params={"userId": bob.id}), 403, "ADMIN required")

    # destination calendars
    v1_error(await api.get(alice, "/destination-calendars", params={"userId": bob.id}), 401, "ADMIN required")
    [destination] = (await api.get(alice, "/destination-calendars")).json()["destinationCalendars"]
    assert destination["userId"] == alice.id and destination["eventTypeId"] is None
    patched = await api.patch(
        alice,
        f"/destination-calendars/{destination['id']}",
        json={"integration": "caldav_calendar", "externalId": other},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["destinationCalendar"]["externalId"] == other
    v1_error(
        await api.patch(alice, f"/destination-calendars/{destination['id']}", json={"integration": "caldav_calendar"}),
        400,
        "External Id is required with integration value",
    )
    v1_error(
        await api.post(
            alice,
            "/destination-calendars",
            json={"integration": "caldav_calendar", "externalId": work, "userId": alice.id},
        ),
        401,
        "ADMIN required for `userId`",
    )
    v1_error(
        await api.post(admin, "/destination-calendars", json={"integration": "caldav_calendar", "externalId": work}),
        400,
        "`userId` required",
    )
    v1_error(
        await api.post(alice, "/destination-calendars", json={"integration": "caldav_calendar", "externalId": "nope"}),
        400,
        "Bad request, credential id invalid",
    )
    removed = await api.delete(alice, f"/destination-calendars/{destination['id']}")
    assert removed.json() == {"message": "OK, Destination Calendar removed successfully"}
    assert (await api.get(alice, "/destination-calendars")).json() == {"destinationCalendars": []}

    # connected calendars: a bare array
    connected = (await api.get(alice, "/connected-calendars")).json()
    assert isinstance(connected, list) and len(connected) == 1
    assert connected[0]["integration"] == "caldav_calendar" and connected[0]["appId"] == "caldav-calendar"
    assert {c["externalId"] for c in connected[0]["calendars"]} == {work, home}
    v1_error(await api.get(alice, "/connected-calendars", params={"userId": bob.id}), 403, "ADMIN required")
    assert (await api.get(admin, "/connected-calendars", params={"userId": bob.id})).json() == []

    # booking references: create, read, patch, list, delete
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]
    made = await api.post(
        alice,
        "/booking-references",
        json={"bookingId": booking["id"], "type": "zoom_video", "uid": "z1", "meetingUrl": "https://example.com/z1"},
    )
    reference = made.json()["booking_reference"]
    assert reference == {
        "id": reference["id"],
        "type": "zoom_video",
        "uid": "z1",
        "meetingId": None,
        "meetingPassword": None,
        "meetingUrl": "https://example.com/z1",
        "bookingId": booking["id"],
        "externalCalendarId": None,
        "deleted": None,
        "credentialId": None,
    }
    strict = await api.post(
        alice, "/booking-references", json={"bookingId": booking["id"], "type": "t", "uid": "u", "x": 1}
    )
    assert strict.status_code == 400
    patched = await api.patch(alice, f"/booking-references/{reference['id']}", json={"meetingId": "m-9"})
    assert patched.json()["booking_reference"]["meetingId"] == "m-9"
    assert [r["id"] for r in (await api.get(alice, "/booking-references")).json()["booking_references"]] == [
        reference["id"]
    ]
    gone = await api.delete(alice, f"/booking-references/{reference['id']}")
    assert gone.json() == {"message": f"BookingReference with id: {reference['id']} deleted"}
    async with app.state.sessionmaker() as session:
        assert (await session.scalars(select(BookingReference))).all() == []
