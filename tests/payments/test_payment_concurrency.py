"""Twenty simultaneous creates with one ``Idempotency-Key`` on a paid event type, spread over two
server processes on PostgreSQL: one booking, one payment, one PaymentIntent at Stripe."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack

import httpx
import pytest
from sqlalchemy import func, select

from calapi.bookings.models import Booking
from calapi.payments.models import Payment
from tests.bookings.conftest import MONDAY, booking_body
from tests.bookings.test_concurrency import SERVER_SETTINGS
from tests.payments.conftest import STRIPE_KEY, WEBHOOK_SECRET, at, intents_for, v2
from tests.support.servers import running_server


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_twenty_parallel_retries_of_a_paid_booking_make_one_payment_intent(
    app, database_url, paid_event, localstripe, stripe_client
):
    body = booking_body(paid_event, at(MONDAY, "10:00"))
    stripe_settings = {
        "stripe_api_base": localstripe,
        "stripe_secret_key": STRIPE_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
    }
    with ExitStack() as stack:
        bases = [
            stack.enter_context(running_server(database_url=database_url, **SERVER_SETTINGS, **stripe_settings))
            for _ in range(2)
        ]
        limits = httpx.Limits(max_connections=20, max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:
            responses = await asyncio.gather(
                *(
                    http.post(f"{bases[i % 2]}/v2/bookings", json=body, headers=v2(**{"Idempotency-Key": "pay-once"}))
                    for i in range(20)
                )
            )
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses]
    assert len({r.content for r in responses}) == 1  # byte-identical answers
    booking = responses[0].json()["data"]
    assert booking["payment"]["status"] == "pending"
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 1
        assert await session.scalar(select(func.count()).select_from(Payment)) == 1
    intents = await intents_for(stripe_client, booking["uid"])
    assert [i.id for i in intents] == [booking["payment"]["paymentIntentId"]]
