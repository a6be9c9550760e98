"""Security headers: ``nosniff`` on every answer, ``no-store`` on every answer to a request with a key."""

from __future__ import annotations

import pytest


async def test_anonymous_answers_are_nosniff_and_may_be_cached(client):
    for response in (
        await client.get("/v2/timezones"),
        await client.get("/v2/no-such-route"),
        await client.get("/health"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff", response.url
        assert "cache-control" not in response.headers, response.url


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v2/me", 200),
        ("GET", "/v2/bookings", 200),
        ("GET", "/v2/no-such-route", 404),
        ("POST", "/v2/api-keys/refresh", 200),  # the answer carries a new key
    ],
)
async def test_every_answer_to_a_v2_request_with_a_key_is_no_store(client, alice, method, path, status):
    response = await client.request(method, path, headers={**alice.headers, "cal-api-version": "2024-08-13"})
    assert response.status_code == status, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_v1_answers_with_an_api_key_are_no_store(client, alice):
    me = await client.get("/v1/me", params={"apiKey": alice.key})
    assert me.status_code == 200 and me.headers["cache-control"] == "no-store"
    minted = await client.post("/v1/api-keys", params={"apiKey": alice.key}, json={"note": "ci"})
    assert minted.status_code == 200, minted.text
    assert minted.headers["cache-control"] == "no-store" and minted.headers["x-content-type-options"] == "nosniff"


async def test_an_answer_refusing_a_key_carries_the_headers_too(client):
    refused = await client.get("/v2/me", headers={"Authorization": "Bearer cal_0123456789abcdef0123456789abcdef"})
    assert refused.status_code == 401
    assert refused.headers["cache-control"] == "no-store" and refused.headers["x-content-type-options"] == "nosniff"
    assert len(refused.headers.get_list("cache-control")) == 1


@pytest.mark.parametrize("settings_overrides", [{"rate_limit": "1/minute"}])
async def test_throttled_answers_carry_the_headers_too(client, alice):
    assert (await client.get("/v2/me", headers=alice.headers)).status_code == 200
    throttled = await client.get("/v2/me", headers=alice.headers)
    assert throttled.status_code == 429
    assert throttled.headers["cache-control"] == "no-store" and throttled.headers["x-content-type-options"] == "nosniff"
