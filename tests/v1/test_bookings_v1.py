"""API v1 /bookings over the same services as v2: create (bare), list, get, patch, cancel, confirm."""

from __future__ import annotations

from tests.bookings.conftest import MONDAY, at, book, event_types, host_schedule, v2  # noqa: F401 - fixtures
from tests.v1.conftest import v1_error

BOOKING_FIELDS = {
    "id",
    "userId",
    "description",
    "eventTypeId",
    "uid",
    "title",
    "startTime",
    "endTime",
    "attendees",
    "user",
    "payment",
    "metadata",
    "status",
    "responses",
    "fromReschedule",
    "cancelledBy",
    "rescheduledBy",
    "createdAt",
}


def body_for(event_type_id, start, **extra):
    return {
        "eventTypeId": event_type_id,
        "start": start,
        "timeZone": "Europe/Rome",
        "language": "it",
        "metadata": {},
        "responses": {"name": "Jane Booker", "email": "jane@example.com"},
        **extra,
    }


async def _book(api, user, event_type_id, start, **extra):
    response = await api.post(user, "/bookings", json=body_for(event_type_id, start, **extra))
    assert response.status_code == 200, response.text
    return response.json()


async def test_create_returns_the_bare_booking_and_v2_reads_it(api, client, alice, event_types):
    booking = await _book(api, alice, event_types.regular, at(MONDAY, "10:00"), metadata={"crm": "42"}, title="dropped")
    assert set(booking) == BOOKING_FIELDS  # no "booking" key around it
    assert (booking["startTime"], booking["endTime"], booking["status"]) == (
        at(MONDAY, "10:00"),
        at(MONDAY, "10:30"),
        "ACCEPTED",
    )
    assert booking["userId"] == alice.id and booking["eventTypeId"] == event_types.regular
    assert booking["metadata"] == {"crm": "42"}
    [attendee] = booking["attendees"]
    assert {k: attendee[k] for k in ("email", "name", "timeZone", "locale")} == {
        "email": "jane@example.com",
        "name": "Jane Booker",
        "timeZone": "Europe/Rome",
        "locale": "it",
    }
    assert booking["user"] == {"email": alice.email, "name": "Alice", "timeZone": "Europe/London", "locale": "en"}
    seen = (await client.get(f"/v2/bookings/{booking['uid']}", headers=v2(alice))).json()["data"]
    assert (seen["id"], seen["start"], seen["end"], seen["status"]) == (
        booking["id"],
        booking["startTime"],
        booking["endTime"],
        "accepted",
    )
    assert seen["attendees"][0]["email"] == "jane@example.com"


async def test_a_v2_booking_reads_the_same_through_v1(api, alice, event_types):
    made = (await book(alice and api.client, event_types.regular, at(MONDAY, "11:00"))).json()["data"]
    got = await api.get(alice, f"/bookings/{made['id']}")
    assert got.status_code == 200
    booking = got.json()["booking"]
    assert (booking["uid"], booking["startTime"], booking["endTime"]) == (made["uid"], made["start"], made["end"])
    assert booking["attendees"][0]["email"] == made["attendees"][0]["email"]


async def test_create_refusals_use_the_booking_rules(api, alice, event_types):
    await _book(api, alice, event_types.regular, at(MONDAY, "10:00"))
    taken = await api.post(alice, "/bookings", json=body_for(event_types.regular, at(MONDAY, "10:00")))
    assert taken.status_code in (400, 409) and set(taken.json()) == {"message", "data"}
    v1_error(
        await api.post(alice, "/bookings", json=body_for(999999, at(MONDAY, "12:00"))),
        400,
        "event_type_not_found_error",
    )
    v1_error(
        await api.post(alice, "/bookings", json=body_for("5", at(MONDAY, "12:00"))),
        400,
        "custom in 'eventTypeId': Bad request, eventTypeId must be a number",
    )
    v1_error(
        await api.post(alice, "/bookings", json=body_for(event_types.regular, at(MONDAY, "12:00"), metadata={"n": 1})),
        400,
    )
    legacy_and_new = body_for(event_types.regular, at(MONDAY, "12:00"), name="X", email="x@example.com")
    v1_error(
        await api.post(alice, "/bookings", json=legacy_and_new),
        400,
        "Legacy Props: name,email,location,guests,notes. They can't be used with `responses`",
    )


