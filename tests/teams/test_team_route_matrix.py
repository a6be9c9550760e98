"""Authorization matrix over every team route (v1 and v2) × caller × role change.

Callers: the team's OWNER, an ADMIN, a MEMBER, an outsider (a user in no team) and a system
admin (``users.role = ADMIN``, in no team). ``ROUTES`` gives the status each caller gets on each
team route; ``ROLE_CHANGES`` gives the status of each change to or from the OWNER role, and that
a refused change leaves every membership as it was.

The routes come from the app: every served route whose path names teams, memberships, invites or a
team booking's reassignment must have an entry here (``test_every_team_route_is_in_the_matrix``),
so a new team route cannot ship without its row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from calapi.core.openapi import api_routes
from tests.bookings.conftest import BOOKINGS_VERSION, MONDAY, at, book, make_schedule
from tests.support.factories import TestUser as User
from tests.support.factories import make_user
from tests.teams.conftest import add_member, make_team
from tests.teams.team_booking_helpers import team_event

CALLERS = ("owner", "admin", "member", "outsider", "system_admin")
TEAM_ROUTE = re.compile(r"/teams\b|/memberships\b|/invites\b|/reassign\b")
HOOK = {"subscriberUrl": "http://127.0.0.1:9/team", "active": True, "triggers": ["BOOKING_CREATED"]}
WORKFLOW = {
    "name": "Team reminder",
    "activation": {"isActiveOnAllEventTypes": True, "activeOnEventTypeIds": []},
    "trigger": {"type": "newEvent"},
    "steps": [
        {
            "stepNumber": 1,
            "action": "email_host",
            "recipient": "const",
            "template": "custom",
            "sender": "Sales",
            "message": {"subject": "Booked: {ATTENDEE_NAME}", "html": "<p>{EVENT_NAME}</p>"},
        }
    ],
}

Ids = dict[str, Any]


@dataclass(frozen=True)
class Row:
    """One route: its path over ``Ids``, a body, and the status of (owner, admin, member, outsider, system admin)."""

    path: str
    statuses: tuple[int, int, int, int, int]
    body: Any = None
    version: str | None = None
    params: dict[str, str] | None = None

    def expected(self, caller: str) -> int:
        return self.statuses[CALLERS.index(caller)]


# Run in this order against one team per caller: reads, writes, then deletes (children before parents).
ROUTES: dict[tuple[str, str], Row] = {
    # --- v2 reads
    ("GET", "/v2/teams"): Row("/v2/teams", (200, 200, 200, 200, 200)),
    ("GET", "/v2/teams/{teamId}"): Row("/v2/teams/{team}", (200, 200, 200, 403, 200)),
    ("GET", "/v2/teams/{teamId}/memberships"): Row("/v2/teams/{team}/memberships", (200, 200, 403, 403, 200)),
    ("GET", "/v2/teams/{teamId}/memberships/{membershipId}"): Row(
        "/v2/teams/{team}/memberships/{member_m}", (200, 200, 403, 403, 200)
    ),
    ("GET", "/v2/teams/{teamId}/event-types"): Row("/v2/teams/{team}/event-types", (200, 200, 200, 200, 200)),  # public
    ("GET", "/v2/teams/{teamId}/event-types/{eventTypeId}"): Row(
        "/v2/teams/{team}/event-types/{event}", (200, 200, 403, 403, 200)
    ),
    ("GET", "/v2/teams/{teamId}/schedules"): Row("/v2/teams/{team}/schedules", (200, 200, 403, 403, 200)),
    ("GET", "/v2/teams/{teamId}/webhooks"): Row("/v2/teams/{team}/webhooks", (200, 200, 403, 403, 200)),
    ("GET", "/v2/teams/{teamId}/webhooks/{webhookId}"): Row(
        "/v2/teams/{team}/webhooks/{webhook}", (200, 200, 403, 403, 200)
    ),
    ("GET", "/v2/teams/{teamId}/webhooks/{webhookId}/deliveries"): Row(
        "/v2/teams/{team}/webhooks/{webhook}/deliveries", (200, 200, 403, 403, 200)
    ),
    ("GET", "/v2/teams/{teamId}/workflows"): Row("/v2/teams/{team}/workflows", (200, 200, 403, 403, 200)),
    ("GET", "/v2/teams/{teamId}/workflows/{workflowId}"): Row(
        "/v2/teams/{team}/workflows/{workflow}", (200, 200, 403, 403, 200)
    ),
    ("GET", "/v2/teams/{teamId}/workflows/{workflowId}/messages"): Row(
        "/v2/teams/{team}/workflows/{workflow}/messages", (200, 200, 403, 403, 200)
    ),
    # --- v1 reads (v1 hides a team from outsiders with 404; a non-admin member gets 401 or 403)
    ("GET", "/v1/teams"): Row("/v1/teams", (200, 200, 200, 200, 200)),
    ("GET", "/v1/teams/{teamId}"): Row("/v1/teams/{team}", (200, 200, 200, 404, 200)),
    ("GET", "/v1/teams/{teamId}/event-types"): Row(
        "/v1/teams/{team}/event-types", (200, 200, 200, 200, 200)
    ),  # outsiders: []
    ("GET", "/v1/teams/{teamId}/availability"): Row(
        "/v1/teams/{team}/availability",
        (200, 200, 403, 403, 200),
        params={"dateFrom": "2050-09-05", "dateTo": "2050-09-06"},
    ),
    ("GET", "/v1/memberships"): Row("/v1/memberships", (200, 200, 200, 200, 200)),  # the caller's own
    ("GET", "/v1/memberships/{id}"): Row("/v1/memberships/{host_1}_{team}", (200, 200, 404, 404, 200)),
    # --- v2 writes
    ("POST", "/v2/teams"): Row("/v2/teams", (201, 201, 201, 201, 201), body={"name": "Their own team"}),
    ("PATCH", "/v2/teams/{teamId}"): Row("/v2/teams/{team}", (200, 403, 403, 403, 200), body={"bio": "We sell"}),
    ("POST", "/v2/teams/{teamId}/memberships"): Row(
        "/v2/teams/{team}/memberships", (201, 201, 403, 403, 201), body={"userId": "{newcomer_v2}", "role": "MEMBER"}
    ),
    ("PATCH", "/v2/teams/{teamId}/memberships/{membershipId}"): Row(
        "/v2/teams/{team}/memberships/{member_m}", (200, 200, 403, 403, 200), body={"disableImpersonation": True}
    ),
    ("POST", "/v2/teams/{teamId}/event-types"): Row(
        "/v2/teams/{team}/event-types",
        (201, 201, 403, 403, 201),
        body={"title": "Made", "slug": "made", "lengthInMinutes": 30, "schedulingType": "collective"},
    ),
    ("PATCH", "/v2/teams/{teamId}/event-types/{eventTypeId}"): Row(
        "/v2/teams/{team}/event-types/{event}", (200, 200, 403, 403, 200), body={"title": "Renamed"}
    ),
    ("POST", "/v2/teams/{teamId}/webhooks"): Row(
        "/v2/teams/{team}/webhooks",
        (201, 201, 403, 403, 201),
        body={**HOOK, "subscriberUrl": "http://127.0.0.1:9/made"},
    ),
    ("PATCH", "/v2/teams/{teamId}/webhooks/{webhookId}"): Row(
        "/v2/teams/{team}/webhooks/{webhook}", (200, 200, 403, 403, 200), body={"active": False}
    ),
    ("POST", "/v2/teams/{teamId}/webhooks/{webhookId}/ping"): Row(
        "/v2/teams/{team}/webhooks/{webhook}/ping", (200, 200, 403, 403, 200)
    ),
    ("POST", "/v2/teams/{teamId}/webhooks/{webhookId}/rotate-secret"): Row(
        "/v2/teams/{team}/webhooks/{webhook}/rotate-secret", (200, 200, 403, 403, 200)
    ),
    ("POST", "/v2/teams/{teamId}/workflows"): Row(
        "/v2/teams/{team}/workflows", (201, 201, 403, 403, 201), body={**WORKFLOW, "name": "Made"}
    ),
    ("PATCH", "/v2/teams/{teamId}/workflows/{workflowId}"): Row(
        "/v2/teams/{team}/workflows/{workflow}", (200, 200, 403, 403, 200), body={"name": "Renamed"}
    ),
    ("POST", "/v2/teams/{teamId}/workflows/{workflowId}/preview"): Row(
        "/v2/teams/{team}/workflows/{workflow}/preview", (200, 200, 403, 403, 200), body={"bookingUid": "{booking}"}
    ),
    # No delivery exists: those let through get 404.
    ("POST", "/v2/teams/{teamId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver"): Row(
        "/v2/teams/{team}/webhooks/{webhook}/deliveries/999999/redeliver", (404, 404, 403, 403, 404)
    ),
    # --- v1 writes
    ("POST", "/v1/teams"): Row("/v1/teams", (200, 200, 200, 200, 200), body={"name": "Their v1 team"}),
    ("PATCH", "/v1/teams/{teamId}"): Row("/v1/teams/{team}", (200, 200, 401, 404, 200), body={"bio": "We sell"}),
    ("PATCH", "/v1/teams/{teamId}/publish"): Row("/v1/teams/{team}/publish", (200, 200, 401, 404, 200)),
    ("POST", "/v1/memberships"): Row(
        "/v1/memberships",
        (200, 200, 403, 403, 200),
        body={"userId": "{newcomer_v1}", "teamId": "{team}", "role": "MEMBER"},
    ),
    ("PATCH", "/v1/memberships/{id}"): Row(
        "/v1/memberships/{host_1}_{team}", (200, 200, 404, 404, 200), body={"disableImpersonation": True}
    ),
    ("POST", "/v1/invites"): Row(
        "/v1/invites", (200, 200, 403, 403, 200), body={"teamId": "{team}", "usernameOrEmail": "nora", "role": "MEMBER"}
    ),
    # --- team bookings: a round-robin booking hosted by host_1 or host_2 (neither is a caller)
    ("POST", "/v2/bookings/{bookingUid}/reassign/{userId}"): Row(
        "/v2/bookings/{booking}/reassign/{free_host}", (200, 200, 404, 404, 200), version=BOOKINGS_VERSION
    ),
    ("POST", "/v2/bookings/{bookingUid}/reassign"): Row(
        "/v2/bookings/{booking}/reassign", (200, 200, 404, 404, 200), version=BOOKINGS_VERSION
    ),
    # --- deletes
    ("DELETE", "/v2/teams/{teamId}/memberships/{membershipId}"): Row(
        "/v2/teams/{team}/memberships/{leaver_v2_m}", (200, 200, 403, 403, 200)
    ),
    ("DELETE", "/v1/memberships/{id}"): Row("/v1/memberships/{leaver_v1}_{team}", (200, 200, 404, 404, 200)),
    ("DELETE", "/v2/teams/{teamId}/event-types/{eventTypeId}"): Row(
        "/v2/teams/{team}/event-types/{event}", (200, 200, 403, 403, 200)
    ),
    ("DELETE", "/v2/teams/{teamId}/webhooks/{webhookId}"): Row(
        "/v2/teams/{team}/webhooks/{webhook}", (200, 200, 403, 403, 200)
    ),
    ("DELETE", "/v2/teams/{teamId}/workflows/{workflowId}"): Row(
        "/v2/teams/{team}/workflows/{workflow}", (200, 200, 403, 403, 200)
    ),
    ("DELETE", "/v1/teams/{teamId}"): Row("/v1/teams/{team_2}", (200, 401, 401, 404, 200)),
    ("DELETE", "/v2/teams/{teamId}"): Row("/v2/teams/{team}", (200, 403, 403, 403, 200)),
}


def served_team_routes(app: Any) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in api_routes(app.routes)
        for method in route.methods
        if TEAM_ROUTE.search(route.path)
    }


def test_every_team_route_is_in_the_matrix(app) -> None:
    served = served_team_routes(app)
    assert not served - ROUTES.keys(), f"team routes missing from the matrix: {sorted(served - ROUTES.keys())}"
    assert not ROUTES.keys() - served, (
        f"matrix rows for routes the app does not serve: {sorted(ROUTES.keys() - served)}"
    )


# --- one team per test, with a user in every role ---------------------------------------------


@dataclass
class World:
    users: dict[str, User]
    ids: Ids = field(default_factory=dict)


async def _roles_team(client: httpx.AsyncClient, users: dict[str, User], name: str) -> dict[str, Any]:
    team = await make_team(client, users["owner"], name)
    await add_member(client, team["id"], users["owner"], users["admin"], "ADMIN")
    await add_member(client, team["id"], users["owner"], users["member"])
    return team


async def world(
    app: Any, client: httpx.AsyncClient, alice: User, system_admin: User, *, co_owner: bool = False
) -> World:
    users = {
        "owner": alice,
        "admin": await make_user(app, "adam"),
        "member": await make_user(app, "mel"),
        "outsider": await make_user(app, "olga"),
        "system_admin": system_admin,
    }
    team = await _roles_team(client, users, "Sales")
    ids: Ids = {"team": team["id"]}
    owner = users["owner"]
    for name in ("newcomer_v2", "newcomer_v1", "nora"):
        ids[name] = (await make_user(app, name)).id
    if co_owner:
        cora = await make_user(app, "cora")
        ids["co_owner_m"] = (await add_member(client, team["id"], owner, cora, "OWNER"))["id"]
    listed = (await client.get(f"/v2/teams/{team['id']}/memberships", headers=owner.headers)).json()["data"]
    by_user = {m["userId"]: m["id"] for m in listed}
    ids |= {f"{role}_m": by_user[users[role].id] for role in ("owner", "admin", "member")}
    return World(users, ids)


async def full_world(app: Any, client: httpx.AsyncClient, alice: User, system_admin: User) -> World:
    """The roles team plus a row of every kind a team route addresses."""
    built = await world(app, client, alice, system_admin)
    owner, ids, team = built.users["owner"], built.ids, built.ids["team"]
    ids["team_2"] = (await _roles_team(client, built.users, "Support"))["id"]
    for name in ("leaver_v2", "leaver_v1", "host_1", "host_2"):
        user = await make_user(app, name)
        ids[name] = user.id
        ids[f"{name}_m"] = (await add_member(client, team, owner, user))["id"]
        if name.startswith("host"):
            await make_schedule(client, user)
    ids["event"] = await team_event(client, owner, team, "intro", "collective", [{"userId": ids["host_1"]}])
    round_robin = await team_event(
        client, owner, team, "demo", "roundRobin", [{"userId": ids["host_1"]}, {"userId": ids["host_2"]}]
    )
    booked = await book(client, round_robin, at(MONDAY, "10:00"))
    assert booked.status_code == 201, booked.text
    ids["booking"] = booked.json()["data"]["uid"]
    chosen = booked.json()["data"]["hosts"][0]["id"]
    ids["free_host"] = ids["host_2"] if chosen == ids["host_1"] else ids["host_1"]
    hook = await client.post(f"/v2/teams/{team}/webhooks", json=HOOK, headers=owner.headers)
    assert hook.status_code == 201, hook.text
    ids["webhook"] = hook.json()["data"]["id"]
    workflow = await client.post(f"/v2/teams/{team}/workflows", json=WORKFLOW, headers=owner.headers)
    assert workflow.status_code == 201, workflow.text
    ids["workflow"] = workflow.json()["data"]["id"]
    return built


def _fill(value: Any, ids: Ids) -> Any:
    if isinstance(value, str):
        text = value.format(**ids)
        return int(text) if value.startswith("{") and text.isdigit() else text
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


async def call(
    client: httpx.AsyncClient,
    user: User,
    method: str,
    path: str,
    ids: Ids,
    body: Any = None,
    version: str | None = None,
    params: dict[str, str] | None = None,
) -> httpx.Response:
    url = path.format(**ids)
    params, headers = dict(params or {}), dict(user.headers)
    if url.startswith("/v1/"):
        params, headers = {**params, "apiKey": user.key}, {}
    if version:
        headers["cal-api-version"] = version
    return await client.request(
        method, url, params=params, headers=headers, json=_fill(body, ids) if body is not None else None
    )


@pytest.mark.parametrize("caller", CALLERS)
async def test_team_route_matrix(caller: str, app, client, alice, admin) -> None:
    built = await full_world(app, client, alice, admin)
    user = built.users[caller]
    served = served_team_routes(app)
    wrong = []
    for (method, route), row in ROUTES.items():
        assert (method, route) in served, route
        response = await call(client, user, method, row.path, built.ids, row.body, row.version, row.params)
        if response.status_code != row.expected(caller):
            wrong.append(
                f"{method} {route}: {response.status_code} (expected {row.expected(caller)}) {response.text[:200]}"
            )
    assert not wrong, "\n".join(wrong)


# --- role changes to and from OWNER ---------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A change to or from OWNER, with the status each caller gets (None: the caller has no such membership)."""

    method: str
    path: str
    statuses: tuple[int | None, int | None, int | None, int | None, int | None]
    body: Any = None
    co_owner: bool = False  # the team has a second accepted owner


