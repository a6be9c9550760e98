"""/v2/teams/{teamId}/event-types through HTTP: fields, hosts, and managed event types' children."""

from __future__ import annotations

from tests.conftest import BOTH_DATABASES
from tests.teams.conftest import TeamWorld

ET = {"cal-api-version": "2024-06-14"}
SLOTS = {"cal-api-version": "2024-09-04"}


def base(world: TeamWorld) -> str:
    return f"/v2/teams/{world.team_id}/event-types"


@BOTH_DATABASES
async def test_round_robin_event_type_fields_and_hosts(client, world: TeamWorld, database_url):
    body = {
        "title": "Demo",
        "slug": "demo",
        "lengthInMinutes": 30,
        "schedulingType": "ROUND_ROBIN",
        "beforeEventBuffer": 10,
        "bookingLimitsCount": {"day": 3},
        "hosts": [
            {"userId": world.owner.id, "mandatory": True, "priority": "highest"},
            {"userId": world.member.id, "weight": 300},
            {"userId": world.admin.id, "priority": "low"},
        ],
    }
    response = await client.post(base(world), json=body, headers=world.admin.headers)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["schedulingType"] == "roundRobin" and data["teamId"] == world.team_id
    assert data["ownerId"] is None and data["parentEventTypeId"] is None and data["assignAllTeamMembers"] is False
    assert "users" not in data
    assert data["beforeEventBuffer"] == 10 and data["bookingLimitsCount"] == {"day": 3}
    assert data["team"]["id"] == world.team_id and data["team"]["slug"] == "sales"
    assert data["hosts"] == [
        {
            "userId": world.owner.id,
            "name": "Alice",
            "username": "alice",
            "mandatory": True,
            "priority": "highest",
            "weight": 100,
            "avatarUrl": None,
        },
        {
            "userId": world.member.id,
            "name": "Mel",
            "username": "mel",
            "mandatory": False,
            "priority": "medium",
            "weight": 300,
            "avatarUrl": None,
        },
        {
            "userId": world.admin.id,
            "name": "Adam",
            "username": "adam",
            "mandatory": False,
            "priority": "low",
            "weight": 100,
            "avatarUrl": None,
        },
    ]
    event_id = data["id"]
    got = (await client.get(f"{base(world)}/{event_id}", headers=world.owner.headers)).json()["data"]
    assert got == data

    patched = await client.patch(
        f"{base(world)}/{event_id}",
        json={"title": "Demo call", "hosts": [{"userId": world.member.id}], "schedulingType": "collective"},
        headers=world.owner.headers,
    )
    assert patched.status_code == 200, patched.text
    patched_data = patched.json()["data"]
    assert patched_data["title"] == "Demo call" and patched_data["schedulingType"] == "roundRobin"  # not updatable
    assert [h["userId"] for h in patched_data["hosts"]] == [world.member.id]

    listed = (await client.get(base(world))).json()["data"]
    assert [e["id"] for e in listed] == [event_id]
    deleted = await client.delete(f"{base(world)}/{event_id}", headers=world.owner.headers)
    assert deleted.json() == {"status": "success", "data": {"id": event_id, "title": "Demo call"}}
    again = await client.delete(f"{base(world)}/{event_id}", headers=world.owner.headers)
    assert again.status_code == 404
    assert again.json()["error"]["message"] == f"Event type with ID={event_id} does not exist."


async def test_round_robin_host_without_weight_echoes_the_default(client, world: TeamWorld):
    body = {
        "title": "Intro",
        "slug": "intro",
        "lengthInMinutes": 30,
        "schedulingType": "roundRobin",
        "hosts": [{"userId": world.owner.id}, {"userId": world.member.id, "weight": 50}],
    }
    created = await client.post(base(world), json=body, headers=world.owner.headers)
    assert created.status_code == 201, created.text
    assert [(h["userId"], h["weight"]) for h in created.json()["data"]["hosts"]] == [
        (world.owner.id, 100),
        (world.member.id, 50),
    ]
    listed = (await client.get(base(world))).json()["data"]
    assert [h["weight"] for h in listed[0]["hosts"]] == [100, 50]


async def test_collective_hosts_output_and_validation(client, world: TeamWorld):
    body = {
        "title": "Panel",
        "slug": "panel",
        "lengthInMinutes": 45,
        "schedulingType": "collective",
        "hosts": [{"userId": world.owner.id}, {"userId": world.member.id}],
    }
    data = (await client.post(base(world), json=body, headers=world.owner.headers)).json()["data"]
    assert data["hosts"][0] == {"userId": world.owner.id, "name": "Alice", "username": "alice", "avatarUrl": None}

    outsider = await client.post(
        base(world), json={**body, "slug": "x", "hosts": [{"userId": world.outsider.id}]}, headers=world.owner.headers
    )
    assert outsider.status_code == 400
    assert "is not an accepted member" in outsider.json()["error"]["message"]
    taken = await client.post(base(world), json=body, headers=world.owner.headers)
    assert taken.status_code == 400
    for bad in (
        {**body, "slug": "y", "schedulingType": "solo"},
        {**body, "slug": "z", "hosts": [{"userId": world.owner.id, "priority": "urgent"}]},
        {**body, "slug": "w", "hosts": [{"userId": world.owner.id, "weight": -1}]},
        {**body, "slug": "v", "lengthInMinutes": 0},
    ):
        response = await client.post(base(world), json=bad, headers=world.owner.headers)
        assert response.status_code == 400, bad