async def test_legacy_top_level_attendee_props_are_accepted(api, alice, event_types):
    body = body_for(event_types.regular, at(MONDAY, "13:00"))
    del body["responses"]
    body |= {"name": "Old Client", "email": "old@example.com"}
    booking = (await api.post(alice, "/bookings", json=body)).json()
    assert booking["attendees"][0]["email"] == "old@example.com"


async def test_list_pages_only_with_take_and_page(api, alice, event_types):
    ids = [(await _book(api, alice, event_types.regular, at(MONDAY, f"{h}:00")))["id"] for h in (10, 11, 12)]
    everything = await api.get(alice, "/bookings")
    assert everything.status_code == 200 and [b["id"] for b in everything.json()["bookings"]] == ids
    assert [b["id"] for b in (await api.get(alice, "/bookings", params={"take": 2})).json()["bookings"]] == ids
    second = await api.get(alice, "/bookings", params={"take": 2, "page": 2})
    assert [b["id"] for b in second.json()["bookings"]] == ids[2:]
    newest = await api.get(alice, "/bookings", params={"sortBy": "createdAt", "order": "desc"})
    assert [b["id"] for b in newest.json()["bookings"]] == ids[::-1]
    window = await api.get(alice, "/bookings", params={"dateFrom": at(MONDAY, "10:30"), "dateTo": at(MONDAY, "12:30")})
    assert [b["id"] for b in window.json()["bookings"]] == ids[1:]
    assert (await api.get(alice, "/bookings", params={"attendeeEmail": "JANE@example.com"})).json()["bookings"][0][
        "id"
    ] == ids[0]


async def test_bad_pagination_is_the_400_catch_all(api, alice):
    response = await api.get(alice, "/bookings", params={"take": 0, "page": 1})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "error"} and "take" in body["message"]


async def test_other_users_bookings_are_invisible(api, alice, bob, event_types):
    booking = await _book(api, alice, event_types.regular, at(MONDAY, "10:00"))
    v1_error(await api.get(bob, f"/bookings/{booking['id']}"), 403, "You are not authorized")
    v1_error(await api.get(bob, "/bookings/999999"), 403, "You are not authorized")
    v1_error(await api.patch(bob, f"/bookings/{booking['id']}", json={"status": "CANCELLED"}), 403)
    v1_error(await api.delete(bob, f"/bookings/{booking['id']}"), 403)
    refused = await api.delete(bob, f"/bookings/{booking['id']}/cancel")
    assert (
        refused.status_code == 400
        and refused.json()["message"] == "You are not authorized"
        and "error" in refused.json()
    )
    # A non-admin's userId is ignored: bob still sees only his own (none).
    assert (await api.get(bob, "/bookings", params={"userId": alice.id})).json() == {"bookings": []}
    assert (await api.get(alice, f"/bookings/{booking['id']}")).json()["booking"]["status"] == "ACCEPTED"


async def test_admin_sees_all_and_filters_by_user(api, alice, bob, admin, event_types):
    booking = await _book(api, alice, event_types.regular, at(MONDAY, "10:00"))
    assert [b["id"] for b in (await api.get(admin, "/bookings")).json()["bookings"]] == [booking["id"]]
    assert (await api.get(admin, "/bookings", params={"userId": bob.id})).json() == {"bookings": []}
    assert (await api.get(admin, "/bookings", params={"userId": alice.id})).json()["bookings"][0]["id"] == booking["id"]
    assert (await api.get(admin, f"/bookings/{booking['id']}")).status_code == 200
    v1_error(await api.get(admin, "/bookings/999999"), 404)


