"""Who sees which numbers: a team's ADMINs and OWNERs see the team, its MEMBERs only their own, and
anyone else is refused with Cal.com's RolesGuard texts, whether or not the team exists."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from calapi.teams.models import Membership
from tests.conftest import BOTH_DATABASES
from tests.insights.conftest import INSIGHTS, NOW, BookingSpec, World, ask, created_between, insert_bookings
from tests.support.factories import make_user

ROUTES = ("kpi-stats", "event-trends", "members", "average-duration", "busiest-times", "lead-time", "revenue")


def team_body(world: World, *filters: dict[str, Any], team_id: int | None = None) -> dict[str, Any]:
    return {
        "scope": "team",
        "selectedTeamId": world.team_id if team_id is None else team_id,
        "timeZone": "Europe/Berlin",
        "columnFilters": [created_between("2030-03-01", "2030-03-31"), *filters],
    }


def host(user_id: int) -> dict[str, Any]:
    return {"id": "userId", "value": {"type": "ss", "data": user_id}}


@pytest.fixture
async def booked(app, world: World) -> World:
    """Team bookings: three by the member, two by the second member (one co-hosted by the admin),
    one by the owner; and a personal booking of the member, outside the team."""
    team_type = world.team_types[0]
    created = NOW - timedelta(days=5)
    specs = [
        *(
            BookingSpec(world.member.id, NOW + timedelta(days=d), created=created, event_type=team_type)
            for d in (1, 2, 3)
        ),
        BookingSpec(world.member2.id, NOW + timedelta(days=4), created=created, event_type=team_type),
        BookingSpec(
            world.member2.id, NOW + timedelta(days=5), created=created, event_type=team_type, co_hosts=(world.admin.id,)
        ),
        BookingSpec(world.owner.id, NOW + timedelta(days=6), created=created, event_type=team_type),
        BookingSpec(
            world.member.id, NOW + timedelta(days=7), created=created, event_type=world.personal[world.member.id]
        ),
    ]
    await insert_bookings(app, specs, {u.id: u.email for u in world.users})
    return world


@BOTH_DATABASES
async def test_owners_and_admins_see_the_whole_team_members_their_own(client, booked: World, database_url):
    world = booked
    for manager in (world.owner, world.admin):
        kpi = await ask(client, manager, "kpi-stats", team_body(world))
        assert kpi["created"]["count"] == 6
        members = await ask(client, manager, "members", team_body(world))
        counts = {m["userId"]: m["count"] for m in members["leastBookings"]}
        assert counts == {world.owner.id: 1, world.admin.id: 1, world.member.id: 3, world.member2.id: 2}
        narrowed = await ask(client, manager, "kpi-stats", team_body(world, host(world.member2.id)))
        assert narrowed["created"]["count"] == 2
    # a member: the team's bookings they host, and nothing of anyone else's
    kpi = await ask(client, world.member, "kpi-stats", team_body(world))
    assert kpi["created"]["count"] == 3
    members = await ask(client, world.member, "members", team_body(world))
    assert {m["userId"] for key in members for m in members[key]} == {world.member.id}
    own = await ask(client, world.member, "kpi-stats", team_body(world, host(world.member.id)))
    assert own["created"]["count"] == 3
    # the co-host counts the booking they co-host, in the team and in their own scope
    admin_own = {"scope": "user", "timeZone": "UTC", "columnFilters": [created_between("2030-03-01", "2030-03-31")]}
    assert (await ask(client, world.admin, "kpi-stats", admin_own))["created"]["count"] == 1
    member_own = {**admin_own}
    assert (await ask(client, world.member, "kpi-stats", member_own))["created"]["count"] == 4


@BOTH_DATABASES
async def test_a_member_cannot_read_a_teammates_numbers(client, booked: World, database_url):
    world = booked
    refusal = (
        f"RolesGuard - user with id={world.member.id} does not have the minimum required role=TEAM_ADMIN "
        f"within team with id={world.team_id}."
    )
    for route in ROUTES:
        body = await ask(client, world.member, route, team_body(world, host(world.member2.id)), status=403)
        assert body["status"] == "error"
        assert body["error"]["code"] == "ForbiddenException"
        assert body["error"]["message"] == refusal
    user_scope = {**team_body(world, host(world.member2.id)), "scope": "user"}
    body = await ask(client, world.member, "kpi-stats", user_scope, status=403)
    assert body["error"]["message"].startswith("Insights in the user scope cover your own bookings only")
    params = {
        "scope": "team",
        "selectedTeamId": world.team_id,
        "timeZone": "UTC",
        "columnFilters": json.dumps([host(world.member2.id)]),
    }
    response = await client.get(f"{INSIGHTS}/export", params=params, headers=world.member.headers)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == refusal


@BOTH_DATABASES
async def test_another_team_answers_403_with_rolesguards_text_existing_or_not(client, booked: World, database_url):
    world = booked
    for team_id in (world.other_team_id, 987_654):
        message = f"RolesGuard - User is not a member of the team with id={team_id}."
        for route in ROUTES:
            body = await ask(client, world.member, route, team_body(world, team_id=team_id), status=403)
            assert body["error"]["message"] == message
        response = await client.get(
            f"{INSIGHTS}/export",
            params={"scope": "team", "selectedTeamId": team_id, "timeZone": "UTC"},
            headers=world.member.headers,
        )
        assert response.status_code == 403 and response.json()["error"]["message"] == message
    # and the outsider, for the team they are not in
    body = await ask(client, world.outsider, "kpi-stats", team_body(world), status=403)
    assert body["error"]["message"] == f"RolesGuard - User is not a member of the team with id={world.team_id}."


@BOTH_DATABASES
async def test_a_pending_invite_is_refused_until_accepted(app, client, booked: World, database_url):
    world = booked
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Membership)
            .where(Membership.team_id == world.team_id, Membership.user_id == world.member2.id)
            .values(accepted=False)
        )
        await session.commit()
    body = await ask(client, world.member2, "kpi-stats", team_body(world), status=403)
    assert body["error"]["message"] == f"RolesGuard - User has pending invite for team with id={world.team_id}."
    # a manager's team numbers still count the bookings the pending member hosts (they are the team's)
    assert (await ask(client, world.owner, "kpi-stats", team_body(world)))["created"]["count"] == 6


@BOTH_DATABASES
async def test_system_admins_see_any_team_and_learn_when_one_does_not_exist(app, client, booked: World, database_url):
    world = booked
    root = await make_user(app, "root", admin=True)
    assert (await ask(client, root, "kpi-stats", team_body(world)))["created"]["count"] == 6
    body = await ask(client, root, "kpi-stats", team_body(world, team_id=987_654), status=404)
    assert body["error"]["message"] == "Team with id=987654 not found"
    # in the user scope, an admin may name the user whose numbers they read
    user_scope = {**team_body(world, host(world.member.id)), "scope": "user"}
    assert (await ask(client, root, "kpi-stats", user_scope))["created"]["count"] == 4


@BOTH_DATABASES
async def test_without_a_key_every_route_answers_401(client, world: World, database_url):
    for route in ROUTES:
        body = await ask(client, None, route, team_body(world), status=401)
        assert body["status"] == "error"
    response = await client.get(f"{INSIGHTS}/export", params={"scope": "user", "timeZone": "UTC"})
    assert response.status_code == 401
