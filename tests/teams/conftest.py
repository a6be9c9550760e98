"""Team tests: a team made through the API with one user per role, and the slot tests' frozen clock."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.slots.conftest import clock  # noqa: F401 - the frozen slot clock, shared
from tests.support.factories import TestUser, make_user


@dataclass
class TeamWorld:
    team_id: int
    owner: TestUser
    admin: TestUser
    member: TestUser
    outsider: TestUser
    member_membership_id: int


async def add_member(
    client, team_id: int, by: TestUser, user: TestUser, role: str = "MEMBER", accepted: bool = True
) -> dict:
    response = await client.post(
        f"/v2/teams/{team_id}/memberships",
        json={"userId": user.id, "role": role, "accepted": accepted},
        headers=by.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]


async def make_team(client, owner: TestUser, name: str = "Sales") -> dict:
    response = await client.post("/v2/teams", json={"name": name}, headers=owner.headers)
    assert response.status_code == 201, response.text
    return response.json()["data"]


@pytest.fixture
async def world(app, client, alice) -> TeamWorld:
    admin = await make_user(app, "adam")
    member = await make_user(app, "mel")
    outsider = await make_user(app, "olga")
    team = await make_team(client, alice)
    await add_member(client, team["id"], alice, admin, "ADMIN")
    membership = await add_member(client, team["id"], alice, member)
    return TeamWorld(team["id"], alice, admin, member, outsider, membership["id"])
