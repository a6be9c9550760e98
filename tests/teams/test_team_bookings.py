"""POST /v2/bookings for team event types: collective (every host held), round-robin (one host chosen
by priority, weighted share, recency; mandatory hosts on every booking), hostSubsetIds, refusals.

Every host works Monday–Friday 09:00–17:00 UTC; Monday 2050-09-05.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from tests.bookings.conftest import ATTENDEE, MONDAY, at, book, v2
from tests.conftest import BOTH_DATABASES
from tests.support.factories import make_user
from tests.teams.team_booking_helpers import team_event, team_of, weekday_starts


@pytest.fixture
def settings_overrides():
    return {"rate_limit": "100000/minute"}  # the fairness simulation books 1,000 times in a few seconds


TEAM_BUSY = "One of the hosts either already has booking at this time or is not available"


def attendee_emails(booking: dict) -> list[str]:
    return [a["email"] for a in booking["attendees"]]


@BOTH_DATABASES
async def test_collective_booking_holds_every_host(app, client, alice, database_url):
    team_id, (owner, bob, carol) = await team_of(app, client, alice, ["bob", "carol"])
    hosts = [{"userId": u.id} for u in (owner, bob, carol)]
    event_id = await team_event(client, alice, team_id, "panel", "collective", hosts)

    response = await book(client, event_id, at(MONDAY, "10:00"))
    assert response.status_code == 201, response.text
    booking = response.json()["data"]
    assert [h["id"] for h in booking["hosts"]] == [owner.id]  # one organizer
    assert attendee_emails(booking) == [ATTENDEE["email"], bob.email, carol.email]  # co-hosts are attendees

    # By team slug too; the same slot is gone for everyone.
    again = await book(client, None, at(MONDAY, "10:00"), eventTypeId=None, eventTypeSlug="panel", teamSlug="sales")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == TEAM_BUSY

    # carol (a co-host, not the organizer) is busy at 10:00 for her personal event types as well.
    personal = await client.post(
        "/v2/event-types",
        json={"title": "Solo", "slug": "solo", "lengthInMinutes": 30, "minimumBookingNotice": 0},
        headers=v2(carol, "2024-06-14"),
    )
    assert personal.status_code == 201, personal.text
    solo = personal.json()["data"]["id"]
    clash = await book(client, solo, at(MONDAY, "10:00"))
    assert clash.status_code == 409
    slots = await client.get(
        "/v2/slots",
        params={"eventTypeId": solo, "start": MONDAY, "end": MONDAY},
        headers={"cal-api-version": "2024-09-04"},
    )
    starts = [s["start"] for s in slots.json()["data"][MONDAY]]
    assert at(MONDAY, "10:00") not in starts and at(MONDAY, "10:30") in starts


@BOTH_DATABASES
async def test_a_busy_co_host_refuses_a_collective_booking_and_removes_the_slot(app, client, alice, database_url):
    team_id, (owner, bob) = await team_of(app, client, alice, ["bob"])
    event_id = await team_event(
        client, alice, team_id, "panel", "collective", [{"userId": owner.id}, {"userId": bob.id}]
    )
    personal = await client.post(
        "/v2/event-types",
        json={"title": "Solo", "slug": "solo", "lengthInMinutes": 60, "minimumBookingNotice": 0},
        headers=v2(bob, "2024-06-14"),
    )
    assert (await book(client, personal.json()["data"]["id"], at(MONDAY, "11:00"))).status_code == 201

    refused = await book(client, event_id, at(MONDAY, "11:30"))
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == TEAM_BUSY
    slots = await client.get(
        "/v2/slots",
        params={"eventTypeId": event_id, "start": MONDAY, "end": MONDAY},
        headers={"cal-api-version": "2024-09-04"},
    )
    starts = [s["start"] for s in slots.json()["data"][MONDAY]]
    assert at(MONDAY, "11:00") not in starts and at(MONDAY, "11:30") not in starts and at(MONDAY, "12:00") in starts


async def test_round_robin_fairness_follows_weights_over_a_thousand_bookings(app, client, alice):
    """5 equal-priority hosts weighted 1:1:2:3:3 (×100); 1,000 bookings at distinct times, all hosts free."""
    team_id, users = await team_of(app, client, alice, ["h2", "h3", "h4", "h5"])
    weights = [100, 100, 200, 300, 300]
    hosts = [{"userId": u.id, "weight": w} for u, w in zip(users, weights, strict=True)]
    event_id = await team_event(client, alice, team_id, "demo", "roundRobin", hosts)
    began = time.monotonic()
    counts: Counter[int] = Counter()
    for start in weekday_starts(1000):
        response = await book(client, event_id, start)
        assert response.status_code == 201, response.text
        counts[response.json()["data"]["hosts"][0]["id"]] += 1
    assert time.monotonic() - began < 60
    total = sum(weights)
    for user, weight in zip(users, weights, strict=True):
        expected = 1000 * weight / total
        assert abs(counts[user.id] - expected) <= 0.05 * expected, (counts, user.id)


@BOTH_DATABASES
async def test_a_mandatory_host_is_on_every_round_robin_booking(app, client, alice, database_url):
    team_id, (owner, bob, carol) = await team_of(app, client, alice, ["bob", "carol"])
    hosts = [{"userId": owner.id, "mandatory": True}, {"userId": bob.id}, {"userId": carol.id}]
    event_id = await team_event(client, alice, team_id, "demo", "roundRobin", hosts)
    organizers = []
    for start in weekday_starts(6):
        response = await book(client, event_id, start)
        assert response.status_code == 201, response.text
        booking = response.json()["data"]
        organizers.append(booking["hosts"][0]["id"])
        assert owner.email in attendee_emails(booking)
    assert Counter(organizers) == {bob.id: 3, carol.id: 3}  # alternating: equal weights, least recently booked

    # The mandatory host busy elsewhere: no booking, whoever else is free.
    personal = await client.post(
        "/v2/event-types",
        json={"title": "Solo", "slug": "solo", "lengthInMinutes": 30, "minimumBookingNotice": 0},
        headers=v2(owner, "2024-06-14"),
    )
    assert (await book(client, personal.json()["data"]["id"], at(MONDAY, "15:00"))).status_code == 201
    refused = await book(client, event_id, at(MONDAY, "15:00"))
    assert refused.status_code == 409 and refused.json()["error"]["message"] == TEAM_BUSY


@BOTH_DATABASES
async def test_a_higher_priority_free_host_always_wins(app, client, alice, database_url):
    team_id, (owner, bob, carol) = await team_of(app, client, alice, ["bob", "carol"])
    hosts = [
        {"userId": owner.id, "priority": "low"},
        {"userId": bob.id, "priority": "highest"},
        {"userId": carol.id, "priority": "high"},
    ]
    event_id = await team_event(client, alice, team_id, "demo", "roundRobin", hosts)
    # Three bookings at one time: bob (highest), then carol (high), then alice (low); then nobody.
    organizers = []
    for _ in range(3):
        response = await book(client, event_id, at(MONDAY, "09:00"))
        assert response.status_code == 201, response.text
        organizers.append(response.json()["data"]["hosts"][0]["id"])
    assert organizers == [bob.id, carol.id, owner.id]
    assert (await book(client, event_id, at(MONDAY, "09:00"))).status_code == 409
    # At other times bob always wins, however many bookings he already has.
    for start in weekday_starts(5, first=datetime(2050, 9, 6, 9, tzinfo=UTC)):
        response = await book(client, event_id, start)
        assert response.json()["data"]["hosts"][0]["id"] == bob.id


@BOTH_DATABASES
async def test_host_subset_ids_restrict_the_round_robin_choice(app, client, alice, database_url):
    team_id, (owner, bob, carol) = await team_of(app, client, alice, ["bob", "carol"])
    hosts = [{"userId": u.id, "priority": p} for u, p in ((owner, "highest"), (bob, "medium"), (carol, "medium"))]
    event_id = await team_event(client, alice, team_id, "demo", "roundRobin", hosts)
    response = await book(client, event_id, at(MONDAY, "09:00"), hostSubsetIds=[carol.id])
    assert response.status_code == 201, response.text
    assert response.json()["data"]["hosts"][0]["id"] == carol.id
    # carol is now busy at 09:00: the subset has nobody left.
    assert (await book(client, event_id, at(MONDAY, "09:00"), hostSubsetIds=[carol.id])).status_code == 409
    stranger = await book(client, event_id, at(MONDAY, "10:00"), hostSubsetIds=[999999])
    assert stranger.status_code == 400
    assert "999999 is not a host" in stranger.json()["error"]["message"]


@BOTH_DATABASES
async def test_team_event_without_hosts_and_managed_parent_are_refused(app, client, alice, database_url):
    team_id, (owner, bob) = await team_of(app, client, alice, ["bob"])
    empty = await team_event(client, alice, team_id, "empty", "roundRobin", [])
    response = await book(client, empty, at(MONDAY, "09:00"))
    assert response.status_code == 422
    assert response.json()["error"]["message"] == (
        f"Can't book this team event type because it has no hosts. Please, add at least 1 host to event type with "
        f"id={empty} belonging to team with id={team_id} and try again."
    )
    managed = await team_event(client, alice, team_id, "managed", "managed", [{"userId": owner.id}, {"userId": bob.id}])
    response = await book(client, managed, at(MONDAY, "09:00"))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        f"Event type with id={managed} is the parent managed event type that can't be booked. You have to provide the "
        "child event type id aka id of event type that has been assigned to one of the users."
    )
    unknown = await book(client, None, at(MONDAY, "09:00"), eventTypeId=None, eventTypeSlug="nope", teamSlug="sales")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "Event type with slug nope belonging to team sales not found."


@BOTH_DATABASES
async def test_list_filters_by_team(app, client, alice, database_url):
    team_id, (owner, bob) = await team_of(app, client, alice, ["bob"])
    other_id, _ = await team_of(app, client, await make_user(app, "carol"), [], team_name="Other")
    event_id = await team_event(client, alice, team_id, "demo", "roundRobin", [{"userId": bob.id}])
    team_uid = (await book(client, event_id, at(MONDAY, "10:00"))).json()["data"]["uid"]
    personal = await client.post(
        "/v2/event-types",
        json={"title": "Solo", "slug": "solo", "lengthInMinutes": 30, "minimumBookingNotice": 0},
        headers=v2(bob, "2024-06-14"),
    )
    assert (await book(client, personal.json()["data"]["id"], at(MONDAY, "11:00"))).status_code == 201

    async def uids(user, **params) -> list[str]:
        response = await client.get("/v2/bookings", params=params, headers=v2(user))
        assert response.status_code == 200, response.text
        return [b["uid"] for b in response.json()["data"]]

    assert await uids(bob, teamId=str(team_id)) == [team_uid]  # the organizer
    assert await uids(owner, teamId=str(team_id)) == [team_uid]  # the team's owner, not a host
    assert await uids(owner, teamsIds=f"{team_id},{other_id}") == [team_uid]
    assert await uids(bob, teamId=str(other_id)) == []
    assert len(await uids(bob)) == 2
