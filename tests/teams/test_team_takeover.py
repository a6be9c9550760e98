"""No team takeover: the OWNER role is granted, changed and removed only by owners (or system
admins), nobody raises their own role, and a team keeps an accepted owner — in v1 and v2 alike."""

from __future__ import annotations

import asyncio

import httpx

from calapi.teams import roles
from tests.conftest import BOTH_DATABASES
from tests.support.factories import TestUser as User
from tests.support.factories import make_user
from tests.teams.conftest import TeamWorld, add_member


def v2_refused(response: httpx.Response, message: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("ForbiddenException", message)


def v1_refused(response: httpx.Response, message: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json() == {"message": message, "data": None}


async def memberships(client: httpx.AsyncClient, world: TeamWorld) -> dict[int, dict]:
    """The team's memberships by user id, as the owner reads them."""
    response = await client.get(f"/v2/teams/{world.team_id}/memberships", headers=world.owner.headers)
    assert response.status_code == 200, response.text
    return {m["userId"]: m for m in response.json()["data"]}


async def v1(client: httpx.AsyncClient, method: str, user: User, path: str, body: dict | None = None) -> httpx.Response:
    return await client.request(method, f"/v1{path}", params={"apiKey": user.key}, json=body)


@BOTH_DATABASES
async def test_v2_admin_cannot_take_the_team_over(client, world: TeamWorld, database_url):
    before = await memberships(client, world)
    mine = before[world.admin.id]["id"]
    owners = before[world.owner.id]["id"]
    team = f"/v2/teams/{world.team_id}"
    headers = world.admin.headers

    v2_refused(
        await client.patch(f"{team}/memberships/{mine}", json={"role": "OWNER"}, headers=headers), roles.RAISES_OWN_ROLE
    )
    v2_refused(
        await client.patch(f"{team}/memberships/{owners}", json={"role": "MEMBER"}, headers=headers),
        roles.ADMIN_CHANGES_OWNER_ROLE,
    )
    v2_refused(
        await client.patch(f"{team}/memberships/{owners}", json={"disableImpersonation": True}, headers=headers),
        roles.ADMIN_CHANGES_OWNER,
    )
    v2_refused(await client.delete(f"{team}/memberships/{owners}", headers=headers), roles.ADMIN_DELETES_OWNER)
    v2_refused(
        await client.patch(f"{team}/memberships/{world.member_membership_id}", json={"role": "OWNER"}, headers=headers),
        roles.ONLY_OWNERS_GRANT_OWNER,
    )
    outsider = {"userId": world.outsider.id, "role": "OWNER", "accepted": True}
    v2_refused(await client.post(f"{team}/memberships", json=outsider, headers=headers), roles.ONLY_OWNERS_GRANT_OWNER)
    assert (await client.delete(team, headers=headers)).status_code == 403
    assert await memberships(client, world) == before

    # What an admin may do is untouched: manage members and admins, step down themself.
    promoted = await client.patch(
        f"{team}/memberships/{world.member_membership_id}", json={"role": "ADMIN"}, headers=headers
    )
    assert promoted.status_code == 200 and promoted.json()["data"]["role"] == "ADMIN", promoted.text
    added = await client.post(f"{team}/memberships", json={**outsider, "role": "MEMBER"}, headers=headers)
    assert added.status_code == 201, added.text
    stepped_down = await client.patch(f"{team}/memberships/{mine}", json={"role": "MEMBER"}, headers=headers)
    assert stepped_down.status_code == 200 and stepped_down.json()["data"]["role"] == "MEMBER"


@BOTH_DATABASES
async def test_v1_admin_cannot_demote_remove_or_mint_an_owner(client, world: TeamWorld, database_url):
    before = await memberships(client, world)
    admin, owner_id = world.admin, f"{world.owner.id}_{world.team_id}"

    v1_refused(
        await v1(client, "PATCH", admin, f"/memberships/{owner_id}", {"role": "MEMBER"}), roles.ADMIN_CHANGES_OWNER_ROLE
    )
    v1_refused(
        await v1(client, "PATCH", admin, f"/memberships/{owner_id}", {"disableImpersonation": True}),
        roles.ADMIN_CHANGES_OWNER,
    )
    v1_refused(await v1(client, "DELETE", admin, f"/memberships/{owner_id}"), roles.ADMIN_DELETES_OWNER)
    v1_refused(
        await v1(client, "PATCH", admin, f"/memberships/{admin.id}_{world.team_id}", {"role": "OWNER"}),
        roles.RAISES_OWN_ROLE,
    )
    v1_refused(
        await v1(client, "PATCH", admin, f"/memberships/{world.member.id}_{world.team_id}", {"role": "OWNER"}),
        roles.ONLY_OWNERS_GRANT_OWNER,
    )
    create = {"userId": world.outsider.id, "teamId": world.team_id, "role": "OWNER"}
    v1_refused(await v1(client, "POST", admin, "/memberships", create), roles.ONLY_OWNERS_GRANT_OWNER)
    invite = {"teamId": world.team_id, "usernameOrEmail": world.outsider.username, "role": "OWNER"}
    v1_refused(await v1(client, "POST", admin, "/invites", invite), roles.ONLY_OWNERS_GRANT_OWNER)
    assert (await v1(client, "DELETE", admin, f"/teams/{world.team_id}")).status_code == 401
    assert await memberships(client, world) == before

    # The owner may do each of these.
    owner = world.owner
    assert (await v1(client, "POST", owner, "/memberships", create)).status_code == 200
    promoted = await v1(client, "PATCH", owner, f"/memberships/{admin.id}_{world.team_id}", {"role": "OWNER"})
    assert promoted.status_code == 200 and promoted.json()["membership"]["role"] == "OWNER", promoted.text


@BOTH_DATABASES
async def test_the_only_owner_cannot_leave_or_step_down(client, world: TeamWorld, admin, database_url):
    before = await memberships(client, world)
    mine = before[world.owner.id]["id"]
    team, compound = f"/v2/teams/{world.team_id}", f"{world.owner.id}_{world.team_id}"
    for user in (world.owner, admin):  # a system admin neither: they delete the team instead
        v2_refused(
            await client.patch(f"{team}/memberships/{mine}", json={"role": "ADMIN"}, headers=user.headers),
            roles.ONLY_OWNER_ROLE,
        )
        v2_refused(
            await client.patch(f"{team}/memberships/{mine}", json={"accepted": False}, headers=user.headers),
            roles.ONLY_OWNER_REMOVED,
        )
        v2_refused(await client.delete(f"{team}/memberships/{mine}", headers=user.headers), roles.ONLY_OWNER_REMOVED)
        v1_refused(
            await v1(client, "PATCH", user, f"/memberships/{compound}", {"role": "MEMBER"}), roles.ONLY_OWNER_ROLE
        )
        v1_refused(await v1(client, "DELETE", user, f"/memberships/{compound}"), roles.ONLY_OWNER_REMOVED)
    v1_refused(
        await v1(client, "PATCH", world.owner, f"/memberships/{compound}", {"accepted": False}),
        roles.ONLY_OWNER_REMOVED,
    )
    assert await memberships(client, world) == before
    # A no-op role change is not a step down.
    same = await client.patch(f"{team}/memberships/{mine}", json={"role": "OWNER"}, headers=world.owner.headers)
    assert same.status_code == 200, same.text


@BOTH_DATABASES
async def test_a_second_owner_lets_the_first_step_down(client, world: TeamWorld, database_url):
    found = await memberships(client, world)
    team = f"/v2/teams/{world.team_id}"
    first, second = found[world.owner.id]["id"], found[world.admin.id]["id"]
    promoted = await client.patch(f"{team}/memberships/{second}", json={"role": "OWNER"}, headers=world.owner.headers)
    assert promoted.status_code == 200, promoted.text

    stepped = await client.patch(f"{team}/memberships/{first}", json={"role": "ADMIN"}, headers=world.owner.headers)
    assert stepped.status_code == 200 and stepped.json()["data"]["role"] == "ADMIN", stepped.text
    # Now the second owner is the only one, and the first — an admin — cannot touch them.
    v2_refused(
        await client.delete(f"{team}/memberships/{second}", headers=world.admin.headers), roles.ONLY_OWNER_REMOVED
    )
    v2_refused(
        await client.delete(f"{team}/memberships/{second}", headers=world.owner.headers), roles.ADMIN_DELETES_OWNER
    )
    v1_refused(
        await v1(client, "PATCH", world.owner, f"/memberships/{world.admin.id}_{world.team_id}", {"role": "MEMBER"}),
        roles.ADMIN_CHANGES_OWNER_ROLE,
    )
    # With two owners again, one may leave through v1.
    again = await v1(client, "PATCH", world.admin, f"/memberships/{world.owner.id}_{world.team_id}", {"role": "OWNER"})
    assert again.status_code == 200, again.text
    left = await v1(client, "DELETE", world.owner, f"/memberships/{world.owner.id}_{world.team_id}")
    assert left.status_code == 200, left.text
    assert {m["userId"]: m["role"] for m in (await memberships_as(client, world.team_id, world.admin)).values()}[
        world.admin.id
    ] == "OWNER"


async def memberships_as(client: httpx.AsyncClient, team_id: int, user: User) -> dict[int, dict]:
    response = await client.get(f"/v2/teams/{team_id}/memberships", headers=user.headers)
    assert response.status_code == 200, response.text
    return {m["userId"]: m for m in response.json()["data"]}


@BOTH_DATABASES
async def test_system_admin_manages_owners(app, client, world: TeamWorld, admin, database_url):
    team = f"/v2/teams/{world.team_id}"
    made = await client.post(
        f"{team}/memberships",
        json={"userId": world.outsider.id, "role": "OWNER", "accepted": True},
        headers=admin.headers,
    )
    assert made.status_code == 201, made.text
    owners = await memberships(client, world)
    demoted = await client.patch(
        f"{team}/memberships/{owners[world.owner.id]['id']}", json={"role": "MEMBER"}, headers=admin.headers
    )
    assert demoted.status_code == 200, demoted.text
    carol = await make_user(app, "carol")
    invited = await v1(
        client, "POST", admin, "/invites", {"teamId": world.team_id, "usernameOrEmail": carol.username, "role": "OWNER"}
    )
    assert invited.status_code == 200, invited.text


@BOTH_DATABASES
async def test_two_owners_stepping_down_at_once_leave_one_owner(app, client, alice, bob, database_url):
    from tests.teams.conftest import make_team

    team = await make_team(client, alice)
    await add_member(client, team["id"], alice, bob, "OWNER")
    found = await memberships_as(client, team["id"], alice)
    url = f"/v2/teams/{team['id']}/memberships/{{}}"
    answers = await asyncio.gather(
        client.patch(url.format(found[alice.id]["id"]), json={"role": "ADMIN"}, headers=alice.headers),
        client.patch(url.format(found[bob.id]["id"]), json={"role": "ADMIN"}, headers=bob.headers),
    )
    assert sorted(a.status_code for a in answers) == [200, 403], [a.text for a in answers]
    assert [a.json()["error"]["message"] for a in answers if a.status_code == 403] == [roles.ONLY_OWNER_ROLE]
    async with app.state.sessionmaker() as session:
        from sqlalchemy import func, select

        from calapi.teams.models import Membership

        owners = await session.scalar(
            select(func.count()).where(
                Membership.team_id == team["id"], Membership.role == "OWNER", Membership.accepted.is_(True)
            )
        )
    assert owners == 1
