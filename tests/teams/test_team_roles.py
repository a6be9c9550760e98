"""Cal.com's RolesGuard on every /v2/teams/{teamId}/… route: status and message per role."""

from __future__ import annotations

import pytest

from tests.conftest import BOTH_DATABASES
from tests.teams.conftest import TeamWorld

EVENT_TYPE = {"title": "Intro", "slug": "intro", "lengthInMinutes": 30, "schedulingType": "collective"}

# (method, path, minimum role or None for a public route, body)
ROUTES = [
    ("GET", "/v2/teams/{team}", "TEAM_MEMBER", None),
    ("PATCH", "/v2/teams/{team}", "TEAM_OWNER", {"bio": "We sell"}),
    ("DELETE", "/v2/teams/{team}", "TEAM_OWNER", None),
    ("POST", "/v2/teams/{team}/memberships", "TEAM_ADMIN", "new-membership"),
    ("GET", "/v2/teams/{team}/memberships", "TEAM_ADMIN", None),
    ("GET", "/v2/teams/{team}/memberships/{membership}", "TEAM_ADMIN", None),
    ("PATCH", "/v2/teams/{team}/memberships/{membership}", "TEAM_ADMIN", {"disableImpersonation": True}),
    ("DELETE", "/v2/teams/{team}/memberships/{membership}", "TEAM_ADMIN", None),
    ("POST", "/v2/teams/{team}/event-types", "TEAM_ADMIN", EVENT_TYPE),
    ("GET", "/v2/teams/{team}/event-types", None, None),
    ("GET", "/v2/teams/{team}/event-types/{event}", "TEAM_ADMIN", None),
    ("PATCH", "/v2/teams/{team}/event-types/{event}", "TEAM_ADMIN", {"title": "Hello"}),
    ("DELETE", "/v2/teams/{team}/event-types/{event}", "TEAM_ADMIN", None),
    ("GET", "/v2/teams/{team}/schedules", "TEAM_ADMIN", None),
]
RANK = {"TEAM_MEMBER": 0, "TEAM_ADMIN": 1, "TEAM_OWNER": 2}
CALLER_RANK = {"member": 0, "admin": 1, "owner": 2}


@pytest.mark.parametrize("caller", ["member", "admin", "owner", "outsider", "system_admin"])
@pytest.mark.parametrize(("method", "path", "minimum", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
async def test_role_matrix(app, client, world: TeamWorld, admin, caller, method, path, minimum, body):
    created = await client.post(
        f"/v2/teams/{world.team_id}/event-types", json={**EVENT_TYPE, "slug": "existing"}, headers=world.owner.headers
    )
    assert created.status_code == 201, created.text
    if body == "new-membership":
        from tests.support.factories import make_user

        newcomer = await make_user(app, "newcomer")
        body = {"userId": newcomer.id}
    url = path.format(team=world.team_id, membership=world.member_membership_id, event=created.json()["data"]["id"])
    user = {
        "member": world.member,
        "admin": world.admin,
        "owner": world.owner,
        "outsider": world.outsider,
        "system_admin": admin,
    }[caller]
    response = await client.request(method, url, json=body, headers=user.headers)

    allowed = (
        minimum is None or caller == "system_admin" or (caller in CALLER_RANK and CALLER_RANK[caller] >= RANK[minimum])
    )
    if allowed:
        assert response.status_code in (200, 201), response.text
        assert response.json()["status"] == "success"
        return
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "ForbiddenException"
    if caller == "outsider":
        assert error["message"] == f"RolesGuard - User is not a member of the team with id={world.team_id}."
    else:
        assert error["message"] == (
            f"RolesGuard - user with id={user.id} does not have the minimum required role={minimum} "
            f"within team with id={world.team_id}."
        )


async def test_team_routes_need_credentials(client, world: TeamWorld):
    response = await client.get(f"/v2/teams/{world.team_id}")
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("ApiAuthStrategy - No authentication method provided")
    # The team event-type list is public.
    assert (await client.get(f"/v2/teams/{world.team_id}/event-types")).status_code == 200


async def test_pending_invite_is_not_membership(app, client, world: TeamWorld):
    from tests.support.factories import make_user
    from tests.teams.conftest import add_member

    invited = await make_user(app, "ivy")
    await add_member(client, world.team_id, world.owner, invited, "ADMIN", accepted=False)
    response = await client.get(f"/v2/teams/{world.team_id}", headers=invited.headers)
    assert response.status_code == 403
    assert (
        response.json()["error"]["message"] == f"RolesGuard - User has pending invite for team with id={world.team_id}."
    )


@BOTH_DATABASES
async def test_a_team_never_sees_another_teams_rows(app, client, world: TeamWorld, bob, database_url):
    from tests.teams.conftest import make_team

    other = await make_team(client, bob, "Support")
    other_membership = (await client.get(f"/v2/teams/{other['id']}/memberships", headers=bob.headers)).json()["data"][0]
    other_event = await client.post(f"/v2/teams/{other['id']}/event-types", json=EVENT_TYPE, headers=bob.headers)
    assert other_event.status_code == 201
    other_event_id = other_event.json()["data"]["id"]
    mine = world.team_id
    headers = world.owner.headers

    # Another team's membership or event type through my team's path: 404, as if it did not exist.
    response = await client.get(f"/v2/teams/{mine}/memberships/{other_membership['id']}", headers=headers)
    assert response.status_code == 404
    assert (
        response.json()["error"]["message"] == f"Membership with id {other_membership['id']} not found in team {mine}"
    )
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(
            method,
            f"/v2/teams/{mine}/event-types/{other_event_id}",
            json={"title": "x"} if method == "PATCH" else None,
            headers=headers,
        )
        assert response.status_code == 404, (method, response.text)
        assert response.json()["error"]["message"] == f"Event type with ID={other_event_id} does not exist."
    # My lists hold only my team's rows; the other team itself is closed to me.
    members = (await client.get(f"/v2/teams/{mine}/memberships", headers=headers)).json()["data"]
    assert {m["teamId"] for m in members} == {mine} and bob.id not in {m["userId"] for m in members}
    events = (await client.get(f"/v2/teams/{mine}/event-types")).json()["data"]
    assert events == []
    assert (await client.get(f"/v2/teams/{other['id']}", headers=headers)).status_code == 403
    teams = (await client.get("/v2/teams", headers=headers)).json()["data"]
    assert [t["id"] for t in teams] == [mine]
    # And the other team's rows are untouched.
    assert (
        await client.get(f"/v2/teams/{other['id']}/event-types/{other_event_id}", headers=bob.headers)
    ).status_code == 200
