"""SSRF guard: refused at save (400 with the reason) and again on every attempt, after DNS."""

from __future__ import annotations

import ipaddress
import uuid

import pytest

from calapi.core import ssrf
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
    response = await client.post(
        "/v2/webhooks",
        json={"subscriberUrl": url, "active": True, "triggers": ["BOOKING_CREATED"]},
        headers=alice.headers,
    )
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert message.startswith("Webhook URL is not allowed: ") and reason in message


async def test_the_address_is_checked_again_on_every_attempt(app, client, alice):
    # A row saved when the name pointed elsewhere (or before the rules changed): the attempt refuses it.
    hook_id = str(uuid.uuid4())
    async with app.state.sessionmaker() as session:
        session.add(
            Webhook(
                id=hook_id,
                user_id=alice.id,
                subscriber_url="http://localhost:9/hook",
                triggers=["BOOKING_CREATED"],
                active=True,
                created_at=utcnow(),
            )
        )
        await session.commit()
    response = await client.post(f"/v2/webhooks/{hook_id}/ping", headers=alice.headers)
    data = response.json()["data"]
    assert data["ok"] is False and data["status"] == 400 and data["errorClass"] == "UrlNotAllowed"
    assert "loopback" in data["message"]


async def test_link_local_is_refused_even_where_private_networks_are_allowed(client, alice, app):
    app.state.settings.webhook_allow_private_networks = True
    refused = await client.post(
        "/v2/webhooks",
        json={"subscriberUrl": "http://169.254.169.254/", "active": True, "triggers": []},
        headers=alice.headers,
    )
    assert refused.status_code == 400
    allowed = await client.post(
        "/v2/webhooks",
        json={"subscriberUrl": "http://127.0.0.1:9/", "active": True, "triggers": []},
        headers=alice.headers,
    )
    assert allowed.status_code == 201


# IPv6 forms that carry an IPv4 address: each reaches the IPv4 host inside it, so each is judged by it.
EMBEDDED_PRIVATE = [
    ("2002:a00:1::", "6to4 form of 10.0.0.1) is a private network address"),
    ("2002:7f00:1:1::5", "6to4 form of 127.0.0.1) is a loopback address"),
    ("2002:a9fe:a9fe::", "6to4 form of 169.254.169.254) is a cloud metadata address"),
    # Teredo: server 65.54.227.120; client 10.0.0.1 stored inverted (f5ff:fffe)
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "Teredo form of 10.0.0.1) is a private network address"),
    # Teredo whose server is the private one (client 8.8.8.8 inverted: f7f7:f7f7)
    ("2001:0:c0a8:101::f7f7:f7f7", "Teredo form of 192.168.1.1) is a private network address"),
    ("64:ff9b::a00:1", "NAT64 form of 10.0.0.1) is a private network address"),
    ("64:ff9b::7f00:1", "NAT64 form of 127.0.0.1) is a loopback address"),
    (
        "64:ff9b:1::a9fe:a9fe",
        "64:ff9b:1::a9fe:a9fe is a local-use NAT64 address, whose IPv4 destination cannot be told",
    ),
    ("::ffff:127.0.0.1", "IPv4-mapped form of 127.0.0.1) is a loopback address"),
    ("::ffff:169.254.1.1", "IPv4-mapped form of 169.254.1.1) is a link-local address"),
    ("::10.0.0.1", "IPv4-compatible form of 10.0.0.1) is a private network address"),
    ("::127.0.0.1", "IPv4-compatible form of 127.0.0.1) is a loopback address"),
]


@pytest.mark.parametrize(("address", "reason"), EMBEDDED_PRIVATE)
def test_ipv6_forms_of_private_ipv4_addresses_are_refused(address, reason):
    with pytest.raises(ssrf.UrlNotAllowed) as refused:
        ssrf.check_address(ipaddress.ip_address(address), allow_private=False)
    assert str(refused.value).endswith(reason), str(refused.value)


@pytest.mark.parametrize(
    "address",
    ["2002:a9fe:a9fe::", "64:ff9b::a9fe:a9fe", "::ffff:169.254.169.254", "2001:0:4136:e378:8000:63bf:5601:5601"],
)
def test_metadata_and_link_local_behind_any_form_are_refused_even_where_private_networks_are_allowed(address):
    # (the last is Teredo whose client is 169.254.169.254, stored inverted as 5601:5601)
    with pytest.raises(ssrf.UrlNotAllowed, match=r"cloud metadata|link-local"):
        ssrf.check_address(ipaddress.ip_address(address), allow_private=True)


@pytest.mark.parametrize("address", ["2002:808:808::1", "64:ff9b::808:808", "::ffff:8.8.8.8", "2001:4860:4860::8888"])
def test_forms_of_public_addresses_pass(address):
    ssrf.check_address(ipaddress.ip_address(address), allow_private=False)


def test_ipv4_compatible_and_local_use_nat64_are_not_used_even_for_public_addresses():
    with pytest.raises(ssrf.UrlNotAllowed, match="IPv4-compatible address, which is not routable"):
        ssrf.check_address(ipaddress.ip_address("::8.8.8.8"), allow_private=True)
    with pytest.raises(ssrf.UrlNotAllowed, match="local-use NAT64 address"):
        ssrf.check_address(ipaddress.ip_address("64:ff9b:1:808:8:800::"), allow_private=True)


@pytest.mark.parametrize(("address", "reason"), EMBEDDED_PRIVATE)
async def test_a_webhook_to_an_ipv6_form_of_a_private_address_is_refused_at_save(client, alice, address, reason):
    url = f"http://[{address}]:8080/hook"
    response = await client.post(
        "/v2/webhooks",
        json={"subscriberUrl": url, "active": True, "triggers": ["BOOKING_CREATED"]},
        headers=alice.headers,
    )
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert message.startswith("Webhook URL is not allowed: ") and message.endswith(reason), message


async def test_a_webhook_to_a_6to4_form_of_a_public_address_is_saved(client, alice):
    response = await client.post(
        "/v2/webhooks",
        json={"subscriberUrl": "http://[2002:808:808::1]/hook", "active": True, "triggers": []},
        headers=alice.headers,
    )
    assert response.status_code == 201, response.text


async def test_a_saved_6to4_form_of_a_private_address_is_refused_on_the_attempt(app, client, alice):
    hook_id = str(uuid.uuid4())
    async with app.state.sessionmaker() as session:
        session.add(
            Webhook(
                id=hook_id,
                user_id=alice.id,
                subscriber_url="http://[2002:a00:1::]/hook",
                triggers=["BOOKING_CREATED"],
                active=True,
                created_at=utcnow(),
            )
        )
        await session.commit()
    response = await client.post(f"/v2/webhooks/{hook_id}/ping", headers=alice.headers)
    data = response.json()["data"]
    assert data["ok"] is False and data["errorClass"] == "UrlNotAllowed"
    assert "6to4 form of 10.0.0.1" in data["message"]