SELF_TO_OWNER = {"role": "OWNER"}
ROLE_CHANGES: dict[str, Change] = {
    # to OWNER
    "v2 make a member OWNER": Change(
        "PATCH", "/v2/teams/{team}/memberships/{member_m}", (200, 403, 403, 403, 200), {"role": "OWNER"}
    ),
    "v2 make oneself OWNER": Change(
        "PATCH", "/v2/teams/{team}/memberships/{self_m}", (200, 403, 403, None, None), SELF_TO_OWNER
    ),
    "v2 create an OWNER membership": Change(
        "POST",
        "/v2/teams/{team}/memberships",
        (201, 403, 403, 403, 201),
        {"userId": "{newcomer_v2}", "role": "OWNER", "accepted": True},
    ),
    "v1 make a member OWNER": Change(
        "PATCH", "/v1/memberships/{member}_{team}", (200, 403, 403, 404, 200), {"role": "OWNER"}
    ),
    "v1 make oneself OWNER": Change(
        "PATCH", "/v1/memberships/{self}_{team}", (200, 403, 403, None, None), SELF_TO_OWNER
    ),
    "v1 create an OWNER membership": Change(
        "POST",
        "/v1/memberships",
        (200, 403, 403, 403, 200),
        {"userId": "{newcomer_v1}", "teamId": "{team}", "role": "OWNER"},
    ),
    "v1 invite an OWNER": Change(
        "POST",
        "/v1/invites",
        (200, 403, 403, 403, 200),
        {"teamId": "{team}", "usernameOrEmail": "nora", "role": "OWNER"},
    ),
    # from OWNER, the team's only owner
    "v2 demote the only owner": Change(
        "PATCH", "/v2/teams/{team}/memberships/{owner_m}", (403, 403, 403, 403, 403), {"role": "ADMIN"}
    ),
    "v2 remove the only owner": Change("DELETE", "/v2/teams/{team}/memberships/{owner_m}", (403, 403, 403, 403, 403)),
    "v1 demote the only owner": Change(
        "PATCH", "/v1/memberships/{owner}_{team}", (403, 403, 404, 404, 403), {"role": "ADMIN"}
    ),
    "v1 remove the only owner": Change("DELETE", "/v1/memberships/{owner}_{team}", (403, 403, 404, 404, 403)),
    # from OWNER, with a second owner
    "v2 demote a co-owner": Change(
        "PATCH", "/v2/teams/{team}/memberships/{co_owner_m}", (200, 403, 403, 403, 200), {"role": "ADMIN"}, True
    ),
    "v2 remove a co-owner": Change(
        "DELETE", "/v2/teams/{team}/memberships/{co_owner_m}", (200, 403, 403, 403, 200), co_owner=True
    ),
    "v2 owner steps down beside a co-owner": Change(
        "PATCH", "/v2/teams/{team}/memberships/{owner_m}", (200, 403, 403, 403, 200), {"role": "MEMBER"}, True
    ),
    "v1 demote a co-owner": Change(
        "PATCH", "/v1/memberships/{co_owner}_{team}", (200, 403, 404, 404, 200), {"role": "ADMIN"}, True
    ),
    "v1 remove a co-owner": Change(
        "DELETE", "/v1/memberships/{co_owner}_{team}", (200, 403, 404, 404, 200), co_owner=True
    ),
    "v1 owner leaves beside a co-owner": Change(
        "DELETE", "/v1/memberships/{owner}_{team}", (200, 403, 404, 404, 200), co_owner=True
    ),
}


