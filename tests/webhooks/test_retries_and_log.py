"""Retries on a compressed schedule, 410 and Retry-After, auto-disable, the delivery log, redelivery, ping, rotation."""

from __future__ import annotations

from tests.bookings.conftest import MONDAY, at, book
from tests.webhooks.conftest import SECRET, deliveries, settle, subscribe
from tests.webhooks.receiver import verify_cal, verify_standard


async def test_failures_are_retried_with_the_same_webhook_id_until_a_2xx(
    app, client, alice, event_types, receiver, job_loop
):
    answers = iter([500, 302, 200])
    receiver.respond = lambda r: (next(answers), {"Location": "http://example.com/"}, b"x" * 10000)
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    await book(client, event_types.regular, at(MONDAY, "10:00"))
    got = await receiver.wait_for(3)
    await settle(app)
    assert [r.answered for r in got] == [500, 302, 200]  # a redirect is a failure, not followed
    assert len({r.webhook_id for r in got}) == 1 and len({r.body for r in got}) == 1
    assert all(verify_cal(SECRET, r) and verify_standard(SECRET, r) for r in got)
    log = (await client.get(f"/v2/webhooks/{hook['id']}/deliveries", headers=alice.headers)).json()["data"]
    [entry] = log
    assert entry["status"] == "succeeded" and entry["attempts"] == 3 and entry["webhookId"] == got[0].webhook_id
    first = entry["attemptLog"][0]
    assert first["responseStatus"] == 500 and first["errorClass"] == "HTTPStatus" and len(first["responseBody"]) == 4096
    assert entry["attemptLog"][1]["errorClass"] == "Redirect"
    assert first["requestHeaders"]["X-Cal-Signature-256"].endswith("…")  # signatures are not kept whole
    assert SECRET not in str(log)


async def test_out_of_attempts_is_failed_in_the_log(app, client, alice, event_types, receiver, job_loop):
    receiver.respond = lambda r: (500, {}, b"down")
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    await book(client, event_types.regular, at(MONDAY, "10:00"))
    await receiver.wait_for(3)
    await settle(app)
    assert len(receiver.requests) == 3  # the schedule has three attempts
    failed = (await client.get(f"/v2/webhooks/{hook['id']}/deliveries?status=failed", headers=alice.headers)).json()[
        "data"
    ]
    assert len(failed) == 1 and failed[0]["attempts"] == 3
    assert (await client.get(f"/v2/webhooks/{hook['id']}/deliveries?status=succeeded", headers=alice.headers)).json()[
        "data"
    ] == []


async def test_410_disables_the_subscription_at_once(app, client, alice, event_types, receiver, job_loop):
    receiver.respond = lambda r: (410, {}, b"gone")
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    await book(client, event_types.regular, at(MONDAY, "10:00"))
    await settle(app)
    await book(client, event_types.regular, at(MONDAY, "11:00"))
    await settle(app)
    assert len(receiver.requests) == 1
    row = (await client.get(f"/v2/webhooks/{hook['id']}", headers=alice.headers)).json()["data"]
    assert row["active"] is False and "410" in row["disabledReason"]
    enabled = await client.patch(f"/v2/webhooks/{hook['id']}", json={"active": True}, headers=alice.headers)
    assert enabled.status_code == 200
    row = (await client.get(f"/v2/webhooks/{hook['id']}", headers=alice.headers)).json()["data"]
    assert row["active"] is True and row["disabledReason"] is None and row["failingSince"] is None


async def test_429_retry_after_is_honoured(app, client, alice, event_types, receiver, job_loop):
    answers = iter([(429, {"Retry-After": "1"}), (200, {})])
    receiver.respond = lambda r: (*next(answers), b"")
    await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    await book(client, event_types.regular, at(MONDAY, "10:00"))
    got = await receiver.wait_for(2, timeout=5)
    assert [r.answered for r in got] == [429, 200]
    stamps = [int(r.headers["webhook-timestamp"]) for r in got]
    assert stamps[1] - stamps[0] >= 1  # waited as asked (the schedule's own delay is 0.1 s)
    await settle(app)


async def test_redelivery_keeps_the_webhook_id(app, client, alice, event_types, receiver, job_loop):
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    await book(client, event_types.regular, at(MONDAY, "10:00"))
    [first] = await receiver.wait_for(1)
    await settle(app)
    [delivery] = await deliveries(app)
    response = await client.post(f"/v2/webhooks/{hook['id']}/deliveries/{delivery.id}/redeliver", headers=alice.headers)
    assert response.status_code == 202, response.text
    second = (await receiver.wait_for(2))[1]
    await settle(app)
    assert second.webhook_id == first.webhook_id and second.body == first.body
    assert verify_standard(SECRET, second)
    log = (
        await client.get(f"/v2/webhooks/{hook['id']}/deliveries?trigger=BOOKING_CREATED", headers=alice.headers)
    ).json()["data"]
    assert len(log[0]["attemptLog"]) == 2
    other = await client.get(f"/v2/webhooks/{hook['id']}/deliveries?trigger=BOOKING_CANCELLED", headers=alice.headers)
    assert other.json()["data"] == []
    future = await client.get(f"/v2/webhooks/{hook['id']}/deliveries?since=2099-01-01T00:00:00Z", headers=alice.headers)
    assert future.json()["data"] == []
    bad = await client.get(f"/v2/webhooks/{hook['id']}/deliveries?since=yesterday", headers=alice.headers)
    assert bad.status_code == 400


async def test_ping_sends_cal_coms_test_event_and_shows_the_answer(app, client, alice, receiver):
    receiver.respond = lambda r: (200, {}, b'{"pong":true}')
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    response = await client.post(f"/v2/webhooks/{hook['id']}/ping", headers=alice.headers)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["ok"] is True and data["status"] == 200 and data["message"] == '{"pong":true}'
    [request] = receiver.requests
    body = request.json()
    assert body["triggerEvent"] == "PING" and body["payload"]["title"] == "Test trigger event"
    assert body["payload"]["attendees"][0]["name"] == "John Doe"
    assert verify_cal(SECRET, request) and verify_standard(SECRET, request)
    log = (await client.get(f"/v2/webhooks/{hook['id']}/deliveries", headers=alice.headers)).json()["data"]
    assert log[0]["test"] is True and log[0]["triggerEvent"] == "PING"


async def test_rotation_signs_with_both_secrets_for_a_while(app, client, alice, receiver):
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    rotated = await client.post(f"/v2/webhooks/{hook['id']}/rotate-secret", headers=alice.headers)
    assert rotated.status_code == 200
    new_secret = rotated.json()["data"]["secret"]
    assert new_secret.startswith("whsec_") and rotated.json()["data"]["previousSecretExpiresAt"]
    await client.post(f"/v2/webhooks/{hook['id']}/ping", headers=alice.headers)
    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert verify_standard(new_secret, request) and verify_standard(SECRET, request)  # both verify during the overlap
    assert verify_cal(new_secret, request)  # Cal.com's header moves to the new secret at once
