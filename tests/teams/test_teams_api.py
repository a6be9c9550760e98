"""/v2/teams and memberships through HTTP: fields, the creator's OWNER membership, filters, paging."""

from __future__ import annotations

from tests.conftest import BOTH_DATABASES
from tests.teams.conftest import TeamWorld, make_team


@BOTH_DATABASES
async def test_create_team_makes_the_creator_an_accepted_owner(client, alice, database_url):
    response = await client.post(
        "/v2/teams", json={"name": "Sales Ops", "bio": "We sell", "timeZone": "America/New_York"}, headers=alice.headers
    )
    assert response.status_code == 201, response.text
    team = response.json()["data"]
    assert team["slug"] == "sales-ops" and team["bio"] == "We sell" and team["timeZone"] == "America/New_York"
    assert team["weekStart"] == "Sunday" and team["hideBranding"] is False and team["isOrganization"] is False
    assert team["parentId"] is None and team["logoUrl"] is None
    members = (await client.get(f"/v2/teams/{team['id']}/memberships", headers=alice.headers)).json()["data"]
    assert [(m["userId"], m["role"], m["accepted"]) for m in members] == [(alice.id, "OWNER", True)]
    assert members[0]["user"]["email"] == alice.email

    again = await client.post("/v2/teams", json={"name": "Sales Ops"}, headers=alice.headers)
    assert again.status_code == 400
    assert again.json()["error"]["message"] == "You already have created a team with name=Sales Ops"


async def test_team_works_with_any_version_header(client, alice):
    team = await make_team(client, alice)
    for headers in ({}, {"cal-api-version": "2024-08-13"}, {"cal-api-version": "2024-06-14"}):
        response = await client.get(f"/v2/teams/{team['id']}", headers={**alice.headers, **headers})
        assert response.status_code == 200


async def test_update_and_delete_team(client, world: TeamWorld):
    response = await client.patch(
        f"/v2/teams/{world.team_id}",
        json={"name": "Sales EU", "brandColor": "#112233", "weekStart": "Monday"},
        headers=world.owner.headers,
    )
    assert response.status_code == 200
    assert response.json()["data"]["name"] == "Sales EU" and response.json()["data"]["weekStart"] == "Monday"
    response = await client.delete(f"/v2/teams/{world.team_id}", headers=world.owner.headers)
    assert response.status_code == 200 and response.json()["data"]["id"] == world.team_id
    assert (await client.get("/v2/teams", headers=world.member.headers)).json()["data"] == []


async def test_bad_team_input_is_400(client, alice):
    response = await client.post("/v2/teams", json={"name": ""}, headers=alice.headers)
    assert response.status_code == 400
    response = await client.post("/v2/teams", json={"name": "x", "timeZone": "Mars/Base"}, headers=alice.headers)
    assert response.status_code == 400


async def test_memberships_crud_filter_and_paging(app, client, world: TeamWorld):
    headers = world.owner.headers
    base = f"/v2/teams/{world.team_id}/memberships"
    listed = (await client.get(base, headers=headers)).json()["data"]
    assert [m["user"]["username"] for m in listed] == ["alice", "adam", "mel"]
    assert (await client.get(base, params={"take": 1, "skip": 1}, headers=headers)).json()["data"][0]["user"][
        "username"
    ] == "adam"
    by_email = (await client.get(base, params={"emails": "MEL@example.com,adam@example.com"}, headers=headers)).json()[
        "data"
    ]
    assert sorted(m["user"]["username"] for m in by_email) == ["adam", "mel"]
    assert (await client.get(base, params={"take": 0}, headers=headers)).status_code == 400
    assert (await client.get(base, params={"emails": "not-an-email"}, headers=headers)).status_code == 400

    one = await client.get(f"{base}/{world.member_membership_id}", headers=headers)
    assert one.json()["data"]["role"] == "MEMBER"
    patched = await client.patch(f"{base}/{world.member_membership_id}", json={"role": "ADMIN"}, headers=headers)
    assert patched.json()["data"]["role"] == "ADMIN"
    # mel is an admin now and may list memberships.
    assert (await client.get(base, headers=world.member.headers)).status_code == 200

    duplicate = await client.post(base, json={"userId": world.member.id}, headers=headers)
    assert duplicate.status_code == 409
    missing = await client.post(base, json={"userId": 999999}, headers=headers)
    assert missing.status_code == 404

    deleted = await client.delete(f"{base}/{world.member_membership_id}", headers=headers)
    assert deleted.status_code == 200 and deleted.json()["data"]["userId"] == world.member.id
    gone = await client.get(f"{base}/{world.member_membership_id}", headers=headers)
    assert gone.status_code == 404
    assert (
        gone.json()["error"]["message"]
        == f"Membership with id {world.member_membership_id} not found in team {world.team_id}"
    )
    assert (await client.get(f"/v2/teams/{world.team_id}", headers=world.member.headers)).status_code == 403


async def test_team_schedules_are_the_members_schedules(app, client, world: TeamWorld, bob):
    from tests.slots.seed import give_schedule

    await give_schedule(app, world.owner.id, time_zone="Europe/Paris")
    await give_schedule(app, world.member.id, time_zone="Asia/Tokyo")
    await give_schedule(app, bob.id)  # not a member
    response = await client.get(f"/v2/teams/{world.team_id}/schedules", headers=world.admin.headers)
    assert response.status_code == 200
    schedules = response.json()["data"]
    assert [(s["ownerId"], s["timeZone"], s["isDefault"]) for s in schedules] == [
        (world.owner.id, "Europe/Paris", True),
        (world.member.id, "Asia/Tokyo", True),
    ]
    assert schedules[0]["availability"][0]["days"] == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    page = (
        await client.get(
            f"/v2/teams/{world.team_id}/schedules", params={"take": 1, "skip": 1}, headers=world.admin.headers
        )
    ).json()
    assert [s["ownerId"] for s in page["data"]] == [world.member.id]
