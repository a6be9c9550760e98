"""Rate limits: both header sets on every response, 429 with Retry-After, one budget across processes."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from calapi.api_keys import service as api_keys_service
from calapi.config import SettingsError, load_settings
from calapi.core.auth import LimitSpec
from calapi.core.ratelimit import RateLimiter
from tests.support.databases import fresh_sqlite
from tests.support.servers import REPO_ROOT, calapi_env, free_port, run_cli, running_server


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


async def test_each_user_has_its_own_budget(client, alice, bob):
    for _ in range(5):
        await client.get("/v2/me", headers=alice.headers)
    assert (await client.get("/v2/me", headers=alice.headers)).status_code == 429
    assert (await client.get("/v2/me", headers=bob.headers)).status_code == 200


async def test_a_refreshed_key_keeps_its_users_window(client, alice):
    assert [(await client.get("/v2/me", headers=alice.headers)).status_code for _ in range(2)] == [200, 200]
    refreshed = await client.post("/v2/api-keys/refresh", headers=alice.headers)
    assert refreshed.status_code == 200, refreshed.text
    new_key = {"Authorization": f"Bearer {refreshed.json()['data']['apiKey']}"}
    assert refreshed.headers["x-ratelimit-remaining"] == "2"
    statuses = [(await client.get("/v2/me", headers=new_key)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


async def test_every_key_of_a_user_draws_on_one_budget(app, client, alice):
    async with app.state.sessionmaker() as session:
        second = await api_keys_service.mint(session, user_id=alice.id, prefix=app.state.settings.api_key_prefix)
        await session.commit()
    for _ in range(5):
        assert (await client.get("/v2/me", headers=alice.headers)).status_code == 200
    assert (await client.get("/v2/me", headers={"Authorization": f"Bearer {second.key}"})).status_code == 429
    # v1 with ?apiKey= is the same user, the same budget
    assert (await client.get("/v1/me", params={"apiKey": second.key})).status_code == 429


async def test_a_keys_own_limit_moves_with_a_refresh_and_keeps_its_count(app, client, alice):
    async with app.state.sessionmaker() as session:
        await api_keys_service.set_rate_limit(session, api_key_id=alice.key_id, name="burst", limit=3, ttl_ms=60_000)
        await session.commit()
    assert (await client.get("/v2/me", headers=alice.headers)).status_code == 200
    refreshed = await client.post("/v2/api-keys/refresh", headers=alice.headers)
    assert refreshed.status_code == 200, refreshed.text
    new_key = {"Authorization": f"Bearer {refreshed.json()['data']['apiKey']}"}
    third = await client.get("/v2/me", headers=new_key)
    assert third.status_code == 200 and third.headers["x-ratelimit-remaining-burst"] == "0"
    assert (await client.get("/v2/me", headers=new_key)).status_code == 429


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
async def test_all_limits_of_a_request_are_counted_in_one_redis_round_trip(redis_url):
    limiter = RateLimiter(LimitSpec("default", 100, 60), redis_url)
    specs = (LimitSpec("default", 3, 60), LimitSpec("burst", 5, 30))
    tracker = f"user_test_{secrets.token_hex(4)}"  # its own counters: other tests may share the database
    sent: list[str] = []
    execute = limiter._redis.execute_command

    async def counted(*args, **kwargs):
        sent.append(args[0])
        return await execute(*args, **kwargs)

    try:
        await limiter.hit(tracker, specs)  # (loads the script on first use)
        limiter._redis.execute_command = counted
        decisions = [await limiter.hit(tracker, specs) for _ in range(3)]
    finally:
        await limiter.close()
    assert sent == ["EVALSHA"] * 3, sent
    last = decisions[-1]
    assert [(s.blocked, s.remaining) for s in last.states] == [(True, 0), (False, 1)]
    assert last.allowed  # refused only when every limit is spent
    assert [round(s.reset_at - time.time()) for s in last.states] == [60, 30]


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


# --- the client address behind proxies ---------------------------------------------------------


def client_from(app, address: str) -> httpx.AsyncClient:
    """A client whose connection comes from ``address`` (as the server would see the peer)."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url="http://testserver"
    )


async def test_forwarded_for_from_a_peer_that_is_not_a_configured_proxy_is_ignored(app):
    async with client_from(app, "127.0.0.1") as http:
        statuses = [
            (await http.get("/v2/timezones", headers={"X-Forwarded-For": f"198.51.100.{i}"})).status_code
            for i in range(6)
        ]
    assert statuses == [200] * 5 + [429]


def test_a_real_server_does_not_trust_forwarded_for_from_loopback(sqlite_template, tmp_path):
    # uvicorn by itself trusts proxy headers from 127.0.0.1: each spoofed address got a bucket.
    settings = {
        "database_url": fresh_sqlite(sqlite_template, tmp_path),
        "rate_limit": "4/minute",
        "run_worker": "false",
    }
    with running_server(**settings) as base:  # (its start-up polls /health from 127.0.0.1 too)
        responses = [
            httpx.get(base + "/v2/timezones", headers={"X-Forwarded-For": f"198.51.100.{i}"}, timeout=10)
            for i in range(5)
        ]
    remaining = [int(r.headers["x-ratelimit-remaining"]) for r in responses]
    assert remaining == sorted(remaining, reverse=True) and remaining[-1] == 0, remaining
    assert responses[-1].status_code == 429


