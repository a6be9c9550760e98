"""/v2/webhooks and /v2/event-types/{id}/webhooks: Cal.com's fields, guards, messages and quirks."""

from __future__ import annotations

import uuid

from calapi.webhooks.triggers import ALL_TRIGGERS
from tests.webhooks.conftest import subscribe

URL = "http://127.0.0.1:9/hook"


async def test_user_webhook_crud_with_contract_fields(client, alice):
    created = await subscribe(client, alice, URL, ["BOOKING_CREATED", "BOOKING_CREATED", "MEETING_ENDED"])
    uuid.UUID(created["id"])  # a UUID string, not a number
    assert created == {
        "id": created["id"],
        "userId": alice.id,
        "payloadTemplate": None,
        "triggers": ["BOOKING_CREATED", "MEETING_ENDED"],
        "subscriberUrl": URL,
        "active": True,
        "secret": "s3cr3t-for-tests",
    }
    listed = (await client.get("/v2/webhooks", headers=alice.headers)).json()
    assert listed == {"status": "success", "data": [created]}
    row = (await client.get(f"/v2/webhooks/{created['id']}", headers=alice.headers)).json()["data"]
    for column in (
        "teamId",
        "eventTypeId",
        "createdAt",
        "appId",
        "platform",
        "time",
        "timeUnit",
        "oAuthClientId",
        "version",
    ):
        assert column in row  # every stored column (quirk 24)
    patched = await client.patch(
        f"/v2/webhooks/{created['id']}", json={"active": False, "time": 5, "timeUnit": "MINUTE"}, headers=alice.headers
    )
    assert patched.status_code == 200 and patched.json()["data"]["active"] is False
    deleted = await client.delete(f"/v2/webhooks/{created['id']}", headers=alice.headers)
    assert deleted.json()["data"]["id"] == created["id"]
    assert (await client.get(f"/v2/webhooks/{created['id']}", headers=alice.headers)).status_code == 404


async def test_all_28_triggers_are_accepted_and_others_refused(client, alice):
    assert len(ALL_TRIGGERS) == 28
    created = await subscribe(client, alice, URL, list(ALL_TRIGGERS))
    assert created["triggers"] == list(ALL_TRIGGERS)
    refused = await client.post(
        "/v2/webhooks",
        json={"subscriberUrl": URL + "2", "active": True, "triggers": ["BOOKING_CONFIRMED"]},
        headers=alice.headers,
    )
    assert refused.status_code == 400


async def test_duplicate_url_is_409_and_another_users_webhook_is_guarded(client, alice, bob):
    created = await subscribe(client, alice, URL, ["BOOKING_CREATED"])
    again = await client.post(
        "/v2/webhooks", json={"subscriberUrl": URL, "active": True, "triggers": []}, headers=alice.headers
    )
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "Webhook with this subscriber url already exists for this user"
    await subscribe(client, bob, URL, ["BOOKING_CREATED"])  # another user may use the same URL
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(
            method, f"/v2/webhooks/{created['id']}", json={} if method == "PATCH" else None, headers=bob.headers
        )
        assert response.status_code == 403
        assert response.json()["error"]["message"] == (
            f"IsUserWebhookGuard - user with id=({bob.id}) is not the owner of webhook with id=({created['id']})"
        )
    missing = await client.get(f"/v2/webhooks/{uuid.uuid4()}", headers=alice.headers)
    assert missing.status_code == 404 and missing.json()["error"]["message"].endswith("not found")


async def test_event_type_webhooks_and_bulk_delete(client, alice, bob, event_types):
    et = event_types.regular
    first = await subscribe(client, alice, URL, ["BOOKING_CREATED"], event_type_id=et)
    assert first["eventTypeId"] == et and "userId" not in first
    await subscribe(client, alice, URL + "/2", ["BOOKING_CREATED"], event_type_id=et)
    dup = await client.post(
        f"/v2/event-types/{et}/webhooks",
        json={"subscriberUrl": URL, "active": True, "triggers": []},
        headers=alice.headers,
    )
    assert (
        dup.status_code == 409
        and dup.json()["error"]["message"] == "Webhook with this subscriber url already exists for this event type"
    )
    got = await client.get(f"/v2/event-types/{et}/webhooks/{first['id']}", headers=alice.headers)
    assert got.json()["data"] == first
    other = await client.get(f"/v2/event-types/{et}/webhooks", headers=bob.headers)
    assert other.status_code == 403
    assert (
        other.json()["error"]["message"]
        == f"IsUserEventTypeWebhookGuard - User ({bob.id}) is not the owner of event type ({et})"
    )
    missing = await client.get("/v2/event-types/999999/webhooks", headers=alice.headers)
    assert (
        missing.status_code == 404
        and missing.json()["error"]["message"] == "IsUserEventTypeWebhookGuard - Event type (999999) not found"
    )
    user_hook = await subscribe(client, alice, URL, ["BOOKING_CREATED"])
    wrong = await client.get(f"/v2/event-types/{et}/webhooks/{user_hook['id']}", headers=alice.headers)
    assert wrong.status_code == 400
    assert (
        wrong.json()["error"]["message"]
        == f"IsUserEventTypeWebhookGuard - Webhook ({user_hook['id']}) is not associated with an event type"
    )
    elsewhere = await client.get(f"/v2/event-types/{event_types.confirm}/webhooks/{first['id']}", headers=alice.headers)
    assert elsewhere.status_code == 403
    bulk = await client.delete(f"/v2/event-types/{et}/webhooks", headers=alice.headers)
    assert bulk.json() == {"status": "success", "data": "2 webhooks deleted"}
    assert (await client.get(f"/v2/event-types/{et}/webhooks", headers=alice.headers)).json()["data"] == []
