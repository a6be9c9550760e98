"""POST /v2/bookings/{uid}/reassign (automatic) and /reassign/{userId} (manual) for round-robin bookings."""

from __future__ import annotations

from sqlalchemy import select

from calapi.jobs.models import DomainEvent
from tests.bookings.conftest import MONDAY, at, book, v2
from tests.conftest import BOTH_DATABASES
from tests.support.factories import make_user
from tests.teams.conftest import add_member
from tests.teams.team_booking_helpers import team_event, team_of


async def reassigned_events(app, uid: str) -> list[dict]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(DomainEvent)
            .where(DomainEvent.subject_uid == uid, DomainEvent.trigger == "BOOKING_REASSIGNED")
            .order_by(DomainEvent.id)
        )
        return [r.payload for r in rows]


@BOTH_DATABASES
async def test_automatic_and_manual_reassignment(app, client, alice, database_url):
    team_id, (owner, bob, carol) = await team_of(app, client, alice, ["bob", "carol"])
    # alice is mandatory (stays an attendee); bob (high) is chosen first, carol is the other round-robin host.
    hosts = [{"userId": owner.id, "mandatory": True}, {"userId": bob.id, "priority": "high"}, {"userId": carol.id}]
    event_id = await team_event(client, alice, team_id, "demo", "roundRobin", hosts)
    created = await book(client, event_id, at(MONDAY, "10:00"))
    assert created.status_code == 201, created.text
    uid = created.json()["data"]["uid"]
    assert created.json()["data"]["hosts"][0]["id"] == bob.id

    # Automatic: the only other free round-robin host, carol. The team owner (alice) may do it.
    moved = await client.post(f"/v2/bookings/{uid}/reassign", headers=v2(owner))
    assert moved.status_code == 200, moved.text
    assert moved.json()["data"] == {
        "bookingUid": uid,
        "reassignedTo": {"id": carol.id, "name": "Carol", "email": carol.email, "displayEmail": carol.email},
    }
    booking = (await client.get(f"/v2/bookings/{uid}", headers=v2(owner))).json()["data"]
    assert booking["hosts"][0]["id"] == carol.id
    assert owner.email in [a["email"] for a in booking["attendees"]]
    [event] = await reassigned_events(app, uid)
    assert event["organizer"]["id"] == carol.id
    assert event["reassignedFrom"]["id"] == bob.id and event["reassignType"] == "automatic"

    # Manual, by the organizer (carol), with a reason: back to bob, who is free again at 10:00.
    manual = await client.post(
        f"/v2/bookings/{uid}/reassign/{bob.id}", json={"reason": "carol is away"}, headers=v2(carol)
    )
    assert manual.status_code == 200, manual.text
    assert manual.json()["data"]["reassignedTo"]["id"] == bob.id
    event = (await reassigned_events(app, uid))[-1]
    assert event["reassignReason"] == "carol is away" and event["reassignType"] == "manual"

    # carol busy at 10:00 with a personal booking: nobody to move to, automatically or by hand.
    personal = await client.post(
        "/v2/event-types",
        json={"title": "Solo", "slug": "solo", "lengthInMinutes": 30, "minimumBookingNotice": 0},
        headers=v2(carol, "2024-06-14"),
    )
    assert (await book(client, personal.json()["data"]["id"], at(MONDAY, "10:00"))).status_code == 201
    refused = await client.post(f"/v2/bookings/{uid}/reassign", headers=v2(bob))
    assert refused.status_code == 400
    assert (
        refused.json()["error"]["message"]
        == "Can't reassign the booking because no other host is available at that time."
    )
    busy = await client.post(f"/v2/bookings/{uid}/reassign/{carol.id}", headers=v2(owner))
    assert busy.status_code == 409

    # Manual refusals: a mandatory host is not a round-robin host; an unknown user.
    not_rr = await client.post(f"/v2/bookings/{uid}/reassign/{owner.id}", headers=v2(owner))
    assert not_rr.status_code == 400
    assert not_rr.json()["error"]["message"].startswith(f"User with id={owner.id} is not a valid Round Robin host - ")
    unknown = await client.post(f"/v2/bookings/{uid}/reassign/999999", headers=v2(owner))
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "User with id=999999 was not found in the database"


@BOTH_DATABASES
async def test_who_may_reassign(app, client, alice, database_url):
    team_id, (owner, bob, carol) = await team_of(app, client, alice, ["bob", "carol"])
    event_id = await team_event(
        client, alice, team_id, "demo", "roundRobin", [{"userId": bob.id}, {"userId": carol.id}]
    )
    uid = (await book(client, event_id, at(MONDAY, "10:00"))).json()["data"]["uid"]
    member = await make_user(app, "mel")
    await add_member(client, team_id, owner, member)  # a plain member may not
    for user in (member, await make_user(app, "olga")):
        response = await client.post(f"/v2/bookings/{uid}/reassign", headers=v2(user))
        assert response.status_code == 404
        assert response.json()["error"]["message"] == f"Booking with uid={uid} was not found in the database"
    assert (await client.post(f"/v2/bookings/{uid}/reassign", headers=v2())).status_code == 401
    # A personal booking is not a round-robin one.
    personal = await client.post(
        "/v2/event-types",
        json={"title": "Solo", "slug": "solo", "lengthInMinutes": 30, "minimumBookingNotice": 0},
        headers=v2(bob, "2024-06-14"),
    )
    solo_uid = (await book(client, personal.json()["data"]["id"], at(MONDAY, "12:00"))).json()["data"]["uid"]
    response = await client.post(f"/v2/bookings/{solo_uid}/reassign", headers=v2(bob))
    assert response.status_code == 400