@contextmanager
def bare_uvicorn(**settings: str) -> Iterator[str]:
    """``uvicorn calapi.asgi:app`` with uvicorn's own defaults (no ``calapi serve``); its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "calapi.asgi:app", "--port", str(port), "--log-level", "warning"],
        env=calapi_env(**settings),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else "uvicorn exited"
            try:
                httpx.get(base + "/v2/versions", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "uvicorn did not start within 30 s"
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_bare_uvicorn_does_not_trust_forwarded_for_from_loopback(sqlite_template, tmp_path):
    # uvicorn by itself trusts proxy headers from 127.0.0.1 and ::1; calapi.asgi turns that off, so
    # CALAPI_TRUSTED_PROXIES (empty: nobody) decides under any way of starting the server.
    settings = {
        "database_url": fresh_sqlite(sqlite_template, tmp_path),
        "rate_limit": "4/minute",
        "run_worker": "false",
    }
    with bare_uvicorn(**settings) as base:  # (its start-up polls from 127.0.0.1 too)
        responses = [
            httpx.get(base + "/v2/timezones", headers={"X-Forwarded-For": f"198.51.100.{i}"}, timeout=10)
            for i in range(5)
        ]
    remaining = [int(r.headers["x-ratelimit-remaining"]) for r in responses]
    assert remaining == sorted(remaining, reverse=True) and remaining[-1] == 0, remaining
    assert responses[-1].status_code == 429


def test_a_bare_uvicorn_reads_forwarded_for_from_a_configured_proxy(sqlite_template, tmp_path):
    settings = {
        "database_url": fresh_sqlite(sqlite_template, tmp_path),
        "rate_limit": "2/minute",
        "run_worker": "false",
        "trusted_proxies": "127.0.0.1, ::1",
    }
    with bare_uvicorn(**settings) as base:
        statuses = [
            httpx.get(base + "/v2/timezones", headers={"X-Forwarded-For": client}, timeout=10).status_code
            for client in ("198.51.100.1", "198.51.100.1", "198.51.100.1", "198.51.100.2")
        ]
    assert statuses == [200, 200, 429, 200], statuses


@pytest.mark.parametrize("settings_overrides", [{"rate_limit": "2/minute", "trusted_proxies": "10.0.0.0/8, 192.0.2.7"}])
async def test_a_configured_proxy_gives_each_forwarded_client_its_own_bucket(app):
    async with (
        client_from(app, "10.1.2.3") as proxy,
        client_from(app, "192.0.2.7") as other_proxy,
        client_from(app, "203.0.113.50") as direct,
    ):
        first = {"X-Forwarded-For": "198.51.100.1"}
        assert [(await proxy.get("/v2/timezones", headers=first)).status_code for _ in range(2)] == [200, 200]
        # The same client through the other proxy, and with an address of its own choosing written in
        # front (only the entry the proxy appended counts): the same spent bucket.
        assert (await other_proxy.get("/v2/timezones", headers=first)).status_code == 429
        spoofed = {"X-Forwarded-For": "203.0.113.99, 198.51.100.1"}
        assert (await proxy.get("/v2/timezones", headers=spoofed)).status_code == 429
        # A chain of trusted proxies: the client is the nearest entry that is not one of them.
        chained = {"X-Forwarded-For": "198.51.100.1, 10.9.9.9"}
        assert (await proxy.get("/v2/timezones", headers=chained)).status_code == 429
        # Another client behind the proxy has its own bucket.
        assert (await proxy.get("/v2/timezones", headers={"X-Forwarded-For": "198.51.100.2"})).status_code == 200
        # A peer that is not a configured proxy is counted by its own address, whatever it forwards.
        assert [
            (await direct.get("/v2/timezones", headers={"X-Forwarded-For": f"198.51.100.{i}"})).status_code
            for i in (3, 4, 5)
        ] == [200, 200, 429]


@pytest.mark.parametrize("settings_overrides", [{"trusted_proxies": "10.0.0.1"}])
async def test_a_configured_proxy_sets_the_scheme_of_links(app, alice):
    async with client_from(app, "10.0.0.1") as proxy, client_from(app, "203.0.113.50") as direct:
        team = (await proxy.post("/v1/teams", params={"apiKey": alice.key}, json={"name": "Sales"})).json()["team"][
            "id"
        ]
        https = {"X-Forwarded-Proto": "https"}
        published = await proxy.patch(f"/v1/teams/{team}/publish", params={"apiKey": alice.key}, headers=https)
        assert published.json()["url"].startswith("https://testserver/")
        not_trusted = await direct.patch(f"/v1/teams/{team}/publish", params={"apiKey": alice.key}, headers=https)
        assert not_trusted.json()["url"].startswith("http://testserver/")


@pytest.mark.parametrize("value", ["10.0.0.0/33", "proxy.internal", "10.0.0.1,,nope"])
def test_trusted_proxies_must_be_addresses_or_networks(value):
    with pytest.raises(SettingsError, match="CALAPI_TRUSTED_PROXIES: expected addresses or networks"):
        load_settings(trusted_proxies=value)