async def test_patch_start_time_reschedules_through_the_lifecycle(api, client, alice, event_types):
    booking = await _book(api, alice, event_types.regular, at(MONDAY, "10:00"))
    v1_error(
        await api.patch(alice, f"/bookings/{booking['id']}", json={"start": at(MONDAY, "14:00")}),
        400,
        "Unrecognized key(s) in object: 'start'",
    )
    moved = await api.patch(
        alice, f"/bookings/{booking['id']}", json={"startTime": at(MONDAY, "14:00"), "endTime": at(MONDAY, "14:30")}
    )
    assert moved.status_code == 200, moved.text
    new = moved.json()["booking"]
    assert (new["startTime"], new["endTime"], new["fromReschedule"]) == (
        at(MONDAY, "14:00"),
        at(MONDAY, "14:30"),
        booking["uid"],
    )
    old = (await api.get(alice, f"/bookings/{booking['id']}")).json()["booking"]
    assert old["status"] == "CANCELLED"
    # The freed 10:00 is bookable again, through v2.
    assert (await book(client, event_types.regular, at(MONDAY, "10:00"))).status_code == 201
    v1_error(await api.patch(alice, f"/bookings/{new['id']}", json={"eventTypeId": event_types.regular}), 400)


async def test_patch_title_and_description_as_cal_com_v1(api, client, alice, bob, event_types):
    booking = await _book(api, alice, event_types.regular, at(MONDAY, "10:00"))
    renamed = await api.patch(
        alice, f"/bookings/{booking['id']}", json={"title": "Renamed", "description": "Bring slides"}
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["booking"]["title"], renamed.json()["booking"]["description"]) == ("Renamed", "Bring slides")
    got = (await api.get(alice, f"/bookings/{booking['id']}")).json()["booking"]
    assert (got["title"], got["description"]) == ("Renamed", "Bring slides")
    v2_view = (await client.get(f"/v2/bookings/{booking['uid']}", headers={"cal-api-version": "2024-08-13"})).json()[
        "data"
    ]
    assert (v2_view["title"], v2_view["description"]) == ("Renamed", "Bring slides")
    # With a new time: the rescheduled booking carries the new title.
    moved = await api.patch(
        alice, f"/bookings/{booking['id']}", json={"title": "Moved", "startTime": at(MONDAY, "14:00")}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["booking"]["title"] == "Moved" and moved.json()["booking"]["id"] != booking["id"]
    v1_error(await api.patch(bob, f"/bookings/{booking['id']}", json={"title": "Mine now"}), 403)
    v1_error(await api.patch(alice, f"/bookings/{booking['id']}", json={"title": ""}), 400)
    v1_error(await api.patch(alice, f"/bookings/{booking['id']}", json={"title": "x" * 513}), 400)


async def test_cancel_via_delete_and_cancel_route(api, alice, event_types):
    first = await _book(api, alice, event_types.regular, at(MONDAY, "10:00"))
    second = await _book(api, alice, event_types.regular, at(MONDAY, "11:00"))
    response = await api.delete(alice, f"/bookings/{first['id']}", params={"cancellationReason": "ill"})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Booking successfully cancelled.",
        "onlyRemovedAttendee": False,
        "bookingId": first["id"],
        "bookingUid": first["uid"],
        "isPlatformManagedUserBooking": False,
    }
    assert (await api.get(alice, f"/bookings/{first['id']}")).json()["booking"]["status"] == "CANCELLED"
    assert (await api.delete(alice, f"/bookings/{second['id']}/cancel")).json()["bookingId"] == second["id"]
    again = await api.delete(alice, f"/bookings/{second['id']}/cancel")
    assert again.status_code == 400 and set(again.json()) == {"message", "data"}


async def test_confirm_and_patch_status(api, alice, event_types):
    pending = await _book(api, alice, event_types.confirm, at(MONDAY, "10:00"))
    assert pending["status"] == "PENDING"
    confirmed = await api.post(alice, f"/bookings/{pending['id']}/confirm", json={"confirmed": True})
    assert confirmed.json() == {"message": "Booking confirmed", "status": "ACCEPTED"}
    other = await _book(api, alice, event_types.confirm, at(MONDAY, "12:00"))
    declined = await api.patch(alice, f"/bookings/{other['id']}", json={"status": "REJECTED"})
    assert declined.status_code == 200 and declined.json()["booking"]["status"] == "REJECTED"
