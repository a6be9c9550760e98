"""A subscription owned by a team fires for every booking of the team's event types (a real receiver).

Team subscriptions have no management route yet: the row is written directly, as the routes would.
"""

from __future__ import annotations

import uuid

import pytest

from calapi.db import utcnow
from calapi.webhooks.models import Webhook
from tests.bookings.conftest import MONDAY, at, book
from tests.support.factories import make_user
from tests.teams.team_booking_helpers import team_event, team_of
from tests.webhooks.conftest import SECRET, job_loop, receiver, settle  # noqa: F401  (fixtures)


@pytest.fixture
def settings_overrides():
    return {"webhook_retry_schedule": "0,0.1s,0.1s", "webhook_retry_jitter": 0.0}


async def team_subscription(app, team_id: int, url: str, triggers: list[str]) -> None:
    async with app.state.sessionmaker() as session:
        session.add(
            Webhook(
                id=str(uuid.uuid4()), team_id=team_id, subscriber_url=url, triggers=triggers, active=True, secret=SECRET,
                version="2021-10-20", platform=False, created_at=utcnow(),
            )
        )
        await session.commit()


async def test_a_team_subscription_fires_for_the_team_event_types_bookings(app, client, alice, receiver, job_loop):  # noqa: F811
    team_id, (owner, bob) = await team_of(app, client, alice, ["bob"])
    other_team, _ = await team_of(app, client, await make_user(app, "carol"), [], team_name="Other")
    collective = await team_event(client, alice, team_id, "panel", "collective", [{"userId": owner.id}, {"userId": bob.id}])
    round_robin = await team_event(client, alice, team_id, "demo", "roundRobin", [{"userId": owner.id}, {"userId": bob.id}])
    await team_subscription(app, team_id, receiver.url + "/team", ["BOOKING_CREATED", "BOOKING_REASSIGNED"])
    await team_subscription(app, other_team, receiver.url + "/other", ["BOOKING_CREATED"])

    first = await book(client, collective, at(MONDAY, "10:00"))
    assert first.status_code == 201, first.text
    await settle(app)
    second = await book(client, round_robin, at(MONDAY, "11:00"))
    assert second.status_code == 201, second.text
    await settle(app)
    received = await receiver.wait_for(2)
    assert sorted(r.path for r in received) == ["/team", "/team"]
    uids = sorted(r.json()["payload"]["uid"] for r in received)
    assert uids == sorted([first.json()["data"]["uid"], second.json()["data"]["uid"]])
    assert {r.json()["triggerEvent"] for r in received} == {"BOOKING_CREATED"}
