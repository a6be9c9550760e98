"""Paid event types end to end against localstripe: the booking waits unpaid with its slot held,
BOOKING_PAYMENT_INITIATED goes out, Stripe's signed event marks it paid (BOOKING_PAID, then the
confirmation), once per event id; forged or stale signatures change nothing."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select

from calapi.payments.models import Payment, ProviderEvent
from tests.bookings.conftest import MONDAY
from tests.payments.conftest import (
    CURRENCY,
    PRICE,
    at,
    book,
    make_event_type,
    pay,
    send_stripe_webhooks_to,
    settle,
    signature,
    subscribe,
    succeeded_event,
    v2,
    wait_until,
)

TRIGGERS = ["BOOKING_PAYMENT_INITIATED", "BOOKING_PAID", "BOOKING_CREATED", "BOOKING_REQUESTED"]
WEBHOOK = "/api/integrations/stripepayment/webhook"


async def _booking(client: Any, uid: str) -> dict:
    response = await client.get(f"/v2/bookings/{uid}", headers=v2())
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def _count(app: Any, model: Any) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)))


async def test_a_paid_booking_waits_for_its_payment_and_is_confirmed_by_stripes_signed_event(
    app, client, alice, paid_event, receiver, job_loop, localstripe, served, stripe_client
):
    await subscribe(client, alice, receiver.url + "/hooks", TRIGGERS)
    await send_stripe_webhooks_to(localstripe, served + WEBHOOK)

    created = await book(client, paid_event, at(MONDAY, "10:00"))
    assert created.status_code == 201, created.text
    booking = created.json()["data"]
    payment = booking["payment"]
    assert booking["status"] == "pending"
    assert payment["amount"] == PRICE and payment["currency"] == CURRENCY
    assert payment["status"] == "pending" and payment["success"] is False
    assert payment["clientSecret"].startswith(payment["paymentIntentId"] + "_secret_")
    intent = await stripe_client.v1.payment_intents.retrieve_async(payment["paymentIntentId"])
    assert (intent.amount, intent.currency, intent.metadata["bookingUid"]) == (PRICE, CURRENCY, booking["uid"])

    # The booker's link shows how to pay; so does the page for people.
    assert (await _booking(client, booking["uid"]))["payment"]["clientSecret"] == payment["clientSecret"]
    page = await client.get(payment["paymentUrl"])
    assert page.status_code == 200 and "25.00 EUR" in page.text and payment["paymentIntentId"] in page.text

    await settle(app)
    initiated = await receiver.wait_for(1)
    assert [r.json()["triggerEvent"] for r in initiated] == ["BOOKING_PAYMENT_INITIATED"]
    body = initiated[0].json()["payload"]
    assert body["uid"] == booking["uid"] and body["price"] == PRICE and body["currency"] == CURRENCY
    assert body["status"] == "ACCEPTED" and body["paymentData"]["uid"] == payment["uid"]
    assert (
        body["paymentId"]
        == (await client.get("/v1/payments", params={"apiKey": alice.key})).json()["payments"][0]["id"]
    )

    await pay(stripe_client, payment["paymentIntentId"])  # localstripe posts the signed event to calapi

    async def accepted() -> bool:
        return (await _booking(client, booking["uid"]))["status"] == "accepted"

    await wait_until(accepted)
    paid = await _booking(client, booking["uid"])
    assert paid["payment"]["success"] is True and paid["payment"]["status"] == "succeeded"
    assert paid["payment"]["clientSecret"] is None
    await settle(app)
    # Deliveries run concurrently, so arrival order is free; the events' own times keep the order.
    after = {r.json()["triggerEvent"]: r.json() for r in (await receiver.wait_for(3))[1:]}
    assert sorted(after) == ["BOOKING_CREATED", "BOOKING_PAID"]
    assert after["BOOKING_PAID"]["createdAt"] <= after["BOOKING_CREATED"]["createdAt"]
    assert after["BOOKING_PAID"]["payload"]["paymentId"] == body["paymentId"]

    v1_payments = (await client.get("/v1/payments", params={"apiKey": alice.key})).json()["payments"]
    assert v1_payments == [
        {
            "id": body["paymentId"],
            "amount": PRICE,
            "success": True,
            "refunded": False,
            "fee": 0,
            "paymentOption": "ON_BOOKING",
            "currency": CURRENCY,
            "bookingId": booking["id"],
        }
    ]
    legacy = await client.get("/v2/bookings", headers=alice.headers)
    entry = next(b for b in legacy.json()["data"]["bookings"] if b["uid"] == booking["uid"])
    assert entry["paid"] is True and entry["payment"][0]["success"] is True
    assert entry["eventType"]["price"] == PRICE and entry["eventType"]["currency"] == CURRENCY


async def test_forged_or_stale_signatures_are_refused_and_change_nothing(app, client, alice, paid_event, stripe_client):
    booking = (await book(client, paid_event, at(MONDAY, "11:00"))).json()["data"]
    intent = await stripe_client.v1.payment_intents.retrieve_async(booking["payment"]["paymentIntentId"])
    payload = succeeded_event(intent, "evt_forged_1")
    for header in (
        signature(payload, secret="whsec_someone_else"),  # forged
        signature(payload, at_time=int(time.time()) - 301),  # replayed after Stripe's 300 s tolerance
        "t=1,v1=deadbeef",
        None,
    ):
        headers = {"Stripe-Signature": header} if header else {}
        response = await client.post(WEBHOOK, content=payload, headers=headers)
        assert response.status_code == 400, response.text
        assert "signature" in response.json()["error"]["message"].lower()
    still = await _booking(client, booking["uid"])
    assert still["status"] == "pending" and still["payment"]["success"] is False
    assert await _count(app, ProviderEvent) == 0


async def test_the_same_stripe_event_delivered_twice_is_handled_once(
    app, client, alice, paid_event, receiver, job_loop, localstripe, stripe_client
):
    # localstripe's signed event is caught by the receiver, then delivered to calapi twice, byte for byte.
    await send_stripe_webhooks_to(localstripe, receiver.url + "/stripe")
    await subscribe(client, alice, receiver.url + "/hooks", ["BOOKING_PAID"])
    booking = (await book(client, paid_event, at(MONDAY, "12:00"))).json()["data"]
    await pay(stripe_client, booking["payment"]["paymentIntentId"])
    [sent] = await receiver.wait_for(1, path="/stripe")
    headers = {"Stripe-Signature": sent.headers["stripe-signature"], "Content-Type": "application/json"}
    first = await client.post(WEBHOOK, content=sent.body, headers=headers)
    second = await client.post(WEBHOOK, content=sent.body, headers=headers)
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    assert (await _booking(client, booking["uid"]))["status"] == "accepted"
    await settle(app)
    await receiver.wait_for(1, path="/hooks")
    await settle(app)
    assert len(receiver.by_path("/hooks")) == 1  # one BOOKING_PAID
    assert await _count(app, ProviderEvent) == 1


async def test_a_paid_event_type_shows_its_price_in_every_version(client, alice, paid_event):
    v2_type = (await client.get(f"/v2/event-types/{paid_event}", headers=v2(alice, "2024-06-14"))).json()["data"]
    assert (v2_type["price"], v2_type["currency"]) == (PRICE, CURRENCY)
    v1_type = (await client.get(f"/v1/event-types/{paid_event}", params={"apiKey": alice.key})).json()["event_type"]
    assert (v1_type["price"], v1_type["currency"]) == (PRICE, CURRENCY)
    # v1 sets the price in minor units and the currency; validated.
    changed = await client.patch(
        f"/v1/event-types/{paid_event}", params={"apiKey": alice.key}, json={"price": 990, "currency": "JPY"}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["event_type"]["price"], changed.json()["event_type"]["currency"]) == (990, "jpy")
    for body, words in (
        ({"price": -1}, "cannot be negative"),
        ({"price": 10**9}, "at most"),
        ({"price": 12.5}, "whole number"),
        ({"currency": "xyz"}, "ISO 4217"),
    ):
        refused = await client.patch(f"/v1/event-types/{paid_event}", params={"apiKey": alice.key}, json=body)
        assert refused.status_code == 400 and words in refused.json()["message"], refused.text
    bad = await client.patch(
        f"/v2/event-types/{paid_event}",
        headers=v2(alice, "2024-06-14"),
        json={"metadata": {"apps": {"stripe": {"price": 100, "currency": "dollars"}}}},
    )
    assert bad.status_code == 400 and "ISO 4217" in bad.json()["error"]["message"], bad.text


async def test_a_price_change_never_touches_existing_bookings(app, client, alice, paid_event):
    booking = (await book(client, paid_event, at(MONDAY, "13:00"))).json()["data"]
    changed = await client.patch(f"/v1/event-types/{paid_event}", params={"apiKey": alice.key}, json={"price": 0})
    assert changed.status_code == 200 and changed.json()["event_type"]["price"] == 0, changed.text
    kept = await _booking(client, booking["uid"])
    assert kept["payment"]["amount"] == PRICE and kept["status"] == "pending"
    # and a free event takes no payment any more
    free = (await book(client, paid_event, at(MONDAY, "14:00"))).json()["data"]
    assert free["status"] == "accepted" and "payment" not in free
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == 1


async def test_a_seated_or_recurring_event_type_with_a_price_is_refused_at_booking(app, client, alice, host_schedule):
    stripe_app = {"apps": {"stripe": {"enabled": True, "price": PRICE, "currency": CURRENCY}}}
    seated = await make_event_type(
        client,
        alice,
        "paid-seats",
        metadata=stripe_app,
        seats={"seatsPerTimeSlot": 3, "showAttendeeInfo": False, "showAvailabilityCount": True},
    )
    recurring = await make_event_type(
        client,
        alice,
        "paid-weekly",
        metadata=stripe_app,
        recurrence={"interval": 1, "occurrences": 3, "frequency": "weekly"},
    )
    for event_type_id, kind in ((seated, "seated"), (recurring, "recurring")):
        refused = await book(client, event_type_id, at(MONDAY, "10:00"))
        assert refused.status_code == 400, refused.text
        assert f"is {kind} and has a price" in refused.json()["error"]["message"]
    assert await _count(app, Payment) == 0
