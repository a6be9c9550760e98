"""SSRF guard: refused at save (400 with the reason) and again on every attempt, after DNS."""

from __future__ import annotations

import uuid

import pytest

from calapi.db import utcnow
from calapi.webhooks.models import Webhook


@pytest.fixture
def settings_overrides():
    return {"env": "production", "secret_key": "a-long-random-production-secret"}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
        ("http://[::1]:8080/hook", "::1 is a loopback address"),
        ("http://10.0.0.1/hook", "10.0.0.1 is a private network address"),
        ("http://localhost:9/hook", "localhost resolves to"),
        ("http://[fe80::1]/hook", "is a link-local address"),
        ("ftp://example.com/hook", "only http and https"),
    ],
)
async def test_private_and_metadata_targets_are_refused_at_save_in_production(client, alice, url, reason):
    response = await client.post("/v2/webhooks", json={"subscriberUrl": url, "active": True, "triggers": ["BOOKING_CREATED"]}, headers=alice.headers)
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert message.startswith("Webhook URL is not allowed: ") and reason in message


async def test_the_address_is_checked_again_on_every_attempt(app, client, alice):
    # A row saved when the name pointed elsewhere (or before the rules changed): the attempt refuses it.
    hook_id = str(uuid.uuid4())
    async with app.state.sessionmaker() as session:
        session.add(Webhook(id=hook_id, user_id=alice.id, subscriber_url="http://localhost:9/hook", triggers=["BOOKING_CREATED"], active=True, created_at=utcnow()))
        await session.commit()
    response = await client.post(f"/v2/webhooks/{hook_id}/ping", headers=alice.headers)
    data = response.json()["data"]
    assert data["ok"] is False and data["status"] == 400 and data["errorClass"] == "UrlNotAllowed"
    assert "loopback" in data["message"]


async def test_link_local_is_refused_even_where_private_networks_are_allowed(client, alice, app):
    app.state.settings.webhook_allow_private_networks = True
    refused = await client.post(
        "/v2/webhooks", json={"subscriberUrl": "http://169.254.169.254/", "active": True, "triggers": []}, headers=alice.headers
    )
    assert refused.status_code == 400
    allowed = await client.post(
        "/v2/webhooks", json={"subscriberUrl": "http://127.0.0.1:9/", "active": True, "triggers": []}, headers=alice.headers
    )
    assert allowed.status_code == 201