async def test_assign_all_team_members_follows_memberships(app, client, world: TeamWorld):
    from tests.support.factories import make_user
    from tests.teams.conftest import add_member

    body = {
        "title": "All",
        "slug": "all",
        "lengthInMinutes": 30,
        "schedulingType": "roundRobin",
        "assignAllTeamMembers": True,
    }
    data = (await client.post(base(world), json=body, headers=world.owner.headers)).json()["data"]
    assert data["assignAllTeamMembers"] is True
    assert [h["userId"] for h in data["hosts"]] == [world.owner.id, world.admin.id, world.member.id]
    newcomer = await make_user(app, "nina")
    await add_member(client, world.team_id, world.owner, newcomer)
    hosts = (await client.get(f"{base(world)}/{data['id']}", headers=world.owner.headers)).json()["data"]["hosts"]
    assert newcomer.id in [h["userId"] for h in hosts]
    await client.delete(
        f"/v2/teams/{world.team_id}/memberships/{world.member_membership_id}", headers=world.owner.headers
    )
    hosts = (await client.get(f"{base(world)}/{data['id']}", headers=world.owner.headers)).json()["data"]["hosts"]
    assert world.member.id not in [h["userId"] for h in hosts]


@BOTH_DATABASES
async def test_managed_event_type_children_follow_the_parent(app, client, world: TeamWorld, clock, database_url):
    from tests.slots.seed import give_schedule

    await give_schedule(app, world.member.id)
    body = {
        "title": "Onboarding",
        "slug": "onboarding",
        "lengthInMinutes": 30,
        "schedulingType": "managed",
        "minimumBookingNotice": 0,
        "hosts": [{"userId": world.owner.id}, {"userId": world.member.id}],
    }
    response = await client.post(base(world), json=body, headers=world.owner.headers)
    assert response.status_code == 201, response.text
    parent, *children = response.json()["data"]
    assert parent["schedulingType"] == "managed" and parent["ownerId"] is None
    assert [h["userId"] for h in parent["hosts"]] == [world.owner.id, world.member.id]
    assert [(c["ownerId"], c["parentEventTypeId"], c["slug"], c["lengthInMinutes"]) for c in children] == [
        (world.owner.id, parent["id"], "onboarding", 30),
        (world.member.id, parent["id"], "onboarding", 30),
    ]
    mel_child = children[1]["id"]

    # A member's child is an ordinary personal event type: listed, bookable by its slug.
    own = (await client.get(f"/v2/event-types/{mel_child}", headers={**world.member.headers, **ET})).json()["data"]
    assert own["ownerId"] == world.member.id and own["title"] == "Onboarding"
    slots = await client.get(
        "/v2/slots",
        params={"eventTypeSlug": "onboarding", "username": "mel", "start": "2050-09-05", "end": "2050-09-05"},
        headers=SLOTS,
    )
    assert slots.status_code == 200 and len(slots.json()["data"]["2050-09-05"]) == 16
    by_id = await client.get(
        "/v2/slots", params={"eventTypeId": mel_child, "start": "2050-09-05", "end": "2050-09-05"}, headers=SLOTS
    )
    assert by_id.json()["data"] == slots.json()["data"]
    # The parent itself has no slots.
    refused = await client.get(
        "/v2/slots", params={"eventTypeId": parent["id"], "start": "2050-09-05", "end": "2050-09-05"}, headers=SLOTS
    )
    assert refused.status_code == 400
    by_team = await client.get(
        "/v2/slots",
        params={"teamSlug": "sales", "eventTypeSlug": "onboarding", "start": "2050-09-05", "end": "2050-09-05"},
        headers=SLOTS,
    )
    assert by_team.status_code == 400

    # Updating the parent updates every child; hosts add and remove children.
    response = await client.patch(
        f"{base(world)}/{parent['id']}",
        json={
            "lengthInMinutes": 60,
            "title": "Onboarding call",
            "hosts": [{"userId": world.member.id}, {"userId": world.admin.id}],
        },
        headers=world.owner.headers,
    )
    assert response.status_code == 200, response.text
    parent_after, *children_after = response.json()["data"]
    assert parent_after["lengthInMinutes"] == 60
    assert sorted((c["ownerId"], c["lengthInMinutes"], c["title"]) for c in children_after) == sorted(
        [(world.member.id, 60, "Onboarding call"), (world.admin.id, 60, "Onboarding call")]
    )
    assert next(c["id"] for c in children_after if c["ownerId"] == world.member.id) == mel_child  # kept, not recreated
    alice_child = children[0]["id"]
    assert (
        await client.get(f"/v2/event-types/{alice_child}", headers={**world.owner.headers, **ET})
    ).status_code == 404
    slots = await client.get(
        "/v2/slots",
        params={"eventTypeSlug": "onboarding", "username": "mel", "start": "2050-09-05", "end": "2050-09-05"},
        headers=SLOTS,
    )
    assert len(slots.json()["data"]["2050-09-05"]) == 8  # 60-minute meetings now

    # Deleting the parent deletes every child.
    assert (await client.delete(f"{base(world)}/{parent['id']}", headers=world.owner.headers)).status_code == 200
    for child in children_after:
        owner = world.member if child["ownerId"] == world.member.id else world.admin
        assert (await client.get(f"/v2/event-types/{child['id']}", headers={**owner.headers, **ET})).status_code == 404


async def test_managed_slug_taken_by_a_members_own_event_type_is_400(client, world: TeamWorld):
    own = await client.post(
        "/v2/event-types",
        json={"title": "Mine", "slug": "intro", "lengthInMinutes": 15},
        headers={**world.member.headers, **ET},
    )
    assert own.status_code == 201, own.text
    body = {
        "title": "Intro",
        "slug": "intro",
        "lengthInMinutes": 30,
        "schedulingType": "managed",
        "hosts": [{"userId": world.member.id}],
    }
    response = await client.post(base(world), json=body, headers=world.owner.headers)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("User mel already has an event type with slug intro")
