"""API v1 /attendees: attendees of the caller's own bookings only (system admins: all)."""

from __future__ import annotations

import pytest

from tests.bookings.conftest import MONDAY, at, book, event_types, host_schedule, v2  # noqa: F401 - fixtures
from tests.v1.conftest import v1_error


async def test_attendee_crud_on_own_booking(api, client, alice, event_types):
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]
    listed = (await api.get(alice, "/attendees")).json()["attendees"]
    assert [(a["bookingId"], a["email"]) for a in listed] == [(booking["id"], "jane@example.com")]
    assert set(listed[0]) == {"id", "bookingId", "name", "email", "timeZone"}
    made = await api.post(
        alice,
        "/attendees",
        json={"bookingId": booking["id"], "email": "Extra@Example.com", "name": "Extra", "timeZone": "UTC"},
    )
    assert made.status_code == 200, made.text
    assert made.json()["message"] == "Attendee created successfully"
    extra = made.json()["attendee"]
    assert extra["email"] == "extra@example.com"
    # The row is one of the booking's attendees through v2 too.
    seen = (await client.get(f"/v2/bookings/{booking['uid']}", headers=v2(alice))).json()["data"]
    assert "extra@example.com" in [a["email"] for a in seen["attendees"]]
    assert (await api.get(alice, f"/attendees/{extra['id']}")).json() == {"attendee": extra}
    patched = await api.patch(alice, f"/attendees/{extra['id']}", json={"name": "Renamed"})
    assert patched.json()["attendee"]["name"] == "Renamed"
    v1_error(await api.patch(alice, f"/attendees/{extra['id']}", json={"bookingId": 1, "x": 1}), 400)
    deleted = await api.delete(alice, f"/attendees/{extra['id']}")
    assert deleted.json() == {"message": f"Attendee with id: {extra['id']} deleted successfully"}


async def test_other_users_attendees_are_invisible(api, client, alice, bob, admin, event_types):
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]
    [attendee] = (await api.get(alice, "/attendees")).json()["attendees"]
    assert (await api.get(bob, "/attendees")).json() == {"attendees": []}
    for response in (
        await api.get(bob, f"/attendees/{attendee['id']}"),
        await api.patch(bob, f"/attendees/{attendee['id']}", json={"name": "x"}),
        await api.delete(bob, f"/attendees/{attendee['id']}"),
    ):
        v1_error(response, 404, f"Attendee with id: {attendee['id']} not found")
    body = {"bookingId": booking["id"], "email": "spy@example.com", "name": "Spy", "timeZone": "UTC"}
    v1_error(await api.post(bob, "/attendees", json=body), 403, "Forbidden")
    v1_error(await api.post(bob, "/attendees", json={**body, "bookingId": 999999}), 403, "Forbidden")
    v1_error(await api.post(alice, "/attendees", json={**body, "timeZone": "Nowhere/Land"}), 400)
    assert [a["id"] for a in (await api.get(admin, "/attendees")).json()["attendees"]] == [attendee["id"]]
    assert (await api.get(admin, f"/attendees/{attendee['id']}")).status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"booking_max_guests": 2}])
async def test_attendees_per_booking_are_capped_by_the_guest_limit(api, client, alice, event_types):
    # The booker and CALAPI_BOOKING_MAX_GUESTS guests, as a booking made in one request may hold.
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]

    def body(n: int) -> dict[str, object]:
        return {"bookingId": booking["id"], "email": f"extra{n}@example.com", "name": f"Extra {n}", "timeZone": "UTC"}

    added = [await api.post(alice, "/attendees", json=body(n)) for n in (1, 2)]
    assert [r.status_code for r in added] == [200, 200], [r.text for r in added]
    v1_error(
        await api.post(alice, "/attendees", json=body(3)),
        400,
        f"Booking {booking['id']} has 3 attendees; at most 3 are allowed per booking "
        "(the booker and CALAPI_BOOKING_MAX_GUESTS guests).",
    )
    seen = (await client.get(f"/v2/bookings/{booking['uid']}", headers=v2(alice))).json()["data"]
    assert len(seen["attendees"]) == 3
    # A freed place can be taken again.
    await api.delete(alice, f"/attendees/{added[0].json()['attendee']['id']}")
    assert (await api.post(alice, "/attendees", json=body(3))).status_code == 200
