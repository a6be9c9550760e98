"""Webhook bodies are bounded: a template is capped in size and refused at save when it would render
over CALAPI_WEBHOOK_MAX_BODY_BYTES for a booking whose inputs are as long as allowed; a delivery whose
body is over the limit anyway is logged as failed with the reason, never sent, its body not stored."""

from __future__ import annotations

import json

from sqlalchemy import select

from calapi.webhooks.delivery import new_delivery
from calapi.webhooks.models import Webhook
from tests.bookings.conftest import MONDAY, at, book
from tests.v1.conftest import V1, v1_error
from tests.webhooks.conftest import attempts, deliveries, settle, subscribe


def repeating(variable: str, times: int) -> str:
    return json.dumps({"d": "".join("{{%s}}" % variable for _ in range(times))})


def hook_body(url: str, template: str) -> dict:
    return {"subscriberUrl": url, "active": True, "triggers": ["BOOKING_CREATED"], "payloadTemplate": template}


async def test_a_template_over_the_size_limit_is_refused_at_save(client, alice, receiver):
    # The amplifier as found: about 60 KB of {{description}}.
    template = repeating("description", 4_000)
    response = await client.post("/v2/webhooks", json=hook_body(receiver.url, template), headers=alice.headers)
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert f"payloadTemplate is {len(template)} bytes" in message and "CALAPI_WEBHOOK_MAX_TEMPLATE_BYTES" in message
    assert (await client.get("/v2/webhooks", headers=alice.headers)).json()["data"] == []


async def test_a_template_that_renders_huge_is_refused_at_save(client, alice, receiver):
    # 30 × the longest allowed description (10,000 characters) is over 256 KB; 20 × is not.
    huge = repeating("description", 30)
    response = await client.post("/v2/webhooks", json=hook_body(receiver.url, huge), headers=alice.headers)
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert "payloadTemplate renders to more than 262144 bytes" in message and "CALAPI_WEBHOOK_MAX_BODY_BYTES" in message
    # Whole objects render as JSON: about 77 KB of answers, 30 KB of attendees, 27 KB of metadata.
    for variable, times in (("responses", 4), ("attendees", 9), ("metadata", 10)):
        wide = await client.post(
            "/v2/webhooks",
            json=hook_body(f"{receiver.url}/{variable}", repeating(variable, times)),
            headers=alice.headers,
        )
        assert wide.status_code == 400, (variable, wide.text)

    made = await client.post(
        "/v2/webhooks", json=hook_body(receiver.url, repeating("description", 20)), headers=alice.headers
    )
    assert made.status_code == 201, made.text
    hook_id = made.json()["data"]["id"]
    changed = await client.patch(f"/v2/webhooks/{hook_id}", json={"payloadTemplate": huge}, headers=alice.headers)
    assert changed.status_code == 400, changed.text
    assert "CALAPI_WEBHOOK_MAX_BODY_BYTES" in changed.json()["error"]["message"]

    api = V1(client)
    v1 = await api.post(
        alice,
        "/webhooks",
        json={
            "subscriberUrl": receiver.url + "/v1",
            "active": True,
            "eventTriggers": ["BOOKING_CREATED"],
            "payloadTemplate": huge,
        },
    )
    assert "CALAPI_WEBHOOK_MAX_BODY_BYTES" in v1_error(v1, 400)["message"]


