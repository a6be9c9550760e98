"""API v1 /teams and /memberships ({userId}_{teamId}); team admins can add members (Cal.com's v1 could not)."""

from __future__ import annotations

from tests.v1.conftest import v1_error

TEAM_FIELDS = {
    "id",
    "name",
    "slug",
    "bio",
    "logoUrl",
    "hideBranding",
    "hideBookATeamMember",
    "isPrivate",
    "brandColor",
    "darkBrandColor",
    "theme",
    "timeZone",
    "weekStart",
    "timeFormat",
    "metadata",
    "parentId",
    "isOrganization",
    "pendingPayment",
    "isPlatform",
    "createdAt",
}
MEMBERSHIP_FIELDS = {"id", "teamId", "userId", "accepted", "role", "disableImpersonation", "createdAt", "updatedAt"}


async def _team(api, user, name="Sales", **extra):
    response = await api.post(user, "/teams", json={"name": name, **extra})
    assert response.status_code == 200, response.text
    return response.json()


async def test_create_team_makes_the_caller_owner(api, alice):
    made = await _team(api, alice, slug="sales-team", timeZone="Europe/Rome")
    assert set(made["team"]) == TEAM_FIELDS and made["team"]["slug"] == "sales-team"
    assert set(made["owner"]) == MEMBERSHIP_FIELDS
    assert (made["owner"]["userId"], made["owner"]["role"], made["owner"]["accepted"]) == (alice.id, "OWNER", True)
    assert made["message"] == f"Team created successfully. We also made user with ID={alice.id} the owner of this team."
    assert [t["id"] for t in (await api.get(alice, "/teams")).json()["teams"]] == [made["team"]["id"]]


async def test_team_access(api, alice, bob, admin):
    team = (await _team(api, alice))["team"]
    v1_error(await api.get(bob, f"/teams/{team['id']}"), 404)
    v1_error(await api.patch(bob, f"/teams/{team['id']}", json={"name": "Mine"}), 404)
    v1_error(await api.delete(bob, f"/teams/{team['id']}"), 404)
    assert (await api.get(bob, "/teams")).json() == {"teams": []}
    v1_error(
        await api.post(bob, "/teams", json={"name": "X", "ownerId": alice.id}), 401, "ADMIN required for `ownerId`"
    )
    for_bob = await _team(api, admin, name="Support", ownerId=bob.id)
    assert for_bob["owner"]["userId"] == bob.id
    assert {t["id"] for t in (await api.get(admin, "/teams")).json()["teams"]} == {team["id"], for_bob["team"]["id"]}
    assert (await api.patch(alice, f"/teams/{team['id']}", json={"bio": "hi"})).json()["team"]["bio"] == "hi"
    v1_error(
        await api.patch(alice, f"/teams/{team['id']}", json={"foo": 1}), 400, "Unrecognized key(s) in object: 'foo'"
    )
    assert (await api.delete(alice, f"/teams/{team['id']}")).json() == {
        "message": f"Team with id: {team['id']} deleted successfully"
    }


async def test_memberships_by_team_admins_and_invitees(api, alice, bob, admin, app):
    from tests.support.factories import make_user

    carol = await make_user(app, "carol")
    team = (await _team(api, alice))["team"]
    # A plain user cannot add members; the team's owner can, but not pre-accepted.
    v1_error(
        await api.post(bob, "/memberships", json={"userId": bob.id, "teamId": team["id"]}),
        403,
        "You can't add members to this team",
    )
    v1_error(
        await api.post(alice, "/memberships", json={"userId": bob.id, "teamId": team["id"], "accepted": True}),
        403,
        "ADMIN needed for `accepted`",
    )
    made = await api.post(alice, "/memberships", json={"userId": bob.id, "teamId": team["id"]})
    assert made.status_code == 200, made.text
    assert made.json()["message"] == "Membership created successfully"
    membership = made.json()["membership"]
    assert set(membership) == MEMBERSHIP_FIELDS and (membership["role"], membership["accepted"]) == ("MEMBER", False)
    compound = f"{bob.id}_{team['id']}"
    # Only the invited user accepts; a member can't promote themself.
    v1_error(
        await api.patch(alice, f"/memberships/{compound}", json={"accepted": True}),
        403,
        "Only the invited user can accept the invite",
    )
    accepted = await api.patch(bob, f"/memberships/{compound}", json={"accepted": True})
    assert accepted.json()["membership"]["accepted"] is True
    v1_error(await api.patch(bob, f"/memberships/{compound}", json={"role": "ADMIN"}), 403, "Forbidden")
    assert (await api.patch(alice, f"/memberships/{compound}", json={"role": "ADMIN"})).json()["membership"][
        "role"
    ] == "ADMIN"
    assert (await api.get(bob, f"/memberships/{compound}")).json()["membership"]["role"] == "ADMIN"
    # Someone outside the team sees nothing.
    v1_error(await api.get(carol, f"/memberships/{compound}"), 404)
    v1_error(await api.delete(carol, f"/memberships/{compound}"), 404)
    assert (await api.get(carol, "/memberships")).json() == {"memberships": []}
    v1_error(await api.get(carol, "/memberships", params={"teamId": team["id"]}), 403, "ADMIN required")
    v1_error(await api.get(carol, "/memberships", params={"userId": bob.id}), 403, "ADMIN required")
    assert {
        m["userId"] for m in (await api.get(admin, "/memberships", params={"teamId": team["id"]})).json()["memberships"]
    } == {alice.id, bob.id}
    assert [m["teamId"] for m in (await api.get(bob, "/memberships")).json()["memberships"]] == [team["id"]]
    v1_error(await api.get(alice, "/memberships/abc_1"), 400, "userId is not a number")
    left = await api.delete(bob, f"/memberships/{compound}")
    assert left.json() == {"message": f"Membership with id: {compound} deleted successfully"}
    v1_error(await api.get(alice, f"/memberships/{compound}"), 404)
    # A system admin adds an accepted member directly.
    direct = await api.post(admin, "/memberships", json={"userId": carol.id, "teamId": team["id"], "accepted": True})
    assert direct.json()["membership"]["accepted"] is True
