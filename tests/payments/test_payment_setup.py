"""A paid event type on a server that cannot charge: a clear 400 without Stripe settings, a 502
when Stripe cannot be reached — and no booking either way."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from calapi.bookings.models import Booking
from tests.bookings.conftest import MONDAY
from tests.payments.conftest import at, book
from tests.support.servers import free_port


@pytest.mark.parametrize(
    ("settings_overrides", "status", "words"),
    [
        ({}, 400, "no payment provider configured (set CALAPI_STRIPE_SECRET_KEY)"),
        (
            {"stripe_secret_key": "sk_test_x", "stripe_api_base": f"http://127.0.0.1:{free_port()}"},
            502,
            "Could not create the payment with Stripe",
        ),
    ],
)
async def test_a_paid_booking_is_refused_when_the_server_cannot_charge(app, client, paid_event, status, words):
    refused = await book(client, paid_event, at(MONDAY, "10:00"))
    assert refused.status_code == status, refused.text
    assert words in refused.json()["error"]["message"]
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 0


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_the_stripe_webhook_says_when_stripe_is_not_set_up(client, settings_overrides):
    response = await client.post(
        "/api/integrations/stripepayment/webhook", content=b"{}", headers={"Stripe-Signature": "t=1,v1=0"}
    )
    assert response.status_code == 400
    assert "Stripe webhooks are not set up" in response.json()["error"]["message"]