async def test_a_delivery_over_the_limit_is_logged_failed_and_not_sent(
    app, client, alice, event_types, receiver, job_loop
):
    # Accepted at save (20 × 10,000 ASCII characters fit), but notes of 4-byte characters render
    # 20 × 40,000 bytes: over the limit when the booking's delivery is built.
    wide = await subscribe(
        client, alice, receiver.url + "/wide", ["BOOKING_CREATED"], payloadTemplate=repeating("description", 20)
    )
    plain = await subscribe(client, alice, receiver.url + "/plain", ["BOOKING_CREATED"])
    notes = "😀" * 10_000
    made = await book(client, event_types.regular, at(MONDAY, "10:00"), bookingFieldsResponses={"notes": notes})
    assert made.status_code == 201, made.text
    await settle(app)

    [sent] = await receiver.wait_for(1, path="/plain")
    assert sent.json()["payload"]["description"] == notes  # the same booking, without the template, is sent
    assert receiver.by_path("/wide") == []
    log = (await client.get(f"/v2/webhooks/{wide['id']}/deliveries", headers=alice.headers)).json()["data"]
    [entry] = log
    assert entry["status"] == "failed" and entry["attempts"] == 0 and entry["attemptLog"] == []
    assert entry["note"].startswith("BodyTooLarge: not sent, the body would be over 262144 bytes")
    assert "CALAPI_WEBHOOK_MAX_BODY_BYTES" in entry["note"]
    assert entry["body"] == ""  # not stored either
    assert {a.delivery_id for a in await attempts(app)} == {
        d.id for d in await deliveries(app) if d.webhook_id == plain["id"]
    }

    again = await client.post(f"/v2/webhooks/{wide['id']}/deliveries/{entry['id']}/redeliver", headers=alice.headers)
    assert again.status_code == 400, again.text
    assert "has no body to send" in again.json()["error"]["message"]


async def test_a_stored_body_over_the_limit_is_not_sent_on_redelivery(app, client, alice, receiver, job_loop):
    """A body stored under a larger limit (or before there was one) is refused when its turn comes."""
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    async with app.state.sessionmaker() as session:
        webhook = await session.scalar(select(Webhook).where(Webhook.id == hook["id"]))
        delivery = new_delivery(
            webhook, "BOOKING_CREATED", json.dumps({"d": "x" * 300_000}), "application/json", event_id=None
        )
        delivery.status = "failed"
        session.add(delivery)
        await session.commit()
        delivery_id = delivery.id
    response = await client.post(f"/v2/webhooks/{hook['id']}/deliveries/{delivery_id}/redeliver", headers=alice.headers)
    assert response.status_code == 202, response.text
    await settle(app)
    assert receiver.requests == []
    [entry] = (await client.get(f"/v2/webhooks/{hook['id']}/deliveries", headers=alice.headers)).json()["data"]
    assert entry["status"] == "failed" and entry["attemptLog"] == []
    assert entry["note"].startswith("BodyTooLarge: not sent") and "CALAPI_WEBHOOK_MAX_BODY_BYTES" in entry["note"]


async def test_the_default_body_of_a_maximal_booking_fits_the_default_limit(
    app, client, alice, event_types, receiver, job_loop
):
    """Every booking input at its limit still makes a body that is sent."""
    await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    guests = [f"guest{n:02}" + "g" * 290 + "@example.com" for n in range(30)]
    answers = {"notes": "n" * 10_000, **{f"field{n}": "a" * 2_000 for n in range(25)}}
    made = await book(
        client,
        event_types.regular,
        at(MONDAY, "10:00"),
        guests=guests,
        bookingFieldsResponses=answers,
        metadata={f"key{n:02}": "m" * 500 for n in range(50)},
    )
    assert made.status_code == 201, made.text
    await settle(app)
    [sent] = await receiver.wait_for(1)
    assert len(sent.body) > 100_000
    assert sent.json()["payload"]["responses"]["notes"]["value"] == "n" * 10_000


async def test_a_ping_over_the_limit_is_logged_failed_and_not_sent(app, client, alice, receiver):
    """A template saved before the limit (or under a larger one) that renders the ping over it."""
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    async with app.state.sessionmaker() as session:
        webhook = await session.scalar(select(Webhook).where(Webhook.id == hook["id"]))
        webhook.payload_template = repeating("attendees", 3_000)
        await session.commit()
    response = await client.post(f"/v2/webhooks/{hook['id']}/ping", headers=alice.headers)
    assert response.status_code == 200, response.text
    answer = response.json()["data"]
    assert (answer["ok"], answer["status"], answer["errorClass"]) == (False, 400, "BodyTooLarge")
    assert "CALAPI_WEBHOOK_MAX_BODY_BYTES" in answer["message"]
    assert answer["delivery"]["status"] == "failed" and answer["delivery"]["body"] == ""
    assert receiver.requests == []
