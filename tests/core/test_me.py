"""``/v2/me``, ``/v2/timezones``, ``/health`` and the response basics every route shares."""

from __future__ import annotations

import uuid

from tests.conftest import BOTH_DATABASES


@BOTH_DATABASES
async def test_patch_me_changes_and_echoes_the_profile(client, alice):
    response = await client.patch(
        "/v2/me",
        headers=alice.headers,
        json={
            "name": "Alice A.",
            "timeZone": "Asia/Kathmandu",
            "weekStart": "Monday",
            "timeFormat": 24,
            "locale": "pt-BR",
        },
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["name"] == "Alice A." and data["timeZone"] == "Asia/Kathmandu"
    assert data["weekStart"] == "Monday" and data["timeFormat"] == 24
    again = (await client.get("/v2/me", headers=alice.headers)).json()["data"]
    assert again == data


async def test_me_output_fields(client, alice):
    data = (await client.get("/v2/me", headers=alice.headers)).json()["data"]
    assert set(data) == {
        "id",
        "username",
        "email",
        "name",
        "avatarUrl",
        "bio",
        "timeFormat",
        "defaultScheduleId",
        "weekStart",
        "timeZone",
        "organizationId",
    }
    assert isinstance(data["id"], int) and data["timeFormat"] in (12, 24)


async def test_patch_me_email_clash_is_a_conflict(client, alice, bob):
    response = await client.patch("/v2/me", headers=alice.headers, json={"email": bob.email})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "ConflictException"


async def test_patch_me_metadata_limits(client, alice):
    too_many = {f"k{i}": "v" for i in range(51)}
    response = await client.patch("/v2/me", headers=alice.headers, json={"metadata": too_many})
    assert response.status_code == 400
    assert "at most 50 keys" in response.json()["error"]["message"]


async def test_every_response_has_a_request_id(client, alice):
    seen = set()
    for response in (
        await client.get("/v2/me", headers=alice.headers),
        await client.get("/v2/me"),
        await client.get("/v2/nowhere"),
        await client.get("/health"),
    ):
        request_id = response.headers["x-request-id"]
        uuid.UUID(request_id, version=4)
        seen.add(request_id)
    assert len(seen) == 4


async def test_health(client):
    response = await client.get("/health")
    assert response.status_code == 200 and response.text == "OK"


async def test_timezones_are_public_and_iana(client):
    response = await client.get("/v2/timezones")
    assert response.status_code == 200
    items = response.json()["data"]
    assert {"city": "London", "timezone": "Europe/London", "pop": 0} in items
    assert any(i["timezone"] == "Asia/Kathmandu" for i in items)
    assert all(set(i) == {"city", "timezone", "pop"} for i in items)


async def test_openapi_has_stable_operation_ids(client):
    spec = (await client.get("/openapi.json")).json()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert "me_get" in ids and "api_keys_refresh" in ids
    docs = await client.get("/v2/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
