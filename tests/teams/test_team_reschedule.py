"""POST /v2/bookings/{uid}/reschedule for team bookings: every collective and mandatory host is checked
at the new time (the booking's own time freed), co-hosts move with the booking, and a round-robin
booking keeps its host when free, else the round-robin rule picks another. A seat of a seated team
booking moves the same way: checked against every host, hosts carried to the new meeting.

Every host works Monday–Friday 09:00–17:00 UTC; Monday 2050-09-05.
"""

from __future__ import annotations

from typing import Any

from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, v2
from tests.conftest import BOTH_DATABASES
from tests.teams.team_booking_helpers import team_event, team_of

TEAM_BUSY = "One of the hosts either already has booking at this time or is not available"
SLOTS = {"cal-api-version": "2024-09-04"}


async def personal_event(client, user: Any) -> int:
    response = await client.post(
        "/v2/event-types",
        json={"title": "Solo", "slug": "solo", "lengthInMinutes": 30, "minimumBookingNotice": 0},
        headers=v2(user, "2024-06-14"),
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


async def reschedule(client, uid: str, clock: str):
    return await client.post(f"/v2/bookings/{uid}/reschedule", json={"start": at(MONDAY, clock)}, headers=v2())


async def monday_starts(client, event_type_id: int) -> list[str]:
    response = await client.get(
        "/v2/slots", params={"eventTypeId": event_type_id, "start": MONDAY, "end": MONDAY}, headers=SLOTS
    )
    assert response.status_code == 200, response.text
    return [s["start"] for s in response.json()["data"].get(MONDAY, [])]


async def booked(client, event_type_id: int, clock: str) -> dict:
    response = await book(client, event_type_id, at(MONDAY, clock))
    assert response.status_code == 201, response.text
    return response.json()["data"]


@BOTH_DATABASES
async def test_a_collective_reschedule_checks_every_co_host_and_moves_them(app, client, alice, database_url):
    team_id, (owner, bob) = await team_of(app, client, alice, ["bob"])
    panel = await team_event(client, alice, team_id, "panel", "collective", [{"userId": owner.id}, {"userId": bob.id}])
    bobs_own = await personal_event(client, bob)
    original = await booked(client, panel, "10:00")
    await booked(client, bobs_own, "14:00")  # bob (a co-host, not the organizer) is busy at 14:00

    refused = await reschedule(client, original["uid"], "14:00")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["message"] == TEAM_BUSY
    assert at(MONDAY, "10:00") not in await monday_starts(client, bobs_own)  # nothing changed

    moved = await reschedule(client, original["uid"], "15:00")
    assert moved.status_code == 201, moved.text
    new = moved.json()["data"]
    assert [h["id"] for h in new["hosts"]] == [owner.id]
    assert [a["email"] for a in new["attendees"]] == [ATTENDEE["email"], bob.email]
    # bob's old time is free again and the new time is his busy time, for his own event type too.
    starts = await monday_starts(client, bobs_own)
    assert at(MONDAY, "10:00") in starts and at(MONDAY, "15:00") not in starts and at(MONDAY, "14:00") not in starts
    team_starts = await monday_starts(client, panel)
    assert at(MONDAY, "10:00") in team_starts and at(MONDAY, "15:00") not in team_starts
    # The moved booking holds bob at 15:00 for other team bookings: the same slot is refused.
    again = await book(client, panel, at(MONDAY, "15:00"))
    assert again.status_code == 409 and again.json()["error"]["message"] == TEAM_BUSY


@BOTH_DATABASES
async def test_a_round_robin_reschedule_keeps_a_free_host_else_picks_again(app, client, alice, database_url):
    team_id, (owner, bob, carol) = await team_of(app, client, alice, ["bob", "carol"])
    hosts = [{"userId": owner.id}, {"userId": bob.id}, {"userId": carol.id, "mandatory": True}]
    demo = await team_event(client, alice, team_id, "demo", "roundRobin", hosts)
    first = await booked(client, demo, "10:00")
    host_id = first["hosts"][0]["id"]
    other = bob if host_id == owner.id else owner
    host = owner if host_id == owner.id else bob
    assert carol.email in [a["email"] for a in first["attendees"]]  # the mandatory host

    kept = await reschedule(client, first["uid"], "11:00")
    assert kept.status_code == 201, kept.text
    kept_data = kept.json()["data"]
    assert kept_data["hosts"][0]["id"] == host.id

    await booked(client, await personal_event(client, host), "13:00")
    switched = await reschedule(client, kept_data["uid"], "13:00")
    assert switched.status_code == 201, switched.text
    data = switched.json()["data"]
    assert data["hosts"][0]["id"] == other.id
    assert data["title"] == f"Demo between {data['hosts'][0]['name']} and {ATTENDEE['name']}" != kept_data["title"]
    assert carol.email in [a["email"] for a in data["attendees"]]

    # carol, the mandatory host, moved with the booking: busy at 13:00, free at 10:00 and 11:00.
    carols_own = await personal_event(client, carol)
    carols_starts = await monday_starts(client, carols_own)
    assert at(MONDAY, "13:00") not in carols_starts
    assert at(MONDAY, "10:00") in carols_starts and at(MONDAY, "11:00") in carols_starts

    # A mandatory host busy at the new time refuses the move, whoever else is free.
    carol_busy = await book(client, demo, at(MONDAY, "15:00"))  # carol (mandatory) is now busy at 15:00
    assert carol_busy.status_code == 201, carol_busy.text
    refused = await reschedule(client, data["uid"], "15:00")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["message"] == TEAM_BUSY


@BOTH_DATABASES
async def test_a_seated_collective_reschedule_checks_every_co_host_and_moves_them(app, client, alice, database_url):
    team_id, (owner, bob) = await team_of(app, client, alice, ["bob"])
    seats = {"seatsPerTimeSlot": 3, "showAttendeeInfo": True, "showAvailabilityCount": True}
    panel = await team_event(
        client, alice, team_id, "panel", "collective", [{"userId": owner.id}, {"userId": bob.id}], seats=seats
    )
    bobs_own = await personal_event(client, bob)
    original = await booked(client, panel, "10:00")
    assert [a["email"] for a in original["attendees"]] == [ATTENDEE["email"], bob.email]
    await booked(client, bobs_own, "14:00")  # bob (a co-host, not the organizer) is busy at 14:00

    move = {"seatUid": original["seatUid"]}
    refused = await client.post(
        f"/v2/bookings/{original['uid']}/reschedule", json={"start": at(MONDAY, "14:00"), **move}, headers=v2()
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["message"] == TEAM_BUSY
    assert at(MONDAY, "10:00") not in await monday_starts(client, bobs_own)  # nothing changed

    moved = await client.post(
        f"/v2/bookings/{original['uid']}/reschedule", json={"start": at(MONDAY, "15:00"), **move}, headers=v2()
    )
    assert moved.status_code == 201, moved.text
    new = (await client.get(f"/v2/bookings/{moved.json()['data']['uid']}", headers=v2(owner))).json()["data"]
    assert new["start"] == at(MONDAY, "15:00") and new["status"] == "accepted"
    assert [h["id"] for h in new["hosts"]] == [owner.id]
    assert sorted(a["email"] for a in new["attendees"]) == sorted([ATTENDEE["email"], bob.email])
    old = (await client.get(f"/v2/bookings/{original['uid']}", headers=v2(owner))).json()["data"]
    assert old["status"] == "cancelled"  # its only seat left
    # bob moved with the meeting: free at 10:00 again, busy at 15:00, for his own event type too.
    starts = await monday_starts(client, bobs_own)
    assert at(MONDAY, "10:00") in starts and at(MONDAY, "15:00") not in starts and at(MONDAY, "14:00") not in starts
    # A second seat at 15:00 joins the moved meeting (bob's busy time there is that meeting's own).
    joined = await booked(client, panel, "15:00")
    assert joined["uid"] == new["uid"]
    # Seats, not attendee rows, decide when the meeting is over: bob's row is no seat.
    for seat_uid, status in ((joined["seatUid"], "accepted"), (original["seatUid"], "cancelled")):
        cancelled = await client.post(f"/v2/bookings/{new['uid']}/cancel", json={"seatUid": seat_uid}, headers=v2())
        assert cancelled.status_code == 200, cancelled.text
        assert (await client.get(f"/v2/bookings/{new['uid']}", headers=v2(owner))).json()["data"]["status"] == status
    assert at(MONDAY, "15:00") in await monday_starts(client, bobs_own)


@BOTH_DATABASES
async def test_a_seated_round_robin_seat_moves_to_a_free_host(app, client, alice, database_url):
    team_id, (owner, bob) = await team_of(app, client, alice, ["bob"])
    seats = {"seatsPerTimeSlot": 3, "showAttendeeInfo": True, "showAvailabilityCount": True}
    demo = await team_event(
        client, alice, team_id, "demo", "roundRobin", [{"userId": owner.id}, {"userId": bob.id}], seats=seats
    )
    first = await booked(client, demo, "10:00")
    host, other = (owner, bob) if first["hosts"][0]["id"] == owner.id else (bob, owner)
    await booked(client, await personal_event(client, host), "13:00")  # the organizer is busy at 13:00

    moved = await client.post(
        f"/v2/bookings/{first['uid']}/reschedule",
        json={"start": at(MONDAY, "13:00"), "seatUid": first["seatUid"]},
        headers=v2(),
    )
    assert moved.status_code == 201, moved.text
    data = moved.json()["data"]
    assert data["hosts"][0]["id"] == other.id
    assert data["title"] == f"Demo between {data['hosts'][0]['name']} and {ATTENDEE['name']}"
