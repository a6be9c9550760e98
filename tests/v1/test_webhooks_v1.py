"""API v1 /webhooks: eventTriggers, UUID ids, no active/secret in answers; a v1 subscription fires for v2 bookings."""

from __future__ import annotations

import uuid

from tests.bookings.conftest import MONDAY, at, book
from tests.v1.conftest import v1_error
from tests.webhooks.conftest import event_types, host_schedule, job_loop, receiver, settings_overrides, settle  # noqa: F401
from tests.webhooks.receiver import verify_cal

SECRET = "v1-secret-123"


async def _subscribe(api, user, url, **extra):
    body = {
        "subscriberUrl": url,
        "eventTriggers": ["BOOKING_CREATED", "BOOKING_CREATED"],
        "active": True,
        "secret": SECRET,
        **extra,
    }
    response = await api.post(user, "/webhooks", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def test_create_list_get_patch_delete(api, alice, receiver):
    created = await _subscribe(api, alice, receiver.url + "/a")
    assert created["message"] == "Webhook created successfully"
    hook = created["webhook"]
    assert set(hook) == {"id", "userId", "eventTypeId", "payloadTemplate", "eventTriggers", "appId", "subscriberUrl"}
    uuid.UUID(hook["id"])
    assert (hook["userId"], hook["eventTypeId"], hook["eventTriggers"]) == (alice.id, None, ["BOOKING_CREATED"])
    assert (await api.get(alice, "/webhooks")).json() == {"webhooks": [hook]}
    assert (await api.get(alice, f"/webhooks/{hook['id']}")).json() == {"webhook": hook}
    patched = await api.patch(
        alice, f"/webhooks/{hook['id']}", json={"eventTriggers": ["BOOKING_CANCELLED"], "active": False}
    )
    assert patched.status_code == 200 and patched.json()["webhook"]["eventTriggers"] == ["BOOKING_CANCELLED"]
    deleted = await api.delete(alice, f"/webhooks/{hook['id']}")
    assert deleted.json() == {"message": f"Webhook with id: {hook['id']} deleted successfully"}
    assert (await api.get(alice, "/webhooks")).json() == {"webhooks": []}


async def test_bad_input(api, alice, receiver):
    v1_error(
        await api.post(alice, "/webhooks", json={"subscriberUrl": receiver.url, "active": True}),
        400,
        "invalid_type in 'eventTriggers': Required",
    )
    bad = await api.post(
        alice, "/webhooks", json={"subscriberUrl": receiver.url, "active": True, "eventTriggers": ["NOPE"]}
    )
    assert (
        v1_error(bad, 400)["message"].startswith("custom in 'eventTriggers,0'")
        or "eventTriggers" in bad.json()["message"]
    )
    v1_error(
        await api.post(
            alice, "/webhooks", json={"subscriberUrl": receiver.url, "active": True, "eventTriggers": [], "x": 1}
        ),
        400,
        "Unrecognized key(s) in object: 'x'",
    )


async def test_event_type_webhooks_and_ownership(api, alice, bob, admin, event_types, receiver):
    on_event = (await _subscribe(api, alice, receiver.url + "/et", eventTypeId=event_types.regular))["webhook"]
    assert (on_event["eventTypeId"], on_event["userId"]) == (event_types.regular, None)
    assert [w["id"] for w in (await api.get(alice, "/webhooks")).json()["webhooks"]] == [on_event["id"]]
    # Bob can neither see nor touch Alice's webhook, nor subscribe to her event type.
    assert (await api.get(bob, "/webhooks")).json() == {"webhooks": []}
    for response in (
        await api.get(bob, f"/webhooks/{on_event['id']}"),
        await api.patch(bob, f"/webhooks/{on_event['id']}", json={"active": False}),
        await api.delete(bob, f"/webhooks/{on_event['id']}"),
    ):
        v1_error(response, 404, f"Webhook with id: {on_event['id']} not found")
    v1_error(
        await api.post(
            bob,
            "/webhooks",
            json={
                "subscriberUrl": receiver.url,
                "eventTriggers": [],
                "active": True,
                "eventTypeId": event_types.regular,
            },
        ),
        404,
    )
    v1_error(await api.get(bob, "/webhooks", params={"userId": alice.id}), 403, "ADMIN required")
    v1_error(
        await api.post(
            bob,
            "/webhooks",
            json={"subscriberUrl": receiver.url, "eventTriggers": [], "active": True, "userId": alice.id},
        ),
        403,
        "ADMIN required for userId",
    )
    # A system admin sees and manages everyone's, and subscribes for another user.
    assert [w["id"] for w in (await api.get(admin, "/webhooks", params={"userId": alice.id})).json()["webhooks"]] == [
        on_event["id"]
    ]
    for_bob = (await _subscribe(api, admin, receiver.url + "/bob", userId=bob.id))["webhook"]
    assert for_bob["userId"] == bob.id
    assert {w["id"] for w in (await api.get(admin, "/webhooks")).json()["webhooks"]} == {on_event["id"], for_bob["id"]}
    assert (await api.get(admin, f"/webhooks/{on_event['id']}")).status_code == 200


async def test_a_v1_subscription_fires_for_a_booking_made_through_v2(
    app, api, client, alice, event_types, receiver, job_loop
):
    await _subscribe(api, alice, receiver.url + "/v1hook")
    booking = (await book(client, event_types.regular, at(MONDAY, "10:00"))).json()["data"]
    await settle(app)
    [request] = await receiver.wait_for(1, path="/v1hook")
    body = request.json()
    assert body["triggerEvent"] == "BOOKING_CREATED"
    assert body["payload"]["uid"] == booking["uid"]
    assert verify_cal(SECRET, request)
