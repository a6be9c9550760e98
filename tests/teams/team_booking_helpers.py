"""Helpers for team booking tests: a team whose hosts all work Monday–Friday 09:00–17:00 UTC, a team
event type made through the API, and every weekday half-hour start from Monday 2050-09-05 on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.bookings.conftest import make_schedule
from tests.support.factories import make_user
from tests.teams.conftest import add_member, make_team


async def team_of(
    app: Any, client: httpx.AsyncClient, owner: Any, names: list[str], team_name: str = "Sales"
) -> tuple[int, list[Any]]:
    """A team owned by ``owner`` with new members ``names``; every one (owner included) has a UTC working week.

    Returns (team id, [owner, *members]).
    """
    team = await make_team(client, owner, team_name)
    users = [owner]
    for name in names:
        user = await make_user(app, name)
        await add_member(client, team["id"], owner, user)
        users.append(user)
    for user in users:
        await make_schedule(client, user)
    return team["id"], users


async def team_event(
    client: httpx.AsyncClient,
    owner: Any,
    team_id: int,
    slug: str,
    scheduling: str,
    hosts: list[dict[str, Any]],
    **fields: Any,
) -> int:
    body = {
        "title": slug.title(),
        "slug": slug,
        "lengthInMinutes": 30,
        "minimumBookingNotice": 0,
        "schedulingType": scheduling,
        "hosts": hosts,
        **fields,
    }
    response = await client.post(f"/v2/teams/{team_id}/event-types", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    return (data[0] if isinstance(data, list) else data)["id"]


def weekday_starts(count: int, first: datetime = datetime(2050, 9, 5, 9, tzinfo=UTC)) -> list[str]:
    """``count`` distinct half-hour starts inside Monday–Friday 09:00–17:00 UTC, from ``first`` on."""
    out: list[str] = []
    moment = first
    while len(out) < count:
        if moment.weekday() < 5 and 9 <= moment.hour < 17:
            out.append(moment.strftime("%Y-%m-%dT%H:%M:00.000Z"))
        moment += timedelta(minutes=30)
    return out
