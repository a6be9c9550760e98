"""Payment fixtures: localstripe (a stateful stand-in speaking Stripe's HTTP API) started as a
process, the app set up to charge through it, the app served on a real socket so that localstripe
can post its signed webhooks, and the ``stripe`` library pointed at localstripe to play the
booker's browser (attach a card, confirm the PaymentIntent)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import stripe
import uvicorn

from tests.bookings.conftest import (  # noqa: F401  (re-exported helpers)
    at,
    book,
    host_schedule,
    make_event_type,
    v2,
)
from tests.support.servers import free_port, wait_for_port
from tests.webhooks.conftest import job_loop, receiver, settle, subscribe  # noqa: F401  (fixtures, helpers)

STRIPE_KEY = "sk_test_calapi"
WEBHOOK_SECRET = "whsec_calapi_tests"
PRICE = 2500
CURRENCY = "eur"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """localstripe on a free port for the session (its objects are told apart by their metadata)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(proc, port, "localstripe")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def payment_hold() -> str:
    return "15m"


@pytest.fixture
def settings_overrides(localstripe: str, payment_hold: str) -> dict[str, Any]:
    return {
        "stripe_api_base": localstripe,
        "stripe_secret_key": STRIPE_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "payment_hold": payment_hold,
        "webhook_retry_schedule": "0,0.1s,0.1s",
        "webhook_retry_jitter": 0.0,
    }


@pytest.fixture
def stripe_client(localstripe: str) -> stripe.StripeClient:
    return stripe.StripeClient(STRIPE_KEY, base_addresses={"api": localstripe}, http_client=stripe.HTTPXClient())


@pytest.fixture
async def served(app: Any) -> AsyncIterator[str]:
    """The app (the same one the ``client`` fixture talks to) on a real socket: localstripe's
    webhooks reach it there."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def send_stripe_webhooks_to(localstripe: str, url: str) -> None:
    """Register ``url`` as localstripe's (only) webhook endpoint, signed with the test secret."""
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{localstripe}/_config/webhooks/calapi",
            json={"url": url, "secret": WEBHOOK_SECRET, "events": ["payment_intent.succeeded"]},
        )
        assert response.status_code == 200, response.text


@pytest.fixture
async def paid_event(client: httpx.AsyncClient, alice: Any, host_schedule: int) -> int:
    """Alice's event type that costs 25.00 EUR (stored as Cal.com stores it)."""
    return await make_event_type(
        client,
        alice,
        "paid",
        metadata={"apps": {"stripe": {"enabled": True, "price": PRICE, "currency": CURRENCY}}},
    )


async def pay(stripe_client: stripe.StripeClient, intent_id: str) -> None:
    """What Stripe.js does in the booker's browser: attach a card and confirm the PaymentIntent."""
    card = await stripe_client.v1.payment_methods.create_async(
        params={"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2050, "cvc": "123"}}
    )
    await stripe_client.v1.payment_intents.update_async(intent_id, params={"payment_method": card.id})
    confirmed = await stripe_client.v1.payment_intents.confirm_async(intent_id)
    assert confirmed.status == "succeeded", confirmed.status


def signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, at_time: int | None = None) -> str:
    """A ``Stripe-Signature`` header as Stripe computes it."""
    stamp = int(time.time()) if at_time is None else at_time
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def succeeded_event(intent: Any, event_id: str) -> bytes:
    """A ``payment_intent.succeeded`` event around the PaymentIntent as localstripe holds it."""
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "payment_intent.succeeded",
            "created": int(time.time()),
            "data": {"object": intent.to_dict()},
        }
    ).encode()


async def wait_until(check: Any, *, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def latest_charge(stripe_client: stripe.StripeClient, intent: Any) -> Any:
    """The PaymentIntent's charge, read again from localstripe (it may come as an id or inline)."""
    charge = intent.latest_charge
    charge_id = charge if isinstance(charge, str) else charge.id
    return await stripe_client.v1.charges.retrieve_async(charge_id)


async def intents_for(stripe_client: stripe.StripeClient, booking_uid: str) -> list[Any]:
    """Every PaymentIntent localstripe holds for this booking (all pages)."""
    found: list[Any] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = await stripe_client.v1.payment_intents.list_async(params=params)  # type: ignore[arg-type]
        found += [i for i in page.data if i.metadata.to_dict().get("bookingUid") == booking_uid]
        if not page.has_more:
            return found
        params["starting_after"] = page.data[-1].id
