"""What happens to a paid booking's money afterwards: a reschedule keeps the payment (no second
charge), a host's cancel refunds it, a cancel before paying drops the PaymentIntent, and two users
never see each other's payments."""

from __future__ import annotations

from typing import Any

from tests.bookings.conftest import MONDAY
from tests.payments.conftest import (
    PRICE,
    at,
    book,
    intents_for,
    latest_charge,
    make_event_type,
    pay,
    send_stripe_webhooks_to,
    v2,
    wait_until,
)

WEBHOOK = "/api/integrations/stripepayment/webhook"


async def _booking(client: Any, uid: str) -> dict:
    response = await client.get(f"/v2/bookings/{uid}", headers=v2())
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def _paid_booking(client: Any, stripe_client: Any, event_type_id: int, start: str) -> dict:
    booking = (await book(client, event_type_id, start)).json()["data"]
    await pay(stripe_client, booking["payment"]["paymentIntentId"])

    async def accepted() -> bool:
        return (await _booking(client, booking["uid"]))["status"] == "accepted"

    await wait_until(accepted)
    return await _booking(client, booking["uid"])


async def test_a_reschedule_keeps_the_payment_and_charges_nothing_more(
    client, alice, paid_event, localstripe, served, stripe_client
):
    await send_stripe_webhooks_to(localstripe, served + WEBHOOK)
    paid = await _paid_booking(client, stripe_client, paid_event, at(MONDAY, "10:00"))
    moved = await client.post(
        f"/v2/bookings/{paid['uid']}/reschedule", json={"start": at(MONDAY, "15:00")}, headers=v2()
    )
    assert moved.status_code == 201, moved.text
    new = moved.json()["data"]
    assert new["status"] == "accepted"
    assert new["payment"]["uid"] == paid["payment"]["uid"] and new["payment"]["success"] is True
    assert len(await intents_for(stripe_client, paid["uid"])) == 1
    assert await intents_for(stripe_client, new["uid"]) == []  # no second PaymentIntent
    payments = (await client.get("/v1/payments", params={"apiKey": alice.key})).json()["payments"]
    assert [(p["bookingId"], p["success"], p["refunded"]) for p in payments] == [(new["id"], True, False)]


async def test_a_host_cancel_refunds_the_payment(client, alice, paid_event, localstripe, served, stripe_client):
    await send_stripe_webhooks_to(localstripe, served + WEBHOOK)
    paid = await _paid_booking(client, stripe_client, paid_event, at(MONDAY, "11:00"))
    cancelled = await client.post(
        f"/v2/bookings/{paid['uid']}/cancel", json={"cancellationReason": "Host is ill"}, headers=v2(alice)
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["data"]["payment"]["refunded"] is True
    [intent] = await intents_for(stripe_client, paid["uid"])
    charge = await latest_charge(stripe_client, intent)
    assert charge.refunded is True and charge.amount_refunded == PRICE
    payments = (await client.get("/v1/payments", params={"apiKey": alice.key})).json()["payments"]
    assert [(p["success"], p["refunded"]) for p in payments] == [(True, True)]


async def test_a_booker_cancel_before_paying_drops_the_payment_intent(client, alice, paid_event, stripe_client):
    booking = (await book(client, paid_event, at(MONDAY, "12:00"))).json()["data"]
    cancelled = await client.post(
        f"/v2/bookings/{booking['uid']}/cancel", json={"cancellationReason": "Changed my mind"}, headers=v2()
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["data"]["payment"]["status"] == "canceled"
    [intent] = await intents_for(stripe_client, booking["uid"])
    assert intent.status == "canceled"
    # the slot is free again at once
    again = await book(client, paid_event, at(MONDAY, "12:00"))
    assert again.status_code == 201, again.text


async def test_two_users_never_see_each_others_payments(client, alice, bob, paid_event):
    booking = (await book(client, paid_event, at(MONDAY, "13:00"))).json()["data"]
    mine = (await client.get("/v1/payments", params={"apiKey": alice.key})).json()["payments"]
    assert [p["bookingId"] for p in mine] == [booking["id"]]
    payment_id = mine[0]["id"]
    own = await client.get(f"/v1/payments/{payment_id}", params={"apiKey": alice.key})
    assert own.status_code == 200 and own.json()["payment"]["amount"] == PRICE, own.text
    assert (await client.get("/v1/payments", params={"apiKey": bob.key})).json() == {"payments": []}
    other = await client.get(f"/v1/payments/{payment_id}", params={"apiKey": bob.key})
    assert other.status_code == 404 and other.json()["message"] == f"Payment with id: {payment_id} not found"
    missing = await client.get(f"/v1/payments/{payment_id + 1000}", params={"apiKey": alice.key})
    assert missing.status_code == 404


async def test_an_unpaid_booking_moved_takes_its_payment_and_its_hold_along(client, paid_event, stripe_client):
    other = {"name": "Other Booker", "email": "other@example.com", "timeZone": "UTC", "language": "en"}
    booking = (await book(client, paid_event, at(MONDAY, "14:00"))).json()["data"]
    moved = await client.post(
        f"/v2/bookings/{booking['uid']}/reschedule", json={"start": at(MONDAY, "16:00")}, headers=v2()
    )
    assert moved.status_code == 201, moved.text
    new = moved.json()["data"]
    assert new["status"] == "pending" and new["payment"]["uid"] == booking["payment"]["uid"]
    assert (await book(client, paid_event, at(MONDAY, "16:00"), attendee=other)).status_code == 409
    assert (await book(client, paid_event, at(MONDAY, "14:00"), attendee=other)).status_code == 201
    assert len(await intents_for(stripe_client, booking["uid"])) == 1
    assert await intents_for(stripe_client, new["uid"]) == []


async def test_the_host_cannot_confirm_or_decline_a_booking_before_it_is_paid(
    client, alice, host_schedule, stripe_client, localstripe, served
):
    await send_stripe_webhooks_to(localstripe, served + WEBHOOK)
    confirm_paid = await make_event_type(
        client,
        alice,
        "confirm-paid",
        confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": True},
        metadata={"apps": {"stripe": {"enabled": True, "price": PRICE, "currency": "usd"}}},
    )
    booking = (await book(client, confirm_paid, at(MONDAY, "09:00"))).json()["data"]
    early = await client.post(f"/v2/bookings/{booking['uid']}/confirm", headers=v2(alice))
    assert early.status_code == 400 and "waiting for its payment" in early.json()["error"]["message"], early.text
    await pay(stripe_client, booking["payment"]["paymentIntentId"])

    async def paid() -> bool:
        return bool((await _booking(client, booking["uid"]))["payment"]["success"])

    await wait_until(paid)
    assert (await _booking(client, booking["uid"]))["status"] == "pending"  # the host still decides
    confirmed = await client.post(f"/v2/bookings/{booking['uid']}/confirm", headers=v2(alice))
    assert confirmed.status_code == 200 and confirmed.json()["data"]["status"] == "accepted", confirmed.text
