"""Rate limits: both header sets on every response, 429 with Retry-After, one budget across processes."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from calapi.api_keys import service as api_keys_service
from tests.support.databases import fresh_sqlite
from tests.support.servers import run_cli, running_server

@pytest.fixture
def settings_overrides():
    return {"rate_limit": "5/minute"}


def limit_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("x-ratelimit") or k == "retry-after"}


async def test_headers_count_down_and_the_sixth_request_is_refused(client, alice):
    remaining = []
    for _ in range(5):
        response = await client.get("/v2/me", headers=alice.headers)
        assert response.status_code == 200
        headers = limit_headers(response)
        assert headers["x-ratelimit-limit"] == headers["x-ratelimit-limit-default"] == "5"
        assert headers["x-ratelimit-remaining"] == headers["x-ratelimit-remaining-default"]
        assert 0 < int(headers["x-ratelimit-reset-default"]) <= 60
        assert abs(int(headers["x-ratelimit-reset"]) - time.time() - 60) <= 61  # epoch seconds
        remaining.append(int(headers["x-ratelimit-remaining"]))
    assert remaining == [4, 3, 2, 1, 0]

    refused = await client.get("/v2/me", headers=alice.headers)
    assert refused.status_code == 429
    headers = limit_headers(refused)
    assert headers["x-ratelimit-remaining"] == headers["x-ratelimit-remaining-default"] == "0"
    assert 1 <= int(headers["retry-after"]) <= 60
    body = refused.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == "ThrottlerException"
    assert body["error"]["message"] == "CustomThrottlerGuard - Too many requests. Please try again later."
    assert body["error"]["details"] == body["error"]["message"]


async def test_v1_429_body_matches_calcom_docs(client, alice):
    for _ in range(5):
        assert (await client.get("/v1/me", params={"apiKey": alice.key})).status_code == 200
    refused = await client.get("/v1/me", params={"apiKey": alice.key})
    assert refused.status_code == 429
    assert refused.json() == {"error": {"code": "too_many_requests", "message": "Rate limit exceeded"}}
    assert "retry-after" in refused.headers and "x-ratelimit-reset" in refused.headers


async def test_each_key_has_its_own_budget(client, alice, bob):
    for _ in range(5):
        await client.get("/v2/me", headers=alice.headers)
    assert (await client.get("/v2/me", headers=alice.headers)).status_code == 429
    assert (await client.get("/v2/me", headers=bob.headers)).status_code == 200


async def test_anonymous_callers_are_counted_by_ip(client):
    statuses = [(await client.get("/v2/timezones")).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


async def test_errors_carry_the_headers_too(client):
    response = await client.get("/v2/me")
    assert response.status_code == 401
    assert {"x-ratelimit-limit", "x-ratelimit-remaining-default", "x-ratelimit-reset-default"} <= set(response.headers)


async def test_a_per_key_limit_row_overrides_the_default(app, client, alice):
    async with app.state.sessionmaker() as session:
        await api_keys_service.set_rate_limit(session, api_key_id=alice.key_id, name="burst", limit=2, ttl_ms=60_000)
        await session.commit()
    first = await client.get("/v2/me", headers=alice.headers)
    assert first.headers["x-ratelimit-limit-burst"] == "2"
    assert "x-ratelimit-limit-default" not in first.headers
    assert (await client.get("/v2/me", headers=alice.headers)).status_code == 200
    assert (await client.get("/v2/me", headers=alice.headers)).status_code == 429


@pytest.mark.parametrize("settings_overrides", [{"rate_limit": "2/2 seconds"}])
async def test_throttling_ends_with_the_window(client, alice):
    assert [(await client.get("/v2/me", headers=alice.headers)).status_code for _ in range(3)] == [200, 200, 429]
    await asyncio.sleep(2.2)
    assert (await client.get("/v2/me", headers=alice.headers)).status_code == 200


@pytest.mark.redis
def test_two_processes_sharing_redis_enforce_one_budget(sqlite_template, tmp_path, redis_url):
    database_url = fresh_sqlite(sqlite_template, tmp_path)
    settings = {"database_url": database_url, "redis_url": redis_url, "rate_limit": "10/minute", "run_worker": "false"}
    created = run_cli("users", "create", "--email", "r@example.com", "--username", "r", **settings)
    assert created.returncode == 0, created.stderr
    minted = run_cli("keys", "create", "--user", "r@example.com", "--json", **settings)
    assert minted.returncode == 0, minted.stderr
    key = json.loads(minted.stdout)["key"]
    headers = {"Authorization": f"Bearer {key}"}
    with running_server(**settings) as first, running_server(**settings) as second:
        statuses = []
        for i in range(14):
            base = (first, second)[i % 2]
            statuses.append(httpx.get(base + "/v2/me", headers=headers, timeout=10).status_code)
    assert statuses == [200] * 10 + [429] * 4
