"""Team admins operate their team's webhooks under /v2/teams/{teamId}/webhooks/{id}/…: the delivery
log, redelivery, ping and secret rotation, as an owner does under /v2/webhooks/{id}/…; members
and outsiders are refused by the team role guard, other teams' ids are not found."""

from __future__ import annotations

from tests.bookings.conftest import MONDAY, at, book
from tests.support.factories import make_user
from tests.teams.conftest import add_member, world  # noqa: F401  (fixture)
from tests.teams.team_booking_helpers import team_event, team_of
from tests.webhooks.conftest import SECRET, settle
from tests.webhooks.receiver import verify_cal, verify_standard

OPERATIONS = [
    ("GET", "/deliveries"),
    ("POST", "/ping"),
    ("POST", "/rotate-secret"),
    ("POST", "/deliveries/{delivery}/redeliver"),
]


async def test_a_team_admin_reads_the_log_redelivers_pings_and_rotates(app, client, alice, receiver, job_loop):
    team_id, (owner, bob) = await team_of(app, client, alice, ["bob"])
    admin = await make_user(app, "adam")
    await add_member(client, team_id, owner, admin, "ADMIN")
    panel = await team_event(client, owner, team_id, "panel", "collective", [{"userId": owner.id}, {"userId": bob.id}])
    path = f"/v2/teams/{team_id}/webhooks"
    created = await client.post(
        path,
        json={"subscriberUrl": receiver.url, "active": True, "triggers": ["BOOKING_CREATED"], "secret": SECRET},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    hook = created.json()["data"]["id"]

    booking = await book(client, panel, at(MONDAY, "10:00"))
    assert booking.status_code == 201, booking.text
    [first] = await receiver.wait_for(1)
    await settle(app)

    # the delivery log, with its filters
    log = await client.get(f"{path}/{hook}/deliveries", headers=admin.headers)
    assert log.status_code == 200, log.text
    [entry] = log.json()["data"]
    assert entry["status"] == "succeeded" and entry["webhookId"] == first.webhook_id and entry["subscriptionId"] == hook
    assert entry["triggerEvent"] == "BOOKING_CREATED" and len(entry["attemptLog"]) == 1
    assert SECRET not in log.text
    assert (await client.get(f"{path}/{hook}/deliveries?status=failed", headers=admin.headers)).json()["data"] == []
    assert (await client.get(f"{path}/{hook}/deliveries?status=nope", headers=admin.headers)).status_code == 400

    # redelivery: the same body under the same webhook-id
    redelivered = await client.post(f"{path}/{hook}/deliveries/{entry['id']}/redeliver", headers=admin.headers)
    assert redelivered.status_code == 202, redelivered.text
    second = (await receiver.wait_for(2))[1]
    await settle(app)
    assert second.webhook_id == first.webhook_id and second.body == first.body
    assert verify_cal(SECRET, second) and verify_standard(SECRET, second)

    # ping: Cal.com's test event, signed, answered in the response
    pinged = await client.post(f"{path}/{hook}/ping", headers=admin.headers)
    assert pinged.status_code == 200, pinged.text
    assert pinged.json()["data"]["ok"] is True and pinged.json()["data"]["status"] == 200
    ping = receiver.requests[2]
    assert ping.json()["triggerEvent"] == "PING" and verify_cal(SECRET, ping) and verify_standard(SECRET, ping)

    # rotation: both secrets sign during the overlap
    rotated = await client.post(f"{path}/{hook}/rotate-secret", headers=admin.headers)
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["data"]["secret"]
    assert (
        new_secret != SECRET
        and rotated.json()["data"]["teamId"] == team_id
        and rotated.json()["data"]["previousSecretExpiresAt"]
    )
    assert (await client.post(f"{path}/{hook}/ping", headers=admin.headers)).json()["data"]["ok"] is True
    after = receiver.requests[3]
    assert verify_cal(new_secret, after) and verify_standard(new_secret, after) and verify_standard(SECRET, after)

    # the owner sees the same log: the booking's delivery (two attempts) and the two pings
    owner_log = (await client.get(f"{path}/{hook}/deliveries", headers=owner.headers)).json()["data"]
    assert sorted(e["triggerEvent"] for e in owner_log) == ["BOOKING_CREATED", "PING", "PING"]
    assert [len(e["attemptLog"]) for e in owner_log if e["triggerEvent"] == "BOOKING_CREATED"] == [2]


async def test_members_and_outsiders_cannot_operate_a_team_webhook(app, client, world):
    path = f"/v2/teams/{world.team_id}/webhooks"
    body = {
        "subscriberUrl": "http://127.0.0.1:9/hook",
        "active": True,
        "triggers": ["BOOKING_CREATED"],
        "secret": SECRET,
    }
    created = await client.post(path, json=body, headers=world.admin.headers)
    assert created.status_code == 201, created.text
    hook = created.json()["data"]["id"]
    unknown_delivery = "00000000-0000-4000-8000-000000000000"

    refusals = {
        world.member.id: f"does not have the minimum required role=TEAM_ADMIN within team with id={world.team_id}",
        world.outsider.id: f"User is not a member of the team with id={world.team_id}",
    }
    for user in (world.member, world.outsider):
        for method, suffix in OPERATIONS:
            url = f"{path}/{hook}{suffix.format(delivery=unknown_delivery)}"
            response = await client.request(method, url, headers=user.headers)
            assert response.status_code == 403, (method, url, response.text)
            assert refusals[user.id] in response.json()["error"]["message"]
        assert (await client.get(f"{path}/{hook}/deliveries")).status_code == 401

    # Under another team (the outsider's own), the id is not found; so is a user-level webhook's
    # id under this team's path, and a delivery that is not this webhook's.
    other_team, _ = await team_of(app, client, world.outsider, [], team_name="Other")
    personal = await client.post(
        "/v2/webhooks", json={**body, "subscriberUrl": "http://127.0.0.1:9/mine"}, headers=world.owner.headers
    )
    assert personal.status_code == 201, personal.text
    for method, suffix in OPERATIONS:
        tail = suffix.format(delivery=unknown_delivery)
        foreign = await client.request(
            method, f"/v2/teams/{other_team}/webhooks/{hook}{tail}", headers=world.outsider.headers
        )
        assert foreign.status_code == 404, (method, suffix, foreign.text)
        not_team = await client.request(
            method, f"{path}/{personal.json()['data']['id']}{tail}", headers=world.admin.headers
        )
        assert not_team.status_code == 404, (method, suffix, not_team.text)
    missing = await client.post(f"{path}/{hook}/deliveries/{unknown_delivery}/redeliver", headers=world.admin.headers)
    assert missing.status_code == 404

    # nothing was changed by the refused calls: the secret is the one set at creation
    assert (await client.get(f"{path}/{hook}", headers=world.admin.headers)).json()["data"]["secret"] == SECRET
    assert (await client.get(f"{path}/{hook}/deliveries", headers=world.admin.headers)).json()["data"] == []