async def _memberships(client: httpx.AsyncClient, system_admin: User, team_id: int) -> dict[int, tuple[str, bool]]:
    response = await client.get(f"/v2/teams/{team_id}/memberships", headers=system_admin.headers)
    assert response.status_code == 200, response.text
    return {m["userId"]: (m["role"], m["accepted"]) for m in response.json()["data"]}


CELLS = [
    (name, caller)
    for name, change in ROLE_CHANGES.items()
    for caller in CALLERS
    if change.statuses[CALLERS.index(caller)] is not None
]


@pytest.mark.parametrize(("change_name", "caller"), CELLS, ids=[f"{n} by {c}" for n, c in CELLS])
async def test_role_change_matrix(change_name: str, caller: str, app, client, alice, admin) -> None:
    change = ROLE_CHANGES[change_name]
    built = await world(app, client, alice, admin, co_owner=change.co_owner)
    user, ids = built.users[caller], dict(built.ids)
    ids |= {role: built.users[role].id for role in ("owner", "member")}
    if change.co_owner:
        ids["co_owner"] = next(
            uid
            for uid, (role, _) in (await _memberships(client, admin, ids["team"])).items()
            if role == "OWNER" and uid != alice.id
        )
    if caller in ("owner", "admin", "member"):
        ids |= {"self": user.id, "self_m": ids[f"{caller}_m"]}
    before = await _memberships(client, admin, ids["team"])

    response = await call(client, user, change.method, change.path, ids, change.body)

    expected = change.statuses[CALLERS.index(caller)]
    assert response.status_code == expected, response.text
    after = await _memberships(client, admin, ids["team"])
    if expected >= 400:
        assert after == before
    elif not (change_name.endswith("oneself OWNER") and caller == "owner"):  # an owner making themself OWNER is a no-op
        assert after != before
    owners = [uid for uid, (role, accepted) in after.items() if role == "OWNER" and accepted]
    assert owners, "the team was left without an accepted owner"
