"""An abandoned payment: the slot is held for the payment hold (shortened here), then the booking
is cancelled with a reason, its PaymentIntent cancelled, and the slot bookable again — and the
next booking of it must pay too. A success that arrives after the hold is refunded."""

from __future__ import annotations

import pytest

from tests.bookings.conftest import MONDAY
from tests.payments.conftest import at, book, latest_charge, pay, send_stripe_webhooks_to, settle, v2, wait_until

WEBHOOK = "/api/integrations/stripepayment/webhook"


@pytest.fixture
def payment_hold() -> str:
    return "2s"


async def test_an_unpaid_booking_is_released_after_the_hold_and_the_next_booker_must_pay(
    app, client, paid_event, stripe_client, job_loop
):
    first = (await book(client, paid_event, at(MONDAY, "10:00"))).json()["data"]
    assert first["status"] == "pending"
    # Held: nobody else gets the slot while its payment is open.
    taken = await book(client, paid_event, at(MONDAY, "10:00"), attendee={**_other_booker()})
    assert taken.status_code == 409, taken.text

    async def released() -> bool:
        await settle(app)
        return (await client.get(f"/v2/bookings/{first['uid']}", headers=v2())).json()["data"]["status"] == "cancelled"

    await wait_until(released)
    gone = (await client.get(f"/v2/bookings/{first['uid']}", headers=v2())).json()["data"]
    assert gone["cancellationReason"].startswith("Payment not completed in time")
    assert gone["payment"]["status"] == "expired"
    intent = await stripe_client.v1.payment_intents.retrieve_async(first["payment"]["paymentIntentId"])
    assert intent.status == "canceled"

    second = await book(client, paid_event, at(MONDAY, "10:00"), attendee={**_other_booker()})
    assert second.status_code == 201, second.text
    again = second.json()["data"]
    assert again["status"] == "pending" and again["payment"]["status"] == "pending"
    assert again["payment"]["paymentIntentId"] != first["payment"]["paymentIntentId"]


async def test_a_payment_that_succeeds_after_the_hold_is_refunded(
    app, client, paid_event, stripe_client, localstripe, served
):
    await send_stripe_webhooks_to(localstripe, served + WEBHOOK)
    booking = (await book(client, paid_event, at(MONDAY, "11:00"))).json()["data"]
    # No job loop: the expiry job has not run yet when the late payment arrives.
    import asyncio

    await asyncio.sleep(2.5)
    await pay(stripe_client, booking["payment"]["paymentIntentId"])

    async def refunded() -> bool:
        data = (await client.get(f"/v2/bookings/{booking['uid']}", headers=v2())).json()["data"]
        return bool(data["payment"]["refunded"])

    await wait_until(refunded)
    data = (await client.get(f"/v2/bookings/{booking['uid']}", headers=v2())).json()["data"]
    assert data["status"] == "cancelled" and data["payment"]["success"] is True
    intent = await stripe_client.v1.payment_intents.retrieve_async(booking["payment"]["paymentIntentId"])
    charge = await latest_charge(stripe_client, intent)
    assert charge.refunded is True


def _other_booker() -> dict:
    return {"name": "Late Comer", "email": "late@example.com", "timeZone": "UTC", "language": "en"}
