"""A subscription that fails without a single success for the configured time (5 days by default) is disabled."""

from __future__ import annotations

import pytest

from tests.bookings.conftest import MONDAY, at, book
from tests.webhooks.conftest import settle, subscribe


@pytest.fixture
def settings_overrides():
    return {"webhook_retry_schedule": "0,0.1s,0.1s", "webhook_retry_jitter": 0.0, "webhook_disable_after": "0.2s"}


async def test_a_subscription_failing_without_success_is_disabled_with_a_reason(
    app, client, alice, event_types, receiver, job_loop
):
    receiver.respond = lambda r: (500, {}, b"")
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    await book(client, event_types.regular, at(MONDAY, "10:00"))
    await receiver.wait_for(3, timeout=3)
    await settle(app)
    row = (await client.get(f"/v2/webhooks/{hook['id']}", headers=alice.headers)).json()["data"]
    assert row["active"] is False and "no success for 0.2s" in row["disabledReason"]
    enabled = await client.patch(f"/v2/webhooks/{hook['id']}", json={"active": True}, headers=alice.headers)
    row = enabled.json()["data"]
    assert row["active"] is True
    row = (await client.get(f"/v2/webhooks/{hook['id']}", headers=alice.headers)).json()["data"]
    assert row["disabledReason"] is None and row["failingSince"] is None  # re-enabling clears the failure state
