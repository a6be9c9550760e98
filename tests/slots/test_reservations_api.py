"""Slot reservations through HTTP: create, read, move, release; holds honoured by listing."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.conftest import BOTH_DATABASES
from tests.slots.conftest import NOW
from tests.slots.seed import add_bookings, give_schedule, make_event_type
from tests.slots.test_slots_api import V, at, starts, z

R = "/v2/slots/reservations"


def iso(value) -> str:
    return z(value)


@BOTH_DATABASES
async def test_reserve_read_move_release(app, client, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    created = await client.post(R, json={"eventTypeId": event_id, "slotStart": "2050-09-05T10:00:00Z"}, headers=V)
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    uid = data["reservationUid"]
    assert uuid.UUID(uid).version == 4
    assert data == {
        "eventTypeId": event_id,
        "slotStart": "2050-09-05T10:00:00.000Z",
        "slotEnd": "2050-09-05T10:30:00.000Z",
        "slotDuration": 30,
        "reservationUid": uid,
        "reservationDuration": 5,
        "reservationUntil": iso(NOW + timedelta(minutes=5)),
    }
    assert "set-cookie" not in created.headers  # 2024-09-04 knows no booker cookie

    read = await client.get(f"{R}/{uid}", headers=V)
    assert read.status_code == 200
    assert read.json()["data"] == {k: v for k, v in data.items() if k != "reservationDuration"}

    clock.now = NOW + timedelta(minutes=2)
    moved = await client.patch(
        f"{R}/{uid}", json={"eventTypeId": event_id, "slotStart": "2050-09-05T11:00:00Z"}, headers=V
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["data"]["slotStart"] == "2050-09-05T11:00:00.000Z"
    assert moved.json()["data"]["reservationUid"] == uid
    assert moved.json()["data"]["reservationUntil"] == iso(NOW + timedelta(minutes=7))  # re-timed from now

    released = await client.delete(f"{R}/{uid}", headers=V)
    assert released.status_code == 200
    assert released.json() == {"status": "success"}
    assert (await client.get(f"{R}/{uid}", headers=V)).json() == {"status": "success", "data": None}


async def test_unknown_reservation_uids(client, clock):
    got = await client.get(f"{R}/no-such-uid", headers=V)
    assert (got.status_code, got.json()) == (200, {"status": "success", "data": None})
    deleted = await client.delete(f"{R}/no-such-uid", headers=V)
    assert (deleted.status_code, deleted.json()) == (200, {"status": "success"})
    patched = await client.patch(
        f"{R}/no-such-uid", json={"eventTypeId": 1, "slotStart": "2050-09-05T10:00:00Z"}, headers=V
    )
    assert patched.status_code == 404
    assert patched.json()["error"]["message"] == "Slot with uid=no-such-uid not found"


@BOTH_DATABASES
async def test_a_hold_hides_the_slot_from_others_until_it_expires(app, client, stranger, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    other_event = await make_event_type(app, alice.id, slug="other")
    window = {"eventTypeId": event_id, "start": "2050-09-05", "end": "2050-09-05"}
    assert z(at(10)) in await starts(stranger, **window)
    created = await client.post(R, json={"eventTypeId": event_id, "slotStart": "2050-09-05T10:00:00Z"}, headers=V)
    assert created.status_code == 201

    seen_by_others = await starts(stranger, **window)
    assert z(at(10)) not in seen_by_others and z(at(9, 30)) in seen_by_others and z(at(10, 30)) in seen_by_others
    # The host is held, whichever of its event types is asked about.
    assert z(at(10)) not in await starts(stranger, **{**window, "eventTypeId": other_event})
    # 2024-09-04 sets no cookie: the hold hides the slot from its holder's listing too.
    assert z(at(10)) not in await starts(client, **window)

    clock.now = NOW + timedelta(minutes=4, seconds=59)
    assert z(at(10)) not in await starts(stranger, **window)  # not a moment early
    clock.now = NOW + timedelta(minutes=5)
    assert z(at(10)) in await starts(stranger, **window)


async def test_seat_hold_counts_as_one_seat(app, client, stranger, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id, seats_per_time_slot=2)
    assert (
        await client.post(R, json={"eventTypeId": event_id, "slotStart": "2050-09-05T10:00:00Z"}, headers=V)
    ).status_code == 201
    response = await stranger.get(
        "/v2/slots", params={"eventTypeId": event_id, "start": "2050-09-05", "end": "2050-09-05"}, headers=V
    )
    ten = next(s for s in response.json()["data"]["2050-09-05"] if s["start"] == z(at(10)))
    assert (ten["seatsBooked"], ten["seatsRemaining"]) == (1, 1)
    assert (
        await stranger.post(R, json={"eventTypeId": event_id, "slotStart": "2050-09-05T10:00:00Z"}, headers=V)
    ).status_code == 201
    third = await client.post(R, json={"eventTypeId": event_id, "slotStart": "2050-09-05T10:00:00Z"}, headers=V)
    assert third.status_code == 422


async def test_reservation_errors(app, client, stranger, alice, bob, clock):
    await give_schedule(app, alice.id)
    fixed = await make_event_type(app, alice.id)
    variable = await make_event_type(app, alice.id, slug="flex", length_in_minutes_options=[15, 30, 60])
    seated = await make_event_type(app, alice.id, slug="class", seats_per_time_slot=1)
    await add_bookings(app, alice.id, fixed, [(at(8), at(8, 30))])
    await add_bookings(app, alice.id, seated, [(at(8), at(8, 30))])

    async def post(http, body, headers=None):
        response = await http.post(R, json=body, headers={**V, **(headers or {})})
        return response.status_code, response.json()

    start = "2050-09-05T10:00:00Z"
    status, body = await post(stranger, {"eventTypeId": fixed, "slotStart": start, "reservationDuration": 30})
    assert status == 401
    assert body["error"]["message"] == (
        "reservationDuration can only be used for authenticated requests - use access token, api key or OAuth credentials"
    )
    status, body = await post(
        stranger, {"eventTypeId": fixed, "slotStart": start, "reservationDuration": 30}, bob.headers
    )
    assert status == 403
    status, body = await post(
        client, {"eventTypeId": fixed, "slotStart": "2050-09-05T13:00:00Z", "reservationDuration": 30}, alice.headers
    )
    assert status == 201
    assert body["data"]["reservationDuration"] == 30
    assert body["data"]["reservationUntil"] == iso(NOW + timedelta(minutes=30))

    status, body = await post(stranger, {"eventTypeId": 999999, "slotStart": start})
    assert (status, body["error"]["message"]) == (404, "Event Type with ID=999999 not found")
    status, body = await post(stranger, {"eventTypeId": fixed, "slotStart": start, "slotDuration": 60})
    assert (status, body["error"]["message"]) == (
        400,
        "You passed 'slotDuration' but this event type is not a variable length event type.",
    )
    status, body = await post(stranger, {"eventTypeId": variable, "slotStart": start, "slotDuration": 45})
    assert status == 400
    assert body["error"]["message"].startswith("Provided 'slotDuration' is not one of the possible lengths")
    status, body = await post(
        stranger, {"eventTypeId": variable, "slotStart": "2050-09-06T10:00:00Z", "slotDuration": 60}
    )
    assert (
        status == 201 and body["data"]["slotEnd"] == "2050-09-06T11:00:00.000Z" and body["data"]["slotDuration"] == 60
    )

    status, body = await post(stranger, {"eventTypeId": fixed, "slotStart": "2050-09-05T08:00:00Z"})
    assert (status, body["error"]["message"]) == (422, "Can't reserve a slot if the event is already booked.")
    status, body = await post(stranger, {"eventTypeId": seated, "slotStart": "2050-09-05T08:00:00Z"})
    assert status == 422 and body["error"]["code"] == "UnprocessableEntityException"

    assert (await post(client, {"eventTypeId": fixed, "slotStart": start}))[0] == 201
    status, body = await post(stranger, {"eventTypeId": fixed, "slotStart": "2050-09-05T10:15:00Z"})
    assert (status, body["error"]["message"]) == (
        422,
        "This time slot is already reserved by another user. Please choose a different time.",
    )
    status, body = await post(stranger, {"eventTypeId": fixed})
    assert status == 400 and "slotStart" in body["error"]["message"]


async def test_expired_holds_do_not_block_a_new_reservation(app, client, stranger, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    body = {"eventTypeId": event_id, "slotStart": "2050-09-05T10:00:00Z"}
    assert (await client.post(R, json=body, headers=V)).status_code == 201
    assert (await stranger.post(R, json=body, headers=V)).status_code == 422
    clock.now = NOW + timedelta(minutes=5)
    assert (await stranger.post(R, json=body, headers=V)).status_code == 201


async def test_a_2024_09_04_hold_hides_the_slot_even_from_a_client_that_sends_the_uid_cookie(app, client, alice, clock):
    """Only the legacy API exempts a holder by cookie; GET /v2/slots reads none, PATCH sets none."""
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    window = {"eventTypeId": event_id, "start": "2050-09-05", "end": "2050-09-05"}
    created = await client.post(R, json={"eventTypeId": event_id, "slotStart": "2050-09-05T10:00:00Z"}, headers=V)
    uid = created.json()["data"]["reservationUid"]
    client.cookies.set("uid", uid)
    assert z(at(10)) not in await starts(client, **window)
    moved = await client.patch(
        f"{R}/{uid}", json={"eventTypeId": event_id, "slotStart": "2050-09-05T11:00:00Z"}, headers=V
    )
    assert moved.status_code == 200 and "set-cookie" not in moved.headers
    listed = await starts(client, **window)
    assert z(at(11)) not in listed and z(at(10)) in listed
