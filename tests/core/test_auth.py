"""API keys at the edge: Cal.com's 401 messages, in each version's envelope."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from calapi.api_keys.models import ApiKey
from tests.conftest import BOTH_DATABASES
from tests.support.factories import make_user

NO_CREDENTIALS = (
    "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' header "
    "or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers"
)


def assert_v2_error(response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    assert body["error"]["message"] == message
    assert body["path"].startswith("/v2/")
    datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))


@BOTH_DATABASES
async def test_a_valid_key_reads_its_own_profile(client, alice):
    response = await client.get("/v2/me", headers=alice.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["data"]["id"] == alice.id
    assert body["data"]["email"] == alice.email
    assert body["data"]["username"] == "alice"


async def test_bearer_word_is_optional_as_on_calcom(client, alice):
    response = await client.get("/v2/me", headers={"Authorization": alice.key})
    assert response.status_code == 200


async def test_missing_credentials(client):
    assert_v2_error(await client.get("/v2/me"), 401, "UnauthorizedException", NO_CREDENTIALS)
    v1 = await client.get("/v1/me")
    assert v1.status_code == 401
    assert v1.json() == {"message": "No apiKey provided"}


@BOTH_DATABASES
async def test_unknown_key(client, alice):
    unknown = "cal_" + "0" * 32
    assert_v2_error(
        await client.get("/v2/me", headers={"Authorization": f"Bearer {unknown}"}),
        401,
        "UnauthorizedException",
        "CustomThrottlerGuard - Invalid API Key",
    )
    v1 = await client.get("/v1/me", params={"apiKey": unknown})
    assert v1.status_code == 401
    assert v1.json() == {"error": "Your API key is not valid."}


async def test_a_bearer_that_is_not_an_api_key(client):
    assert_v2_error(
        await client.get("/v2/me", headers={"Authorization": "Bearer eyJhbGciOi.not-a-key"}),
        401,
        "UnauthorizedException",
        "ApiAuthStrategy - access token - Invalid Access Token.",
    )


async def test_expired_key(app, client):
    yesterday = datetime.now(UTC) - timedelta(days=1)
    user = await make_user(app, "carol", expires_at=yesterday)
    assert_v2_error(
        await client.get("/v2/me", headers=user.headers),
        401,
        "UnauthorizedException",
        "ApiAuthStrategy - api key - Your api key is expired",
    )
    v1 = await client.get("/v1/me", params={"apiKey": user.key})
    assert v1.status_code == 401
    assert v1.json() == {"error": "This API key is expired."}


async def test_a_key_that_expires_today_still_works(app, client):
    # The earliest instant of today: already past, but the key is good through the whole day.
    start_of_today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    user = await make_user(app, "dave", expires_at=start_of_today)
    assert (await client.get("/v2/me", headers=user.headers)).status_code == 200
    assert (await client.get("/v1/me", params={"apiKey": user.key})).status_code == 200


@BOTH_DATABASES
async def test_revoked_key(app, client, alice):
    assert (await client.get("/v2/me", headers=alice.headers)).status_code == 200
    from calapi.api_keys import service

    async with app.state.sessionmaker() as session:
        await service.revoke(session, alice.key_id)
        await session.commit()
    assert_v2_error(
        await client.get("/v2/me", headers=alice.headers),
        401,
        "UnauthorizedException",
        "CustomThrottlerGuard - Invalid API Key",
    )
    v1 = await client.get("/v1/me", params={"apiKey": alice.key})
    assert v1.json() == {"error": "Your API key is not valid."}


async def test_only_the_hash_of_the_key_is_stored(app, alice):
    async with app.state.sessionmaker() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.id == alice.key_id))
    assert alice.key.startswith("cal_") and len(alice.key) == len("cal_") + 32
    assert row.hashed_key == hashlib.sha256(alice.key.removeprefix("cal_").encode()).hexdigest()
    assert alice.key not in str(row.__dict__)


async def test_last_used_at_is_recorded(app, client, alice):
    await client.get("/v2/me", headers=alice.headers)
    async with app.state.sessionmaker() as session:
        row = await session.get(ApiKey, alice.key_id)
    assert row.last_used_at is not None
    assert datetime.now(UTC) - row.last_used_at < timedelta(seconds=30)


@pytest.mark.parametrize("settings_overrides", [{"api_key_prefix": "cal_live_"}])
async def test_live_prefix_keys_work_when_configured(app, client, settings_overrides):
    user = await make_user(app, "erin")
    assert user.key.startswith("cal_live_")
    assert (await client.get("/v2/me", headers=user.headers)).status_code == 200
    assert (await client.get("/v1/me", params={"apiKey": user.key})).json()["user"]["id"] == user.id


async def test_v1_me_returns_the_user_envelope(client, alice):
    response = await client.get("/v1/me", params={"apiKey": alice.key})
    assert response.status_code == 200
    user = response.json()["user"]
    assert user["id"] == alice.id and user["email"] == alice.email and user["role"] == "USER"
    assert user["createdDate"].endswith("Z")


async def test_refresh_swaps_the_key(client, alice):
    response = await client.post("/v2/api-keys/refresh", headers=alice.headers, json={"apiKeyDaysValid": 10})
    assert response.status_code == 200
    new_key = response.json()["data"]["apiKey"]
    assert new_key.startswith("cal_") and new_key != alice.key
    assert (await client.get("/v2/me", headers=alice.headers)).status_code == 401
    assert (await client.get("/v2/me", headers={"Authorization": f"Bearer {new_key}"})).status_code == 200


async def test_refresh_refuses_both_options(client, alice):
    response = await client.post(
        "/v2/api-keys/refresh", headers=alice.headers, json={"apiKeyDaysValid": 3, "apiKeyNeverExpires": True}
    )
    assert_v2_error(
        response,
        400,
        "BadRequestException",
        "ApiKeysService -Cannot set both apiKeyDaysValid and apiKeyNeverExpires. It has to be either or none of them.",
    )
    assert (await client.get("/v2/me", headers=alice.headers)).status_code == 200


async def test_refresh_needs_an_api_key(client):
    response = await client.post("/v2/api-keys/refresh", json={})
    assert response.status_code == 401
    assert "can only be accessed using an API key" in response.json()["error"]["message"]
