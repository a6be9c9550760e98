"""After payment, the normal confirmation path: the booking emails go out only once the booking is
paid, and a workflow on ``bookingPaid`` sends its message — over a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bookings.conftest import ATTENDEE, MONDAY
from tests.payments.conftest import at, book, pay, send_stripe_webhooks_to, settle, v2, wait_until
from tests.workflows.conftest import create_workflow
from tests.workflows.servers import SmtpServer, running_smtp

WEBHOOK = "/api/integrations/stripepayment/webhook"


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with running_smtp(mode="plain", folder=tmp_path) as server:
        yield server


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any], smtp: SmtpServer) -> dict[str, Any]:
    return {**settings_overrides, "smtp_url": smtp.url, "notification_retry_schedule": "0,0.2s"}


async def test_booking_emails_and_paid_workflows_wait_for_the_payment(
    app, client, alice, paid_event, smtp, job_loop, localstripe, served, stripe_client
):
    await send_stripe_webhooks_to(localstripe, served + WEBHOOK)
    await create_workflow(
        client,
        alice,
        name="Thanks for paying",
        trigger={"type": "bookingPaid"},
        steps=[
            {
                "stepNumber": 1,
                "action": "email_attendee",
                "recipient": "attendee",
                "template": "custom",
                "sender": "Alice",
                "includeCalendarEvent": False,
                "message": {"subject": "Paid: {EVENT_NAME}", "html": "<p>Thank you, {ATTENDEE_FIRST_NAME}.</p>"},
            }
        ],
    )
    booking = (await book(client, paid_event, at(MONDAY, "10:00"))).json()["data"]
    await settle(app)
    assert smtp.messages() == []  # nothing is announced while unpaid

    await pay(stripe_client, booking["payment"]["paymentIntentId"])

    async def accepted() -> bool:
        return (await client.get(f"/v2/bookings/{booking['uid']}", headers=v2())).json()["data"]["status"] == "accepted"

    await wait_until(accepted)
    await settle(app)
    received = await smtp.wait_for(3)
    to_booker = [m.subject for m in received if ATTENDEE["email"] in m.rcpt_tos]
    assert any(s.startswith("Paid: ") for s in to_booker), to_booker
    assert len(to_booker) == 2, to_booker  # the confirmation and the workflow's message
    assert smtp.to(alice.email), [m.subject for m in received]
