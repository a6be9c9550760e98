"""A subscription owned by a team fires for every booking of the team's event types (a real receiver).

The first test writes the subscription row directly; the others go through /v2/teams/{teamId}/webhooks.
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
                id=str(uuid.uuid4()),
                team_id=team_id,
                subscriber_url=url,
                triggers=triggers,
                active=True,
                secret=SECRET,
                version="2021-10-20",
                platform=False,
                created_at=utcnow(),
            )
        )
        await session.commit()


async def test_a_team_subscription_fires_for_the_team_event_types_bookings(app, client, alice, receiver, job_loop):
    team_id, (owner, bob) = await team_of(app, client, alice, ["bob"])
    other_team, _ = await team_of(app, client, await make_user(app, "carol"), [], team_name="Other")
    collective = await team_event(
        client, alice, team_id, "panel", "collective", [{"userId": owner.id}, {"userId": bob.id}]
    )
    round_robin = await team_event(
        client, alice, team_id, "demo", "roundRobin", [{"userId": owner.id}, {"userId": bob.id}]
    )
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


async def test_team_admins_manage_team_webhooks_through_the_api(app, client, world):
    path = f"/v2/teams/{world.team_id}/webhooks"
    body = {
        "subscriberUrl": "http://127.0.0.1:9/hook",
        "active": True,
        "triggers": ["BOOKING_CREATED"],
        "secret": SECRET,
    }

    created = await client.post(path, json=body, headers=world.admin.headers)
    assert created.status_code == 201, created.text
    webhook = created.json()["data"]
    assert webhook == {
        "id": webhook["id"],
        "teamId": world.team_id,
        "payloadTemplate": None,
        "triggers": ["BOOKING_CREATED"],
        "subscriberUrl": "http://127.0.0.1:9/hook",
        "active": True,
        "secret": SECRET,
    }
    duplicate = await client.post(path, json=body, headers=world.owner.headers)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["message"] == "Webhook with this subscriber url already exists for this team"

    listed = await client.get(path, headers=world.owner.headers)
    assert listed.status_code == 200 and listed.json()["data"] == [webhook]
    one = await client.get(f"{path}/{webhook['id']}", headers=world.admin.headers)
    assert one.status_code == 200 and one.json()["data"] == webhook
    patched = await client.patch(
        f"{path}/{webhook['id']}",
        json={"active": False, "triggers": ["BOOKING_CANCELLED"]},
        headers=world.admin.headers,
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["data"]["active"], patched.json()["data"]["triggers"]) == (False, ["BOOKING_CANCELLED"])

    # Members below ADMIN and outsiders are refused by the team role guard; another team cannot see it.
    for user in (world.member, world.outsider):
        assert (await client.get(path, headers=user.headers)).status_code == 403
        assert (
            await client.post(path, json={**body, "subscriberUrl": "http://127.0.0.1:9/x"}, headers=user.headers)
        ).status_code == 403
    other_team, _ = await team_of(app, client, world.outsider, [], team_name="Other")
    foreign = await client.get(f"/v2/teams/{other_team}/webhooks/{webhook['id']}", headers=world.outsider.headers)
    assert foreign.status_code == 404
    assert (await client.get(f"/v2/teams/{other_team}/webhooks", headers=world.outsider.headers)).json()["data"] == []
    # Bad input is a 400 in the envelope, not a 500.
    bad = await client.post(path, json={**body, "triggers": ["NOPE"]}, headers=world.admin.headers)
    assert bad.status_code == 400, bad.text

    deleted = await client.delete(f"{path}/{webhook['id']}", headers=world.admin.headers)
    assert deleted.status_code == 200 and deleted.json()["data"]["id"] == webhook["id"]
    assert (await client.get(f"{path}/{webhook['id']}", headers=world.admin.headers)).status_code == 404
    assert (await client.get(path, headers=world.admin.headers)).json()["data"] == []


async def test_a_team_webhook_created_through_the_api_fires_for_a_team_booking(app, client, alice, receiver, job_loop):
    team_id, (owner, bob) = await team_of(app, client, alice, ["bob"])
    panel = await team_event(client, alice, team_id, "panel", "collective", [{"userId": owner.id}, {"userId": bob.id}])
    created = await client.post(
        f"/v2/teams/{team_id}/webhooks",
        json={
            "subscriberUrl": receiver.url + "/team",
            "active": True,
            "triggers": ["BOOKING_CREATED"],
            "secret": SECRET,
        },
        headers=alice.headers,
    )
    assert created.status_code == 201, created.text

    booking = await book(client, panel, at(MONDAY, "10:00"))
    assert booking.status_code == 201, booking.text
    await settle(app)
    received = await receiver.wait_for(1)
    assert [r.path for r in received] == ["/team"]
    assert received[0].json()["triggerEvent"] == "BOOKING_CREATED"
    assert received[0].json()["payload"]["uid"] == booking.json()["data"]["uid"]
